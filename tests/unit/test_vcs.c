/* test_vcs.c: provenance, remote URLs, hook event updates and hook folders, in repositories made here. */
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
#include "trainctl/sha256.h"
#include "trainctl/util.h"
#include "trainctl/vcs.h"

/* A repository with two commits on main: train.py, data/README, then model/net.py. */
static char *make_repo(void)
{
	char *dir = fx_tmpdir();

	fx_write(dir, "train.py", "print('train')\n");
	fx_write(dir, "data/README", "data goes here\n");
	fx_write(dir, ".gitignore", "*.ckpt\n");
	assert_int_equal(fx_sh(dir, "git init -q . && git add -A && git commit -qm one"), 0);
	fx_write(dir, "model/net.py", "net = 1\n");
	assert_int_equal(fx_sh(dir, "git add -A && git commit -qm two"), 0);
	return dir;
}

static tctl_provenance *provenance(const char *dir)
{
	tctl_provenance *p = NULL;
	int rc = tctl_vcs_provenance(&p, dir);
	if (rc)
		fprintf(stderr, "# %s\n", tctl_error_last()->message);
	assert_int_equal(rc, 0);
	return p;
}

static void outside_a_repository_without_loading_git(void **state)
{
	char *dir = fx_tmpdir(), *real = realpath(dir, NULL);
	tctl_provenance *p = provenance(dir);

	(void)state;
	assert_false(p->in_repo);
	assert_string_equal(p->root, real);
	assert_null(p->commit);
	assert_null(p->branch);
	assert_false(p->dirty);
	assert_string_equal(p->note, "not a git repository");
	assert_false(tctl_module_loaded("git"));
	tctl_provenance_free(p);
	tctl_provenance_free(NULL);
	free(real);
	fx_rmrf(dir);
}

static void clean_repository(void **state)
{
	char *dir = make_repo(), *head = fx_sh_out(dir, "git rev-parse HEAD"), *real = realpath(dir, NULL);
	tctl_provenance *p = provenance(dir);

	(void)state;
	assert_true(p->in_repo);
	assert_string_equal(p->root, real);
	assert_string_equal(p->commit, head);
	assert_string_equal(p->branch, "main");
	assert_string_equal(p->head, "main");
	assert_false(p->detached);
	assert_false(p->dirty);
	assert_int_equal(p->changes_len, 0);
	assert_string_equal(p->diff, "");
	assert_string_equal(p->diff_sha256, "");
	assert_null(p->remote);
	assert_null(p->remote_url);
	assert_false(p->bare || p->shallow || p->unborn);
	assert_null(p->note);
	assert_true(tctl_module_loaded("git"));
	tctl_provenance_free(p);
	/* the same from a subfolder */
	char *sub = tctl_path_join(dir, "model");
	p = provenance(sub);
	assert_string_equal(p->root, real);
	tctl_provenance_free(p);
	free(sub);
	free(real);
	free(head);
	fx_rmrf(dir);
}

static void assert_change(const tctl_provenance *p, size_t i, const char *status, const char *path)
{
	assert_true(i < p->changes_len);
	assert_string_equal(p->changes[i].status, status);
	assert_string_equal(p->changes[i].path, path);
}

static void dirty_repository_and_its_patch(void **state)
{
	char *dir = make_repo(), *copy = fx_tmpdir();
	unsigned char digest[32];
	char hex[65];
	tctl_provenance *p;

	(void)state;
	fx_write(dir, "train.py", "print('train harder')\n");
	fx_write(dir, "staged.txt", "staged\n");
	fx_write(dir, "notes/new.txt", "untracked\n");
	fx_write(dir, "run.ckpt", "ignored\n");
	assert_int_equal(fx_sh(dir, "git rm -q data/README && git add staged.txt && "
				    "printf '\\000\\001\\002binary' > blob.bin"), 0);
	p = provenance(dir);
	assert_true(p->dirty);
	assert_int_equal(p->changes_len, 5);
	assert_change(p, 0, "??", "blob.bin");
	assert_change(p, 1, "D ", "data/README");
	assert_change(p, 2, "??", "notes/new.txt");
	assert_change(p, 3, "A ", "staged.txt");
	assert_change(p, 4, " M", "train.py");
	assert_int_equal(p->diff_len, strlen(p->diff));
	tctl_sha256(digest, p->diff, p->diff_len);
	tctl_sha256_hex(hex, digest);
	assert_string_equal(p->diff_sha256, hex);
	assert_null(strstr(p->diff, "run.ckpt"));
	/* the patch recreates the work tree from the commit */
	char *patch = tctl_path_join(copy, "dirty.patch");
	assert_int_equal(tctl_file_write_atomic(patch, p->diff, p->diff_len, 0644), 0);
	assert_int_equal(fx_sh(copy, "git clone -q '%s' repo && cd repo && git apply --binary ../dirty.patch", dir), 0);
	assert_int_equal(fx_sh(copy, "diff -r -x .git -x run.ckpt repo '%s'", dir), 0);
	char *sum = fx_sh_out(copy, "sha256sum dirty.patch | cut -d' ' -f1");
	assert_string_equal(sum, p->diff_sha256);
	free(sum);
	free(patch);
	tctl_provenance_free(p);
	fx_rmrf(copy);
	fx_rmrf(dir);
}

static void detached_head(void **state)
{
	char *dir = make_repo(), *head, *shortid, *expect = NULL;
	tctl_provenance *p;

	(void)state;
	assert_int_equal(fx_sh(dir, "git checkout -q --detach HEAD~1"), 0);
	head = fx_sh_out(dir, "git rev-parse HEAD");
	shortid = fx_sh_out(dir, "git rev-parse --short HEAD");
	p = provenance(dir);
	assert_true(p->detached);
	assert_null(p->branch);
	assert_string_equal(p->commit, head);
	assert_true(asprintf(&expect, "HEAD detached at %s", shortid) > 0);
	assert_string_equal(p->head, expect);
	assert_false(p->dirty);
	tctl_provenance_free(p);
	free(expect);
	free(shortid);
	free(head);
	fx_rmrf(dir);
}

static void remote_credentials_are_stripped(void **state)
{
	char *dir = make_repo(), *json = NULL;
	tctl_provenance *p;

	(void)state;
	assert_int_equal(fx_sh(dir, "git remote add zeta https://z.example/r.git && "
				    "git remote add alpha ssh://git:secret@a.example/r.git"), 0);
	p = provenance(dir);
	assert_string_equal(p->remote, "alpha");
	assert_string_equal(p->remote_url, "ssh://git@a.example/r.git");
	tctl_provenance_free(p);
	assert_int_equal(fx_sh(dir, "git remote add origin "
				    "'https://user:ghp_T0KEN@github.com/org/repo.git?token=x#frag'"), 0);
	p = provenance(dir);
	assert_string_equal(p->remote, "origin");
	assert_string_equal(p->remote_url, "https://github.com/org/repo.git");
	assert_int_equal(tctl_provenance_to_json(&json, p), 0);
	assert_null(strstr(json, "ghp_T0KEN"));
	assert_non_null(strstr(json, "\"remote_url\":\"https://github.com/org/repo.git\""));
	assert_non_null(strstr(json, "\"branch\":\"main\""));
	free(json);
	tctl_provenance_free(p);
	fx_rmrf(dir);
}

static void assert_stripped(const char *url, const char *expect)
{
	char *out = NULL;
	assert_int_equal(tctl_vcs_url_strip(&out, url), 0);
	assert_string_equal(out, expect);
	free(out);
}

static void url_forms(void **state)
{
	(void)state;
	assert_stripped("https://user:token@host.example/a/b.git", "https://host.example/a/b.git");
	assert_stripped("https://ghp_abc@github.com/o/r", "https://github.com/o/r");
	assert_stripped("http://u:p@host:8080/r.git", "http://host:8080/r.git");
	assert_stripped("https://host/r.git?access_token=abc", "https://host/r.git");
	assert_stripped("https://dev.azure.com/org/p/_git/r", "https://dev.azure.com/org/p/_git/r");
	assert_stripped("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git");
	assert_stripped("ssh://git:pw@host:22/r.git", "ssh://git@host:22/r.git");
	assert_stripped("git+ssh://me:pw@host/r", "git+ssh://me@host/r");
	assert_stripped("git@github.com:o/r.git", "git@github.com:o/r.git");
	assert_stripped("me:pw@host:o/r.git", "me@host:o/r.git");
	assert_stripped("/srv/git/r.git", "/srv/git/r.git");
	assert_stripped("file:///srv/git/r.git", "file:///srv/git/r.git");
	assert_stripped("../r@x/y.git", "../r@x/y.git");
}

static void repository_without_commits(void **state)
{
	char *dir = fx_tmpdir();
	tctl_provenance *p;
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(fx_sh(dir, "git init -q -b trunk ."), 0);
	fx_write(dir, "a.txt", "a\n");
	p = provenance(dir);
	assert_true(p->in_repo && p->unborn);
	assert_null(p->commit);
	assert_string_equal(p->branch, "trunk");
	assert_true(p->dirty);
	assert_change(p, 0, "??", "a.txt");
	assert_non_null(strstr(p->diff, "+a"));
	assert_string_equal(p->note, "no commits yet");
	tctl_provenance_free(p);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "post-commit", NULL), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "no commits yet"));
	fx_rmrf(dir);
}

static void bare_repository(void **state)
{
	char *src = make_repo(), *dir = fx_tmpdir(), *bare = NULL, *head = fx_sh_out(src, "git rev-parse HEAD");
	tctl_provenance *p;

	(void)state;
	assert_int_equal(fx_sh(dir, "git clone -q --bare '%s' r.git", src), 0);
	bare = tctl_path_join(dir, "r.git");
	p = provenance(bare);
	assert_true(p->in_repo && p->bare);
	assert_string_equal(p->commit, head);
	assert_string_equal(p->branch, "main");
	assert_false(p->dirty);
	assert_string_equal(p->diff, "");
	assert_non_null(strstr(p->note, "bare repository"));
	assert_non_null(p->remote_url);
	tctl_provenance_free(p);
	free(head);
	free(bare);
	fx_rmrf(dir);
	fx_rmrf(src);
}

static void shallow_clone(void **state)
{
	char *src = make_repo(), *dir = fx_tmpdir(), *clone, *head = fx_sh_out(src, "git rev-parse HEAD");
	tctl_vcs_update *u = NULL;
	tctl_provenance *p;
	size_t n = 0;

	(void)state;
	assert_int_equal(fx_sh(dir, "git clone -q --depth 1 'file://%s' c", src), 0);
	clone = tctl_path_join(dir, "c");
	p = provenance(clone);
	assert_true(p->shallow);
	assert_string_equal(p->commit, head);
	assert_non_null(strstr(p->note, "shallow clone"));
	tctl_provenance_free(p);
	/* HEAD's parent is not in the clone: every path counts */
	assert_int_equal(tctl_vcs_event_updates(&u, &n, clone, "post-commit", NULL), 0);
	assert_int_equal(n, 1);
	assert_null(u[0].base);
	assert_int_equal(u[0].paths_len, 4);
	assert_non_null(strstr(u[0].note, "shallow"));
	tctl_vcs_updates_free(u, n);
	free(clone);
	free(head);
	fx_rmrf(dir);
	fx_rmrf(src);
}

static void post_commit_paths(void **state)
{
	char *dir = make_repo(), *head = fx_sh_out(dir, "git rev-parse HEAD"),
	     *parent = fx_sh_out(dir, "git rev-parse HEAD~1");
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "post-commit", NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].branch, "main");
	assert_string_equal(u[0].commit, head);
	assert_string_equal(u[0].base, parent);
	assert_int_equal(u[0].paths_len, 1);
	assert_string_equal(u[0].paths[0], "model/net.py");
	assert_null(u[0].note);
	tctl_vcs_updates_free(u, n);
	/* a root commit: the whole tree */
	assert_int_equal(fx_sh(dir, "git checkout -q --orphan fresh && git commit -qm root"), 0);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "post-commit", NULL), 0);
	assert_string_equal(u[0].branch, "fresh");
	assert_null(u[0].base);
	assert_int_equal(u[0].paths_len, 4);
	assert_string_equal(u[0].paths[0], ".gitignore");
	assert_string_equal(u[0].paths[3], "train.py");
	assert_non_null(strstr(u[0].note, "root commit"));
	tctl_vcs_updates_free(u, n);
	/* detached: no branch; a rename lists both sides */
	assert_int_equal(fx_sh(dir, "git checkout -q --detach && git mv train.py fit.py && git commit -qm mv"), 0);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "post-commit", NULL), 0);
	assert_null(u[0].branch);
	assert_int_equal(u[0].paths_len, 2);
	assert_string_equal(u[0].paths[0], "fit.py");
	assert_string_equal(u[0].paths[1], "train.py");
	tctl_vcs_updates_free(u, n);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "post-comit", NULL), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "unknown hook event 'post-comit'"));
	free(parent);
	free(head);
	fx_rmrf(dir);
}

static void post_merge_paths(void **state)
{
	char *dir = make_repo(), *before;
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	(void)state;
	before = fx_sh_out(dir, "git rev-parse HEAD");
	assert_int_equal(fx_sh(dir, "git checkout -q -b feature && mkdir -p src/deep && echo x > src/deep/a.py && "
				    "echo y > b.txt && git add -A && git commit -qm f1 && echo z > src/c.py && "
				    "git add -A && git commit -qm f2 && git checkout -q main && "
				    "git merge -q --no-ff -m merge feature"), 0);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "post-merge", NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].branch, "main");
	assert_string_equal(u[0].base, before);
	assert_int_equal(u[0].paths_len, 3);
	assert_string_equal(u[0].paths[0], "b.txt");
	assert_string_equal(u[0].paths[1], "src/c.py");
	assert_string_equal(u[0].paths[2], "src/deep/a.py");
	tctl_vcs_updates_free(u, n);
	free(before);
	fx_rmrf(dir);
}

static void pre_push_ranges(void **state)
{
	char *remote = fx_tmpdir(), *dir = make_repo(), *base, *tip, *lines = NULL;
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(fx_sh(remote, "git init -q --bare ."), 0);
	assert_int_equal(fx_sh(dir, "git remote add origin '%s' && git push -q origin main 2>/dev/null", remote), 0);
	base = fx_sh_out(dir, "git rev-parse HEAD");
	assert_int_equal(fx_sh(dir, "echo 2 > model/net.py && git commit -qam three && "
				    "git checkout -q -b exp && echo e > exp.py && git add exp.py && git commit -qm exp"), 0);
	tip = fx_sh_out(dir, "git rev-parse main");
	char *exp = fx_sh_out(dir, "git rev-parse exp");
	assert_true(asprintf(&lines,
		"refs/heads/main %s refs/heads/main %s\n"
		"refs/heads/exp %s refs/heads/exp 0000000000000000000000000000000000000000\n"
		"(delete) 0000000000000000000000000000000000000000 refs/heads/old %s\n"
		"refs/tags/v1 %s refs/tags/v1 0000000000000000000000000000000000000000\n",
		tip, base, exp, base, tip) > 0);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "pre-push", lines), 0);
	assert_int_equal(n, 2);
	assert_string_equal(u[0].branch, "main");
	assert_string_equal(u[0].commit, tip);
	assert_string_equal(u[0].base, base);
	assert_int_equal(u[0].paths_len, 1);
	assert_string_equal(u[0].paths[0], "model/net.py");
	/* a new branch: the commits no remote-tracking branch has */
	assert_string_equal(u[1].branch, "exp");
	assert_null(u[1].base);
	assert_int_equal(u[1].paths_len, 2);
	assert_string_equal(u[1].paths[0], "exp.py");
	assert_string_equal(u[1].paths[1], "model/net.py");
	tctl_vcs_updates_free(u, n);
	assert_int_equal(tctl_vcs_event_updates(&u, &n, dir, "pre-push", "refs/heads/main abc\n"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "pre-push input line 1"));
	free(lines);
	free(exp);
	free(tip);
	free(base);
	fx_rmrf(dir);
	fx_rmrf(remote);
}

static void hooks_folder(void **state)
{
	char *dir = make_repo(), *real = realpath(dir, NULL), *expect = NULL, *wt = fx_tmpdir();
	tctl_vcs_location *loc = NULL;

	(void)state;
	assert_int_equal(tctl_vcs_locate(&loc, dir), 0);
	assert_true(asprintf(&expect, "%s/.git/hooks", real) > 0);
	assert_string_equal(loc->hooks_dir, expect);
	assert_string_equal(loc->root, real);
	assert_false(loc->hooks_path_configured);
	tctl_vcs_location_free(loc);
	free(expect);
	/* a linked worktree shares the main repository's hooks */
	assert_int_equal(fx_sh(dir, "git worktree add -q '%s/w' -b side", wt), 0);
	char *wdir = tctl_path_join(wt, "w");
	assert_int_equal(tctl_vcs_locate(&loc, wdir), 0);
	assert_true(asprintf(&expect, "%s/.git/hooks", real) > 0);
	assert_string_equal(loc->hooks_dir, expect);
	tctl_vcs_location_free(loc);
	free(expect);
	free(wdir);
	/* core.hooksPath, relative to the work tree */
	assert_int_equal(fx_sh(dir, "git config core.hooksPath .githooks"), 0);
	assert_int_equal(tctl_vcs_locate(&loc, dir), 0);
	assert_true(asprintf(&expect, "%s/.githooks", real) > 0);
	assert_string_equal(loc->hooks_dir, expect);
	assert_true(loc->hooks_path_configured);
	tctl_vcs_location_free(loc);
	free(expect);
	assert_int_equal(fx_sh(dir, "git config core.hooksPath /opt/hooks"), 0);
	assert_int_equal(tctl_vcs_locate(&loc, dir), 0);
	assert_string_equal(loc->hooks_dir, "/opt/hooks");
	tctl_vcs_location_free(loc);
	tctl_vcs_location_free(NULL);
	/* outside a repository */
	char *plain = fx_tmpdir();
	assert_int_equal(tctl_vcs_locate(&loc, plain), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "not in a git repository"));
	fx_rmrf(plain);
	free(real);
	fx_rmrf(wt);
	fx_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outside_a_repository_without_loading_git),
		cmocka_unit_test(clean_repository),
		cmocka_unit_test(dirty_repository_and_its_patch),
		cmocka_unit_test(detached_head),
		cmocka_unit_test(remote_credentials_are_stripped),
		cmocka_unit_test(url_forms),
		cmocka_unit_test(repository_without_commits),
		cmocka_unit_test(bare_repository),
		cmocka_unit_test(shallow_clone),
		cmocka_unit_test(post_commit_paths),
		cmocka_unit_test(post_merge_paths),
		cmocka_unit_test(pre_push_ranges),
		cmocka_unit_test(hooks_folder),
	};
	fx_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
