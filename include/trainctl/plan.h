/** @file plan.h  Every way a job could run, priced and timed; the choice and why. */
#ifndef TRAINCTL_PLAN_H
#define TRAINCTL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainctl/catalog.h"
#include "trainctl/estimate.h"
#include "trainctl/job.h"
#include "trainctl/profile.h"

/* One code path serves `plan`, `submit` and `simulate`: the caller gathers
 * plain values (job, profile, catalog, options, local state, calibration)
 * and tctl_plan_make() returns every candidate with its cost, finish time
 * and, when rejected, the reason. It reads no file and no clock except
 * when options.now is 0. docs/planner.md has the cost model and the source
 * of every default below. */

typedef enum {
	TCTL_PREFER_COST = 0,   /**< cheapest that meets the deadline (ties go local) */
	TCTL_PREFER_TIME        /**< earliest finish within max_cost and budget */
} tctl_prefer;

/** Reserved instances of one size in one region not in use now: zero marginal price. */
typedef struct {
	const char *vm_size;
	const char *region;     /**< NULL: any region */
	int nodes;
} tctl_plan_reservation;

/** vCPUs free now in one quota: a VM family (dedicated) or "lowPriorityCores". */
typedef struct {
	const char *family;     /**< compared without regard to case */
	const char *region;     /**< NULL: any region */
	int free_vcpus;
} tctl_plan_quota;

/** Economics and policy; the integrator maps the user's config onto this. */
typedef struct {
	int version;
	int64_t now;                     /**< unix time of the plan; 0 = the clock */
	tctl_prefer prefer;
	tctl_placement placement;        /**< AUTO, or LOCAL / CLOUD to force a side */
	const char *region;              /**< workspace region; the job's cloud.region wins */
	double usd_per_kwh;              /**< electricity price */
	double watts_per_gpu;            /**< 0 = the catalog's board power of the GPU model */
	double watts_per_core;           /**< marginal power per busy core */
	int64_t provisioning;            /**< seconds to get cloud nodes from zero */
	double evictions_per_hour;       /**< low-priority evictions per node-hour */
	int64_t checkpoint_interval;     /**< seconds between a checkpointable job's checkpoints */
	int64_t short_job;               /**< a job this short may use low priority without checkpoints */
	double monthly_budget;           /**< USD of cloud spend per calendar month; 0 = none */
	int64_t local_max_runtime;       /**< local only for runtimes up to this; 0 = no limit */
	double local_reserve;            /**< share of this machine (0..1) kept for jobs that only it can
					      finish in time: a job the cloud can run in time goes local only
					      while the rest stays free; 0 = none */
	const tctl_plan_reservation *reservations;
	size_t reservations_len;
	const tctl_plan_quota *quotas;        /**< quotas_len 0: quota is not checked */
	size_t quotas_len;
} tctl_plan_options;

#define TCTL_PLAN_OPTIONS_VERSION 1
#define TCTL_PLAN_OPTIONS_INIT { TCTL_PLAN_OPTIONS_VERSION, 0, TCTL_PREFER_COST, \
	TCTL_PLACEMENT_AUTO, NULL, 0.16, 0, 10, 300, 0.05, 1800, 3600, 0, 0, 0, NULL, 0, NULL, 0 }

/** A local run that holds resources: running (end known) or queued (runtime known). */
typedef struct {
	int gpus;
	double cpus;
	uint64_t memory;
	bool queued;             /**< waiting in the local FIFO queue, in queue order */
	int64_t end;             /**< running: expected end, unix time */
	int64_t runtime;         /**< queued: expected runtime, seconds */
} tctl_local_run;

/** What the ledger knows now: local runs, and cloud spend this month. */
typedef struct {
	const tctl_local_run *runs;     /**< running and queued runs; queued ones in FIFO order */
	size_t runs_len;
	double month_spend;             /**< USD of cloud spend so far this calendar month */
} tctl_local_state;

/** Cost terms of one candidate, USD. */
typedef struct {
	double energy;           /**< local: devices' power x runtime x price per kWh */
	double compute;          /**< cloud: node-hours of the run at the catalog price */
	double provisioning;     /**< cloud: node-hours while nodes start */
	double idle;             /**< cloud: node-hours of the idle tail before scale-down */
	double rework;           /**< cloud low priority: expected time lost to evictions */
	double egress;           /**< data moved from its region to where the job runs */
} tctl_costs;

typedef struct {
	bool local;
	const tctl_vm_size *size;     /**< NULL for local, and for a size not in the catalog */
	const char *size_name;        /**< VM size as the job named it (cloud) */
	tctl_priority priority;       /**< DEDICATED or LOW (cloud); ANY for local */
	const char *region;           /**< NULL for local */
	int nodes;
	int gpus;                     /**< GPUs the job uses, all nodes */
	const tctl_price *price;      /**< NULL when none */
	double price_per_node_hour;   /**< USD, after reservations; < 0 when unknown */
	int reserved_nodes;
	bool has_estimate;            /**< runtime, finish and cost are known */
	tctl_runtime estimate;
	int64_t start;                /**< unix time the job starts running */
	int64_t rework;               /**< expected seconds lost to evictions (low priority) */
	int64_t finish;               /**< unix time: start + runtime + rework */
	tctl_costs costs;
	double cost;                  /**< sum of the terms */
	bool feasible;
	char reason[112];             /**< why not feasible, in a few words */
} tctl_candidate;

typedef struct {
	int64_t now;
	int64_t deadline;             /**< unix time; 0 = none */
	double max_cost;              /**< 0 = none */
	const char *region;           /**< where cloud candidates run; NULL when unknown */
	tctl_prefer prefer;
	tctl_candidate *candidates;
	size_t candidates_len;
	int chosen;                   /**< index into candidates, -1 when nothing can run the job */
	char why[320];                /**< the choice and why, or why nothing fits */
	char local_name[96];          /**< "this machine (8x T4)" */
	char local_note[128];         /**< why there is no local candidate, when there is none */
	char cloud_note[160];         /**< why there are no cloud candidates, when there are none */
	char energy_source[160];
	char cloud_source[200];
	const char *catalog_date;
	const char *catalog_origin;
	const char *price_source;     /**< the source of the chosen (or first) price */
	const char *price_date;
	bool quota_checked;
} tctl_plan;

/**
 * Plan `job`. `profile` is the local machine (NULL: none, cloud only);
 * `local` what runs there now (NULL: nothing); `calibrations` what the
 * ledger learned (may be NULL). On success *out holds every candidate and
 * the choice (chosen = -1 and `why` says why when nothing can run the job:
 * that is a result, not an error). Errors: TCTL_EINVALID when the job has
 * no work estimate or names an unknown reference GPU. Caller frees *out.
 */
int tctl_plan_make(tctl_plan **out, const tctl_job *job, const tctl_profile *profile,
		   const tctl_catalog *cat, const tctl_plan_options *opts,
		   const tctl_local_state *local, const tctl_calibration *calibrations,
		   size_t calibrations_len);

void tctl_plan_free(tctl_plan *plan);

/** The chosen candidate, or NULL. Borrowed. */
const tctl_candidate *tctl_plan_choice(const tctl_plan *plan);

/** The table a person reads, then the choice and where the numbers came from. Caller frees. */
int tctl_plan_to_text(char **out, const tctl_plan *plan);

/** The plan as JSON (times RFC 3339, money USD). Caller frees. */
int tctl_plan_to_json(char **out, const tctl_plan *plan);

/**
 * USD per hour of energy for `job` running on the local machine `profile`
 * (the same model as the local candidate's energy term); for jobs without a
 * work estimate, whose runs are priced when they end.
 */
double tctl_plan_local_hourly(const tctl_job *job, const tctl_profile *profile,
			      const tctl_catalog *cat, const tctl_plan_options *o);

/**
 * When the local FIFO queue would start a job needing `gpus`, `cpus`,
 * `memory`, given the machine's capacity and the runs in `local`.
 * Returns -1 when it can never fit.
 */
int64_t tctl_plan_local_start(const tctl_local_state *local, int64_t now, int cap_gpus,
			      double cap_cpus, uint64_t cap_memory, int gpus, double cpus,
			      uint64_t memory);

#endif
