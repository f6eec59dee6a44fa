/** @file plan_ledger.h  What the planner reads from the run ledger, and a cache of it. */
#ifndef TRAINCTL_PLAN_LEDGER_H
#define TRAINCTL_PLAN_LEDGER_H

#include "trainctl/ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A local run that holds resources now: running or queued (from its brief ledger row). */
typedef struct {
	bool queued;
	int gpus;
	double cpus;
	uint64_t memory;
	double estimate_s;       /**< 0: the run has no estimate */
	int64_t started_ms;      /**< 0 while queued */
} tctl_plan_ledger_run;

/** The planner's view of the ledger: the local queue and one job name's calibration. */
typedef struct {
	tctl_plan_ledger_run *runs;              /**< oldest first */
	size_t runs_len;
	struct tctl_ledger_calibration *cal;     /**< the job name's rows, by target class */
	size_t cal_len;
	bool from_cache;                         /**< read from the cache, SQLite not opened */
} tctl_plan_ledger;

/** Reads the view from an open ledger. */
int tctl_plan_ledger_read(tctl_plan_ledger *out, tctl_ledger *l, const char *job_name);

/**
 * Reads the view of the ledger at `ledger_path` for `job_name` through the
 * cache file `cache_path` (NULL: no cache). The cache holds the view with the
 * identity (device, inode, size, modification time) of the ledger and its
 * WAL when the view was read; it is used only while both are unchanged, and
 * written only when neither changed in the QUIET seconds before the read
 * (a file written within its timestamp's granularity could change again
 * without its time changing: git's "racily clean" rule). A cache that is
 * absent, unreadable, malformed or for another ledger or job is a miss: the
 * ledger is opened (never created) and the cache rewritten. No ledger yet, or
 * one this trainctl cannot open (newer schema): an empty view, as before any run.
 */
int tctl_plan_ledger_cached(tctl_plan_ledger *out, const char *ledger_path,
			    const char *cache_path, const char *job_name);

/** What a cached view is for: the ledger, its files' identity ("absent" when missing), the job. */
typedef struct {
	const char *ledger, *db, *wal, *job;
} tctl_plan_ledger_key;

/** The cache file's text (compact JSON) for the view `v` under key `k`. */
int tctl_plan_ledger_to_json(char **out, const tctl_plan_ledger *v, const tctl_plan_ledger_key *k);

/**
 * Reads a cache file's text: 0 with the view when it is for key `k`;
 * TCTL_ENOTFOUND when it is for another key (ledger, state, job, format or
 * schema); TCTL_EINVALID naming `origin`, the field and what was expected.
 */
int tctl_plan_ledger_from_json(tctl_plan_ledger *out, const char *text, size_t len,
			       const char *origin, const tctl_plan_ledger_key *k);

/** Seconds a ledger must have been left alone before its view is cached. */
#define TCTL_PLAN_LEDGER_QUIET_S 2

/** The cache's file name in the cache folder. */
#define TCTL_PLAN_LEDGER_CACHE "plan-ledger.json"

void tctl_plan_ledger_clear(tctl_plan_ledger *v);

#endif
