/** @file ledger.h  The run ledger: a SQLite database of runs, their state changes and costs. */
#ifndef TRAINCTL_LEDGER_H
#define TRAINCTL_LEDGER_H

#include "trainctl/run.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct tctl_ledger tctl_ledger;

/** The schema version this trainctl writes. */
#define TCTL_LEDGER_SCHEMA 2

/**
 * Open (creating when needed) the ledger at `path`, or at
 * $XDG_DATA_HOME/trainctl/ledger.db when NULL. WAL mode, a long busy
 * timeout: concurrent writers wait rather than fail. A ledger written by a
 * newer trainctl is refused with TCTL_EVERSION and left untouched.
 */
int tctl_ledger_open(tctl_ledger **out, const char *path);
void tctl_ledger_free(tctl_ledger *l);

/** The folder holding the ledger (and runs/); borrowed. */
const char *tctl_ledger_dir(const tctl_ledger *l);

/** The ledger file's path; borrowed. */
const char *tctl_ledger_path(const tctl_ledger *l);

/** BEGIN IMMEDIATE (waits for other writers), COMMIT, ROLLBACK. */
int tctl_ledger_begin(tctl_ledger *l);
int tctl_ledger_commit(tctl_ledger *l);
void tctl_ledger_rollback(tctl_ledger *l);

/**
 * A run as one JSON object of every ledger column (a run recorded in the spool,
 * waiting to be imported); *out is malloc'd.
 */
int tctl_run_record_to_json(char **out, const tctl_run *run);

/**
 * Read a record written by tctl_run_record_to_json. Unknown keys, a bad id and
 * values of the wrong type are TCTL_EINVALID with "ORIGIN:LINE: field: expected ...";
 * *out is left empty then.
 */
int tctl_run_record_from_json(tctl_run *out, const char *text, size_t len, const char *origin);

/**
 * Is the ledger still at a schema this trainctl writes? TCTL_EVERSION when a
 * newer trainctl migrated it since it was opened (a long-lived process asks).
 */
int tctl_ledger_schema_check(tctl_ledger *l);

/** Insert `run`; a fresh id is assigned (written to run->id) when run->id is empty. */
int tctl_ledger_run_insert(tctl_ledger *l, tctl_run *run);

/** Write every column of `run` (by id). */
int tctl_ledger_run_save(tctl_ledger *l, const tctl_run *run);

/** Set the state (and reason), record the transition as an event, and save. */
int tctl_ledger_run_transition(tctl_ledger *l, tctl_run *run, tctl_run_state state,
			       const char *reason);

/**
 * Find a run by full id, unique id prefix (4+ characters), or "last"
 * (the newest run). TCTL_ENOTFOUND when none; TCTL_EINVALID when a prefix
 * matches several (the message lists them).
 */
int tctl_ledger_run_get(tctl_ledger *l, tctl_run **out, const char *ref);

typedef struct {
	int state;              /**< -1: any */
	bool active;            /**< queued or running only */
	const char *name;       /**< glob on the run name, NULL: any */
	const char *backend;    /**< NULL: any */
	const char *parent_id;  /**< NULL: any */
	int64_t since_ms;       /**< 0: any */
	int limit;              /**< 0: no limit */
	bool oldest_first;      /**< default: newest first */
	bool brief;             /**< read only what a run holds and who supervises it (name, state,
				     times, resources, GPUs, supervisor and job pids, boot id,
				     estimate); such rows cannot be saved */
} tctl_run_filter;

#define TCTL_RUN_FILTER_INIT { -1, false, NULL, NULL, NULL, 0, 0, false, false }

int tctl_ledger_run_list(tctl_ledger *l, tctl_run_list *out, const tctl_run_filter *f);

typedef struct {
	int64_t at_ms;
	char *state;
	char *detail;
} tctl_run_event;

/** Append an event (a note on a run's history). */
int tctl_ledger_event_add(tctl_ledger *l, const char *run_id, const char *state,
			  const char *detail);

/** A run's events, oldest first; free with tctl_run_events_free. */
int tctl_ledger_events(tctl_ledger *l, tctl_run_event **out, size_t *out_len, const char *run_id);
void tctl_run_events_free(tctl_run_event *events, size_t len);

/** Calibration: record actual/estimated runtime for (job name, target class). */
int tctl_ledger_calibration_add(tctl_ledger *l, const char *job_name, const char *target_class,
				double ratio);
/** Geometric mean ratio and run count; *out_n = 0 when none. */
int tctl_ledger_calibration_get(tctl_ledger *l, double *out_ratio, int *out_n,
				const char *job_name, const char *target_class);

struct tctl_ledger_calibration {
	char *target_class;
	double ratio;
	int runs;
};

/** Every calibration row of a job name; (*out)[i].target_class is owned (free with
 *  tctl_ledger_calibrations_free). */
int tctl_ledger_calibrations(tctl_ledger *l, struct tctl_ledger_calibration **out, size_t *out_len,
			     const char *job_name);

void tctl_ledger_calibrations_free(struct tctl_ledger_calibration *c, size_t len);

/**
 * Open an existing ledger without creating anything (for commands with no
 * side effects, such as `plan`); TCTL_ENOTFOUND when there is none yet.
 */
int tctl_ledger_open_existing(tctl_ledger **out, const char *path);

/** Sum of recorded cost (USD) of runs submitted in [from_ms, to_ms), optionally by backend. */
int tctl_ledger_spend(tctl_ledger *l, double *out, int64_t from_ms, int64_t to_ms,
		      const char *backend);

/** One run's money, as budgets and the cost report read it. Strings are owned. */
typedef struct {
	char id[TCTL_RUN_ID_SIZE];
	char *job;              /**< the job's name (the spec's "name"; a child carries its parent's) */
	char *backend;
	char *parent_id;        /**< NULL for a top-level run */
	char *repo_root;        /**< provenance, NULL outside a repository */
	char *repo_remote;
	tctl_run_state state;
	int64_t submitted_ms, started_ms, ended_ms;
	double cost;            /**< recorded cost, USD (priced at launch) */
	double cost_estimate;   /**< planned cost, USD */
	double cloud_equiv_cost;/**< local runs: the cheapest cloud option that fit, USD (0: none) */
	bool over_budget_allowed;
} tctl_cost_row;

/**
 * The runs submitted in [from_ms, to_ms) (to_ms 0: no end), oldest first,
 * with what budgets and the cost report need. Free with tctl_cost_rows_free.
 */
int tctl_ledger_cost_rows(tctl_ledger *l, tctl_cost_row **out, size_t *out_len, int64_t from_ms,
			  int64_t to_ms);
void tctl_cost_rows_free(tctl_cost_row *rows, size_t len);

/**
 * Mark a run's files as collected by gc (runs.collected_ms = at_ms) and add
 * the event `detail` to its history, in one transaction.
 */
int tctl_ledger_run_collected(tctl_ledger *l, const char *run_id, int64_t at_ms,
			      const char *detail);

#endif
