/** @file run.h  A run: one submission of a job, as the ledger records it. */
#ifndef TRAINCTL_RUN_H
#define TRAINCTL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Run ids are 11 lower-case Crockford base32 characters: 9 for the
 *  submission time in milliseconds, 2 random. Sorting ids sorts by time. */
#define TCTL_RUN_ID_LEN 11
#define TCTL_RUN_ID_SIZE (TCTL_RUN_ID_LEN + 1)

typedef enum {
	TCTL_RUN_QUEUED = 0,   /**< waiting for resources (local) or for the cloud */
	TCTL_RUN_RUNNING,
	TCTL_RUN_SUCCEEDED,
	TCTL_RUN_FAILED,
	TCTL_RUN_TIMED_OUT,
	TCTL_RUN_CANCELLED,
	TCTL_RUN_LOST,         /**< its supervisor or the machine died */
	TCTL_RUN_STATE_COUNT
} tctl_run_state;

/** Provenance of the code a run was started from (filled by the git module). */
typedef struct {
	bool in_repo;
	char *repo_root;
	char *commit;
	char *branch;
	bool dirty;
	char *changed_files;   /**< newline-separated "XY path" lines */
	char *diff_hash;
	char *remote_url;      /**< credentials stripped */
} tctl_run_provenance;

/** Everything the ledger holds about a run. Strings are owned; free with tctl_run_free(). */
typedef struct {
	char id[TCTL_RUN_ID_SIZE];
	char *name;
	char *spec;            /**< the normalised job JSON as submitted */
	char *spec_path;
	char *placement;       /**< "local" | "cloud" */
	char *backend;         /**< "local" | "azureml" */
	char *backend_id;      /**< the backend's own id (Azure job name) */
	char *parent_id;       /**< sweep or parallel parent, else NULL */
	tctl_run_state state;
	char *reason;          /**< why it ended this way ("exit 1", "killed by SIGKILL", "supervisor gone") */
	int64_t submitted_ms, started_ms, ended_ms; /**< 0 when not yet */
	int exit_code;         /**< -1 when none */
	int term_signal;       /**< 0 when none */
	double cpus;
	uint64_t memory;
	int gpus;
	char *gpu_ids;         /**< "0,1" */
	int64_t supervisor_pid, supervisor_start;
	int64_t job_pid, job_start;
	char *boot_id;
	uint64_t peak_rss;     /**< bytes */
	double user_s, sys_s;
	char *run_dir;
	double estimate_s;     /**< planner's runtime estimate, 0 when none */
	char *target;          /**< "local" or the VM size */
	char *priority;        /**< "dedicated" | "low_priority" | NULL */
	int nodes;
	char *region;
	double price_per_hour; /**< price used at launch (USD), never re-priced */
	char *price_source;
	double cost_estimate;  /**< USD at plan time */
	double cost;           /**< USD actual (so far for live runs) */
	bool cancel_requested;
	bool over_budget_allowed;
	int attempt;
	tctl_run_provenance prov;
	double cloud_equiv_per_hour; /**< local runs: the cheapest cloud option that fit, USD per
				      hour of this run, priced at submit (0: none) */
	double cloud_equiv_cost;     /**< that price x the run's runtime, set when it ends */
	char *cloud_equiv_target;    /**< that option ("Standard_NC6s_v3 low_priority x1") */
	char *params;                /**< sweep trial: its parameters as a JSON object */
	int64_t collected_ms;        /**< when gc removed the run's files (0: never) */
	bool brief;                  /**< read with tctl_run_filter.brief: some fields left empty */
} tctl_run;

typedef struct {
	tctl_run *runs;
	size_t len;
} tctl_run_list;

const char *tctl_run_state_name(tctl_run_state s);
/** Parse a state name; returns -1 when unknown. */
int tctl_run_state_parse(const char *name);
bool tctl_run_state_terminal(tctl_run_state s);

/** A new run id for time `now_ms` (random part from getrandom). */
void tctl_run_id_new(char out[TCTL_RUN_ID_SIZE], int64_t now_ms);

/** The submission time encoded in an id; -1 when the id is malformed. */
int64_t tctl_run_id_time(const char *id);

/** Lowest id that sorts at or after `ms` (for "since" filters). */
void tctl_run_id_floor(char out[TCTL_RUN_ID_SIZE], int64_t ms);

/** The run as a JSON object (the `status --json` / `list --json` shape). Caller frees. */
int tctl_run_to_json(char **out, const tctl_run *run);

/** As tctl_run_to_json, as a jansson json_t * (void * here to keep jansson out of this header). */
void *tctl_run_to_jansson(const tctl_run *run);

void tctl_run_clear(tctl_run *run);
void tctl_run_free(tctl_run *run);
void tctl_run_list_free(tctl_run_list *list);

#endif
