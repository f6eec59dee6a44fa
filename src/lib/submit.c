/* submit.c: one submission: provenance, plan, backend; the CLI and the git hook both come here. */
#include "trainctl/submit.h"
#include "trainctl/error.h"
#include "trainctl/local.h"
#include "trainctl/planning.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const tctl_job *job;
	const tctl_submit_options *opts;
	tctl_submit_result *out;
	tctl_ledger *l;
	tctl_planning pl;
	bool planned;
	tctl_profile *profile;          /* when not planned */
	tctl_local_capacity cap;
	tctl_provenance *own_prov;
	const tctl_provenance *prov;
	tctl_run run;
} submission;

static bool has_estimate(const tctl_job *job)
{
	const tctl_estimate *e = &job->estimate;

	return e->gpu_hours > 0 || e->cpu_core_hours > 0 || e->local_duration > 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The provenance fields the ledger keeps (the diff itself goes to dirty.patch). */
static void record_provenance(tctl_run *run, const tctl_provenance *p)
{
	tctl_buf changed = TCTL_BUF_INIT;

	run->prov.in_repo = p->in_repo;
	if (!p->in_repo)
		return;
	run->prov.repo_root = dup_or_null(p->root);
	run->prov.commit = dup_or_null(p->commit);
	run->prov.branch = dup_or_null(p->branch ? p->branch : p->head);
	run->prov.dirty = p->dirty;
	run->prov.remote_url = dup_or_null(p->remote_url);
	run->prov.diff_hash = p->diff_sha256[0] ? strdup(p->diff_sha256) : NULL;
	for (size_t i = 0; i < p->changes_len; i++)
		tctl_buf_printf(&changed, "%s %s\n", p->changes[i].status, p->changes[i].path);
	run->prov.changed_files = changed.len ? tctl_buf_detach(&changed) : NULL;
	tctl_buf_free(&changed);
}

static int provenance(submission *s)
{
	int rc;

	if (s->opts->prov) {
		s->prov = s->opts->prov;
		return 0;
	}
	if ((rc = tctl_vcs_provenance(&s->own_prov, s->job->workdir)) < 0) {
		/* provenance is worth having, not worth failing a run for: say so */
		snprintf(s->out->warning, sizeof(s->out->warning), "no provenance recorded: %s",
			 tctl_error_last()->message);
		tctl_error_clear();
		return 0;
	}
	s->prov = s->own_prov;
	return 0;
}

static int capacity_from(submission *s, const tctl_profile *p)
{
	if (!p)
		return tctl_error_set(TCTL_ENOFIT, "cannot run '%s' here: %s", s->job->name,
				      s->pl.warning[0] ? s->pl.warning : "this machine could not be profiled");
	tctl_local_capacity_from_profile(&s->cap, p);
	return 0;
}

static int load_profile(tctl_profile **out)
{
	const char *xml = getenv("TRAINCTL_TOPOLOGY");

	/* TRAINCTL_TOPOLOGY: queue as if on the machine of that hwloc export (tests, what-if) */
	if (xml && *xml)
		return tctl_profile_from_xml(out, xml);
	return tctl_profile_live(out, TCTL_PROFILE_DEFAULT);
}

/* The plan, when the job says how much work it is; else local when it fits. */
static int decide(submission *s, bool *out_local)
{
	tctl_plan_request req = { NULL, s->opts->prefer, s->opts->placement, 0 };
	const tctl_candidate *c;
	int rc;

	if (!has_estimate(s->job)) {
		*out_local = s->opts->placement != TCTL_PLACEMENT_CLOUD;
		snprintf(s->out->summary, sizeof(s->out->summary), "%s: the job has no work estimate "
			 "to plan with", *out_local ? "local" : "cloud");
		if ((rc = load_profile(&s->profile)) < 0)
			return rc;
		return capacity_from(s, s->profile);
	}
	if ((rc = tctl_plan_job(&s->pl, s->job, s->l, &req)) < 0)
		return rc;
	s->planned = true;
	if (s->pl.warning[0])
		snprintf(s->out->warning, sizeof(s->out->warning), "%s", s->pl.warning);
	if (!(c = tctl_plan_choice(s->pl.plan)))
		return tctl_error_set(TCTL_ENOFIT, "nothing can run '%s': %s", s->job->name,
				      s->pl.plan->why);
	snprintf(s->out->summary, sizeof(s->out->summary), "%s", s->pl.plan->why);
	*out_local = c->local;
	return c->local ? capacity_from(s, s->pl.profile) : 0;
}

/* What the run records of the plan: estimate, price used (never re-priced), target. */
static void record_plan(submission *s)
{
	tctl_run *r = &s->run;
	const tctl_candidate *c = s->planned ? tctl_plan_choice(s->pl.plan) : NULL;

	if (c && c->has_estimate) {
		r->estimate_s = (double)c->estimate.runtime;
		r->cost_estimate = c->cost;
		r->price_per_hour = c->estimate.runtime > 0 ? c->cost * 3600.0 / (double)c->estimate.runtime : 0;
		r->price_source = dup_or_null(s->pl.plan->energy_source);
		return;
	}
	if (s->profile) {
		tctl_plan_options o = TCTL_PLAN_OPTIONS_INIT;
		tctl_config *cfg = NULL;
		tctl_catalog *cat = NULL;
		if (tctl_config_load(&cfg, s->job->workdir) == 0 && tctl_catalog_load_default(&cat) == 0) {
			tctl_plan_inputs in;
			if (tctl_plan_inputs_gather(&in, cfg, NULL, s->job, s->profile, 0) == 0) {
				o = in.opts;
				r->price_per_hour = tctl_plan_local_hourly(s->job, s->profile, cat, &o);
				r->price_source = strdup("local energy at the configured price per kWh");
				tctl_plan_inputs_clear(&in);
			}
		}
		tctl_error_clear();
		tctl_catalog_free(cat);
		tctl_config_free(cfg);
	}
}

static int fill_run(submission *s)
{
	tctl_run *r = &s->run;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	r->attempt = 1;
	r->over_budget_allowed = s->opts->allow_over_budget;
	r->name = strdup(s->opts->name ? s->opts->name : s->job->name);
	r->spec_path = dup_or_null(s->job->path);
	if (!r->name || tctl_job_to_json(&r->spec, s->job) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (s->prov)
		record_provenance(r, s->prov);
	record_plan(s);
	return 0;
}

/* dirty.patch in the run's folder: the diff the run started from. */
static void save_diff(submission *s)
{
	char *path;

	if (!s->prov || !s->prov->dirty || !s->prov->diff || !s->run.run_dir)
		return;
	if ((path = tctl_path_join(s->run.run_dir, "dirty.patch"))) {
		if (tctl_file_write_atomic(path, s->prov->diff, s->prov->diff_len, 0600) < 0)
			snprintf(s->out->warning, sizeof(s->out->warning), "dirty.patch not saved: %s",
				 tctl_error_last()->message);
		free(path);
	}
}

static int open_ledger(submission *s)
{
	int rc;

	if ((rc = tctl_ledger_open(&s->l, NULL)) < 0)
		return rc;
	return tctl_local_recover(s->l, &s->out->lost);
}

static int run_local(submission *s)
{
	int rc;

	s->out->placement = "local";
	/* a dispatcher started here also starts what the lost runs' end made room for */
	if (s->job->parallel.enabled)
		rc = tctl_local_submit_parallel(&s->l, s->job, &s->cap, &s->run);
	else
		rc = tctl_local_submit(&s->l, s->job, &s->cap, &s->run);
	if (rc == 0 && s->out->lost && s->l)
		rc = tctl_local_kick(&s->l, &s->cap);
	return rc;
}

int tctl_submit(tctl_submit_result *out, const tctl_job *job, const tctl_submit_options *opts)
{
	submission s;
	bool local = true;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.job = job;
	s.opts = opts;
	s.out = out;
	if ((rc = open_ledger(&s)) < 0 || (rc = provenance(&s)) < 0 || (rc = decide(&s, &local)) < 0)
		goto done;
	if (!local) {
		rc = tctl_error_set(TCTL_ENOTSUPPORTED, "the plan chose the cloud (%s), and this build "
				    "has no Azure ML backend; 'trainctl submit --local' runs it here",
				    out->summary);
		goto done;
	}
	if ((rc = fill_run(&s)) < 0 || (rc = run_local(&s)) < 0)
		goto done;
	memcpy(out->run_id, s.run.id, sizeof(out->run_id));
	save_diff(&s);
done:
	tctl_run_clear(&s.run);
	tctl_provenance_free(s.own_prov);
	tctl_planning_clear(&s.pl);
	tctl_profile_free(s.profile);
	tctl_ledger_free(s.l);
	return rc;
}

int tctl_submit_detached(char **out_run_id, const char *job_path, const tctl_provenance *prov)
{
	tctl_submit_options opts = TCTL_SUBMIT_OPTIONS_INIT;
	tctl_submit_result res;
	tctl_job *job = NULL;
	int rc;

	opts.prov = prov;
	if ((rc = tctl_job_load(&job, job_path)) < 0)
		return rc;
	rc = tctl_submit(&res, job, &opts);
	tctl_job_free(job);
	if (rc == 0 && !(*out_run_id = strdup(res.run_id)))
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
	return rc;
}
