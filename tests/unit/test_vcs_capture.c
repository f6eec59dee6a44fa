/* test_vcs_capture.c: HEAD read from git's files without libgit2, and hook events answered for captured commits. */
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

/* A repository with two commits on main: train.py, then model/net.py. */
static char *make_repo(void)
{
	char *dir = fx_tmpdir();

	fx_write(dir, "train.py", "print('train')\n");
	assert_int_equal(fx_sh(dir, "git init -q . && git add -A && git commit -qm one"), 0);
	fx_write(dir, "model/net.py", "net = 1\n");
	assert_int_equal(fx_sh(dir, "git add -A && git commit -qm two"), 0);
	return dir;
}

/* Resolve `name` in dir and check it against `git rev-parse` and the expected branch. */
static void expect_resolves(const char *dir, const char *name, const char *branch)
{
	char oid[TCTL_VCS_OID_SIZE], *got_branch = NULL, *want = fx_sh_out(dir, "git rev-parse %s", name);
	int rc = tctl_vcs_resolve(oid, &got_branch, dir, name);

	if (rc)
		fprintf(stderr, "# %s\n", tctl_error_last()->message);
	assert_int_equal(rc, 0);
	assert_string_equal(oid, want);
	if (branch)
		assert_string_equal(got_branch, branch);
	else
		assert_null(got_branch);
	free(got_branch);
	free(want);
}

static void head_read_from_git_files_without_libgit2(void **state)
{
	char *dir = make_repo(), *wt = fx_tmpdir(), *path = NULL, *branch = NULL, oid[TCTL_VCS_OID_SIZE];

	(void)state;
	expect_resolves(dir, "HEAD", "main");
	path = tctl_path_join(dir, "model");
	expect_resolves(path, "HEAD", "main");   /* from a subfolder */
	free(path);
	/* a branch only in packed-refs */
	assert_int_equal(fx_sh(dir, "git pack-refs --all && test ! -e .git/refs/heads/main"), 0);
	expect_resolves(dir, "HEAD", "main");
	/* ORIG_HEAD: absent, then what a reset leaves */
	assert_int_equal(tctl_vcs_resolve(oid, NULL, dir, "ORIG_HEAD"), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "no ORIG_HEAD"));
	assert_int_equal(fx_sh(dir, "git reset -q --hard HEAD~1 && git reset -q --hard ORIG_HEAD"), 0);
	expect_resolves(dir, "ORIG_HEAD", NULL);
	/* detached */
	assert_int_equal(fx_sh(dir, "git checkout -q --detach HEAD~1"), 0);
	expect_resolves(dir, "HEAD", NULL);
	assert_int_equal(tctl_vcs_head_branch_fast(&branch, dir), 0);
	assert_null(branch);
	/* a linked worktree: its own HEAD, the main repository's refs (through commondir) */
	assert_int_equal(fx_sh(dir, "git checkout -q main && git worktree add -q '%s/w' -b side HEAD~1", wt), 0);
	path = tctl_path_join(wt, "w");
	expect_resolves(path, "HEAD", "side");
	assert_int_equal(tctl_vcs_head_branch_fast(&branch, path), 0);
	assert_string_equal(branch, "side");
	free(branch);
	free(path);
	expect_resolves(dir, "HEAD", "main");
	/* a `.git` file with a relative gitdir (as submodules have) */
	assert_int_equal(fx_sh(wt, "git init -q sep && cd sep && echo x > f && git add f && git commit -qm x && "
				   "mv .git ../sep.git && echo 'gitdir: ../sep.git' > .git"), 0);
	path = tctl_path_join(wt, "sep");
	expect_resolves(path, "HEAD", "main");
	free(path);
	assert_false(tctl_module_loaded("git"));
	fx_rmrf(wt);
	fx_rmrf(dir);
}

static void unknown_forms_ask_libgit2(void **state)
{
	char *plain = fx_tmpdir(), *dir = make_repo(), *empty = fx_tmpdir(), oid[TCTL_VCS_OID_SIZE];

	(void)state;
	assert_int_equal(tctl_vcs_resolve(oid, NULL, plain, "HEAD"), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "not in a git repository"));
	assert_false(tctl_module_loaded("git"));
	/* HEAD -> refs/heads/alias -> refs/heads/main: a chain the fast reader leaves to libgit2 */
	assert_int_equal(fx_sh(dir, "git symbolic-ref refs/heads/alias refs/heads/main && "
				    "git symbolic-ref HEAD refs/heads/alias"), 0);
	expect_resolves(dir, "HEAD", "main");
	assert_true(tctl_module_loaded("git"));
	/* no commits yet */
	assert_int_equal(fx_sh(empty, "git init -q ."), 0);
	assert_int_equal(tctl_vcs_resolve(oid, NULL, empty, "HEAD"), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "no commits yet"));
	fx_rmrf(empty);
	fx_rmrf(dir);
	fx_rmrf(plain);
}

/* The commit captured at post-commit is the one answered for, however far HEAD has moved. */
static void captured_commit_outlives_head(void **state)
{
	char *dir = make_repo(), *copy = fx_tmpdir(), *first = fx_sh_out(dir, "git rev-parse HEAD"),
	     *parent = fx_sh_out(dir, "git rev-parse HEAD~1"), *patch = NULL;
	tctl_vcs_event *ev = NULL;
	tctl_vcs_update *u = NULL;
	tctl_provenance *p = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(tctl_vcs_event_capture(&ev, dir, "post-commit", NULL), 0);
	assert_string_equal(ev->commit, first);
	assert_string_equal(ev->branch, "main");
	assert_null(ev->push_lines);
	fx_write(dir, "train.py", "print('train more')\n");
	assert_int_equal(fx_sh(dir, "git commit -qam three"), 0);
	assert_int_equal(tctl_vcs_event_updates_at(&u, &n, dir, ev), 0);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].commit, first);
	assert_string_equal(u[0].base, parent);
	assert_string_equal(u[0].branch, "main");
	assert_int_equal(u[0].paths_len, 1);
	assert_string_equal(u[0].paths[0], "model/net.py");
	tctl_vcs_updates_free(u, n);
	/* its provenance: that commit, and the work tree as it is now, compared with it */
	assert_int_equal(tctl_vcs_provenance_at(&p, dir, ev->commit, ev->branch), 0);
	assert_string_equal(p->commit, first);
	assert_string_equal(p->branch, "main");
	assert_string_equal(p->head, "main");
	assert_true(p->dirty);
	assert_int_equal(p->changes_len, 1);
	assert_string_equal(p->changes[0].status, "M ");
	assert_string_equal(p->changes[0].path, "train.py");
	patch = tctl_path_join(copy, "dirty.patch");
	assert_int_equal(tctl_file_write_atomic(patch, p->diff, p->diff_len, 0644), 0);
	assert_int_equal(fx_sh(copy, "git clone -q '%s' repo && cd repo && git checkout -q %s && "
				     "git apply --binary ../dirty.patch && diff -r -x .git . '%s'", dir, first, dir), 0);
	tctl_provenance_free(p);
	/* detached at the captured commit */
	assert_int_equal(tctl_vcs_provenance_at(&p, dir, first, NULL), 0);
	assert_true(p->detached);
	assert_null(p->branch);
	assert_true(!strncmp(p->head, "HEAD detached at ", 17) && !strncmp(p->head + 17, first, 7));
	tctl_provenance_free(p);
	assert_int_equal(tctl_vcs_provenance_at(&p, dir, "0123456789012345678901234567890123456789", "main"), TCTL_ERROR);
	assert_non_null(strstr(tctl_error_last()->message, "cannot read commit '0123456789"));
	tctl_vcs_event_free(ev);
	tctl_vcs_event_free(NULL);
	free(patch);
	free(parent);
	free(first);
	fx_rmrf(copy);
	fx_rmrf(dir);
}

/* post-merge: ORIG_HEAD..HEAD as captured, after both have moved on. */
static void captured_merge_outlives_head(void **state)
{
	char *dir = make_repo(), *before = fx_sh_out(dir, "git rev-parse HEAD"), *merge;
	tctl_vcs_event *ev = NULL;
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(fx_sh(dir, "git checkout -q -b feature && echo y > b.txt && git add b.txt && "
				    "git commit -qm f && git checkout -q main && git merge -q --no-ff -m merge feature"), 0);
	merge = fx_sh_out(dir, "git rev-parse HEAD");
	assert_int_equal(tctl_vcs_event_capture(&ev, dir, "post-merge", NULL), 0);
	assert_string_equal(ev->orig_head, before);
	assert_int_equal(fx_sh(dir, "git reset -q --hard HEAD~1 && echo z > c.txt && git add c.txt && git commit -qm c"), 0);
	assert_int_equal(tctl_vcs_event_updates_at(&u, &n, dir, ev), 0);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].commit, merge);
	assert_string_equal(u[0].base, before);
	assert_int_equal(u[0].paths_len, 1);
	assert_string_equal(u[0].paths[0], "b.txt");
	tctl_vcs_updates_free(u, n);
	tctl_vcs_event_free(ev);
	assert_int_equal(tctl_vcs_event_capture(&ev, dir, "post-merger", NULL), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "unknown hook event 'post-merger'"));
	free(merge);
	free(before);
	fx_rmrf(dir);
}

/* pre-push: the pushed lines are kept; a HEAD with no commits is "" (nothing checked out runs). */
static void captured_push(void **state)
{
	char *dir = fx_tmpdir();
	tctl_vcs_event *ev = NULL;

	(void)state;
	assert_int_equal(fx_sh(dir, "git init -q ."), 0);
	assert_int_equal(tctl_vcs_event_capture(&ev, dir, "post-commit", NULL), TCTL_ENOTFOUND);
	assert_int_equal(tctl_vcs_event_capture(&ev, dir, "pre-push", "refs/heads/x 1 refs/heads/x 2\n"), 0);
	assert_string_equal(ev->commit, "");
	assert_string_equal(ev->push_lines, "refs/heads/x 1 refs/heads/x 2\n");
	tctl_vcs_event_free(ev);
	fx_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(head_read_from_git_files_without_libgit2),
		cmocka_unit_test(unknown_forms_ask_libgit2),
		cmocka_unit_test(captured_commit_outlives_head),
		cmocka_unit_test(captured_merge_outlives_head),
		cmocka_unit_test(captured_push),
	};
	fx_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
