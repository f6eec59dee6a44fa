/** @file estimate.h  How long a job runs on a target, and whether it fits there. */
#ifndef TRAINCTL_ESTIMATE_H
#define TRAINCTL_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainctl/catalog.h"
#include "trainctl/job.h"
#include "trainctl/profile.h"

/* Every value here is plain data; nothing is allocated. The rules and the
 * sources of the constants are in docs/planner.md. */

/** Efficiency of each doubling of the GPUs a job uses within one node.
 *  NVIDIA DeepLearningExamples ResNet-50 v1.5 (PyTorch, AMP): 8 GPUs reach
 *  6.93x (V100) and 6.72x (A100) of one GPU: 0.953 and 0.943 per doubling. */
#define TCTL_EFF_GPU_DOUBLING 0.95

/** Efficiency of each doubling of the nodes (assumption, docs/planner.md). */
#define TCTL_EFF_NODE_DOUBLING 0.90

/** The GPU model work is counted in when a spec gives gpu_hours without reference_gpu. */
#define TCTL_DEFAULT_REFERENCE_GPU "V100-16GB"

/**
 * What the ledger learned about one job name on one class of target: the
 * mean ratio of actual to estimated runtime over `runs` finished runs. The
 * caller looks it up (the planner never reads the ledger).
 */
typedef struct {
	const char *target_class;   /**< see tctl_target_class() */
	double ratio;               /**< actual / estimated; <= 0 means none */
	int runs;
} tctl_calibration;

/** Where a job would run: this machine, or `nodes` nodes of one VM size. */
typedef struct {
	bool local;
	const tctl_gpu_model *gpu;  /**< model of the GPUs (borrowed); NULL when there are none */
	int gpus;                   /**< GPUs per node */
	double cpus;                /**< cores (local) or vCPUs (cloud) per node */
	uint64_t memory;            /**< host memory per node, bytes */
	int nodes;                  /**< 1 for local */
	const char *name;           /**< "local" or the VM size, for messages */
} tctl_target;

/** What the estimate needs besides the job and the target. */
typedef struct {
	const tctl_catalog *catalog;
	const tctl_gpu_model *local_gpu;  /**< this machine's GPU model (local_duration was measured on it) */
	const tctl_calibration *calibrations;
	size_t calibrations_len;
} tctl_estimate_context;

/** The estimate for one target. */
typedef struct {
	int64_t runtime;            /**< seconds (>= 1), calibration applied */
	int64_t uncalibrated;       /**< seconds before calibration */
	double efficiency;          /**< multi-GPU x multi-node efficiency used */
	int calibration_runs;       /**< 0 when not calibrated */
	double calibration_ratio;
	char source[224];           /**< where the number came from, one line */
} tctl_runtime;

/**
 * The local target a profile offers: its training GPUs (integrated ones do
 * not count) as the slowest of their catalog models (a job may land on any
 * of them), an unknown model as tctl_catalog_unknown_gpu(); memory per GPU
 * the smallest reported (else the catalog's); usable cores and memory.
 * `gpu` is storage for the model that out->gpu points to. Returns the GPU
 * count.
 */
int tctl_target_local(tctl_target *out, tctl_gpu_model *gpu, const tctl_profile *profile,
		      const tctl_catalog *cat);

/** The calibration class of a target: "local", "gpu:<model>" or "cpu". */
void tctl_target_class(char *buf, size_t size, const tctl_target *target);

/** Parallel efficiency of `gpus` GPUs per node on `nodes` nodes (1.0 for one GPU, one node). */
double tctl_parallel_efficiency(int gpus, int nodes);

/**
 * Runtime of `job` on `target`. The work comes from the spec, in this order:
 * on the local target, estimate.local_duration, then gpu_hours (GPU jobs) or
 * cpu_core_hours (CPU jobs); on a cloud target, gpu_hours or cpu_core_hours,
 * then local_duration converted through the local GPU's speed; last,
 * limits.max_run_duration as an upper bound. Returns TCTL_EINVALID when the
 * spec gives no work estimate at all or names an unknown reference GPU.
 */
int tctl_estimate_runtime(tctl_runtime *out, const tctl_job *job, const tctl_target *target,
			  const tctl_estimate_context *ctx);

/**
 * Whether `job` fits one node of `target`: GPUs, memory per GPU, host
 * memory, cores. Returns 0, or TCTL_ENOFIT with a short reason in `reason`
 * ("needs 4 GPUs, machine has 1").
 */
int tctl_estimate_fit(char *reason, size_t size, const tctl_job *job, const tctl_target *target);

#endif
