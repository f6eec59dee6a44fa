/* group.h: parent runs with a coordinator process and child runs (local parallel jobs and sweeps). */
#ifndef TRAINCTL_LOCAL_GROUP_H
#define TRAINCTL_LOCAL_GROUP_H

#include "local_internal.h"

typedef struct {
	tctl_ledger *l;
	char path[4096];        /* the ledger's, to reopen it after a fork */
	tctl_local_capacity cap;
	char parent_id[TCTL_RUN_ID_SIZE];
	bool cancelled;
	const tctl_run *parent;  /* the parent as recorded (borrowed): children inherit its
				    provenance and its prices at launch; NULL: none */
	double child_estimate;   /* planned cost of one child, USD (0: unknown) */
} group;

/* The coordinator's body: runs detached, owns nothing of the caller's; must end with _exit. */
typedef void (*group_main_fn)(const char *ledger_path, const tctl_local_capacity *cap,
			      const char *parent_id, void *arg);

/*
 * Fork the coordinator (waiting on a pipe), record `parent` as running under
 * it (so crash recovery watches it), then let it go. *l is closed around the
 * fork and reopened. `arg` is the coordinator's (inherited through the fork).
 */
int group_start(tctl_ledger **l, tctl_run *parent, const tctl_local_capacity *cap,
		group_main_fn main_fn, void *arg);

/*
 * In a coordinator: fill `g` (ledger opened at `path`, capacity, parent id)
 * and fetch the parent run (*out_parent, the caller's; also g->parent).
 */
int group_attach(group *g, const char *path, const tctl_local_capacity *cap, const char *parent_id,
		 tctl_run **out_parent);

/*
 * Record a queued child run of the group for `job` (its own spec) and start it
 * when it fits. `params` (a JSON object, may be NULL) is recorded with it.
 */
int group_submit_child(group *g, const tctl_job *job, const char *name, int attempt,
		       const char *params, char out_id[TCTL_RUN_ID_SIZE]);

/* The group's children, oldest first. */
int group_children(group *g, tctl_run_list *out);

/* Cancel every child that has not ended. */
void group_cancel_children(group *g);

/* End the parent run. */
int group_finish(group *g, tctl_run_state state, const char *reason);

/* True once the coordinator was asked to stop (trainctl cancel PARENT); reaps children. */
bool group_cancel_requested(group *g);

/* Detach the coordinator: signals blocked for sigtimedwait, stdio to /dev/null. */
void group_detach(void);

void group_nap(int ms);

#endif
