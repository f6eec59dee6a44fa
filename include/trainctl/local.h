/** @file local.h  The local backend: a resource-aware queue of supervised runs, no daemon. */
#ifndef TRAINCTL_LOCAL_H
#define TRAINCTL_LOCAL_H

#include "trainctl/job.h"
#include "trainctl/ledger.h"
#include "trainctl/profile.h"

#include <stdbool.h>
#include <stdint.h>

#define TCTL_LOCAL_MAX_GPUS 64

/** What local runs may use in total: the profile's usable cpus, memory and training GPUs. */
typedef struct {
	double cpus;
	uint64_t memory;
	int gpus;
	char gpu_vendor[TCTL_LOCAL_MAX_GPUS]; /**< 'n' nvidia, 'a' amd, 'i' intel, per GPU index */
	char gpu_cpus[TCTL_LOCAL_MAX_GPUS][96]; /**< CPUs nearest each GPU ("0-23,48-71"), "" unknown */
	double usd_per_hour_cpu;              /**< energy price of one busy core per hour */
	double usd_per_hour_gpu;              /**< energy price of one busy GPU per hour */
} tctl_local_capacity;

/** Capacity from a profile (integrated GPUs are not counted). */
void tctl_local_capacity_from_profile(tctl_local_capacity *out, const tctl_profile *p);

/**
 * Refuse a job that can never fit this machine (TCTL_ENOFIT, with what it
 * asked for and what the machine has).
 */
int tctl_local_check_fit(const tctl_job *job, const tctl_local_capacity *cap);

/**
 * Record `run` (prefilled by the caller: name, spec, provenance, plan
 * fields) as a queued local run, then start a detached dispatcher that
 * starts it as soon as it fits. When a dispatcher is started, the ledger
 * connection `*l` is closed before the fork and *l set to NULL (SQLite
 * connections must not cross a fork): reopen it to go on using the ledger.
 * run->id is set on success.
 */
int tctl_local_submit(tctl_ledger **l, const tctl_job *job, const tctl_local_capacity *cap,
		      tctl_run *run);

/**
 * Submit a job with a `parallel` section: a parent run (holding no
 * resources) whose detached coordinator runs the job's items as mini-batch
 * child runs through the queue, at most max_concurrency_per_instance at once,
 * retrying a failed mini-batch up to `retries` times, and failing the parent
 * (cancelling what is left) once more items failed than `error_threshold`.
 * The parent's folder gets failed_items.txt. parent->id is set on success.
 */
int tctl_local_submit_parallel(tctl_ledger **l, const tctl_job *job,
			       const tctl_local_capacity *cap, tctl_run *parent);

/**
 * Submit a job with a `sweep` section: a parent run (holding no resources)
 * whose detached coordinator samples the search space (docs/sweep.md), runs
 * each trial as a child run through the queue (at most
 * max_concurrent_trials at once), reads the trials' metric lines live from
 * their stdout logs, and cancels the trials the early-termination policy
 * stops, recording the policy and why. The parent's folder gets sweep.json
 * (every trial: parameters, best metric, state, stop reason; the best trial).
 * parent->id is set on success.
 */
int tctl_local_submit_sweep(tctl_ledger **l, const tctl_job *job, const tctl_local_capacity *cap,
			    tctl_run *parent);

/**
 * Mark runs whose supervisor is gone (pid plus process start time, and the
 * boot id) as lost, kill what is left of their jobs, and free their
 * resources. *out_lost counts them. Cheap when nothing is lost (one read).
 * First it imports the runs waiting in the spool (tctl_local_submit_spooled).
 */
int tctl_local_recover(tctl_ledger *l, int *out_lost);

/**
 * Is the local queue stalled: runs queued and none running, so no supervisor will start
 * them as it finishes? (A submit killed after recording its run but before starting a
 * dispatcher leaves this.) Two indexed reads.
 */
int tctl_local_stalled(tctl_ledger *l, bool *out);

/** A file written into a run's folder at submit (dirty.patch). */
typedef struct {
	const char *name;
	const void *data;
	size_t len;
} tctl_run_file;

/**
 * Submit a local run without the ledger: check the fit, stage the run's folder
 * (with `files`), and record the run by moving the folder into the spool of
 * the data folder `data_dir`; *out_spooled is that folder. Then wake an idle
 * dispatcher, which imports and starts it: *out_woken. When none was woken the
 * caller opens the ledger, whose recovery imports the run, and calls
 * tctl_local_start_queued.
 */
int tctl_local_submit_spooled(char **out_spooled, const char *data_dir, const tctl_job *job,
			      const tctl_local_capacity *cap, tctl_run *run,
			      const tctl_run_file *files, size_t nfiles, bool *out_woken);

/**
 * Take a spooled run back (its submit could not finish): 1 when withdrawn,
 * 0 when an importer recorded it first.
 */
int tctl_local_spool_withdraw(const char *spooled);

/**
 * After runs were recorded: wake an idle dispatcher, else start one when some
 * queued run may start now (which closes *l and sets it NULL).
 */
int tctl_local_start_queued(tctl_ledger **l, const tctl_local_capacity *cap);

/**
 * Have queued runs looked at (after recovery freed resources): wake an idle
 * dispatcher, else start a detached one, which closes *l and sets it NULL.
 */
int tctl_local_kick(tctl_ledger **l, const tctl_local_capacity *cap);

/**
 * Cancel a local run: a queued one ends at once; a running one's supervisor
 * is asked to stop it (SIGTERM to the process group, SIGKILL after the grace
 * period). Returns once the request is recorded.
 */
int tctl_local_cancel(tctl_ledger *l, tctl_run *run);

/**
 * As tctl_local_cancel, with the reason the run will end with ("stopped by
 * the bandit policy: ..."), recorded in its history as well; NULL: "cancelled
 * on request".
 */
int tctl_local_cancel_reason(tctl_ledger *l, tctl_run *run, const char *reason);

/**
 * Copy a run's stdout and stderr logs to `out_fd` and `err_fd`. With
 * `follow`, keep copying until the run ends (noticing a lost supervisor on
 * the way); *out_final (optional) receives the run as it ended.
 */
int tctl_local_follow(tctl_ledger *l, const char *run_id, int out_fd, int err_fd, bool follow,
		      tctl_run **out_final);

/** Seconds between SIGTERM and SIGKILL: $TRAINCTL_KILL_GRACE or 10. */
int tctl_local_kill_grace(void);

#endif
