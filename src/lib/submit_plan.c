/* submit_plan.c: a submission's plan, its budgets, and the figures the run records of them. */
#include "submit_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool submit_has_estimate(const tctl_job *job)
{
	const tctl_estimate *e = &job->estimate;

	return e->gpu_hours > 0 || e->cpu_core_hours > 0 || e->local_duration > 0;
}

/* A sweep's plan is for one trial; the budgets see every trial it may start. */
static double trials(const tctl_job *job)
{
	return job->sweep.enabled && job->sweep.limits.max_total_trials > 0
		? (double)job->sweep.limits.max_total_trials : 1.0;
}

static int load_profile(tctl_profile **out)
{
	const char *xml = getenv("TRAINCTL_TOPOLOGY");

	/* TRAINCTL_TOPOLOGY: queue as if on the machine of that hwloc export (tests, what-if) */
	if (xml && *xml)
		return tctl_profile_from_xml(out, xml);
	return tctl_profile_live(out, TCTL_PROFILE_DEFAULT);
}

static int capacity_from(submission *s, const tctl_profile *p)
{
	if (!p)
		return tctl_error_set(TCTL_ENOFIT, "cannot run '%s' here: %s", s->job->name,
				      s->pl.warning[0] ? s->pl.warning : "this machine could not be profiled");
	tctl_local_capacity_from_profile(&s->cap, p);
	return 0;
}

/* The plan again with other options (the same inputs); the caller frees *out. */
static int replan(submission *s, tctl_plan **out, tctl_placement placement, bool budgets)
{
	tctl_plan_options o = s->pl.in.opts;

	o.placement = placement;
	if (!budgets)
		o.monthly_budget = 0;
	return tctl_plan_make(out, s->job, s->pl.profile, s->pl.cat, &o, &s->pl.in.local,
			      s->pl.in.calibrations, s->pl.in.calibrations_len);
}

/* Take the choice of `alt` (owned from now on). */
static void choose(submission *s, tctl_plan *alt)
{
	tctl_plan_free(s->alt);
	s->alt = alt;
	s->choice = tctl_plan_choice(alt);
	snprintf(s->out->summary, sizeof(s->out->summary), "%s", alt->why);
}

static int budget_verdict(submission *s, tctl_budget_verdict *v, double cost)
{
	return tctl_budget_check(v, s->cfg, s->l, s->job->name, s->repo, cost * trials(s->job),
				 tctl_now_ms());
}

static int refuse(submission *s, const tctl_budget_verdict *v)
{
	char *msg = NULL;
	int rc;

	if ((rc = tctl_budget_message(&msg, v, s->opts->name ? s->opts->name : s->job->name)) < 0)
		return rc;
	rc = tctl_error_set(TCTL_EBUDGET, "%s\nhint: submit with --allow-over-budget to run it "
			    "anyway (the ledger records that it was allowed)", msg);
	free(msg);
	return rc;
}

/* Over budget: refuse, or with --allow-over-budget go on and say so. */
static int over_budget(submission *s, const tctl_budget_verdict *v)
{
	if (!s->opts->allow_over_budget)
		return refuse(s, v);
	s->over_budget = true;
	free(s->budget_note);
	if (tctl_budget_message(&s->budget_note, v, s->opts->name ? s->opts->name : s->job->name) < 0)
		return tctl_error_last()->code;
	snprintf(s->out->warning, sizeof(s->out->warning), "over budget, allowed: %s",
		 s->budget_note);
	return 0;
}

/* Nothing fits the plan: was it only the monthly budget the planner applies? */
static int nothing_chosen(submission *s)
{
	tctl_budget_verdict v;
	tctl_plan *alt = NULL;
	int rc;

	if ((rc = replan(s, &alt, s->opts->placement, false)) < 0)
		return rc;
	if (tctl_plan_choice(alt) &&
	    (rc = budget_verdict(s, &v, tctl_plan_choice(alt)->cost)) == 0 && v.len) {
		choose(s, alt);
		return over_budget(s, &v);
	}
	tctl_plan_free(alt);
	if (rc < 0)
		return rc;
	return tctl_error_set(TCTL_ENOFIT, "nothing can run '%s': %s", s->job->name,
			      s->pl.plan->why);
}

/* The cloud choice crosses a budget: running here instead may stay within all of them. */
static bool local_within_budget(submission *s)
{
	tctl_budget_verdict v;
	tctl_plan *alt = NULL;
	char cloud[320];

	if (s->opts->placement == TCTL_PLACEMENT_CLOUD || s->choice->local ||
	    replan(s, &alt, TCTL_PLACEMENT_LOCAL, true) < 0 || !tctl_plan_choice(alt) ||
	    budget_verdict(s, &v, tctl_plan_choice(alt)->cost) < 0 || v.len) {
		tctl_plan_free(alt);
		tctl_error_clear();
		return false;
	}
	snprintf(cloud, sizeof(cloud), "%s", s->out->summary);
	choose(s, alt);
	snprintf(s->out->summary, sizeof(s->out->summary), "local: the plan's choice would cross "
		 "a budget (%.200s)", cloud);
	return true;
}

static int decide_planned(submission *s, bool *out_local)
{
	tctl_plan_request req = { NULL, s->opts->prefer, s->opts->placement, 0, NULL, 0, NULL, 0,
				  false };
	tctl_budget_verdict v;
	int rc;

	if ((rc = tctl_plan_job(&s->pl, s->job, s->l, &req)) < 0)
		return rc;
	s->planned = true;
	s->cfg = s->pl.cfg;
	if (s->pl.warning[0])
		snprintf(s->out->warning, sizeof(s->out->warning), "%s", s->pl.warning);
	if ((s->choice = tctl_plan_choice(s->pl.plan))) {
		snprintf(s->out->summary, sizeof(s->out->summary), "%s", s->pl.plan->why);
		if ((rc = budget_verdict(s, &v, s->choice->cost)) < 0)
			return rc;
		if (v.len && !local_within_budget(s) && (rc = over_budget(s, &v)) < 0)
			return rc;
	} else if ((rc = nothing_chosen(s)) < 0) {
		return rc;
	}
	*out_local = s->choice->local;
	return s->choice->local ? capacity_from(s, s->pl.profile) : 0;
}

/* No work estimate: nothing to price, so local when it fits; a budget already spent still stops it. */
static int decide_unplanned(submission *s, bool *out_local)
{
	tctl_budget_verdict v;
	int rc;

	*out_local = s->opts->placement != TCTL_PLACEMENT_CLOUD;
	snprintf(s->out->summary, sizeof(s->out->summary), "%s: the job has no work estimate "
		 "to plan with", *out_local ? "local" : "cloud");
	if ((rc = tctl_config_load(&s->own_cfg, s->job->workdir)) < 0)
		return rc;
	s->cfg = s->own_cfg;
	if (!s->l && tctl_budget_applies(s->cfg, s->job->name, s->repo)) {
		s->needs_ledger = true;   /* spooling: the budgets read the ledger */
		return 0;
	}
	if ((rc = budget_verdict(s, &v, 0)) < 0 || (v.len && (rc = over_budget(s, &v)) < 0))
		return rc;
	if (!*out_local)
		return 0;   /* the cloud: no local capacity to check */
	if ((rc = load_profile(&s->profile)) < 0)
		return rc;
	return capacity_from(s, s->profile);
}

int submit_decide(submission *s, bool *out_local)
{
	if (s->prov && s->prov->in_repo)
		tctl_repo_name(s->repo, sizeof(s->repo), s->prov->remote_url, s->prov->root);
	return submit_has_estimate(s->job) ? decide_planned(s, out_local) : decide_unplanned(s, out_local);
}

/* The cheapest cloud candidate: feasible if any is, else any that holds the job and has a price. */
static const tctl_candidate *cheapest_cloud(const tctl_plan *p)
{
	const tctl_candidate *best = NULL;

	for (int pass = 0; pass < 2 && !best; pass++)
		for (size_t i = 0; i < p->candidates_len; i++) {
			const tctl_candidate *c = &p->candidates[i];
			if (c->local || !c->has_estimate || c->price_per_node_hour < 0 ||
			    (pass == 0 && !c->feasible))
				continue;
			if (!best || c->cost < best->cost)
				best = c;
		}
	return best;
}

/* What the work of a local run would have cost on the cheapest cloud option that fit, per
 * hour of the local runtime (so the run's actual runtime prices it when it ends). */
static void cloud_equivalent(submission *s, const tctl_candidate *local)
{
	const tctl_candidate *c;
	tctl_plan *cloud = NULL;
	char target[200];

	if (local->estimate.runtime <= 0 || replan(s, &cloud, TCTL_PLACEMENT_CLOUD, false) < 0) {
		tctl_error_clear();
		return;
	}
	if ((c = cheapest_cloud(cloud)) && c->cost > 0) {
		snprintf(target, sizeof(target), "%s %s x%d in %s", c->size_name,
			 tctl_priority_name(c->priority), c->nodes, c->region ? c->region : "?");
		s->run.cloud_equiv_per_hour = c->cost * 3600.0 / (double)local->estimate.runtime;
		s->run.cloud_equiv_target = strdup(target);
	}
	tctl_plan_free(cloud);
}

static void record_unplanned(submission *s)
{
	tctl_plan_options o = TCTL_PLAN_OPTIONS_INIT;
	tctl_catalog *cat = NULL;
	tctl_plan_inputs in;

	if (!s->profile || !s->cfg || tctl_catalog_load_default(&cat) < 0) {
		tctl_error_clear();
		return;
	}
	if (tctl_plan_inputs_gather(&in, s->cfg, NULL, s->job, s->profile, 0) == 0) {
		o = in.opts;
		s->run.price_per_hour = tctl_plan_local_hourly(s->job, s->profile, cat, &o);
		s->run.price_source = strdup("local energy at the configured price per kWh");
		tctl_plan_inputs_clear(&in);
	}
	tctl_error_clear();
	tctl_catalog_free(cat);
}

int submit_check_budgets(submission *s)
{
	tctl_budget_verdict v;
	int rc;

	if ((rc = budget_verdict(s, &v, s->choice->cost)) < 0)
		return rc;
	return v.len ? over_budget(s, &v) : 0;
}

void submit_record_plan(submission *s)
{
	tctl_run *r = &s->run;
	const tctl_candidate *c = s->planned ? s->choice : NULL;

	r->over_budget_allowed = s->over_budget;
	if ((c && !c->local) || (!c && s->direct.size)) {
		submit_record_cloud(s);
		return;
	}
	if (!c || !c->has_estimate) {
		record_unplanned(s);
		return;
	}
	r->estimate_s = (double)c->estimate.runtime;
	r->cost_estimate = c->cost * trials(s->job);
	r->price_per_hour = c->estimate.runtime > 0 ? c->cost * 3600.0 / (double)c->estimate.runtime : 0;
	r->price_source = strdup(c->local ? s->pl.plan->energy_source
				 : s->pl.plan->price_source ? s->pl.plan->price_source : "catalog");
	if (c->local)
		cloud_equivalent(s, c);
}
