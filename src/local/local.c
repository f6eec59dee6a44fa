/* local.c: the local backend's entry points: capacity, fit, submit, kick, cancel. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tctl_local_capacity_from_profile(tctl_local_capacity *out, const tctl_profile *p)
{
	memset(out, 0, sizeof(*out));
	out->cpus = p->cpus;
	out->memory = p->memory;
	for (size_t i = 0; i < p->gpus_len && out->gpus < TCTL_LOCAL_MAX_GPUS; i++) {
		const tctl_gpu *g = &p->gpus[i];
		if (g->integrated)
			continue;
		if (g->local_cpus)
			snprintf(out->gpu_cpus[out->gpus], sizeof(out->gpu_cpus[0]), "%s", g->local_cpus);
		out->gpu_vendor[out->gpus++] = g->vendor ? g->vendor[0] : '?';
	}
}

int tctl_local_check_fit(const tctl_job *job, const tctl_local_capacity *cap)
{
	char need[32], have[32];

	if (job->resources.cpus > cap->cpus + 1e-9)
		return tctl_error_set(TCTL_ENOFIT,
			"job '%s' asks for %g cpus; this machine lets trainctl use %g",
			job->name, job->resources.cpus, cap->cpus);
	if (job->resources.memory > cap->memory) {
		tctl_size_format(need, sizeof(need), job->resources.memory);
		tctl_size_format(have, sizeof(have), cap->memory);
		return tctl_error_set(TCTL_ENOFIT, "job '%s' asks for %s of memory; this machine has %s",
				      job->name, need, have);
	}
	if (job->resources.gpus > cap->gpus)
		return tctl_error_set(TCTL_ENOFIT, "job '%s' asks for %d GPU%s; this machine has %d",
				      job->name, job->resources.gpus,
				      job->resources.gpus == 1 ? "" : "s", cap->gpus);
	return 0;
}

char *run_dir_path(const char *ledger_dir, const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s/runs/%s", ledger_dir, id) < 0)
		return NULL;
	return p;
}

/* A new run in data folder `dir`: it fits, it has an id and its folder's path, and its
 * folder is staged with the saved environment (*out_stage). */
static int stage_new(const char *dir, const tctl_job *job, const tctl_local_capacity *cap,
		     tctl_run *run, char **out_stage)
{
	int rc;

	*out_stage = NULL;
	if ((rc = tctl_local_check_fit(job, cap)) < 0)
		return rc;
	if (!run->submitted_ms)
		run->submitted_ms = tctl_now_ms();
	if (!run->id[0])
		tctl_run_id_new(run->id, run->submitted_ms);
	free(run->run_dir);
	if (!(run->run_dir = run_dir_path(dir, run->id)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return rundir_stage(out_stage, dir, run->id);
}

/* The fields of a queued local run. */
static void queued_fields(const tctl_job *job, tctl_run *run)
{
	run->state = TCTL_RUN_QUEUED;
	run->cpus = job->resources.cpus;
	run->memory = job->resources.memory;
	run->gpus = job->resources.gpus;
	run->exit_code = -1;
	if (!run->backend)
		run->backend = strdup("local");
	if (!run->placement)
		run->placement = strdup("local");
	if (!run->target)
		run->target = strdup("local");
}

static int insert_queued(tctl_ledger *l, const tctl_job *job, tctl_run *run)
{
	int rc;

	queued_fields(job, run);
	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_insert(l, run)) < 0 ||
	    (rc = tctl_ledger_event_add(l, run->id, "queued", "submitted")) < 0) {
		tctl_ledger_rollback(l);
		return rc;
	}
	return tctl_ledger_commit(l);
}

int tctl_local_submit(tctl_ledger **l, const tctl_job *job, const tctl_local_capacity *cap,
		      tctl_run *run)
{
	char *stage = NULL;
	int rc;

	if ((rc = stage_new(tctl_ledger_dir(*l), job, cap, run, &stage)) < 0 ||
	    (rc = insert_queued(*l, job, run)) < 0) {
		rundir_discard(stage);   /* nothing is left behind of a run that was not recorded */
		free(stage);
		return rc;
	}
	rc = rundir_publish(stage, run->run_dir);
	free(stage);
	if (rc < 0)
		return rc;
	return tctl_local_start_queued(l, cap);
}

static int add_files(const char *stage, const tctl_run_file *files, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = tctl_path_join(stage, files[i].name);
		rc = path ? tctl_file_write(path, files[i].data, files[i].len, 0600)
			  : tctl_error_set(TCTL_ENOMEM, "out of memory");
		free(path);
	}
	return rc;
}

int tctl_local_submit_spooled(char **out_spooled, const char *data_dir, const tctl_job *job,
			      const tctl_local_capacity *cap, tctl_run *run,
			      const tctl_run_file *files, size_t nfiles, bool *out_woken)
{
	char *stage = NULL;
	int rc;

	*out_spooled = NULL;
	*out_woken = false;
	if ((rc = stage_new(data_dir, job, cap, run, &stage)) < 0)
		return rc;
	queued_fields(job, run);
	if ((rc = add_files(stage, files, nfiles)) < 0 ||
	    (rc = spool_publish(out_spooled, data_dir, run, stage)) < 0) {
		rundir_discard(stage);   /* not recorded: nothing is left behind */
		free(stage);
		return rc;
	}
	free(stage);
	/* recorded: a dispatcher that stops listening after this imports before it exits */
	*out_woken = wake_one(data_dir, cap) == 1;
	return 0;
}

int tctl_local_spool_withdraw(const char *spooled)
{
	char *to = NULL;
	int rc;

	if (asprintf(&to, "%s.withdrawn", spooled) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((rc = rename(spooled, to)) == 0)
		rundir_discard(to);
	free(to);
	return rc == 0 ? 1 : 0;   /* 0: an importer took it first, the run is recorded */
}

/* A new detached dispatcher; closes *l (no SQLite connection crosses a fork). */
static int spawn_dispatcher(tctl_ledger **l, const tctl_local_capacity *cap)
{
	char *path;
	int rc;

	if (!(path = strdup(tctl_ledger_path(*l))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	tctl_ledger_free(*l);
	*l = NULL;
	rc = dispatcher_spawn(path, cap, NULL);
	free(path);
	return rc;
}

int tctl_local_start_queued(tctl_ledger **l, const tctl_local_capacity *cap)
{
	bool startable = false;
	int rc;

	if (wake_one(tctl_ledger_dir(*l), cap))
		return 0;
	/* when nothing may start now, the supervisors of running runs start it as they finish */
	if ((rc = queue_startable(*l, cap, &startable)) < 0)
		return rc;
	return startable ? spawn_dispatcher(l, cap) : 0;
}

int tctl_local_kick(tctl_ledger **l, const tctl_local_capacity *cap)
{
	return wake_one(tctl_ledger_dir(*l), cap) ? 0 : spawn_dispatcher(l, cap);
}

int tctl_local_cancel(tctl_ledger *l, tctl_run *run)
{
	return tctl_local_cancel_reason(l, run, NULL);
}

/* A running run keeps the reason of a cancel request in its reason column until it ends
 * (the supervisor ends it with that reason). */
static int request_cancel(tctl_ledger *l, tctl_run *now, const char *reason)
{
	char detail[400];
	int rc;

	now->cancel_requested = true;
	free(now->reason);
	now->reason = strdup(reason ? reason : "cancelled on request");
	snprintf(detail, sizeof(detail), "cancel requested%s%s", reason ? ": " : "",
		 reason ? reason : "");
	if ((rc = tctl_ledger_event_add(l, now->id, "running", detail)) < 0)
		return rc;
	return tctl_ledger_run_save(l, now);
}

int tctl_local_cancel_reason(tctl_ledger *l, tctl_run *run, const char *reason)
{
	tctl_run *now = NULL;
	bool signal_it = false;
	int rc;

	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_get(l, &now, run->id)) < 0)
		goto fail;
	if (now->state == TCTL_RUN_QUEUED) {
		now->ended_ms = tctl_now_ms();
		rc = tctl_ledger_run_transition(l, now, TCTL_RUN_CANCELLED,
						reason ? reason : "cancelled before it started");
	} else if (now->state == TCTL_RUN_RUNNING) {
		rc = request_cancel(l, now, reason);
		signal_it = true;
	} else {
		rc = tctl_error_set(TCTL_EINVALID, "run '%s' already ended (%s)", now->id,
				    tctl_run_state_name(now->state));
	}
	if (rc < 0 || (rc = tctl_ledger_commit(l)) < 0)
		goto fail;
	/* after the commit, so the supervisor reads the request when the signal arrives */
	if (signal_it && proc_matches(now->supervisor_pid, now->supervisor_start))
		kill((pid_t)now->supervisor_pid, SIGTERM);
	tctl_run_clear(run);
	*run = *now;
	free(now);
	return 0;
fail:
	tctl_ledger_rollback(l);
	tctl_run_free(now);
	return rc;
}
