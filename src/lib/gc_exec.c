/* gc_exec.c: removing what a gc plan lists, each item checked again first and recorded in the ledger. */
#include "trainctl/retention.h"
#include "gc_fs.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool run_ended(tctl_ledger *l, const char *id, bool need_uncollected)
{
	tctl_run *r = NULL;
	bool ok;

	if (tctl_ledger_run_get(l, &r, id) < 0) {
		tctl_error_clear();
		return false;
	}
	ok = tctl_run_state_terminal(r->state) && (!need_uncollected || !r->collected_ms);
	tctl_run_free(r);
	return ok;
}

/* No run called `name` is queued or running (run names are plain: no glob characters). */
static bool name_idle(tctl_ledger *l, const char *name)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list live = { 0 };
	bool idle;

	f.active = true;
	f.name = name;
	if (tctl_ledger_run_list(l, &live, &f) < 0) {
		tctl_error_clear();
		return false;
	}
	idle = live.len == 0;
	tctl_run_list_free(&live);
	return idle;
}

/* Still safe to remove: its run ended (and nothing of its job runs), its path is inside. */
static const char *recheck(tctl_ledger *l, const tctl_gc_item *it, const char *rel)
{
	struct stat st;
	char *real;
	bool inside;

	if (!run_ended(l, it->run_id, it->kind == TCTL_GC_RUN))
		return "its run is no longer ended (or was collected): left alone";
	if (it->kind == TCTL_GC_CHECKPOINTS && strncmp(rel, "checkpoints/_groups/", 20) &&
	    !name_idle(l, rel + strlen("checkpoints/")))
		return "a run of this job is queued or running: left alone";
	if (lstat(it->path, &st) < 0)
		return errno == ENOENT ? "already gone" : "cannot be examined";
	if (S_ISLNK(st.st_mode))
		return NULL;   /* only the link goes */
	real = realpath(it->path, NULL);
	inside = real && !strcmp(real, it->path);
	free(real);
	return inside ? NULL : "its real path leaves the data folder: left alone";
}

static int record(tctl_ledger *l, const tctl_gc_item *it, const char *rel, const gc_usage *u,
		  int64_t now)
{
	char size[32], detail[600];

	tctl_size_format(size, sizeof(size), u->bytes);
	snprintf(detail, sizeof(detail), "gc removed %s (%llu files, %s): %s", rel,
		 (unsigned long long)u->files, size, it->reason ? it->reason : "");
	if (it->kind == TCTL_GC_RUN)
		return tctl_ledger_run_collected(l, it->run_id, now, detail);
	return tctl_ledger_event_add(l, it->run_id, "collected", detail);
}

static int execute_item(tctl_gc_item *it, const gc_root *root, tctl_ledger *l, int64_t now)
{
	size_t n = strlen(root->path);
	const char *rel, *why;
	gc_usage u;
	int rc;

	if (strncmp(it->path, root->path, n) || it->path[n] != '/') {
		it->error = strdup("not inside the data folder: left alone");
		return 0;
	}
	rel = it->path + n + 1;
	if ((why = recheck(l, it, rel))) {
		it->error = strdup(why);
		return 0;
	}
	rc = gc_remove(&u, root, rel);
	it->bytes = u.bytes;
	it->files = u.files;
	if (rc < 0 && rc != TCTL_ENOTFOUND) {
		it->error = strdup(tctl_error_last()->message);
		tctl_error_clear();
		if (!u.files)
			return 0;   /* nothing went: nothing to record */
	}
	it->removed = rc == 0;
	return record(l, it, rel, &u, now);
}

int tctl_gc_execute(tctl_gc_plan *plan, tctl_ledger *l)
{
	gc_root root;
	int64_t now = tctl_now_ms();
	int rc;

	if ((rc = gc_root_open(&root, tctl_ledger_dir(l))) < 0)
		return rc;
	if (strcmp(root.path, plan->data_dir)) {
		gc_root_close(&root);
		return tctl_error_set(TCTL_EINVALID, "the plan is for '%s', the ledger is in '%s'",
				      plan->data_dir, root.path);
	}
	plan->bytes = plan->files = 0;
	for (size_t i = 0; i < plan->len && rc == 0; i++) {
		rc = execute_item(&plan->items[i], &root, l, now);
		plan->bytes += plan->items[i].removed ? plan->items[i].bytes : 0;
		plan->files += plan->items[i].removed ? plan->items[i].files : 0;
	}
	plan->executed = true;
	gc_root_close(&root);
	return rc;
}

void tctl_gc_plan_free(tctl_gc_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->len; i++) {
		free(plan->items[i].job);
		free(plan->items[i].path);
		free(plan->items[i].reason);
		free(plan->items[i].error);
	}
	for (size_t i = 0; i < plan->notes_len; i++)
		free(plan->notes[i]);
	free(plan->notes);
	free(plan->items);
	free(plan->data_dir);
	free(plan);
}
