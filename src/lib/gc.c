/* gc.c: what retention collects (run folders, checkpoints), removing exactly that, recorded in the ledger. */
#include "trainctl/retention.h"
#include "gc_fs.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One job (job name) and its top-level runs, newest first. */
typedef struct {
	char *job;
	tctl_retention policy;
	const tctl_run **runs;
	size_t len;
} job_group;

typedef struct {
	tctl_gc_plan *plan;
	gc_root root;
	const tctl_run_list *all;
	const tctl_config *cfg;
	int64_t now_ms;
	job_group *jobs;
	size_t njobs;
} planner;

/* The spec's "name" and "retention" (a run renamed with --name still belongs to its job). */
static void spec_facts(const tctl_run *r, char **out_job, tctl_retention *out_ret, bool *out_has)
{
	json_t *spec = r->spec ? json_loads(r->spec, 0, NULL) : NULL, *ret;
	const char *name = json_string_value(json_object_get(spec, "name"));

	*out_job = strdup(name ? name : r->name);
	memset(out_ret, 0, sizeof(*out_ret));
	*out_has = json_is_object(ret = json_object_get(spec, "retention"));
	if (*out_has) {
		out_ret->keep_days = (int)json_integer_value(json_object_get(ret, "keep_days"));
		out_ret->keep_last = (int)json_integer_value(json_object_get(ret, "keep_last"));
		out_ret->max_total_size = (uint64_t)json_integer_value(json_object_get(ret, "max_total_size"));
		*out_has = tctl_retention_is_set(out_ret);
	}
	json_decref(spec);
}

static job_group *group_for(planner *p, const char *job)
{
	job_group *g;

	for (size_t i = 0; i < p->njobs; i++)
		if (!strcmp(p->jobs[i].job, job))
			return &p->jobs[i];
	if (!(g = realloc(p->jobs, (p->njobs + 1) * sizeof(*g))))
		return NULL;
	p->jobs = g;
	g = &p->jobs[p->njobs++];
	memset(g, 0, sizeof(*g));
	return g;
}

/* Group the top-level runs by job, newest first; each job's policy is its newest run's. */
static int group_runs(planner *p)
{
	for (size_t i = p->all->len; i-- > 0;) {
		const tctl_run *r = &p->all->runs[i];
		const tctl_run **grown;
		tctl_retention ret;
		job_group *g;
		char *job;
		bool has;
		if (r->parent_id)
			continue;
		spec_facts(r, &job, &ret, &has);
		if (!job || !(g = group_for(p, job))) {
			free(job);
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		}
		if (!g->job) {
			g->job = job;
			g->policy = has ? ret : p->cfg ? p->cfg->retention : ret;
		} else {
			free(job);
		}
		if (!(grown = realloc(g->runs, (g->len + 1) * sizeof(*grown))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		g->runs = grown;
		g->runs[g->len++] = r;
	}
	return 0;
}

static bool has_live_child(const planner *p, const tctl_run *r)
{
	for (size_t i = 0; i < p->all->len; i++) {
		const tctl_run *c = &p->all->runs[i];
		if (c->parent_id && !strcmp(c->parent_id, r->id) && !tctl_run_state_terminal(c->state))
			return true;
	}
	return false;
}

/* "WHAT: WHY", once. */
static void add_note(planner *p, const char *what, const char *why)
{
	char **grown, *s = NULL;

	if (asprintf(&s, "%s: %s", what, why) < 0)
		return;
	for (size_t i = 0; i < p->plan->notes_len; i++)
		if (!strcmp(p->plan->notes[i], s)) {
			free(s);
			return;
		}
	if (!(grown = realloc(p->plan->notes, (p->plan->notes_len + 1) * sizeof(*grown)))) {
		free(s);
		return;
	}
	p->plan->notes = grown;
	p->plan->notes[p->plan->notes_len++] = s;
}

/* Measure <data>/<rel>; 1 when it exists, 0 when absent, negative when unsafe (noted). */
static int measure(planner *p, gc_usage *u, const char *rel)
{
	int rc = gc_measure(u, &p->root, rel);

	if (rc == TCTL_ENOTFOUND) {
		tctl_error_clear();
		return 0;
	}
	if (rc < 0) {
		add_note(p, rel, tctl_error_last()->message);
		tctl_error_clear();
		return rc;
	}
	if (u->note[0])
		add_note(p, rel, u->note);
	return 1;
}

static int add_item(planner *p, tctl_gc_kind kind, const char *run_id, const char *job,
		    const char *rel, const gc_usage *u, const char *reason)
{
	tctl_gc_plan *pl = p->plan;
	tctl_gc_item *grown, *it;

	if (!(grown = realloc(pl->items, (pl->len + 1) * sizeof(*grown))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	pl->items = grown;
	it = &pl->items[pl->len++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	snprintf(it->run_id, sizeof(it->run_id), "%s", run_id);
	it->job = strdup(job);
	it->path = tctl_path_join(p->root.path, rel);
	it->reason = strdup(reason);
	it->bytes = u->bytes;
	it->files = u->files;
	pl->bytes += u->bytes;
	pl->files += u->files;
	return it->job && it->path && it->reason ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* Calls `fn` for each folder of a unit: the run's own, its children's, its group's checkpoints. */
typedef int (*path_fn)(planner *p, const char *rel, const char *run_id, void *ctx);

static int each_path(planner *p, const tctl_run *r, path_fn fn, void *ctx)
{
	char rel[128];
	int rc;

	snprintf(rel, sizeof(rel), "runs/%s", r->id);
	if ((rc = fn(p, rel, r->id, ctx)) < 0)
		return rc;
	for (size_t i = 0; i < p->all->len; i++) {
		const tctl_run *c = &p->all->runs[i];
		if (!c->parent_id || strcmp(c->parent_id, r->id) || c->collected_ms)
			continue;
		snprintf(rel, sizeof(rel), "runs/%s", c->id);
		if ((rc = fn(p, rel, c->id, ctx)) < 0)
			return rc;
	}
	snprintf(rel, sizeof(rel), "checkpoints/_groups/%s", r->id);
	return fn(p, rel, r->id, ctx);
}

static int sum_path(planner *p, const char *rel, const char *run_id, void *ctx)
{
	gc_usage u;

	if (measure(p, &u, rel) > 0)
		*(uint64_t *)ctx += u.bytes;
	return 0;
}

typedef struct {
	const char *job, *why, *top;
} item_ctx;

static int item_path(planner *p, const char *rel, const char *run_id, void *ctx)
{
	const item_ctx *c = ctx;
	char reason[300];
	gc_usage u;

	if (measure(p, &u, rel) <= 0)
		return 0;
	if (strcmp(run_id, c->top))
		snprintf(reason, sizeof(reason), "part of run %s: %s", c->top, c->why);
	else
		snprintf(reason, sizeof(reason), "%s", c->why);
	return add_item(p, strncmp(rel, "checkpoints/", 12) ? TCTL_GC_RUN : TCTL_GC_CHECKPOINTS,
			run_id, c->job, rel, &u, reason);
}

/* The ended, not yet collected, top-level runs of a job (newest first) as policy units. */
static int job_units(planner *p, job_group *g, tctl_retention_unit **out, const tctl_run ***out_runs,
		     size_t *out_len)
{
	tctl_retention_unit *u = calloc(g->len + 1, sizeof(*u));
	const tctl_run **runs = calloc(g->len + 1, sizeof(*runs));
	size_t n = 0;
	int rc = 0;

	if (!u || !runs) {
		free(u);
		free(runs);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < g->len && rc == 0; i++) {
		const tctl_run *r = g->runs[i];
		if (!tctl_run_state_terminal(r->state) || r->collected_ms || has_live_child(p, r))
			continue;
		u[n].ended_ms = r->ended_ms ? r->ended_ms : r->submitted_ms;
		runs[n] = r;
		rc = each_path(p, r, sum_path, &u[n++].bytes);
	}
	*out = u;
	*out_runs = runs;
	*out_len = n;
	return rc;
}

static int plan_job_runs(planner *p, job_group *g)
{
	tctl_retention_unit *u = NULL;
	const tctl_run **runs = NULL;
	size_t n = 0;
	int rc;

	if ((rc = job_units(p, g, &u, &runs, &n)) == 0) {
		tctl_retention_apply(u, n, &g->policy, p->now_ms);
		for (size_t i = 0; i < n && rc == 0; i++) {
			item_ctx c = { g->job, u[i].why, runs[i]->id };
			if (u[i].collect)
				rc = each_path(p, runs[i], item_path, &c);
		}
	}
	free(u);
	free(runs);
	return rc;
}

/* A run name usable as a folder name under checkpoints/ (names come from --name too). */
static bool plain_name(const char *s)
{
	if (!*s || *s == '.' || *s == '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* <data>/checkpoints/<run name>: when no run of that name is live and its newest one
 * ended more than keep_days ago. */
static int plan_checkpoints(planner *p, job_group *g, const char *name)
{
	const tctl_run *newest = NULL;
	char rel[300], why[160];
	gc_usage u;

	for (size_t i = 0; i < g->len; i++) {
		if (strcmp(g->runs[i]->name, name))
			continue;
		if (!tctl_run_state_terminal(g->runs[i]->state))
			return 0;
		if (!newest)
			newest = g->runs[i];
	}
	if (!newest || p->now_ms - newest->ended_ms <= g->policy.keep_days * 86400000LL)
		return 0;
	if (!plain_name(name)) {
		add_note(p, name, "checkpoints of a run name that is not a plain folder name: left alone");
		return 0;
	}
	snprintf(rel, sizeof(rel), "checkpoints/%s", name);
	if (measure(p, &u, rel) <= 0)
		return 0;
	snprintf(why, sizeof(why), "the last run of '%.80s' ended more than %d days ago (keep_days)",
		 name, g->policy.keep_days);
	return add_item(p, TCTL_GC_CHECKPOINTS, newest->id, g->job, rel, &u, why);
}

static int plan_job(planner *p, job_group *g)
{
	int rc;

	if (!tctl_retention_is_set(&g->policy))
		return 0;
	if ((rc = plan_job_runs(p, g)) < 0 || g->policy.keep_days <= 0)
		return rc;
	for (size_t i = 0; i < g->len && rc == 0; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(g->runs[k]->name, g->runs[i]->name);
		if (!seen)
			rc = plan_checkpoints(p, g, g->runs[i]->name);
	}
	return rc;
}

static void planner_clear(planner *p)
{
	for (size_t i = 0; i < p->njobs; i++) {
		free(p->jobs[i].job);
		free(p->jobs[i].runs);
	}
	free(p->jobs);
	gc_root_close(&p->root);
}

int tctl_gc_plan_make(tctl_gc_plan **out, tctl_ledger *l, const tctl_config *cfg, int64_t now_ms)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list all = { 0 };
	planner p;
	int rc;

	memset(&p, 0, sizeof(p));
	f.oldest_first = true;
	if (!(p.plan = calloc(1, sizeof(*p.plan))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	p.cfg = cfg;
	p.now_ms = now_ms ? now_ms : tctl_now_ms();
	p.all = &all;
	if ((rc = gc_root_open(&p.root, tctl_ledger_dir(l))) == 0 &&
	    !(p.plan->data_dir = strdup(p.root.path)))
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (rc == 0 && (rc = tctl_ledger_run_list(l, &all, &f)) == 0 && (rc = group_runs(&p)) == 0)
		for (size_t i = 0; i < p.njobs && rc == 0; i++)
			rc = plan_job(&p, &p.jobs[i]);
	planner_clear(&p);
	tctl_run_list_free(&all);
	if (rc < 0) {
		tctl_gc_plan_free(p.plan);
		return rc;
	}
	*out = p.plan;
	return 0;
}
