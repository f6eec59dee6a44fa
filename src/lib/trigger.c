/* trigger.c: a job's trigger section against a git event, a branch and the paths a commit changed. */
#include "trainctl/trigger.h"
#include "trainctl/error.h"
#include "trainctl/glob.h"

#include <stdio.h>
#include <string.h>

const char *const tctl_trigger_events[] = { "post-commit", "post-merge", "pre-push", NULL };

bool tctl_trigger_event_valid(const char *event)
{
	for (size_t i = 0; tctl_trigger_events[i]; i++)
		if (!strcmp(tctl_trigger_events[i], event))
			return true;
	return false;
}

static int check_list(char *const *patterns, size_t len, const char *field)
{
	for (size_t i = 0; i < len; i++) {
		const char *p = patterns[i][0] == '!' ? patterns[i] + 1 : patterns[i];
		if (!*p)
			return tctl_error_set(TCTL_EINVALID, "trigger.%s[%zu]: empty pattern", field, i);
		if (tctl_glob_check(p) < 0) {
			tctl_error_prefix("trigger.%s[%zu]", field, i);
			return TCTL_EINVALID;
		}
	}
	return 0;
}

int tctl_trigger_check(const tctl_trigger *t)
{
	int error;

	for (size_t i = 0; i < t->events_len; i++)
		if (!tctl_trigger_event_valid(t->events[i]))
			return tctl_error_set(TCTL_EINVALID, "trigger.events[%zu]: unknown git event '%s' "
					      "(expected post-commit, post-merge or pre-push)", i, t->events[i]);
	if ((error = check_list(t->branches, t->branches_len, "branches")) < 0)
		return error;
	return check_list(t->paths, t->paths_len, "paths");
}

bool tctl_trigger_wants_event(const tctl_trigger *t, const char *event)
{
	if (!t->events_len)
		return true;
	for (size_t i = 0; i < t->events_len; i++)
		if (!strcmp(t->events[i], event))
			return true;
	return false;
}

bool tctl_trigger_list_match(char *const *patterns, size_t len, const char *name)
{
	bool selected;

	if (!len)
		return true;
	selected = patterns[0][0] == '!';
	for (size_t i = 0; i < len; i++) {
		bool negate = patterns[i][0] == '!';
		if (tctl_glob_match(patterns[i] + negate, name))
			selected = !negate;
	}
	return selected;
}

static bool any_path(const tctl_trigger *t, char *const *paths, size_t paths_len)
{
	for (size_t i = 0; i < paths_len; i++)
		if (tctl_trigger_list_match(t->paths, t->paths_len, paths[i]))
			return true;
	return false;
}

bool tctl_trigger_fires(const tctl_trigger *t, const char *event, const char *branch,
			char *const *paths, size_t paths_len, char *why, size_t why_size)
{
	char scratch[8];

	if (!why) {
		why = scratch;
		why_size = sizeof(scratch);
	}
	if (!tctl_trigger_wants_event(t, event)) {
		snprintf(why, why_size, "'%s' is not in trigger.events", event);
		return false;
	}
	if (t->branches_len && !branch) {
		snprintf(why, why_size, "HEAD is detached and trigger.branches names branches");
		return false;
	}
	if (branch && !tctl_trigger_list_match(t->branches, t->branches_len, branch)) {
		snprintf(why, why_size, "branch '%s' is not selected by trigger.branches", branch);
		return false;
	}
	if (!paths_len) {
		snprintf(why, why_size, "no path changed");
		return false;
	}
	if (!any_path(t, paths, paths_len)) {
		snprintf(why, why_size, "none of the %zu changed paths is selected by trigger.paths", paths_len);
		return false;
	}
	return true;
}
