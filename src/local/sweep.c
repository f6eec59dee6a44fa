/* sweep.c: a local hyperparameter sweep: trials through the queue, early termination, results. */
#include "sweep_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* How long the coordinator waits, after cancelling, for its trials to end. */
#define DRAIN_MS 30000

static void save_results(sweeper *sw)
{
	if (!sw->dirty || !sw->results_path)
		return;
	if (tctl_sweep_result_save(&sw->result, sw->results_path) < 0)
		tctl_error_clear();
	sw->dirty = false;
}

static size_t count_phase(const sweeper *sw, trial_phase ph)
{
	size_t n = 0;

	for (size_t i = 0; i < sw->set->len; i++)
		n += sw->trials[i].phase == ph;
	return n;
}

static int launch(sweeper *sw, size_t i)
{
	trial *t = &sw->trials[i];
	char name[300], id[TCTL_RUN_ID_SIZE], detail[600];
	tctl_job *tj = NULL;
	int rc;

	if ((rc = tctl_sweep_trial_job(&tj, sw->job, &sw->set->trials[i])) < 0)
		return rc;
	snprintf(name, sizeof(name), "%s.trial-%zu", sw->job->name, i + 1);
	rc = group_submit_child(&sw->g, tj, name, 1, sw->set->trials[i].json, id);
	tctl_job_free(tj);
	if (rc < 0)
		return rc;
	t->phase = T_ACTIVE;
	t->res->run_id = strdup(id);
	free(t->res->state);
	t->res->state = strdup("queued");
	sw->dirty = true;
	snprintf(detail, sizeof(detail), "trial %zu %s started as run %s", i + 1,
		 sw->set->trials[i].json, id);
	tctl_ledger_event_add(sw->g.l, sw->g.parent_id, "running", detail);
	return 0;
}

/* A trial that could not even be submitted ends the way its run would have: failed. */
static void launch_failed(sweeper *sw, size_t i)
{
	trial *t = &sw->trials[i];

	t->phase = T_DONE;
	free(t->res->state);
	t->res->state = strdup("failed");
	free(t->res->reason);
	t->res->reason = strdup(tctl_error_last()->message);
	tctl_error_clear();
	sw->dirty = true;
}

static void launch_more(sweeper *sw)
{
	size_t cap = (size_t)(sw->job->sweep.limits.max_concurrent_trials > 0
			      ? sw->job->sweep.limits.max_concurrent_trials : 1);

	for (size_t i = 0; i < sw->set->len && count_phase(sw, T_ACTIVE) < cap; i++)
		if (sw->trials[i].phase == T_PENDING && launch(sw, i) < 0)
			launch_failed(sw, i);
}

static void note_state(sweeper *sw, size_t i, const tctl_run *r)
{
	trial *t = &sw->trials[i];
	const char *state = tctl_run_state_name(r->state);

	if (!t->res->state || strcmp(t->res->state, state)) {
		free(t->res->state);
		t->res->state = strdup(state);
		sw->dirty = true;
	}
	if (!tctl_run_state_terminal(r->state))
		return;
	sweep_read_trial(sw, i, true);
	t->phase = T_DONE;
	free(t->res->reason);
	t->res->reason = r->reason ? strdup(r->reason) : NULL;
	sw->dirty = true;
}

/* Read every active trial's new output, then notice which trials ended. */
static int poll_trials(sweeper *sw)
{
	tctl_run_list kids = { 0 };
	int rc;

	for (size_t i = 0; i < sw->set->len; i++)
		if (sw->trials[i].phase == T_ACTIVE)
			sweep_read_trial(sw, i, false);
	if ((rc = group_children(&sw->g, &kids)) < 0)
		return rc;
	for (size_t i = 0; i < sw->set->len; i++) {
		trial *t = &sw->trials[i];
		for (size_t k = 0; t->phase == T_ACTIVE && k < kids.len; k++)
			if (!strcmp(kids.runs[k].id, t->res->run_id))
				note_state(sw, i, &kids.runs[k]);
	}
	tctl_run_list_free(&kids);
	return 0;
}

static bool timeout_reached(sweeper *sw)
{
	int64_t limit = sw->job->sweep.limits.timeout;

	return limit > 0 && tctl_mono_ms() - sw->started_mono >= limit * 1000;
}

/* Stop what is left (cancel or timeout) and wait a while for the trials to end. */
static void drain(sweeper *sw, const char *why)
{
	int64_t until = tctl_mono_ms() + DRAIN_MS;

	for (size_t i = 0; i < sw->set->len; i++)
		if (sw->trials[i].phase == T_ACTIVE && !sw->trials[i].stopping)
			sweep_stop_trial(sw, i, why);
	while (count_phase(sw, T_ACTIVE) && tctl_mono_ms() < until) {
		group_nap(100);
		group_cancel_requested(&sw->g);
		if (poll_trials(sw) < 0)
			break;
		save_results(sw);
	}
}

static void coordinate(sweeper *sw)
{
	int delay = 20;

	for (;;) {
		if (group_cancel_requested(&sw->g)) {
			drain(sw, "cancelled with its sweep");
			break;
		}
		if (timeout_reached(sw)) {
			sw->timed_out = true;
			drain(sw, "the sweep's limits.timeout was reached");
			break;
		}
		launch_more(sw);
		save_results(sw);
		if (!count_phase(sw, T_ACTIVE) && !count_phase(sw, T_PENDING))
			break;
		group_nap(delay);
		delay = delay < 200 ? delay * 2 : 200;
		if (poll_trials(sw) < 0)
			break;
	}
}

static void finish(sweeper *sw)
{
	int best = tctl_sweep_result_best(&sw->result);
	size_t stopped = 0, n = sw->set->len;
	tctl_run_state state;
	char reason[600];

	for (size_t i = 0; i < n; i++)   /* by the policy, not by a cancel or the timeout */
		stopped += sw->result.trials[i].stop_reason &&
			   !strncmp(sw->result.trials[i].stop_reason, "stopped by", 10);
	state = sw->g.cancelled ? TCTL_RUN_CANCELLED : sw->timed_out ? TCTL_RUN_TIMED_OUT
		: best >= 0 ? TCTL_RUN_SUCCEEDED : TCTL_RUN_FAILED;
	if (best >= 0)
		snprintf(reason, sizeof(reason), "best: trial %d %s: %s %.6g at step %lld; %zu trials, "
			 "%zu stopped early", sw->result.trials[best].trial, sw->result.trials[best].params,
			 sw->result.metric, sw->result.trials[best].best,
			 (long long)sw->result.trials[best].best_step, n, stopped);
	else
		snprintf(reason, sizeof(reason), "no trial reported the primary metric '%s' "
			 "(%zu trials)", sw->result.metric, n);
	free(sw->result.state);
	sw->result.state = strdup(tctl_run_state_name(state));
	sw->dirty = true;
	save_results(sw);
	group_finish(&sw->g, state, reason);
}

static int init_result(sweeper *sw, const char *parent_id)
{
	tctl_sweep_result *r = &sw->result;
	const tctl_sweep *s = &sw->job->sweep;

	r->sweep_id = strdup(parent_id);
	r->job = strdup(sw->job->name);
	r->metric = strdup(s->primary_metric ? s->primary_metric : "");
	r->maximize = s->maximize;
	r->sampling = strdup(s->sampling == TCTL_SAMPLING_GRID ? "grid" : "random");
	r->has_seed = s->sampling != TCTL_SAMPLING_GRID;
	r->seed = sw->set->seed;
	r->policy = strdup(tctl_sweep_policy_name(s->early_termination.type));
	r->state = strdup("running");
	r->best = -1;
	if (!(r->trials = calloc(sw->set->len + 1, sizeof(*r->trials))) ||
	    !(sw->trials = calloc(sw->set->len + 1, sizeof(*sw->trials))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < sw->set->len; i++, r->len++) {
		r->trials[i].trial = (int)i + 1;
		r->trials[i].params = strdup(sw->set->trials[i].json);
		r->trials[i].state = strdup("pending");
		r->trials[i].last_step = -1;
		sw->trials[i].res = &r->trials[i];
	}
	sw->dirty = true;
	return tctl_sweep_policy_new(&sw->policy, s, sw->set->len);
}

static void sweeper_clear(sweeper *sw)
{
	for (size_t i = 0; sw->trials && i < sw->set->len; i++)
		tctl_buf_free(&sw->trials[i].partial);
	free(sw->trials);
	tctl_sweep_result_clear(&sw->result);
	tctl_sweep_policy_free(sw->policy);
	tctl_job_free(sw->job);
	free(sw->results_path);
	tctl_ledger_free(sw->g.l);
}

static void sweep_main(const char *path, const tctl_local_capacity *cap, const char *parent_id,
		       void *arg)
{
	sweeper sw;
	tctl_run *parent = NULL;

	memset(&sw, 0, sizeof(sw));
	sw.set = arg;
	sw.started_mono = tctl_mono_ms();
	if (group_attach(&sw.g, path, cap, parent_id, &parent) < 0)
		_exit(1);
	sw.g.child_estimate = sw.set->len ? parent->cost_estimate / (double)sw.set->len : 0;
	sw.results_path = parent->run_dir ? tctl_path_join(parent->run_dir, "sweep.json") : NULL;
	if (tctl_job_parse(&sw.job, parent->spec, strlen(parent->spec), "ledger spec") < 0 ||
	    init_result(&sw, parent_id) < 0) {
		group_finish(&sw.g, TCTL_RUN_FAILED, tctl_error_last()->message);
	} else {
		coordinate(&sw);
		finish(&sw);
	}
	sweeper_clear(&sw);
	tctl_run_free(parent);
	_exit(0);
}

/* The seed of random sampling: the job's, else a fresh one (recorded, so it can be rerun). */
static uint64_t sweep_seed(const tctl_sweep *s)
{
	uint64_t seed = 0;

	if (s->has_seed)
		return (uint64_t)s->seed;
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)tctl_now_ms() ^ ((uint64_t)getpid() << 32);
	return seed & INT64_MAX;   /* JSON integers are signed */
}

int tctl_local_submit_sweep(tctl_ledger **l, const tctl_job *job, const tctl_local_capacity *cap,
			    tctl_run *parent)
{
	tctl_sweep_sample_set set;
	char seed[64];
	int rc;

	if ((rc = tctl_local_check_fit(job, cap)) < 0)
		return rc;
	if ((rc = tctl_sweep_sample(&set, &job->sweep, sweep_seed(&job->sweep))) < 0)
		return rc;
	snprintf(seed, sizeof(seed), "{\"seed\": %llu}", (unsigned long long)set.seed);
	free(parent->params);
	parent->params = job->sweep.sampling == TCTL_SAMPLING_GRID ? NULL : strdup(seed);
	tctl_run_id_new(parent->id, tctl_now_ms());
	free(parent->run_dir);
	parent->run_dir = run_dir_path(tctl_ledger_dir(*l), parent->id);
	if (!parent->run_dir || tctl_mkdir_p(parent->run_dir, 0700) < 0)
		rc = parent->run_dir ? tctl_error_last()->code : tctl_error_set(TCTL_ENOMEM, "out of memory");
	else
		rc = group_start(l, parent, cap, sweep_main, &set);
	tctl_sweep_sample_set_clear(&set);
	return rc;
}
