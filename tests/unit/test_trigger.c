/* test_trigger.c: trigger events, branch and path pattern lists, and malformed triggers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/trigger.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static tctl_trigger make(char **events, size_t ne, char **branches, size_t nb, char **paths, size_t np)
{
	tctl_trigger t = { events, ne, branches, nb, paths, np, false };
	return t;
}

static void branches_and_globbed_paths(void **state)
{
	char *events[] = { "post-commit", "pre-push" };
	char *branches[] = { "main", "release/*" };
	char *paths[] = { "src/**/*.py", "configs/*.yaml", "train.py" };
	char *model[] = { "README.md", "src/models/deep/net.py" };
	char *docs[] = { "README.md", "docs/index.md" };
	char *cfg[] = { "configs/sub/a.yaml" };
	tctl_trigger t = make(events, N(events), branches, N(branches), paths, N(paths));
	char why[128];

	(void)state;
	assert_int_equal(tctl_trigger_check(&t), 0);
	assert_true(tctl_trigger_fires(&t, "post-commit", "main", model, N(model), why, sizeof(why)));
	assert_true(tctl_trigger_fires(&t, "pre-push", "release/1.2", model, N(model), NULL, 0));
	assert_false(tctl_trigger_fires(&t, "post-commit", "release/1.2/x", model, N(model), why, sizeof(why)));
	assert_string_equal(why, "branch 'release/1.2/x' is not selected by trigger.branches");
	assert_false(tctl_trigger_fires(&t, "post-merge", "main", model, N(model), why, sizeof(why)));
	assert_string_equal(why, "'post-merge' is not in trigger.events");
	assert_false(tctl_trigger_fires(&t, "post-commit", "dev", model, N(model), why, sizeof(why)));
	assert_false(tctl_trigger_fires(&t, "post-commit", NULL, model, N(model), why, sizeof(why)));
	assert_string_equal(why, "HEAD is detached and trigger.branches names branches");
	assert_false(tctl_trigger_fires(&t, "post-commit", "main", docs, N(docs), why, sizeof(why)));
	assert_string_equal(why, "none of the 2 changed paths is selected by trigger.paths");
	assert_false(tctl_trigger_fires(&t, "post-commit", "main", cfg, N(cfg), NULL, 0));
	assert_false(tctl_trigger_fires(&t, "post-commit", "main", NULL, 0, why, sizeof(why)));
	assert_string_equal(why, "no path changed");
}

static void empty_lists_select_everything(void **state)
{
	char *any[] = { "anything/at/all.bin" };
	tctl_trigger t = make(NULL, 0, NULL, 0, NULL, 0);

	(void)state;
	assert_true(tctl_trigger_wants_event(&t, "post-merge"));
	assert_true(tctl_trigger_fires(&t, "post-merge", NULL, any, 1, NULL, 0));
	assert_true(tctl_trigger_fires(&t, "pre-push", "x", any, 1, NULL, 0));
}

static void negated_patterns_last_match_wins(void **state)
{
	char *paths[] = { "src/**", "!src/**/*.md", "src/docs/keep.md" };
	char *not_main[] = { "!main" };

	(void)state;
	assert_true(tctl_trigger_list_match(paths, 3, "src/a.py"));
	assert_false(tctl_trigger_list_match(paths, 3, "src/x/README.md"));
	assert_true(tctl_trigger_list_match(paths, 3, "src/docs/keep.md"));
	assert_false(tctl_trigger_list_match(paths, 3, "lib/a.py"));
	/* a list that starts with "!" starts from everything */
	assert_true(tctl_trigger_list_match(not_main, 1, "dev"));
	assert_false(tctl_trigger_list_match(not_main, 1, "main"));
	assert_true(tctl_trigger_list_match(NULL, 0, "x"));
}

static void malformed_triggers_name_the_field(void **state)
{
	char *events[] = { "post-commit", "post-comit" };
	char *good_events[] = { "post-commit" };
	char *paths[] = { "src/**", "data/[x" };
	char *empty[] = { "main", "!" };
	tctl_trigger t = make(events, 2, NULL, 0, NULL, 0);

	(void)state;
	assert_int_equal(tctl_trigger_check(&t), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message, "trigger.events[1]: unknown git event 'post-comit' "
			    "(expected post-commit, post-merge or pre-push)");
	t = make(good_events, 1, NULL, 0, paths, 2);
	assert_int_equal(tctl_trigger_check(&t), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message,
			    "trigger.paths[1]: glob 'data/[x' has a '[' without its ']'");
	t = make(good_events, 1, empty, 2, NULL, 0);
	assert_int_equal(tctl_trigger_check(&t), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message, "trigger.branches[1]: empty pattern");
	assert_true(tctl_trigger_event_valid("pre-push"));
	assert_false(tctl_trigger_event_valid("pre-commit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(branches_and_globbed_paths),
		cmocka_unit_test(empty_lists_select_everything),
		cmocka_unit_test(negated_patterns_last_match_wins),
		cmocka_unit_test(malformed_triggers_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
