/** @file trigger.h  Whether a job's `trigger` fires for a git event, a branch and changed paths. */
#ifndef TRAINCTL_TRIGGER_H
#define TRAINCTL_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>

#include "trainctl/job.h"

/*
 * Pattern lists (trigger.branches, trigger.paths) are read in order, as in
 * .gitignore: a pattern selects what it matches, "!pattern" deselects it,
 * the last pattern that matches decides. A list whose first pattern is a
 * "!" starts from "everything selected". An empty list selects everything.
 * Patterns are globs (glob.h): `*` stays within one folder, `**` crosses
 * folders; paths are relative to the repository root; branches are short
 * names ("main", "release-*").
 */

/** The git events a trigger may name, NULL-terminated. */
extern const char *const tctl_trigger_events[];

/** True when `event` is one of tctl_trigger_events. */
bool tctl_trigger_event_valid(const char *event);

/**
 * 0 when every event is known and every pattern is a well-formed glob;
 * otherwise TCTL_EINVALID with one line naming the field, e.g.
 * "trigger.paths[1]: glob 'data/[x' has a '[' without its ']'".
 */
int tctl_trigger_check(const tctl_trigger *t);

/** Whether the trigger listens to `event` (an empty events list listens to all). */
bool tctl_trigger_wants_event(const tctl_trigger *t, const char *event);

/** Whether `name` is selected by the pattern list (see above). */
bool tctl_trigger_list_match(char *const *patterns, size_t len, const char *name);

/**
 * Whether the trigger fires for `event` on `branch` (NULL: detached HEAD,
 * which no non-empty branches list selects) when `paths` changed: the event
 * is wanted, the branch is selected, and at least one changed path is
 * selected (an empty trigger.paths selects every path; when no path
 * changed at all, as for an empty commit, it never fires). When it does not fire
 * and `why` is not NULL, a short reason is written there ("branch 'dev' is
 * not in trigger.branches").
 */
bool tctl_trigger_fires(const tctl_trigger *t, const char *event, const char *branch,
			char *const *paths, size_t paths_len, char *why, size_t why_size);

#endif
