/** @file sweep.h  Hyperparameter sweeps: metric lines, sampling, early-termination policies. */
#ifndef TRAINCTL_SWEEP_H
#define TRAINCTL_SWEEP_H

#include "trainctl/job.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pure code, no I/O: the local sweep coordinator (src/local/sweep.c) uses it,
 * and so can a cloud sweep mapping. docs/sweep.md states every rule below. */

/* ---- metric lines (docs/metrics.md) ---- */

#define TCTL_METRIC_NAME_MAX 128
#define TCTL_METRIC_MAX 32

typedef struct {
	char name[TCTL_METRIC_NAME_MAX];
	double value;
} tctl_metric_value;

typedef struct {
	int64_t step;
	tctl_metric_value values[TCTL_METRIC_MAX];
	size_t len;
} tctl_metric_line;

/**
 * Parse one line of a program's output (without its '\n'; a final '\r' is
 * ignored). Returns 0 when it is not a metric line (it does not start with
 * "TRAINCTL_METRIC"), 1 with *out filled, or TCTL_EINVALID when it starts
 * with "TRAINCTL_METRIC" but does not parse (the message says why).
 */
int tctl_metric_parse(tctl_metric_line *out, const char *line, size_t len);

/** The value of metric `name` in `m`; false when the line has none. */
bool tctl_metric_get(const tctl_metric_line *m, const char *name, double *out);

/* ---- sampling ---- */

/** One trial's parameters, in search_space order. Strings are owned. */
typedef struct {
	char **values;          /**< the text put in the command: "0.01", "adam", "32" */
	size_t len;
	char *json;             /**< the same as a JSON object: {"lr": 0.01, "opt": "adam"} */
} tctl_trial_params;

typedef struct {
	tctl_trial_params *trials;
	size_t len;
	uint64_t seed;          /**< random sampling: the seed used */
} tctl_sweep_sample_set;

/** Combinations of a grid search space (choice parameters only); 0 when not a grid. */
size_t tctl_sweep_grid_size(const tctl_sweep *sw);

/**
 * The trials of `sw`, limits.max_total_trials of them: grid sampling takes
 * the combinations in order (the first parameter varies slowest); random
 * sampling draws each parameter of each trial from its distribution with a
 * generator seeded with `seed` (the same seed gives the same trials):
 * choice uniformly among values, uniform in [min, max), loguniform
 * exp(uniform(min, max)) (Azure ML's semantics: the bounds are natural-log
 * exponents), randint an integer in [0, upper). Free with
 * tctl_sweep_sample_set_clear.
 */
int tctl_sweep_sample(tctl_sweep_sample_set *out, const tctl_sweep *sw, uint64_t seed);

void tctl_sweep_sample_set_clear(tctl_sweep_sample_set *s);

/**
 * The job one trial runs: the sweep section gone; every
 * "${{search_space.NAME}}" in command arguments (or in `shell`, quoted for
 * /bin/sh when the value is not a plain word) replaced by the trial's value;
 * TRAINCTL_PARAM_<NAME>=value added to its env for each parameter; and
 * limits.max_run_duration at most sweep.limits.trial_timeout.
 */
int tctl_sweep_trial_job(tctl_job **out, const tctl_job *job, const tctl_trial_params *params);

/* ---- early termination (Azure ML's bandit, median stopping, truncation selection) ---- */

typedef struct tctl_sweep_policy tctl_sweep_policy;

typedef struct {
	bool stop;              /**< the policy stops the trial now */
	bool evaluated;         /**< this interval was an evaluation point with others to compare */
	int interval;           /**< the trial's interval (1-based count of primary-metric reports) */
	char reason[512];       /**< why, with the arithmetic, when stopped */
} tctl_sweep_decision;

/**
 * A policy's state for a sweep of at most `trials` trials, from
 * sw->early_termination (TCTL_ETP_NONE never stops anything) and the goal.
 */
int tctl_sweep_policy_new(tctl_sweep_policy **out, const tctl_sweep *sw, size_t trials);

void tctl_sweep_policy_free(tctl_sweep_policy *p);

/**
 * Trial `trial` reported `value` of the primary metric: its next interval.
 * When that interval is an evaluation point (a multiple of
 * evaluation_interval, at or after delay_evaluation), the trial is compared
 * with every trial that has reported at least as many intervals, finished
 * ones included, and *out says whether the policy stops it.
 */
int tctl_sweep_policy_report(tctl_sweep_decision *out, tctl_sweep_policy *p, size_t trial,
			     double value);

/** A trial's best value so far and its intervals; false when it reported none. */
bool tctl_sweep_policy_best(const tctl_sweep_policy *p, size_t trial, double *out_best,
			    int *out_intervals);

/* ---- results (the coordinator writes them to <parent run dir>/sweep.json) ---- */

typedef struct {
	int trial;              /**< 1-based */
	char *run_id;           /**< NULL while pending */
	char *params;           /**< JSON object */
	char *state;            /**< "pending" or a run state name */
	bool has_best;
	double best;            /**< best primary metric reported */
	int64_t best_step;
	int intervals;          /**< primary-metric reports read */
	int64_t last_step;      /**< step of the last metric line read; -1: none */
	char *stop_reason;      /**< the early-termination policy's reason, or NULL */
	char *reason;           /**< how the run ended ("exit 0"), or NULL */
	char *warning;          /**< the first metric line that did not parse ("stdout line 12: ..."), or NULL */
} tctl_sweep_trial_result;

typedef struct {
	char *sweep_id;         /**< the parent run */
	char *job;
	char *metric;
	bool maximize;
	char *sampling;         /**< "grid" or "random" */
	bool has_seed;
	uint64_t seed;
	char *policy;           /**< tctl_sweep_policy_name */
	char *state;            /**< the parent's state */
	tctl_sweep_trial_result *trials;
	size_t len;
	int best;               /**< index into trials, -1 when no trial reported the metric */
} tctl_sweep_result;

/** Index of the best trial by the goal (ties: the earlier trial), -1 when none has a value. */
int tctl_sweep_result_best(const tctl_sweep_result *r);

/** Write `r` as JSON to `path` (atomically). */
int tctl_sweep_result_save(const tctl_sweep_result *r, const char *path);

/** Read it back; free with tctl_sweep_result_clear. */
int tctl_sweep_result_load(tctl_sweep_result *out, const char *path);

/** The JSON text (`trainctl sweep --json`). Caller frees. */
int tctl_sweep_result_to_json(char **out, const tctl_sweep_result *r);

/** The table of trials (parameters, best metric, state, stop reason) and the best one. */
int tctl_sweep_result_to_text(char **out, const tctl_sweep_result *r);

void tctl_sweep_result_clear(tctl_sweep_result *r);

/** "bandit", "median_stopping", "truncation_selection" or "none". */
const char *tctl_sweep_policy_name(tctl_etp_type type);

/** Azure ML's policyType: "Bandit", "MedianStopping", "TruncationSelection"; NULL for none. */
const char *tctl_sweep_policy_azure_type(tctl_etp_type type);

#endif
