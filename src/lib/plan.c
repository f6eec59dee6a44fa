/* plan.c: enumerate the candidates for a job, price and time each, apply the constraints, choose. */
#include "plan_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Everything one planning pass needs, so the steps below take one argument. */
typedef struct {
	const tctl_job *job;
	const tctl_catalog *cat;
	const tctl_plan_options *o;
	const tctl_local_state *local;
	tctl_estimate_context ectx;
	tctl_plan *plan;
	bool has_local;
	tctl_target local_target;
	tctl_gpu_model local_gpu;       /* copy, so an unknown model has storage */
	double local_gpu_watts;
	int64_t idle;                   /* idle tail before scale-down, seconds */
	int max_nodes;
} planner;

#define REASON(c, ...) snprintf((c)->reason, sizeof((c)->reason), __VA_ARGS__)

static bool is_gpu_job(const tctl_job *job)
{
	return job->resources.gpus > 0;
}

static double job_cores(const tctl_job *job)
{
	return job->resources.cpus > 0 ? job->resources.cpus : 1;
}

/* ---- the local machine ---- */

/* Says which reported GPU model the catalog does not know, and what stands in for it. */
static void note_unknown_gpu(planner *pl, const tctl_profile *p)
{
	const tctl_gpu_model *m;

	for (size_t i = 0; i < p->gpus_len; i++) {
		if (p->gpus[i].integrated || tctl_catalog_match_gpu(&m, pl->cat, p->gpus[i].model) == 0)
			continue;
		plan_fmt(pl->plan->local_note, sizeof(pl->plan->local_note),
			 "%s: planned as speed %.2f, %d W (conservative default)",
			 tctl_error_last()->message, pl->local_gpu.speed, pl->local_gpu.watts);
		break;
	}
	tctl_error_clear();
}

static void describe_local(planner *pl, const tctl_profile *p, int ngpus)
{
	const char *src = p->source && strcmp(p->source, "live") ? strrchr(p->source, '/') : NULL;
	char what[48];

	if (ngpus)
		snprintf(what, sizeof(what), "%dx %s", ngpus, pl->local_gpu.name);
	else
		snprintf(what, sizeof(what), "no GPU, %g cores", pl->local_target.cpus);
	snprintf(pl->plan->local_name, sizeof(pl->plan->local_name), "%s (%s)",
		 src ? src + 1 : (p->source && strcmp(p->source, "live") ? p->source : "this machine"),
		 what);
	if (ngpus && !strcmp(pl->local_gpu.name, "unknown"))
		note_unknown_gpu(pl, p);
}

static void setup_local(planner *pl, const tctl_profile *p)
{
	int ngpus;

	if (!p) {
		snprintf(pl->plan->local_note, sizeof(pl->plan->local_note), "no local machine profile");
		return;
	}
	ngpus = tctl_target_local(&pl->local_target, &pl->local_gpu, p, pl->cat);
	pl->has_local = true;
	pl->ectx.local_gpu = pl->local_target.gpu;
	pl->local_gpu_watts = pl->o->watts_per_gpu > 0 ? pl->o->watts_per_gpu : pl->local_gpu.watts;
	describe_local(pl, p, ngpus);
}

/* ---- candidates ---- */

static tctl_candidate *add(planner *pl)
{
	tctl_candidate *c = &pl->plan->candidates[pl->plan->candidates_len++];

	memset(c, 0, sizeof(*c));
	c->price_per_node_hour = -1;
	return c;
}

/* Egress cost of the job's data to where it runs; false (reason set) when unpriced. */
static bool egress(planner *pl, tctl_candidate *c, const char *to)
{
	const tctl_data *d = &pl->job->data;
	const char *src;
	double per_gb;

	if (!d->region || !d->size || (to && !strcmp(d->region, to)))
		return true;
	if (tctl_catalog_egress(&per_gb, &src, pl->cat, d->region, to) < 0) {
		tctl_error_clear();
		REASON(c, "no egress price %s -> %s", d->region, to ? to : "internet");
		return false;
	}
	c->costs.egress = (double)d->size / 1e9 * per_gb;
	return true;
}

static int estimate(planner *pl, tctl_candidate *c, const tctl_target *t)
{
	int error;

	if ((error = tctl_estimate_runtime(&c->estimate, pl->job, t, &pl->ectx)) < 0)
		return error;
	c->has_estimate = true;
	return 0;
}

static int add_local(planner *pl)
{
	const tctl_resources *r = &pl->job->resources;
	tctl_candidate *c = add(pl);
	int64_t start;
	int error;

	c->local = true;
	c->nodes = 1;
	c->gpus = r->gpus;
	c->priority = TCTL_PRIORITY_ANY;
	if (tctl_estimate_fit(c->reason, sizeof(c->reason), pl->job, &pl->local_target) < 0)
		return 0;
	if ((error = estimate(pl, c, &pl->local_target)) < 0)
		return error;
	start = tctl_plan_local_start(pl->local, pl->plan->now, pl->local_target.gpus,
				      pl->local_target.cpus, pl->local_target.memory, r->gpus,
				      job_cores(pl->job), r->memory);
	c->start = start < 0 ? pl->plan->now : start;
	c->finish = c->start + c->estimate.runtime;
	c->costs.energy = plan_energy_usd(c->estimate.runtime, r->gpus, pl->local_gpu_watts,
					  job_cores(pl->job), pl->o);
	if (!egress(pl, c, NULL))
		return 0;
	c->cost = plan_costs_total(&c->costs);
	c->feasible = true;
	return 0;
}

static const tctl_plan_quota *find_quota(const tctl_plan_options *o, const char *family,
				    const char *region)
{
	for (size_t i = 0; i < o->quotas_len; i++) {
		const tctl_plan_quota *q = &o->quotas[i];
		if (q->family && !strcasecmp(q->family, family) && (!q->region || !strcmp(q->region, region)))
			return q;
	}
	return NULL;
}

static int reserved_nodes(const tctl_plan_options *o, const char *size, const char *region)
{
	int n = 0;

	for (size_t i = 0; i < o->reservations_len; i++) {
		const tctl_plan_reservation *r = &o->reservations[i];
		if (r->vm_size && !strcasecmp(r->vm_size, size) && (!r->region || !strcmp(r->region, region)))
			n += r->nodes;
	}
	return n;
}

/* The target one node of `size` offers the job. */
static void cloud_target(planner *pl, tctl_target *t, const tctl_vm_size *s, int nodes)
{
	memset(t, 0, sizeof(*t));
	t->name = s->name;
	t->gpu = s->gpu ? tctl_catalog_gpu(pl->cat, s->gpu) : NULL;
	t->gpus = s->gpus;
	t->cpus = s->vcpus;
	t->memory = s->memory;
	t->nodes = nodes;
}

/* The per-node price of `c`, or false with the reason set. */
static bool cloud_price(planner *pl, tctl_candidate *c)
{
	const char *tier = c->priority == TCTL_PRIORITY_LOW ? "low priority" : "dedicated";
	double p;

	c->price = tctl_catalog_price(pl->cat, c->size->name, c->region);
	p = !c->price ? -1 : c->priority == TCTL_PRIORITY_LOW ? c->price->low_priority
							      : c->price->dedicated;
	if (p < 0) {
		REASON(c, "no %s price for %s in the catalog", tier, c->region);
		return false;
	}
	c->price_per_node_hour = p;
	return true;
}

static bool quota_ok(planner *pl, tctl_candidate *c)
{
	const char *family = c->priority == TCTL_PRIORITY_LOW ? "lowPriorityCores" : c->size->family;
	const tctl_plan_quota *q = find_quota(pl->o, family, c->region);
	int need = c->nodes * c->size->vcpus;

	if (!q || need <= q->free_vcpus)
		return true;
	REASON(c, "quota: %d vCPUs needed, %d free (%s)", need, q->free_vcpus, family);
	return false;
}

/* Runtime, rework, start, finish and cost of a priced cloud candidate. */
static int cloud_numbers(planner *pl, tctl_candidate *c, const tctl_target *t)
{
	int billed;
	int error;

	if ((error = estimate(pl, c, t)) < 0)
		return error;
	if (c->priority == TCTL_PRIORITY_LOW)
		c->rework = plan_rework_seconds(c->estimate.runtime, c->nodes, pl->job->checkpointable,
						pl->o);
	else
		c->reserved_nodes = reserved_nodes(pl->o, c->size->name, c->region);
	if (c->reserved_nodes > c->nodes)
		c->reserved_nodes = c->nodes;
	billed = c->nodes - c->reserved_nodes;
	c->start = pl->plan->now + pl->o->provisioning;
	c->finish = c->start + c->estimate.runtime + c->rework;
	plan_cloud_costs(&c->costs, c->estimate.runtime, c->rework, pl->idle, billed,
			 c->price_per_node_hour, pl->o);
	return 0;
}

static bool low_priority_allowed(planner *pl, tctl_candidate *c)
{
	char d[32], s[32];

	if (c->priority != TCTL_PRIORITY_LOW || pl->job->checkpointable ||
	    c->estimate.runtime <= pl->o->short_job)
		return true;
	tctl_duration_format(d, sizeof(d), c->estimate.runtime);
	tctl_duration_format(s, sizeof(s), pl->o->short_job);
	REASON(c, "not checkpointable (runtime %s > %s)", d, s);
	return false;
}

static int eval_cloud(planner *pl, tctl_candidate *c)
{
	tctl_target t;
	bool egress_ok;
	int error;

	cloud_target(pl, &t, c->size, c->nodes);
	if (tctl_estimate_fit(c->reason, sizeof(c->reason), pl->job, &t) < 0)
		return 0;
	if (!cloud_price(pl, c))
		return 0;
	if ((error = cloud_numbers(pl, c, &t)) < 0)
		return error;
	egress_ok = egress(pl, c, c->region);
	c->cost = plan_costs_total(&c->costs);
	if (!egress_ok)
		return 0;
	if (c->size->retired) {
		REASON(c, "retired %s", c->size->retired);
		return 0;
	}
	if (!low_priority_allowed(pl, c) || !quota_ok(pl, c))
		return 0;
	c->feasible = true;
	return 0;
}

static int add_size(planner *pl, const char *name, const tctl_vm_size *s)
{
	static const tctl_priority prios[] = { TCTL_PRIORITY_DEDICATED, TCTL_PRIORITY_LOW };
	int error;

	for (size_t p = 0; p < 2; p++) {
		if (pl->job->cloud.priority != TCTL_PRIORITY_ANY && pl->job->cloud.priority != prios[p])
			continue;
		for (int n = 1; n <= pl->max_nodes; n++) {
			tctl_candidate *c = add(pl);
			c->size = s;
			c->size_name = name;
			c->priority = prios[p];
			c->region = pl->plan->region;
			c->nodes = n;
			c->gpus = pl->job->resources.gpus * n;
			if (!s) {
				REASON(c, "not in the catalog");
				continue;
			}
			if ((error = eval_cloud(pl, c)) < 0)
				return error;
		}
	}
	return 0;
}

/* True when `o` holds the job (GPUs, cores, memory per node). */
static bool holds(const tctl_job *job, const tctl_vm_size *o)
{
	return o->gpus >= job->resources.gpus && o->vcpus + 1e-9 >= job->resources.cpus &&
	       o->memory >= job->resources.memory;
}

/*
 * Without cloud.vm_sizes, the sizes worth listing: CPU sizes for a CPU job;
 * for a GPU job, the sizes with enough GPUs per node, leaving out a size
 * when a smaller one of the same GPU model also holds the job (a bigger
 * size runs it no faster: the job uses resources.gpus per node, and the
 * other GPUs would idle at full price).
 */
static bool size_applies(const tctl_catalog *cat, const tctl_job *job, const tctl_vm_size *s)
{
	if (!is_gpu_job(job))
		return s->gpus == 0;
	if (s->gpus < job->resources.gpus || !s->gpu)
		return false;
	for (size_t i = 0; i < cat->sizes_len; i++) {
		const tctl_vm_size *o = &cat->sizes[i];
		if (o->gpu && !strcasecmp(o->gpu, s->gpu) && o->gpus < s->gpus && holds(job, o))
			return false;
	}
	return true;
}

static int add_cloud(planner *pl)
{
	const tctl_cloud *cl = &pl->job->cloud;
	size_t first = pl->plan->candidates_len;
	int error;

	if (cl->vm_sizes_len) {
		for (size_t i = 0; i < cl->vm_sizes_len; i++)
			if ((error = add_size(pl, cl->vm_sizes[i],
					      tctl_catalog_size(pl->cat, cl->vm_sizes[i]))) < 0)
				return error;
		return 0;
	}
	for (size_t i = 0; i < pl->cat->sizes_len; i++) {
		const tctl_vm_size *s = &pl->cat->sizes[i];
		if (size_applies(pl->cat, pl->job, s) && (error = add_size(pl, s->name, s)) < 0)
			return error;
	}
	if (pl->plan->candidates_len == first)
		snprintf(pl->plan->cloud_note, sizeof(pl->plan->cloud_note),
			 "cloud: no VM size in the catalog has %d GPUs per node", pl->job->resources.gpus);
	return 0;
}

/* ---- constraints on time and money ---- */

static void check_limits(planner *pl, tctl_candidate *c)
{
	const tctl_plan *p = pl->plan;
	int64_t margin = 0;
	char a[32], b[32];

	if (!c->feasible)
		return;
	if (c->priority == TCTL_PRIORITY_LOW && pl->o->evictions_per_hour > 0)
		margin = pl->o->provisioning + (pl->job->checkpointable ? pl->o->checkpoint_interval
									: c->estimate.runtime);
	if (pl->job->limits.max_run_duration > 0 && c->estimate.runtime > pl->job->limits.max_run_duration) {
		tctl_duration_format(a, sizeof(a), c->estimate.runtime);
		tctl_duration_format(b, sizeof(b), pl->job->limits.max_run_duration);
		REASON(c, "runtime %s over limits.max_run_duration %s", a, b);
	} else if (p->deadline && c->finish + margin > p->deadline) {
		tctl_duration_format(a, sizeof(a), c->finish + margin - p->deadline);
		REASON(c, "misses deadline by %s%s", a, margin ? " (with one more eviction)" : "");
	} else if (p->max_cost > 0 && c->cost > p->max_cost + 1e-9) {
		REASON(c, "over max_cost $%.2f > $%.2f", c->cost, p->max_cost);
	} else if (!c->local && pl->o->monthly_budget > 0 &&
		   pl->local->month_spend + c->cost > pl->o->monthly_budget + 1e-9) {
		REASON(c, "over monthly budget: $%.2f spent + $%.2f > $%.2f",
		       pl->local->month_spend, c->cost, pl->o->monthly_budget);
	} else if (c->local && pl->o->local_max_runtime > 0 &&
		   c->estimate.runtime > pl->o->local_max_runtime) {
		tctl_duration_format(a, sizeof(a), c->estimate.runtime);
		tctl_duration_format(b, sizeof(b), pl->o->local_max_runtime);
		REASON(c, "runtime %s over the local limit %s", a, b);
	} else {
		return;
	}
	c->feasible = false;
}

/* ---- the local reserve: room kept for jobs only this machine can finish in time ---- */

static bool cloud_alternative(const tctl_plan *p)
{
	for (size_t i = 0; i < p->candidates_len; i++)
		if (!p->candidates[i].local && p->candidates[i].feasible)
			return true;
	return false;
}

/* True when the job, on top of what local runs hold now (running or queued), would eat
 * into the share of the machine the options keep free. */
static bool into_reserve(const planner *pl)
{
	const tctl_target *t = &pl->local_target;
	const tctl_resources *r = &pl->job->resources;
	double keep = 1.0 - pl->o->local_reserve, cpus = job_cores(pl->job);
	double mem = (double)r->memory;
	int gpus = r->gpus;

	for (size_t i = 0; i < pl->local->runs_len; i++) {
		gpus += pl->local->runs[i].gpus;
		cpus += pl->local->runs[i].cpus;
		mem += (double)pl->local->runs[i].memory;
	}
	return (r->gpus > 0 && gpus > (int)floor(t->gpus * keep + 1e-9)) ||
	       cpus > t->cpus * keep + 1e-9 || mem > (double)t->memory * keep;
}

static void check_reserve(planner *pl)
{
	tctl_candidate *c = pl->plan->candidates_len ? &pl->plan->candidates[0] : NULL;

	if (!c || !c->local || !c->feasible || pl->o->local_reserve <= 0 ||
	    !cloud_alternative(pl->plan))
		return;
	if (into_reserve(pl))
		REASON(c, "%.0f%% of this machine is kept for jobs only it can finish in time",
		       pl->o->local_reserve * 100);
	else if (c->start > pl->plan->now)
		REASON(c, "would queue here, ahead of jobs only this machine can finish in time");
	else
		return;
	c->feasible = false;
}

/* ---- the choice ---- */

/* True when a is better than b under the plan's preference. */
static bool better(const tctl_plan *p, const tctl_candidate *a, const tctl_candidate *b)
{
	double dc = a->cost - b->cost;
	bool same_cost = fabs(dc) < 0.005;

	if (p->prefer == TCTL_PREFER_TIME) {
		if (a->finish != b->finish)
			return a->finish < b->finish;
		if (!same_cost)
			return dc < 0;
		return a->local && !b->local;
	}
	if (!same_cost)
		return dc < 0;
	if (a->local != b->local)
		return a->local;
	return a->finish < b->finish;
}

static void choose(tctl_plan *p)
{
	p->chosen = -1;
	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		if (c->feasible && (p->chosen < 0 || better(p, c, &p->candidates[p->chosen])))
			p->chosen = (int)i;
	}
}

/* ---- setup ---- */

static void setup_cloud(planner *pl)
{
	const tctl_job *job = pl->job;
	tctl_plan *p = pl->plan;

	p->region = job->cloud.region ? job->cloud.region : pl->o->region;
	pl->max_nodes = job->cloud.max_nodes > 0 ? job->cloud.max_nodes : 1;
	pl->idle = job->cloud.idle_time_before_scale_down > 0 ? job->cloud.idle_time_before_scale_down
							     : 120;
	if (!p->region)
		snprintf(p->cloud_note, sizeof(p->cloud_note),
			 "cloud not considered: no region (set cloud.region in the job or the workspace region)");
	else if (!tctl_catalog_region(pl->cat, p->region))
		snprintf(p->cloud_note, sizeof(p->cloud_note),
			 "cloud not considered: region '%s' is not in the catalog", p->region);
}

static tctl_placement placement(const planner *pl)
{
	return pl->o->placement != TCTL_PLACEMENT_AUTO ? pl->o->placement : pl->job->placement;
}

static int init(planner *pl, tctl_plan **out, const tctl_job *job, const tctl_catalog *cat,
		const tctl_plan_options *opts, const tctl_local_state *local)
{
	static const tctl_local_state none = { NULL, 0, 0 };
	tctl_plan *p;
	size_t n;

	memset(pl, 0, sizeof(*pl));
	if (!(p = calloc(1, sizeof(*p))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	pl->job = job;
	pl->cat = cat;
	pl->o = opts;
	pl->local = local ? local : &none;
	pl->plan = p;
	pl->ectx.catalog = cat;
	p->now = opts->now ? opts->now : tctl_now();
	p->prefer = opts->prefer;
	p->max_cost = job->limits.max_cost;
	p->deadline = job->limits.deadline_at ? job->limits.deadline_at
		    : job->limits.deadline ? p->now + job->limits.deadline : 0;
	p->catalog_date = cat->date;
	p->catalog_origin = cat->origin;
	setup_cloud(pl);
	n = 1 + 2 * (size_t)pl->max_nodes * (job->cloud.vm_sizes_len ? job->cloud.vm_sizes_len
								 : cat->sizes_len);
	if (!(p->candidates = calloc(n, sizeof(*p->candidates)))) {
		free(p);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	*out = p;
	return 0;
}

int tctl_plan_make(tctl_plan **out, const tctl_job *job, const tctl_profile *profile,
		   const tctl_catalog *cat, const tctl_plan_options *opts,
		   const tctl_local_state *local, const tctl_calibration *calibrations,
		   size_t calibrations_len)
{
	planner pl;
	tctl_plan *p = NULL;
	int error;

	if ((error = init(&pl, &p, job, cat, opts, local)) < 0)
		return error;
	pl.ectx.calibrations = calibrations;
	pl.ectx.calibrations_len = calibrations_len;
	setup_local(&pl, profile);
	if (placement(&pl) == TCTL_PLACEMENT_CLOUD)
		snprintf(p->local_note, sizeof(p->local_note), "local not considered: placement is cloud");
	else if (pl.has_local && (error = add_local(&pl)) < 0)
		goto done;
	if (placement(&pl) == TCTL_PLACEMENT_LOCAL)
		snprintf(p->cloud_note, sizeof(p->cloud_note), "cloud not considered: placement is local");
	else if (!p->cloud_note[0] && (error = add_cloud(&pl)) < 0)
		goto done;
	for (size_t i = 0; i < p->candidates_len; i++)
		check_limits(&pl, &p->candidates[i]);
	check_reserve(&pl);
	choose(p);
	plan_explain(p, opts, job);
done:
	if (error < 0) {
		tctl_plan_free(p);
		return error;
	}
	*out = p;
	return 0;
}

void tctl_plan_free(tctl_plan *plan)
{
	if (!plan)
		return;
	free(plan->candidates);
	free(plan);
}

const tctl_candidate *tctl_plan_choice(const tctl_plan *plan)
{
	return plan && plan->chosen >= 0 ? &plan->candidates[plan->chosen] : NULL;
}

double tctl_plan_local_hourly(const tctl_job *job, const tctl_profile *profile,
			      const tctl_catalog *cat, const tctl_plan_options *o)
{
	tctl_target t;
	tctl_gpu_model gpu;
	double watts;

	memset(&gpu, 0, sizeof(gpu));
	tctl_target_local(&t, &gpu, profile, cat);
	watts = o->watts_per_gpu > 0 ? o->watts_per_gpu : gpu.watts;
	return plan_energy_usd(3600, job->resources.gpus, watts, job_cores(job), o);
}
