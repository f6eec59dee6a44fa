/* test_snapshot.c: which files a code snapshot takes, symlinks, the size limit and the content hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "trainctl/error.h"
#include "trainctl/module.h"
#include "trainctl/util.h"
#include "trainctl/vcs.h"

static tctl_snapshot *snapshot(const char *dir, uint64_t max)
{
	tctl_snapshot_options opts = TCTL_SNAPSHOT_OPTIONS_INIT;
	tctl_snapshot *s = NULL;
	int rc;

	opts.max_size = max;
	if ((rc = tctl_vcs_snapshot(&s, dir, &opts)) < 0)
		fprintf(stderr, "# %s\n", tctl_error_last()->message);
	assert_int_equal(rc, 0);
	return s;
}

/* The snapshot's paths, one per line. */
static char *listing(const tctl_snapshot *s)
{
	tctl_buf b = TCTL_BUF_INIT;

	for (size_t i = 0; i < s->files_len; i++)
		tctl_buf_printf(&b, "%s\n", s->files[i].path);
	return tctl_buf_detach(&b);
}

static char *hash(const tctl_snapshot *s)
{
	char hex[TCTL_SHA256_HEX_SIZE];
	assert_int_equal(tctl_snapshot_hash(hex, s), 0);
	return strdup(hex);
}

static void assert_listing(const char *dir, const char *expect)
{
	tctl_snapshot *s = snapshot(dir, 0);
	char *got = listing(s);
	assert_string_equal(got, expect);
	free(got);
	tctl_snapshot_free(s);
}

/* A repository: tracked, untracked, ignored by git, ignored by trainctl, deleted. */
static char *make_repo(void)
{
	char *dir = fx_tmpdir();

	fx_write(dir, "train.py", "print('train')\n");
	fx_write(dir, "lib/model.py", "m = 1\n");
	fx_write(dir, "data/big.csv", "tracked but excluded by .amlignore\n");
	fx_write(dir, "gone.txt", "deleted later\n");
	fx_write(dir, ".gitignore", "*.ckpt\noutputs/\n");
	fx_write(dir, ".amlignore", "data/\n");
	fx_write(dir, "lib/.trainctlignore", "*.tmp\n");
	assert_int_equal(fx_sh(dir, "git init -q . && git add -A && git commit -qm one && rm gone.txt"), 0);
	fx_write(dir, "notes.md", "untracked, kept\n");
	fx_write(dir, "model.ckpt", "ignored by git\n");
	fx_write(dir, "outputs/run1/log.txt", "ignored folder\n");
	fx_write(dir, "lib/scratch.tmp", "ignored by .trainctlignore\n");
	return dir;
}

static void files_a_run_needs(void **state)
{
	char *dir = make_repo();

	(void)state;
	assert_listing(dir, ".amlignore\n.gitignore\nlib/.trainctlignore\nlib/model.py\nnotes.md\ntrain.py\n");
	/* a subfolder: its files, paths relative to it, root rules still apply */
	fx_write(dir, "lib/sub/x.py", "x\n");
	char *lib = tctl_path_join(dir, "lib");
	assert_listing(lib, ".trainctlignore\nmodel.py\nsub/x.py\n");
	free(lib);
	tctl_snapshot *s = snapshot(dir, 0);
	assert_true(s->in_repo);
	assert_string_equal(s->files[6].path, "train.py");
	assert_int_equal(s->files[6].size, strlen("print('train')\n"));
	assert_int_equal(s->files[6].mode, 0100644);
	assert_non_null(strstr(s->files[6].abs_path, "/train.py"));
	tctl_snapshot_free(s);
	tctl_snapshot_free(NULL);
	fx_rmrf(dir);
}

static void outside_a_repository(void **state)
{
	char *dir = fx_tmpdir();
	tctl_snapshot *s;

	(void)state;
	fx_write(dir, "run.sh", "echo hi\n");
	fx_write(dir, ".gitignore", "*.log\n");
	fx_write(dir, ".trainctlignore", "cache/\n");
	fx_write(dir, "a.log", "x\n");
	fx_write(dir, "cache/x", "x\n");
	fx_write(dir, "vendored/.git/HEAD", "ref: refs/heads/main\n");
	fx_write(dir, "vendored/lib.c", "int x;\n");
	assert_int_equal(fx_sh(dir, "mkfifo pipe"), 0);
	s = snapshot(dir, 0);
	assert_false(s->in_repo);
	tctl_snapshot_free(s);
	assert_listing(dir, ".gitignore\n.trainctlignore\nrun.sh\nvendored/lib.c\n");
	assert_false(tctl_module_loaded("git"));
	fx_rmrf(dir);
}

static void symlinks_inside_are_followed(void **state)
{
	char *dir = make_repo();
	tctl_snapshot *s;

	(void)state;
	assert_int_equal(fx_sh(dir, "ln -s lib/model.py current.py && ln -s lib libdir && "
				    "git add current.py libdir && git commit -qm links"), 0);
	s = snapshot(dir, 0);
	char *got = listing(s);
	assert_string_equal(got, ".amlignore\n.gitignore\ncurrent.py\nlib/.trainctlignore\nlib/model.py\n"
				 "libdir/.trainctlignore\nlibdir/model.py\nnotes.md\ntrain.py\n");
	assert_int_equal(s->files[2].size, strlen("m = 1\n"));
	assert_non_null(strstr(s->files[2].abs_path, "/lib/model.py"));
	free(got);
	tctl_snapshot_free(s);
	fx_rmrf(dir);
}

static void assert_refused(const char *dir, const char *needle1, const char *needle2)
{
	tctl_snapshot *s = NULL;

	assert_int_equal(tctl_vcs_snapshot(&s, dir, NULL), TCTL_ESECURITY);
	assert_null(s);
	assert_non_null(strstr(tctl_error_last()->message, needle1));
	assert_non_null(strstr(tctl_error_last()->message, needle2));
}

static void escaping_symlinks_are_refused(void **state)
{
	char *dir = make_repo();

	(void)state;
	assert_int_equal(fx_sh(dir, "ln -s /etc/hostname host"), 0);
	assert_refused(dir, "symlink 'host' points to '/etc/hostname'", "outside the repository");
	/* once ignored, it is not looked at */
	fx_write(dir, ".trainctlignore", "host\n");
	tctl_snapshot_free(snapshot(dir, 0));
	assert_int_equal(fx_sh(dir, "rm host .trainctlignore && ln -s ../../.. lib/up"), 0);
	assert_refused(dir, "symlink 'lib/up' points to '../../..'", "outside the repository");
	assert_int_equal(fx_sh(dir, "rm lib/up && ln -s .git/config cfg"), 0);
	assert_refused(dir, "symlink 'cfg'", "outside the repository");
	assert_int_equal(fx_sh(dir, "rm cfg && ln -s missing.txt dangling"), 0);
	assert_refused(dir, "symlink 'dangling' points to 'missing.txt'", "does not exist");
	assert_int_equal(fx_sh(dir, "rm dangling && ln -s .. lib/loop"), 0);
	assert_refused(dir, "symlink 'lib/loop'", "loop");
	fx_rmrf(dir);
}

static void hash_follows_content_not_times(void **state)
{
	char *dir = make_repo(), *h1, *h2, *expect;
	tctl_snapshot *s;

	(void)state;
	s = snapshot(dir, 0);
	h1 = hash(s);
	/* computed independently, from the layout in docs/git.md */
	expect = fx_sh_out(dir, "python3 '%s/unit/snapshot_hash.py' . .amlignore .gitignore "
				"lib/.trainctlignore lib/model.py notes.md train.py", getenv("TESTS_SRC"));
	assert_string_equal(h1, expect);
	free(expect);
	tctl_snapshot_free(s);
	assert_int_equal(fx_sh(dir, "touch -d '2001-01-01' train.py lib/model.py"), 0);
	s = snapshot(dir, 0);
	h2 = hash(s);
	assert_string_equal(h1, h2); /* same content, other times */
	free(h2);
	tctl_snapshot_free(s);
	fx_write(dir, "train.py", "print('trains')\n");
	s = snapshot(dir, 0);
	h2 = hash(s);
	assert_string_not_equal(h1, h2); /* one byte more */
	free(h2);
	tctl_snapshot_free(s);
	fx_write(dir, "train.py", "print('train')\n");
	assert_int_equal(fx_sh(dir, "chmod +x train.py"), 0);
	s = snapshot(dir, 0);
	assert_int_equal(s->files[5].mode, 0100755);
	h2 = hash(s);
	assert_string_not_equal(h1, h2); /* executable bit */
	free(h2);
	tctl_snapshot_free(s);
	assert_int_equal(fx_sh(dir, "chmod -x train.py && mv notes.md notes2.md"), 0);
	s = snapshot(dir, 0);
	h2 = hash(s);
	assert_string_not_equal(h1, h2); /* a rename */
	free(h2);
	tctl_snapshot_free(s);
	assert_int_equal(fx_sh(dir, "mv notes2.md notes.md && echo x > outputs/new.txt"), 0);
	s = snapshot(dir, 0);
	h2 = hash(s);
	assert_string_equal(h1, h2); /* back as it was; an ignored file changes nothing */
	free(h2);
	tctl_snapshot_free(s);
	free(h1);
	fx_rmrf(dir);
}

static void size_limit_names_the_largest_files(void **state)
{
	char *dir = make_repo();
	tctl_snapshot *s = NULL;
	const char *msg;

	(void)state;
	assert_int_equal(fx_sh(dir, "head -c 3000000 /dev/zero > weights.bin && "
				    "head -c 2000000 /dev/zero > lib/emb.bin"), 0);
	assert_int_equal(tctl_vcs_snapshot(&s, dir, &(tctl_snapshot_options){ 1, 4000000 }), TCTL_ENOFIT);
	assert_null(s);
	msg = tctl_error_last()->message;
	assert_non_null(strstr(msg, "over the 3.8 MiB limit"));
	assert_non_null(strstr(msg, "largest files: 'weights.bin' (2.9 MiB), 'lib/emb.bin' (1.9 MiB), "));
	assert_non_null(strstr(msg, ".trainctlignore"));
	s = snapshot(dir, 6000000);
	/* the two blobs and .amlignore, .gitignore, lib/.trainctlignore, lib/model.py, notes.md, train.py */
	assert_int_equal(s->total_size, 5000000 + 6 + 16 + 6 + 6 + 16 + 15);
	tctl_snapshot_free(s);
	fx_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outside_a_repository),
		cmocka_unit_test(files_a_run_needs),
		cmocka_unit_test(symlinks_inside_are_followed),
		cmocka_unit_test(escaping_symlinks_are_refused),
		cmocka_unit_test(hash_follows_content_not_times),
		cmocka_unit_test(size_limit_names_the_largest_files),
	};
	fx_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
