/** @file simulate.h  Replay a job trace through the planner, and through three baselines. */
#ifndef TRAINCTL_SIMULATE_H
#define TRAINCTL_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainctl/catalog.h"
#include "trainctl/plan.h"
#include "trainctl/profile.h"
#include "trainctl/trace.h"

/* The simulator runs each policy on its own simulated clock, with the local
 * machine's capacity (from a profile) as one strict-FIFO queue and the cloud
 * as unlimited capacity at catalog prices. trainctl's policy is
 * tctl_plan_make() itself: the same code `plan` and `submit` use.
 * docs/planner.md ("Simulation") lists every rule. */

typedef struct {
	int version;
	double deadline_factor;     /**< K: a job must end within K x its runtime after submission; 0 = none */
	const char *reference_gpu;  /**< GPU the trace's durations were measured on; NULL = the local GPU */
	double estimate_noise;      /**< sigma of ln(estimate / actual runtime); 0 = exact estimates */
	uint64_t seed;              /**< for estimate noise, checkpointable draws and evictions */
	double checkpointable;      /**< fraction of jobs that can checkpoint, 0..1 */
	const char *region;         /**< cloud region for every policy */
	int64_t origin;             /**< unix time of trace second 0 (plan times; budget months) */
} tctl_sim_options;

#define TCTL_SIM_OPTIONS_VERSION 1
#define TCTL_SIM_OPTIONS_INIT { TCTL_SIM_OPTIONS_VERSION, 0, NULL, 0, 1, 1.0, "eastus", 1767225600 }

typedef enum {
	TCTL_SIM_TRAINCTL = 0,
	TCTL_SIM_LOCAL_FIFO,
	TCTL_SIM_CLOUD_DEDICATED,
	TCTL_SIM_CLOUD_LOW,
	TCTL_SIM_POLICIES
} tctl_sim_policy;

/** What one policy did with one job (times in trace seconds, money in USD). */
typedef struct {
	bool placed;                /**< false: nothing could run it (too big for every target) */
	bool local;
	const char *vm_size;        /**< borrowed from the catalog; NULL for local */
	tctl_priority priority;
	int nodes;
	int64_t start, end;
	double cost;
	int evictions;
	bool missed;                /**< ended after its deadline */
} tctl_sim_decision;

typedef struct {
	const char *name;           /**< "trainctl", "all-local FIFO", ... */
	double cost, local_cost, cloud_cost;
	size_t placed, local_jobs, cloud_jobs, unplaced, misses;
	double mean_jct, p95_jct;   /**< job completion time (end - submit), seconds */
} tctl_sim_result;

typedef struct {
	tctl_sim_result results[TCTL_SIM_POLICIES];
	tctl_sim_decision *decisions[TCTL_SIM_POLICIES]; /**< one per trace job, in trace order */
	size_t jobs;
	size_t gpu_jobs, cpu_jobs, fractional_gpu_jobs;
	size_t missed_where_fifo_met;  /**< trainctl misses on jobs all-local FIFO finished in time */
	char reference_gpu[48];
	char local[96];
} tctl_sim_report;

/**
 * Replay `trace` under every policy. `profile` gives the local machine;
 * `plan_opts` the economics (its `now` and `placement` are set per job).
 * Caller frees *out.
 */
int tctl_simulate(tctl_sim_report **out, const tctl_trace *trace, const tctl_profile *profile,
		  const tctl_catalog *cat, const tctl_plan_options *plan_opts,
		  const tctl_sim_options *opts);

void tctl_sim_report_free(tctl_sim_report *report);

/**
 * trainctl's decisions as JSON lines: id, submit, gpus, placement ("local"
 * or "cloud"), vm_size, nodes, priority, start, end, cost. Caller frees.
 */
int tctl_sim_decisions_jsonl(char **out, const tctl_sim_report *report, const tctl_trace *trace,
			     tctl_sim_policy policy);

#endif
