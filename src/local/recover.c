/* recover.c: runs whose supervisor died (or whose machine rebooted) become 'lost' and free their resources. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Why the run's supervisor is no longer there, or NULL when it is. */
static const char *gone_reason(const tctl_run *r, char *buf, size_t size)
{
	const char *boot = proc_boot_id();

	if (r->boot_id && *boot && strcmp(r->boot_id, boot) != 0)
		return "the machine restarted while it ran";
	if (!proc_matches(r->supervisor_pid, r->supervisor_start)) {
		snprintf(buf, size, "its supervisor (pid %lld) died", (long long)r->supervisor_pid);
		return buf;
	}
	return NULL;
}

static int count_gone(const tctl_run_list *running)
{
	char buf[96];
	int n = 0;

	for (size_t i = 0; i < running->len; i++)
		n += gone_reason(&running->runs[i], buf, sizeof(buf)) != NULL;
	return n;
}

static int list_running(tctl_ledger *l, tctl_run_list *out, bool brief)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;

	f.state = TCTL_RUN_RUNNING;
	f.backend = "local";
	f.brief = brief;
	return tctl_ledger_run_list(l, out, &f);
}

/*
 * SIGKILL what is left of a run whose supervisor died. The job's main process died with
 * its supervisor (PR_SET_PDEATHSIG), so its pid no longer names it; what it started lives
 * on in its process group or in a session of its own. Each of them carries the run's id in
 * its environment (spawn.c): those are killed, never a supervisor (a job may itself submit).
 */
static void kill_leftovers(const tctl_run *r)
{
	char kv[64];
	pid_t pids[512];
	int n;

	if (proc_matches(r->job_pid, r->job_start))
		kill(-(pid_t)r->job_pid, SIGKILL);
	snprintf(kv, sizeof(kv), "TRAINCTL_RUN_ID=%s", r->id);
	n = proc_with_env(kv, pids, 512);
	for (int i = 0; i < n; i++)
		if (pids[i] != getpid() && !dispatcher_is_ours(pids[i]))
			kill(pids[i], SIGKILL);
}

/* Marks each gone run lost inside one write transaction; re-reads to avoid racing a finishing supervisor. */
static int mark_lost(tctl_ledger *l, int *out_lost)
{
	tctl_run_list running = { 0 };
	char buf[96];
	int rc;

	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = list_running(l, &running, false)) < 0)
		goto fail;
	for (size_t i = 0; i < running.len; i++) {
		tctl_run *r = &running.runs[i];
		const char *why = gone_reason(r, buf, sizeof(buf));
		if (!why)
			continue;
		if (strcmp(why, "the machine restarted while it ran") != 0)
			kill_leftovers(r);
		r->ended_ms = tctl_now_ms();
		if ((rc = tctl_ledger_run_transition(l, r, TCTL_RUN_LOST, why)) < 0)
			goto fail;
		(*out_lost)++;
	}
	tctl_run_list_free(&running);
	return tctl_ledger_commit(l);
fail:
	tctl_run_list_free(&running);
	tctl_ledger_rollback(l);
	return rc;
}

int tctl_local_recover(tctl_ledger *l, int *out_lost)
{
	tctl_run_list running = { 0 };
	int rc, gone;

	*out_lost = 0;
	rundir_sweep(l);
	if ((rc = spool_import(l)) < 0)
		return rc;
	if ((rc = list_running(l, &running, true)) < 0)
		return rc;
	gone = count_gone(&running);
	tctl_run_list_free(&running);
	if (!gone)
		return 0;
	return mark_lost(l, out_lost);
}

/* Are there local runs in `state`? (one row at most is read) */
static int any_in(tctl_ledger *l, tctl_run_state state, bool *out)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list list = { 0 };
	int rc;

	f.state = state;
	f.backend = "local";
	f.limit = 1;
	f.brief = true;
	if ((rc = tctl_ledger_run_list(l, &list, &f)) < 0)
		return rc;
	*out = list.len > 0;
	tctl_run_list_free(&list);
	return 0;
}

int tctl_local_stalled(tctl_ledger *l, bool *out)
{
	bool queued = false, running = false;
	int rc;

	*out = false;
	if ((rc = any_in(l, TCTL_RUN_QUEUED, &queued)) < 0 || !queued ||
	    (rc = any_in(l, TCTL_RUN_RUNNING, &running)) < 0)
		return rc;
	*out = !running;
	return 0;
}
