/* test_hook.c: hook scripts installed, chained, run, updated and removed, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fixture.h"
#include "trainctl/error.h"
#include "trainctl/hook.h"
#include "trainctl/util.h"

static char *read_text(const char *dir, const char *rel)
{
	char *path = tctl_path_join(dir, rel), *text = NULL;
	assert_int_equal(tctl_file_read(&text, NULL, path), 0);
	free(path);
	return text;
}

static unsigned mode_of(const char *dir, const char *rel)
{
	char *path = tctl_path_join(dir, rel);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	free(path);
	return st.st_mode & 07777;
}

/* A fake trainctl that records its arguments and standard input, in dir/bin/trainctl. */
static char *fake_trainctl(const char *dir)
{
	fx_write(dir, "bin/trainctl", "#!/bin/sh\nprintf '%s|' \"$@\" > \"$(dirname \"$0\")/args\"\n"
		 "cat > \"$(dirname \"$0\")/stdin\"\nexit 7\n");
	assert_int_equal(fx_sh(dir, "chmod +x bin/trainctl"), 0);
	return tctl_path_join(dir, "bin/trainctl");
}

static void install_chain_uninstall_round_trip(void **state)
{
	char *dir = fx_tmpdir(), *bin = fake_trainctl(dir), *hooks = tctl_path_join(dir, "hooks");
	const char *jobs[] = { "trainctl.json", "jobs/it's.json" };
	tctl_hook_options opts = { TCTL_HOOK_OPTIONS_VERSION, bin, jobs, 2 };
	const char *original = "#!/bin/sh\n# the team's own hook\necho \"own $*\" > \"$(dirname \"$0\")/own\"\n"
			       "exit 0\n";
	tctl_hook_action act;
	tctl_hook_info *info = NULL;
	char *text;

	(void)state;
	fx_write(dir, "hooks/post-commit", original);
	assert_int_equal(fx_sh(dir, "chmod 0751 hooks/post-commit"), 0);
	assert_int_equal(tctl_hook_install(&act, hooks, "post-commit", &opts), 0);
	assert_int_equal(act, TCTL_HOOK_CHAINED);
	text = read_text(dir, "hooks/post-commit.trainctl-chained");
	assert_string_equal(text, original);
	free(text);
	assert_int_equal(mode_of(dir, "hooks/post-commit"), 0755);
	/* installing again changes nothing */
	text = read_text(dir, "hooks/post-commit");
	assert_int_equal(tctl_hook_install(&act, hooks, "post-commit", &opts), 0);
	assert_int_equal(act, TCTL_HOOK_UNCHANGED);
	char *again = read_text(dir, "hooks/post-commit");
	assert_string_equal(text, again);
	free(again);
	free(text);
	/* what is installed */
	assert_int_equal(tctl_hook_inspect(&info, hooks, "post-commit"), 0);
	assert_int_equal(info->state, TCTL_HOOK_OURS);
	assert_true(info->chained);
	assert_string_equal(info->trainctl, bin);
	assert_true(info->trainctl_found);
	assert_int_equal(info->jobs_len, 2);
	assert_string_equal(info->jobs[1], "jobs/it's.json");
	tctl_hook_info_free(info);
	/* it runs: the chained hook first, then trainctl with the jobs and the hook's arguments */
	assert_int_equal(fx_sh(dir, "hooks/post-commit a1 'b 2'"), 7);
	text = read_text(dir, "hooks/own");
	assert_string_equal(text, "own a1 b 2\n");
	free(text);
	text = read_text(dir, "bin/args");
	assert_string_equal(text, "hook|run|post-commit|--job|trainctl.json|--job|jobs/it's.json|--|a1|b 2|");
	free(text);
	/* uninstall puts the original back, bytes and mode */
	assert_int_equal(tctl_hook_uninstall(&act, hooks, "post-commit"), 0);
	assert_int_equal(act, TCTL_HOOK_RESTORED);
	text = read_text(dir, "hooks/post-commit");
	assert_string_equal(text, original);
	free(text);
	assert_int_equal(mode_of(dir, "hooks/post-commit"), 0751);
	assert_int_equal(fx_sh(dir, "test ! -e hooks/post-commit.trainctl-chained"), 0);
	assert_int_equal(tctl_hook_uninstall(&act, hooks, "post-commit"), 0);
	assert_int_equal(act, TCTL_HOOK_NOT_INSTALLED);
	text = read_text(dir, "hooks/post-commit");
	assert_string_equal(text, original);
	free(text);
	free(hooks);
	free(bin);
	fx_rmrf(dir);
}

static void fresh_install_update_and_removal(void **state)
{
	char *dir = fx_tmpdir(), *bin = fake_trainctl(dir), *hooks = tctl_path_join(dir, "new/hooks");
	const char *jobs[] = { "a.json" };
	tctl_hook_options opts = { TCTL_HOOK_OPTIONS_VERSION, bin, jobs, 1 };
	tctl_hook_action act;

	(void)state;
	assert_int_equal(tctl_hook_install(&act, hooks, "post-merge", &opts), 0);
	assert_int_equal(act, TCTL_HOOK_INSTALLED);
	jobs[0] = "b.json";
	assert_int_equal(tctl_hook_install(&act, hooks, "post-merge", &opts), 0);
	assert_int_equal(act, TCTL_HOOK_UPDATED);
	char *text = read_text(dir, "new/hooks/post-merge");
	assert_non_null(strstr(text, "--job 'b.json'"));
	assert_null(strstr(text, "a.json"));
	free(text);
	assert_int_equal(tctl_hook_uninstall(&act, hooks, "post-merge"), 0);
	assert_int_equal(act, TCTL_HOOK_REMOVED);
	assert_int_equal(fx_sh(dir, "test -d new/hooks && test ! -e new/hooks/post-merge"), 0);
	assert_int_equal(tctl_hook_install(&act, hooks, "pre-comit", &opts), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "unknown hook event 'pre-comit'"));
	opts.trainctl = "trainctl";
	assert_int_equal(tctl_hook_install(&act, hooks, "post-merge", &opts), TCTL_EINVALID);
	free(hooks);
	free(bin);
	fx_rmrf(dir);
}

static void pre_push_passes_stdin_and_blocks_on_chained_failure(void **state)
{
	char *dir = fx_tmpdir(), *bin = fake_trainctl(dir), *hooks = tctl_path_join(dir, "hooks");
	tctl_hook_options opts = { TCTL_HOOK_OPTIONS_VERSION, bin, NULL, 0 };
	tctl_hook_action act;
	char *text;

	(void)state;
	fx_write(dir, "hooks/pre-push", "#!/bin/sh\ncat > \"$(dirname \"$0\")/own-stdin\"\nexit ${FAIL:-0}\n");
	assert_int_equal(fx_sh(dir, "chmod +x hooks/pre-push"), 0);
	assert_int_equal(tctl_hook_install(&act, hooks, "pre-push", &opts), 0);
	assert_int_equal(act, TCTL_HOOK_CHAINED);
	/* both get the lines byte for byte; trainctl's status is the hook's */
	assert_int_equal(fx_sh(dir, "printf 'refs/heads/a 1 refs/heads/a 2\\nrefs/heads/b 3 refs/heads/b 4\\n' | "
				    "hooks/pre-push origin url"), 7);
	text = read_text(dir, "hooks/own-stdin");
	assert_string_equal(text, "refs/heads/a 1 refs/heads/a 2\nrefs/heads/b 3 refs/heads/b 4\n");
	free(text);
	text = read_text(dir, "bin/stdin");
	assert_string_equal(text, "refs/heads/a 1 refs/heads/a 2\nrefs/heads/b 3 refs/heads/b 4\n");
	free(text);
	text = read_text(dir, "bin/args");
	assert_string_equal(text, "hook|run|pre-push|--|origin|url|");
	free(text);
	/* a failing chained hook blocks the push and trainctl does not run */
	assert_int_equal(fx_sh(dir, "rm bin/args && echo x | FAIL=3 hooks/pre-push origin url"), 3);
	assert_int_equal(fx_sh(dir, "test ! -e bin/args"), 0);
	free(hooks);
	free(bin);
	fx_rmrf(dir);
}

static void moved_binary_prints_one_line_and_succeeds(void **state)
{
	char *dir = fx_tmpdir(), *bin = fake_trainctl(dir), *hooks = tctl_path_join(dir, "hooks"), *out;
	tctl_hook_options opts = { TCTL_HOOK_OPTIONS_VERSION, bin, NULL, 0 };
	tctl_hook_action act;
	tctl_hook_info *info = NULL;

	(void)state;
	assert_int_equal(tctl_hook_install(&act, hooks, "post-commit", &opts), 0);
	assert_int_equal(fx_sh(dir, "mv bin/trainctl bin/elsewhere"), 0);
	out = fx_sh_out(dir, "hooks/post-commit 2>&1; echo \"rc=$?\"");
	assert_true(asprintf(&bin, "trainctl: post-commit hook skipped: '%s' is not there any more; "
			     "run 'trainctl hook install' again\nrc=0", opts.trainctl) > 0);
	assert_string_equal(out, bin);
	free(out);
	assert_int_equal(tctl_hook_inspect(&info, hooks, "post-commit"), 0);
	assert_false(info->trainctl_found);
	tctl_hook_info_free(info);
	free(bin);
	free((char *)opts.trainctl);
	free(hooks);
	fx_rmrf(dir);
}

static void foreign_hooks_are_never_overwritten(void **state)
{
	char *dir = fx_tmpdir(), *bin = fake_trainctl(dir), *hooks = tctl_path_join(dir, "hooks"), *text;
	tctl_hook_options opts = { TCTL_HOOK_OPTIONS_VERSION, bin, NULL, 0 };
	tctl_hook_action act;
	tctl_hook_info *info = NULL;

	(void)state;
	fx_write(dir, "hooks/post-commit", "#!/bin/sh\necho mine\n");
	fx_write(dir, "hooks/post-commit.trainctl-chained", "#!/bin/sh\necho leftover\n");
	assert_int_equal(tctl_hook_install(&act, hooks, "post-commit", &opts), TCTL_EEXISTS);
	assert_non_null(strstr(tctl_error_last()->message, "already exists"));
	text = read_text(dir, "hooks/post-commit");
	assert_string_equal(text, "#!/bin/sh\necho mine\n");
	free(text);
	/* uninstall leaves a foreign hook alone */
	assert_int_equal(tctl_hook_uninstall(&act, hooks, "post-commit"), 0);
	assert_int_equal(act, TCTL_HOOK_NOT_INSTALLED);
	text = read_text(dir, "hooks/post-commit");
	assert_string_equal(text, "#!/bin/sh\necho mine\n");
	free(text);
	/* a symlinked hook is chained as a link and restored as one */
	assert_int_equal(fx_sh(dir, "rm hooks/post-commit.trainctl-chained hooks/post-commit && "
				    "ln -s ../shared-hook hooks/post-commit"), 0);
	assert_int_equal(tctl_hook_inspect(&info, hooks, "post-commit"), 0);
	assert_int_equal(info->state, TCTL_HOOK_FOREIGN);
	tctl_hook_info_free(info);
	assert_int_equal(tctl_hook_install(&act, hooks, "post-commit", &opts), 0);
	assert_int_equal(act, TCTL_HOOK_CHAINED);
	assert_int_equal(tctl_hook_uninstall(&act, hooks, "post-commit"), 0);
	assert_int_equal(act, TCTL_HOOK_RESTORED);
	text = fx_sh_out(dir, "readlink hooks/post-commit");
	assert_string_equal(text, "../shared-hook");
	free(text);
	free(hooks);
	free(bin);
	fx_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(install_chain_uninstall_round_trip),
		cmocka_unit_test(fresh_install_update_and_removal),
		cmocka_unit_test(pre_push_passes_stdin_and_blocks_on_chained_failure),
		cmocka_unit_test(moved_binary_prints_one_line_and_succeeds),
		cmocka_unit_test(foreign_hooks_are_never_overwritten),
	};
	fx_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
