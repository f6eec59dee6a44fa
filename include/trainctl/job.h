/** @file job.h  The job spec: what to run, what it needs, how much work it is. */
#ifndef TRAINCTL_JOB_H
#define TRAINCTL_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ownership: every string and array in a tctl_job belongs to the job and is
 * released by tctl_job_free(). Unset numbers are 0 unless noted; unset
 * strings are NULL. */

typedef enum {
	TCTL_PLACEMENT_AUTO = 0,
	TCTL_PLACEMENT_LOCAL,
	TCTL_PLACEMENT_CLOUD
} tctl_placement;

typedef enum {
	TCTL_PRIORITY_ANY = 0,   /**< let the planner pick (low priority only if checkpointable or short) */
	TCTL_PRIORITY_DEDICATED,
	TCTL_PRIORITY_LOW
} tctl_priority;

typedef enum {
	TCTL_PARAM_CHOICE = 0,
	TCTL_PARAM_UNIFORM,
	TCTL_PARAM_LOGUNIFORM,
	TCTL_PARAM_RANDINT
} tctl_param_type;

typedef enum {
	TCTL_SAMPLING_RANDOM = 0,
	TCTL_SAMPLING_GRID
} tctl_sampling;

typedef enum {
	TCTL_ETP_NONE = 0,
	TCTL_ETP_BANDIT,
	TCTL_ETP_MEDIAN,
	TCTL_ETP_TRUNCATION
} tctl_etp_type;

typedef struct {
	char *name;
	tctl_param_type type;
	/** choice: the values, as JSON text each ("0.1", "\"adam\"", "32") */
	char **values;
	size_t values_len;
	/** uniform / loguniform (min_value, max_value: for loguniform, as Azure ML,
	 *  the natural-log exponents: value = exp(uniform(min, max))); randint: [0, upper) */
	double min_value, max_value;
	int64_t upper;
} tctl_param;

typedef struct {
	double cpus;            /**< cores (fractions allowed); default 1 */
	uint64_t memory;        /**< bytes of host memory; 0 = not stated */
	int gpus;               /**< GPUs per node; default 0 */
	uint64_t gpu_memory;    /**< bytes needed per GPU; 0 = not stated */
	uint64_t disk;          /**< bytes of scratch disk; 0 = not stated */
	bool bind_gpu_local;    /**< cpu_binding "gpu-local": run on the CPUs nearest its GPUs */
} tctl_resources;

typedef struct {
	double gpu_hours;       /**< work in GPU-hours on reference_gpu */
	char *reference_gpu;    /**< catalog GPU model the estimate is for (e.g. "V100") */
	double cpu_core_hours;  /**< work in core-hours (CPU jobs) */
	int64_t local_duration; /**< seconds measured on this machine */
} tctl_estimate;

typedef struct {
	int64_t max_run_duration;  /**< seconds; 0 = none */
	int64_t deadline;          /**< seconds after submission; 0 = none */
	int64_t deadline_at;       /**< absolute unix time; 0 = none (set when the spec gave a timestamp) */
	double max_cost;           /**< USD; 0 = none */
} tctl_limits;

typedef struct {
	char *region;           /**< Azure region the input data lives in */
	uint64_t size;          /**< bytes read from that region */
} tctl_data;

typedef struct {
	char *workspace;        /**< config profile name */
	char *compute;          /**< AmlCompute cluster name */
	char **vm_sizes;        /**< allowed sizes (empty = any in the catalog) */
	size_t vm_sizes_len;
	tctl_priority priority;
	int max_nodes;          /**< default 1 */
	int64_t idle_time_before_scale_down; /**< seconds; default 120 */
	char *environment;      /**< Azure ML environment ("azureml:name:version" or image) */
	char *region;           /**< overrides the workspace's region for planning */
	char *experiment_name;
} tctl_cloud;

typedef struct {
	bool enabled;
	char **items;           /**< literal items */
	size_t items_len;
	char *items_file;       /**< one item per line */
	char *items_glob;       /**< files matching a glob, relative to workdir */
	int mini_batch_size;    /**< items per mini-batch; default 1 */
	int instance_count;     /**< nodes (cloud) / ignored locally; default 1 */
	int max_concurrency_per_instance; /**< default 1 */
	int error_threshold;    /**< failed items tolerated; -1 = ignore all failures; default -1 */
	int retries;            /**< per mini-batch retries; default 3 */
	char *item_placeholder; /**< token in command replaced by the batch's items; default "{items}" */
} tctl_parallel;

/**
 * Read a parallel.items_file: one item per line (a CR before the newline is
 * dropped, blank lines skipped), each handed to `each` until it fails. Errors
 * name "parallel.items_file" and the file.
 */
int tctl_parallel_items_read(const char *path, int (*each)(void *ctx, const char *item),
			     void *ctx);

typedef struct {
	bool enabled;
	tctl_param *params;
	size_t params_len;
	tctl_sampling sampling;
	int64_t seed;           /**< random sampling seed; default 0 */
	bool has_seed;
	char *primary_metric;
	bool maximize;          /**< goal: maximize (true) or minimize */
	struct {
		tctl_etp_type type;
		double slack_factor;
		double slack_amount;
		int evaluation_interval; /**< default 1 */
		int delay_evaluation;    /**< default 0 */
		int truncation_percentage; /**< default 5 */
	} early_termination;
	struct {
		int max_total_trials;     /**< default 20 for random; grid: all combinations */
		int max_concurrent_trials;/**< default 1 */
		int64_t timeout;          /**< seconds for the whole sweep; 0 = none */
		int64_t trial_timeout;    /**< seconds per trial; 0 = none */
	} limits;
} tctl_sweep;

typedef struct {
	char **events;          /**< "post-commit", "post-merge", "pre-push" */
	size_t events_len;
	char **branches;        /**< globs; empty = any */
	size_t branches_len;
	char **paths;           /**< globs with "**"; empty = any */
	size_t paths_len;
	bool block_push;        /**< pre-push may block on failure only when true */
} tctl_trigger;

typedef struct {
	int keep_days;          /**< 0 = not set */
	int keep_last;          /**< 0 = not set */
	uint64_t max_total_size;/**< bytes; 0 = not set */
} tctl_retention;

typedef struct {
	char *path;             /**< file the spec came from ("-" for stdin, NULL when built in code) */
	char *name;             /**< default: the command's base name */
	char **command;         /**< argv, NULL-terminated; NULL when shell is set */
	size_t command_len;
	char *shell;            /**< run through /bin/sh -c; NULL when command is set */
	char *workdir;          /**< default: the spec file's folder (or cwd) */
	char **env;             /**< "KEY=VALUE", NULL-terminated */
	size_t env_len;
	tctl_resources resources;
	tctl_estimate estimate;
	tctl_limits limits;
	bool checkpointable;
	tctl_data data;
	tctl_placement placement;
	tctl_cloud cloud;
	tctl_parallel parallel;
	tctl_sweep sweep;
	tctl_trigger trigger;
	bool has_trigger;
	tctl_retention retention;
	bool has_retention;
} tctl_job;

/**
 * Parse and validate a job spec held in `text` (JSON). `path` names it in
 * messages ("FILE:LINE: field.path: expected ..."). On failure, returns
 * TCTL_EINVALID with every problem found (one per line, at most 20) in the
 * error message, and *out is untouched.
 */
int tctl_job_parse(tctl_job **out, const char *text, size_t len, const char *path);

/** Read and parse a job file; NULL path means "trainctl.json" in the current folder. */
int tctl_job_load(tctl_job **out, const char *path);

/** A job for `argv` alone (`submit -- cmd args`), with all defaults. */
int tctl_job_from_argv(tctl_job **out, char *const *argv, size_t argc);

/** The job in normalised JSON (defaults filled in, units canonical). Caller frees. */
int tctl_job_to_json(char **out, const tctl_job *job);

/** Deep copy. */
int tctl_job_dup(tctl_job **out, const tctl_job *job);

void tctl_job_free(tctl_job *job);

const char *tctl_placement_name(tctl_placement p);
const char *tctl_priority_name(tctl_priority p);

#endif
