/** @file submit.h  Submitting a job: provenance, plan, then the backend the plan chose. */
#ifndef TRAINCTL_SUBMIT_H
#define TRAINCTL_SUBMIT_H

#include "trainctl/azure.h"
#include "trainctl/job.h"
#include "trainctl/plan.h"
#include "trainctl/run.h"
#include "trainctl/vcs.h"

#include <stdbool.h>

typedef struct {
	unsigned version;
	tctl_placement placement;       /**< AUTO: the plan decides; LOCAL / CLOUD force a side */
	tctl_prefer prefer;
	const char *name;               /**< the run's name (default: the job's) */
	bool allow_over_budget;         /**< recorded in the ledger when used */
	const tctl_provenance *prov;    /**< given (hooks); NULL: read from the job's workdir */
	const tctl_azure_options *azure; /**< a cloud run: workspace, dry run, what to tell the user */
	bool spool;                     /**< a local run with nothing to plan or budget may be
					     recorded in the spool for an idle dispatcher (local.h) */
} tctl_submit_options;

#define TCTL_SUBMIT_OPTIONS_VERSION 1
#define TCTL_SUBMIT_OPTIONS_INIT { TCTL_SUBMIT_OPTIONS_VERSION, TCTL_PLACEMENT_AUTO, \
	TCTL_PREFER_COST, NULL, false, NULL, NULL, false }

typedef struct {
	char run_id[TCTL_RUN_ID_SIZE];
	const char *placement;          /**< "local" or "cloud" (static) */
	char summary[320];              /**< what was chosen and why, one line */
	char warning[256];              /**< something the user should hear, or "" */
	int lost;                       /**< runs found lost on the way (their resources freed) */
} tctl_submit_result;

/**
 * Submit `job`: record its provenance (git commit, branch, dirty diff saved
 * as the run's dirty.patch), plan it when it carries a work estimate (a job
 * without one runs locally when it fits), then hand it to the chosen
 * backend. Returns once the run is recorded; the run itself goes on in a
 * detached supervisor, or in Azure ML. When the plan chooses the cloud, the
 * region's quotas and prices are read first and the job planned again with
 * them (an over-quota candidate gives way to the next), then the cluster is
 * ensured, the code uploaded and the job created (azure.h). Errors:
 * TCTL_ENOFIT (never fits), TCTL_EQUOTA (no quota for any cloud candidate),
 * TCTL_EBUDGET, ledger and Azure errors; nothing is recorded then, except a
 * cloud run whose job PUT failed (recorded as failed, with Azure's error).
 * With opts->azure->dry_run, nothing is recorded or created: the requests
 * go to opts->azure->on_request.
 */
int tctl_submit(tctl_submit_result *out, const tctl_job *job, const tctl_submit_options *opts);

/**
 * For git hooks: load the job file `job_path` and submit it with `prov`
 * (the commit the hook fired for). *out_run_id is the caller's to free.
 */
int tctl_submit_detached(char **out_run_id, const char *job_path, const tctl_provenance *prov);

#endif
