/* simulate.c: replay a trace through trainctl's planner and three baselines on a simulated clock. */
#include "simulate_internal.h"
#include "plan_internal.h"
#include "trainctl/error.h"
#include "trainctl/estimate.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_DEADLINE INT64_MAX
#define MAX_EVICTIONS 1000
#define IDLE_TAIL 120   /* the job spec's default idle_time_before_scale_down */

/* A trace job as the policies see it. */
typedef struct {
	int gpus;
	double cpus;
	uint64_t memory;
	int64_t submit, duration, estimate, deadline;   /* trace seconds */
	bool checkpointable;
} sim_job;

typedef struct {
	const tctl_trace *trace;
	const tctl_profile *profile;
	const tctl_catalog *cat;
	const tctl_plan_options *po;
	const tctl_sim_options *so;
	tctl_sim_report *report;
	sim_job *jobs;
	const tctl_gpu_model *ref;
	tctl_target local;
	tctl_gpu_model local_gpu;
	bool has_local;
} sim;

static const char *const policy_names[] = { "trainctl", "all-local FIFO", "all-cloud dedicated",
					    "all-cloud low-priority" };

/* ---- random numbers: splitmix64, one stream per job and purpose ---- */

typedef struct {
	uint64_t s;
} rng;

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static rng stream(uint64_t seed, size_t job, int purpose)
{
	rng r = { mix(seed ^ mix((uint64_t)job * 16 + (uint64_t)purpose)) };
	return r;
}

/* Uniform in (0, 1). */
static double uniform(rng *r)
{
	r->s = mix(r->s);
	return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(rng *r)
{
	double u = uniform(r), v = uniform(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* ---- preparing the jobs ---- */

static void prepare_job(sim *s, size_t i)
{
	const tctl_trace_job *t = &s->trace->jobs[i];
	sim_job *j = &s->jobs[i];
	rng noise = stream(s->so->seed, i, 1), ckpt = stream(s->so->seed, i, 2);
	double k = s->so->deadline_factor;

	j->gpus = t->gpus > 0 ? (int)ceil(t->gpus - 1e-9) : 0;
	j->cpus = t->cpus > 0 ? t->cpus : 1;
	j->memory = t->memory;
	j->submit = t->submit;
	j->duration = t->duration > 0 ? t->duration : 1;
	j->estimate = j->duration;
	if (s->so->estimate_noise > 0)
		j->estimate = llround((double)j->duration * exp(s->so->estimate_noise * normal(&noise)));
	if (j->estimate < 1)
		j->estimate = 1;
	j->deadline = k > 0 ? j->submit + (int64_t)ceil(k * (double)j->duration) : NO_DEADLINE;
	j->checkpointable = uniform(&ckpt) < s->so->checkpointable;
	if (j->gpus)
		s->report->gpu_jobs++;
	else
		s->report->cpu_jobs++;
	if (t->gpus > 0 && t->gpus != floor(t->gpus))
		s->report->fractional_gpu_jobs++;
}

/*
 * The job spec the planner sees. The trace's duration was measured on
 * `gpus` reference GPUs, so its work is duration x gpus x efficiency(gpus)
 * reference-GPU-hours: on the same GPUs it takes exactly `duration`.
 */
static void spec(const sim *s, tctl_job *job, const sim_job *j, int64_t seconds)
{
	memset(job, 0, sizeof(*job));
	job->resources.gpus = j->gpus;
	job->resources.cpus = j->cpus;
	job->resources.memory = j->memory;
	if (j->gpus) {
		job->estimate.gpu_hours = (double)seconds / 3600.0 * j->gpus *
					  tctl_parallel_efficiency(j->gpus, 1);
		job->estimate.reference_gpu = (char *)s->ref->name;
	} else {
		job->estimate.cpu_core_hours = (double)seconds / 3600.0 * j->cpus;
	}
	if (j->deadline != NO_DEADLINE)
		job->limits.deadline = j->deadline - j->submit;
	job->checkpointable = j->checkpointable;
	job->cloud.region = (char *)s->so->region;
	job->cloud.max_nodes = 1;
}

/* ---- running a job in the cloud ---- */

/* Seconds a low-priority run takes and is billed, with evictions drawn from `r`. */
static void low_priority_run(int64_t *elapsed, int64_t *billed, int *evictions, int64_t runtime,
			     int nodes, bool checkpointable, const tctl_plan_options *o, rng *r)
{
	double rate = o->evictions_per_hour * nodes / 3600.0, done = 0, t = 0, bill = (double)o->provisioning;
	double interval = o->checkpoint_interval > 0 ? (double)o->checkpoint_interval : 1;

	*evictions = 0;
	while (*evictions < MAX_EVICTIONS) {
		double x = rate > 0 ? -log(uniform(r)) / rate : INFINITY, left = (double)runtime - done;
		if (x >= left) {
			t += left;
			bill += left;
			break;
		}
		t += x + (double)o->provisioning;
		bill += x + (double)o->provisioning;
		(*evictions)++;
		if (checkpointable)
			done += floor(x / interval) * interval;
	}
	*elapsed = (int64_t)ceil(t);
	*billed = (int64_t)ceil(bill);
}

/* Runs job `i` on cloud candidate `c` for `policy`; the actual runtime scales the estimate. */
static void run_cloud(sim *s, tctl_sim_decision *d, size_t i, const tctl_candidate *c,
		      tctl_sim_policy policy, bool checkpointable)
{
	const sim_job *j = &s->jobs[i];
	const tctl_plan_options *o = s->po;
	int64_t runtime = (int64_t)ceil((double)c->estimate.runtime * (double)j->duration /
					(double)j->estimate - 1e-6);
	int billed_nodes = c->nodes - c->reserved_nodes;
	double per_second = billed_nodes * c->price_per_node_hour / 3600.0;
	int64_t elapsed = runtime, billed = runtime + o->provisioning;

	if (runtime < 1)
		runtime = 1;
	if (c->priority == TCTL_PRIORITY_LOW) {
		rng r = stream(s->so->seed, i, 3 + (int)policy);
		low_priority_run(&elapsed, &billed, &d->evictions, runtime, c->nodes, checkpointable, o, &r);
		d->missed = d->evictions >= MAX_EVICTIONS;
	}
	d->placed = true;
	d->local = false;
	d->vm_size = c->size->name;
	d->priority = c->priority;
	d->nodes = c->nodes;
	d->start = j->submit + o->provisioning;
	d->end = j->submit + o->provisioning + elapsed;
	d->cost = per_second * (double)(billed + IDLE_TAIL) + c->costs.egress;
}

/* ---- running a job locally ---- */

static int64_t local_runtime(const sim *s, const sim_job *j)
{
	tctl_estimate_context ctx = { s->cat, s->local.gpu, NULL, 0 };
	tctl_runtime r;
	tctl_job job;

	spec(s, &job, j, j->duration);
	if (tctl_estimate_runtime(&r, &job, &s->local, &ctx) < 0)
		return j->duration;
	return r.runtime;
}

static int run_local(sim *s, sim_local *m, tctl_sim_decision *d, size_t i, int64_t estimate)
{
	const sim_job *j = &s->jobs[i];
	sim_task task = { i, j->gpus, j->cpus, j->memory, local_runtime(s, j), estimate, 0, 0 };
	double watts = s->po->watts_per_gpu > 0 ? s->po->watts_per_gpu : s->local_gpu.watts;

	d->placed = true;
	d->local = true;
	d->nodes = 1;
	d->priority = TCTL_PRIORITY_ANY;
	d->cost = plan_energy_usd(task.runtime, j->gpus, watts, j->cpus, s->po);
	return sim_local_enqueue(m, &task, j->submit);
}

/* ---- choosing ---- */

static bool late_only(const tctl_candidate *c)
{
	return c->has_estimate && !strncmp(c->reason, "misses deadline", 15);
}

/*
 * The plan's choice. When nothing meets every constraint the job still has
 * to run, late: of the candidates rejected only for their deadline, the
 * cheapest of those finishing within 15 minutes (or 10% of the wait) of the
 * earliest finish.
 */
static const tctl_candidate *pick(const tctl_plan *p)
{
	const tctl_candidate *best = NULL;
	int64_t first = INT64_MAX, slack;

	if (tctl_plan_choice(p))
		return tctl_plan_choice(p);
	for (size_t i = 0; i < p->candidates_len; i++)
		if (late_only(&p->candidates[i]) && p->candidates[i].finish < first)
			first = p->candidates[i].finish;
	if (first == INT64_MAX)
		return NULL;
	slack = (first - p->now) / 10 > 900 ? (first - p->now) / 10 : 900;
	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		if (late_only(c) && c->finish <= first + slack && (!best || c->cost < best->cost))
			best = c;
	}
	return best;
}

static int plan_job(sim *s, tctl_plan **out, size_t i, tctl_placement placement,
		    tctl_priority priority, bool checkpointable, const tctl_local_state *state)
{
	tctl_plan_options o = *s->po;
	tctl_job job;

	spec(s, &job, &s->jobs[i], s->jobs[i].estimate);
	job.cloud.priority = priority;
	job.checkpointable = checkpointable;
	o.now = s->so->origin + s->jobs[i].submit;
	o.placement = placement;
	return tctl_plan_make(out, &job, s->has_local && placement != TCTL_PLACEMENT_CLOUD ? s->profile : NULL,
			      s->cat, &o, state, NULL, 0);
}

/* ---- the policies ---- */

static int trainctl_policy(sim *s, tctl_sim_decision *dec)
{
	sim_local m;
	int error = 0;

	sim_local_init(&m, s->local.gpus, s->local.cpus, s->local.memory, dec);
	for (size_t i = 0; i < s->report->jobs && error >= 0; i++) {
		tctl_local_state state = { NULL, 0, 0 };
		const tctl_candidate *c;
		tctl_plan *p = NULL;

		if ((error = sim_local_advance(&m, s->jobs[i].submit)) < 0 ||
		    (error = sim_local_view(&m, &state, s->jobs[i].submit, s->so->origin)) < 0 ||
		    (error = plan_job(s, &p, i, TCTL_PLACEMENT_AUTO, TCTL_PRIORITY_ANY,
				      s->jobs[i].checkpointable, &state)) < 0)
			break;
		if (!(c = pick(p)))
			dec[i].placed = false;
		else if (c->local)
			error = run_local(s, &m, &dec[i], i, c->estimate.runtime);
		else
			run_cloud(s, &dec[i], i, c, TCTL_SIM_TRAINCTL, s->jobs[i].checkpointable);
		tctl_plan_free(p);
	}
	if (error >= 0)
		error = sim_local_advance(&m, INT64_MAX);
	sim_local_free(&m);
	return error;
}

static int local_fifo_policy(sim *s, tctl_sim_decision *dec)
{
	sim_local m;
	int error = 0;

	sim_local_init(&m, s->local.gpus, s->local.cpus, s->local.memory, dec);
	for (size_t i = 0; i < s->report->jobs && error >= 0; i++) {
		const sim_job *j = &s->jobs[i];
		if ((error = sim_local_advance(&m, j->submit)) < 0)
			break;
		if (s->has_local && sim_local_fits(&m, j->gpus, j->cpus, j->memory))
			error = run_local(s, &m, &dec[i], i, j->estimate);
	}
	if (error >= 0)
		error = sim_local_advance(&m, INT64_MAX);
	sim_local_free(&m);
	return error;
}

/* All jobs in the cloud at one priority; on low priority every job is taken to checkpoint
 * (the best case for a cloud-only policy). */
static int cloud_policy(sim *s, tctl_sim_decision *dec, tctl_sim_policy policy)
{
	bool low = policy == TCTL_SIM_CLOUD_LOW;
	int error = 0;

	for (size_t i = 0; i < s->report->jobs && error >= 0; i++) {
		const tctl_candidate *c;
		tctl_plan *p = NULL;
		bool ckpt = low ? true : s->jobs[i].checkpointable;

		if ((error = plan_job(s, &p, i, TCTL_PLACEMENT_CLOUD,
				      low ? TCTL_PRIORITY_LOW : TCTL_PRIORITY_DEDICATED, ckpt, NULL)) < 0)
			break;
		if (!(c = pick(p)) && low) {
			/* no low-priority size holds the job: it runs dedicated */
			tctl_plan_free(p);
			if ((error = plan_job(s, &p, i, TCTL_PLACEMENT_CLOUD, TCTL_PRIORITY_DEDICATED, ckpt,
					      NULL)) < 0)
				break;
			c = pick(p);
		}
		if (c)
			run_cloud(s, &dec[i], i, c, policy, ckpt);
		tctl_plan_free(p);
	}
	return error;
}

/* ---- results ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int summarize(sim *s, tctl_sim_policy policy)
{
	tctl_sim_result *r = &s->report->results[policy];
	tctl_sim_decision *dec = s->report->decisions[policy];
	int64_t *jct = malloc((s->report->jobs + 1) * sizeof(*jct));
	double sum = 0;

	if (!jct)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	r->name = policy_names[policy];
	for (size_t i = 0; i < s->report->jobs; i++) {
		tctl_sim_decision *d = &dec[i];
		if (!d->placed) {
			r->unplaced++;
			continue;
		}
		d->missed = d->missed || d->end > s->jobs[i].deadline;
		r->misses += d->missed;
		r->cost += d->cost;
		*(d->local ? &r->local_cost : &r->cloud_cost) += d->cost;
		*(d->local ? &r->local_jobs : &r->cloud_jobs) += 1;
		jct[r->placed++] = d->end - s->jobs[i].submit;
		sum += (double)(d->end - s->jobs[i].submit);
	}
	if (r->placed) {
		qsort(jct, r->placed, sizeof(*jct), cmp_i64);
		r->mean_jct = sum / (double)r->placed;
		r->p95_jct = (double)jct[(size_t)ceil(0.95 * (double)r->placed) - 1];
	}
	free(jct);
	return 0;
}

static void compare_with_fifo(tctl_sim_report *rep)
{
	const tctl_sim_decision *t = rep->decisions[TCTL_SIM_TRAINCTL];
	const tctl_sim_decision *f = rep->decisions[TCTL_SIM_LOCAL_FIFO];

	for (size_t i = 0; i < rep->jobs; i++)
		if (f[i].placed && !f[i].missed && (!t[i].placed || t[i].missed))
			rep->missed_where_fifo_met++;
}

/* ---- the entry point ---- */

static int setup(sim *s, const tctl_sim_options *so)
{
	tctl_sim_report *rep = s->report;
	const char *ref = so->reference_gpu;

	if (s->profile) {
		s->has_local = true;
		tctl_target_local(&s->local, &s->local_gpu, s->profile, s->cat);
		snprintf(rep->local, sizeof(rep->local), "%d GPU%s (%s), %g cores", s->local.gpus,
			 s->local.gpus == 1 ? "" : "s", s->local.gpus ? s->local_gpu.name : "none",
			 s->local.cpus);
	}
	if (!ref)
		ref = s->has_local && s->local.gpus ? s->local_gpu.name : TCTL_DEFAULT_REFERENCE_GPU;
	if (tctl_catalog_match_gpu(&s->ref, s->cat, ref) < 0)
		return tctl_error_set(TCTL_EINVALID, "--reference-gpu: unknown GPU model '%s'", ref);
	snprintf(rep->reference_gpu, sizeof(rep->reference_gpu), "%s", s->ref->name);
	for (int p = 0; p < TCTL_SIM_POLICIES; p++)
		if (!(rep->decisions[p] = calloc(rep->jobs + 1, sizeof(tctl_sim_decision))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (!(s->jobs = calloc(rep->jobs + 1, sizeof(*s->jobs))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < rep->jobs; i++)
		prepare_job(s, i);
	return 0;
}

int tctl_simulate(tctl_sim_report **out, const tctl_trace *trace, const tctl_profile *profile,
		  const tctl_catalog *cat, const tctl_plan_options *plan_opts,
		  const tctl_sim_options *opts)
{
	sim s = { trace, profile, cat, plan_opts, opts, NULL, NULL, NULL, { 0 }, { 0 }, false };
	int error;

	if (!(s.report = calloc(1, sizeof(*s.report))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	s.report->jobs = trace->jobs_len;
	if ((error = setup(&s, opts)) < 0 ||
	    (error = trainctl_policy(&s, s.report->decisions[TCTL_SIM_TRAINCTL])) < 0 ||
	    (error = local_fifo_policy(&s, s.report->decisions[TCTL_SIM_LOCAL_FIFO])) < 0 ||
	    (error = cloud_policy(&s, s.report->decisions[TCTL_SIM_CLOUD_DEDICATED],
				  TCTL_SIM_CLOUD_DEDICATED)) < 0 ||
	    (error = cloud_policy(&s, s.report->decisions[TCTL_SIM_CLOUD_LOW], TCTL_SIM_CLOUD_LOW)) < 0)
		goto done;
	for (int p = 0; p < TCTL_SIM_POLICIES && error >= 0; p++)
		error = summarize(&s, (tctl_sim_policy)p);
	compare_with_fifo(s.report);
done:
	free(s.jobs);
	if (error < 0) {
		tctl_sim_report_free(s.report);
		return error;
	}
	*out = s.report;
	return 0;
}

void tctl_sim_report_free(tctl_sim_report *report)
{
	if (!report)
		return;
	for (int p = 0; p < TCTL_SIM_POLICIES; p++)
		free(report->decisions[p]);
	free(report);
}

static json_t *decision_json(const tctl_trace_job *t, const tctl_sim_decision *d)
{
	const char *prio = d->local ? NULL : d->priority == TCTL_PRIORITY_LOW ? "low" : "dedicated";

	if (!d->placed)
		return json_pack("{s:s,s:I,s:f,s:s,s:n,s:n,s:n,s:n,s:n,s:f}", "id", t->id, "submit",
				 (json_int_t)t->submit, "gpus", t->gpus, "placement", "none", "vm_size",
				 "nodes", "priority", "start", "end", "cost", 0.0);
	return json_pack("{s:s,s:I,s:f,s:s,s:s?,s:i,s:s?,s:I,s:I,s:f}", "id", t->id, "submit",
			 (json_int_t)t->submit, "gpus", t->gpus, "placement",
			 d->local ? "local" : "cloud", "vm_size", d->vm_size, "nodes", d->nodes,
			 "priority", prio, "start", (json_int_t)d->start, "end", (json_int_t)d->end,
			 "cost", d->cost);
}

int tctl_sim_decisions_jsonl(char **out, const tctl_sim_report *rep, const tctl_trace *trace,
			     tctl_sim_policy policy)
{
	tctl_buf b = TCTL_BUF_INIT;
	int error = 0;

	for (size_t i = 0; i < rep->jobs && error >= 0; i++) {
		json_t *o = decision_json(&trace->jobs[i], &rep->decisions[policy][i]);
		char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) : NULL;
		json_decref(o);
		if (!line)
			error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		else
			error = tctl_buf_printf(&b, "%s\n", line);
		free(line);
	}
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	*out = tctl_buf_detach(&b);
	return 0;
}
