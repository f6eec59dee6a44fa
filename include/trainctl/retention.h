/** @file retention.h  Retention of run outputs: the policy, `trainctl gc`, and the cloud's lifecycle rule. */
#ifndef TRAINCTL_RETENTION_H
#define TRAINCTL_RETENTION_H

#include "trainctl/config.h"
#include "trainctl/job.h"
#include "trainctl/ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* docs/retention.md has the rules. In short: the unit is a top-level run (its
 * folder <data>/runs/<id>, its children's folders, its group's checkpoints);
 * a job's policy is the `retention` of the newest run of that job name, else
 * the config's; the newest ended run of each job is always kept. */

/** True when the policy has a rule (a tctl_retention of zeros keeps everything). */
bool tctl_retention_is_set(const tctl_retention *r);

/** One top-level ended run of a job, as the policy sees it. */
typedef struct {
	int64_t ended_ms;
	uint64_t bytes;         /**< its files (its folder and its children's) */
	bool collect;           /**< out: the policy collects it */
	char why[160];          /**< out: which rule, when collected */
} tctl_retention_unit;

/**
 * Pure: apply `policy` at time `now_ms` to one job's ended runs, `units`
 * newest first. The newest is always kept. A run is collected when every
 * count/age rule given (keep_last, keep_days) fails to keep it; then, with
 * max_total_size, the oldest of those left (not the newest) are collected
 * until the rest fits.
 */
void tctl_retention_apply(tctl_retention_unit *units, size_t n, const tctl_retention *policy,
			  int64_t now_ms);

/* ---- gc ---- */

typedef enum { TCTL_GC_RUN = 0, TCTL_GC_CHECKPOINTS } tctl_gc_kind;

typedef struct {
	tctl_gc_kind kind;
	char run_id[TCTL_RUN_ID_SIZE]; /**< the run whose history records the removal */
	char *job;
	char *path;             /**< absolute, inside the data folder */
	uint64_t bytes, files;
	char *reason;
	bool removed;           /**< after tctl_gc_execute */
	char *error;            /**< why it was not removed (execute), or NULL */
} tctl_gc_item;

typedef struct {
	char *data_dir;         /**< the data folder (symbolic links resolved) */
	tctl_gc_item *items;
	size_t len;
	uint64_t bytes, files;  /**< what the items hold */
	char **notes;           /**< what was left alone and why (a symlink not followed...) */
	size_t notes_len;
	bool executed;
} tctl_gc_plan;

/**
 * What gc would remove now (`now_ms` 0: the clock) under the policies of
 * `cfg` (its `retention`) and of the jobs in the ledger. Never lists a run
 * that is queued or running (or has a child that is), nor the checkpoints
 * of a job with one. Sizes come from lstat: no symbolic link is followed.
 */
int tctl_gc_plan_make(tctl_gc_plan **out, tctl_ledger *l, const tctl_config *cfg, int64_t now_ms);

/**
 * Remove what `plan` lists, and only that: each item is checked again first
 * (still ended, still inside the data folder), then removed with
 * openat/unlinkat and O_NOFOLLOW / AT_SYMLINK_NOFOLLOW at every level, never
 * crossing into another filesystem. Each removal is recorded: an event
 * "collected" on its run, and runs.collected_ms for a run's folder. Items it
 * could not remove get `error`; returns 0 unless the ledger failed.
 */
int tctl_gc_execute(tctl_gc_plan *plan, tctl_ledger *l);

/** The plan (or what was done) as text / as JSON. Caller frees. */
int tctl_gc_plan_to_text(char **out, const tctl_gc_plan *plan);
int tctl_gc_plan_to_json(char **out, const tctl_gc_plan *plan, const char *lifecycle_json);

void tctl_gc_plan_free(tctl_gc_plan *plan);

/* ---- the cloud half ---- */

/** An output a cloud run left in the workspace's storage. */
typedef struct {
	char run_id[TCTL_RUN_ID_SIZE];
	char *uri;              /**< azureml://... or https://ACCOUNT.blob.../CONTAINER/PATH */
	uint64_t bytes;
	int64_t modified_ms;
} tctl_cloud_output;

/**
 * The outputs cloud runs left in storage (from each job's outputs), for gc to
 * apply the same policy to. trainctl's Azure ML jobs declare no outputs and
 * Resource Manager does not list a datastore's blobs, so this returns
 * TCTL_ENOTSUPPORTED, and gc prints the storage lifecycle rule instead
 * (tctl_retention_lifecycle_rule).
 */
int tctl_gc_cloud_outputs(tctl_cloud_output **out, size_t *out_len, tctl_ledger *l,
			  const tctl_config *cfg);

/**
 * Pure: the Azure Storage lifecycle management policy (the JSON document
 * `az storage account management-policy create --policy @FILE` takes) that
 * deletes blobs under `container`/`prefix` last modified more than
 * policy->keep_days days ago. `container` NULL: the placeholder
 * "<container>"; `prefix` NULL: "azureml/" (where Azure ML jobs write their
 * outputs). A lifecycle rule can express keep_days only: without it,
 * TCTL_ENOTSUPPORTED saying so. Caller frees *out.
 */
int tctl_retention_lifecycle_rule(char **out, const tctl_retention *policy, const char *container,
				  const char *prefix);

#endif
