/* estimate.c: runtime of a job on a target from the spec's work estimate, and whether it fits. */
#include "trainctl/estimate.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int tctl_target_local(tctl_target *out, tctl_gpu_model *gpu, const tctl_profile *p,
		      const tctl_catalog *cat)
{
	const tctl_gpu_model *slowest = NULL, *m = NULL;
	const char *unknown = NULL, *last = NULL;
	uint64_t min_mem = 0;
	int n = 0;

	for (size_t i = 0; i < p->gpus_len; i++) {
		const tctl_gpu *g = &p->gpus[i];
		uint64_t mem;
		if (g->integrated)
			continue;
		n++;
		/* machines repeat one model: match each distinct string once */
		if (!last || !g->model || strcmp(last, g->model)) {
			if (tctl_catalog_match_gpu(&m, cat, g->model) < 0)
				unknown = g->model ? g->model : "";
			last = g->model;
		}
		mem = g->memory ? g->memory : (m ? m->memory : 0);
		if (n == 1 || mem < min_mem)
			min_mem = mem;
		if (m && (!slowest || m->speed < slowest->speed))
			slowest = m;
	}
	tctl_error_clear();
	if (unknown || !slowest)
		tctl_catalog_unknown_gpu(gpu, unknown, min_mem);
	else
		*gpu = *slowest;
	gpu->memory = min_mem;
	memset(out, 0, sizeof(*out));
	out->local = true;
	out->name = "local";
	out->gpu = n ? gpu : NULL;
	out->gpus = n;
	out->cpus = p->cpus > 0 ? p->cpus : (p->pus > 0 ? p->pus : 1);
	out->memory = p->memory ? p->memory : p->hwloc_memory;
	out->nodes = 1;
	return n;
}

void tctl_target_class(char *buf, size_t size, const tctl_target *t)
{
	if (t->local)
		snprintf(buf, size, "local");
	else if (t->gpu && t->gpus > 0)
		snprintf(buf, size, "gpu:%s", t->gpu->name);
	else
		snprintf(buf, size, "cpu");
}

double tctl_parallel_efficiency(int gpus, int nodes)
{
	double e = 1.0;

	if (gpus > 1)
		e *= pow(TCTL_EFF_GPU_DOUBLING, log2((double)gpus));
	if (nodes > 1)
		e *= pow(TCTL_EFF_NODE_DOUBLING, log2((double)nodes));
	return e;
}

/* Whole seconds, rounded up, ignoring floating-point noise (7200.0000001 is 7200). */
static int64_t up(double secs)
{
	return (int64_t)ceil(secs - 1e-6);
}

static bool is_gpu_job(const tctl_job *job)
{
	return job->resources.gpus > 0;
}

static double job_cpus(const tctl_job *job)
{
	return job->resources.cpus > 0 ? job->resources.cpus : 1;
}

/* Seconds of `work_hours` GPU-hours on `ref` when run on the target's GPUs. */
static int from_gpu_hours(tctl_runtime *out, const tctl_job *job, const tctl_target *t,
			  const tctl_estimate_context *ctx)
{
	const char *ref_name = job->estimate.reference_gpu ? job->estimate.reference_gpu
		: TCTL_DEFAULT_REFERENCE_GPU;
	const tctl_gpu_model *ref;
	int g = job->resources.gpus, n = t->nodes > 0 ? t->nodes : 1;
	double speed, secs;

	if (tctl_catalog_match_gpu(&ref, ctx->catalog, ref_name) < 0)
		return tctl_error_set(TCTL_EINVALID, "estimate.reference_gpu: unknown GPU model '%s'",
				      ref_name);
	speed = t->gpu ? t->gpu->speed : ref->speed;
	out->efficiency = tctl_parallel_efficiency(g, n);
	secs = job->estimate.gpu_hours * 3600.0 * ref->speed / (speed * g * n * out->efficiency);
	out->uncalibrated = up(secs);
	snprintf(out->source, sizeof(out->source), "%g GPU-h on %s%s / (%d x %s @%.2f, eff %.2f)",
		 job->estimate.gpu_hours, ref->name, job->estimate.reference_gpu ? "" : " (assumed)",
		 g * n, t->gpu ? t->gpu->name : ref->name, speed / ref->speed, out->efficiency);
	return 0;
}

static int from_core_hours(tctl_runtime *out, const tctl_job *job, const tctl_target *t)
{
	int n = t->nodes > 0 ? t->nodes : 1;
	double secs;

	out->efficiency = tctl_parallel_efficiency(1, n);
	secs = job->estimate.cpu_core_hours * 3600.0 / (job_cpus(job) * n * out->efficiency);
	out->uncalibrated = up(secs);
	snprintf(out->source, sizeof(out->source), "%g core-h / (%g cores x %d node%s, eff %.2f)",
		 job->estimate.cpu_core_hours, job_cpus(job), n, n == 1 ? "" : "s", out->efficiency);
	return 0;
}

/* local_duration was measured here with the job's GPUs on the local model; scale to the target. */
static int from_local_duration(tctl_runtime *out, const tctl_job *job, const tctl_target *t,
			       const tctl_estimate_context *ctx)
{
	int g = job->resources.gpus, n = t->nodes > 0 ? t->nodes : 1;
	double here, there;
	char d[32];

	tctl_duration_format(d, sizeof(d), job->estimate.local_duration);
	out->efficiency = tctl_parallel_efficiency(g, n);
	if (t->local) {
		out->uncalibrated = job->estimate.local_duration;
		snprintf(out->source, sizeof(out->source), "estimate.local_duration %s, measured here", d);
		return 0;
	}
	if (is_gpu_job(job)) {
		double local_speed = ctx->local_gpu ? ctx->local_gpu->speed : 0.18;
		here = local_speed * g * tctl_parallel_efficiency(g, 1);
		there = (t->gpu ? t->gpu->speed : local_speed) * g * n * out->efficiency;
		snprintf(out->source, sizeof(out->source), "local_duration %s on %s @%.2f, scaled to %d x %s @%.2f (eff %.2f)",
			 d, ctx->local_gpu ? ctx->local_gpu->name : "unknown GPU", local_speed, g * n,
			 t->gpu ? t->gpu->name : "?", t->gpu ? t->gpu->speed : local_speed,
			 out->efficiency);
	} else {
		here = 1;
		there = n * out->efficiency;
		snprintf(out->source, sizeof(out->source), "local_duration %s, 1 vCPU = 1 local core, %d node%s (eff %.2f)",
			 d, n, n == 1 ? "" : "s", out->efficiency);
	}
	out->uncalibrated = up((double)job->estimate.local_duration * here / there);
	return 0;
}

static void from_limit(tctl_runtime *out, const tctl_job *job)
{
	char d[32];

	tctl_duration_format(d, sizeof(d), job->limits.max_run_duration);
	out->efficiency = 1;
	out->uncalibrated = job->limits.max_run_duration;
	snprintf(out->source, sizeof(out->source), "no work estimate: limits.max_run_duration %s taken as the runtime", d);
}

static const tctl_calibration *find_calibration(const tctl_estimate_context *ctx, const char *cls)
{
	for (size_t i = 0; i < ctx->calibrations_len; i++) {
		const tctl_calibration *c = &ctx->calibrations[i];
		if (c->target_class && !strcmp(c->target_class, cls) && c->runs > 0 && c->ratio > 0)
			return c;
	}
	return NULL;
}

static void apply_calibration(tctl_runtime *out, const tctl_target *t,
			      const tctl_estimate_context *ctx)
{
	const tctl_calibration *c;
	char cls[64];
	size_t len;

	tctl_target_class(cls, sizeof(cls), t);
	out->runtime = out->uncalibrated;
	if (!(c = find_calibration(ctx, cls)))
		return;
	out->calibration_runs = c->runs;
	out->calibration_ratio = c->ratio;
	out->runtime = up((double)out->uncalibrated * c->ratio);
	len = strlen(out->source);
	snprintf(out->source + len, sizeof(out->source) - len, "; calibrated from %d run%s (x%.2f)",
		 c->runs, c->runs == 1 ? "" : "s", c->ratio);
}

static bool has_work(const tctl_job *job)
{
	return (is_gpu_job(job) && job->estimate.gpu_hours > 0) ||
	       (!is_gpu_job(job) && job->estimate.cpu_core_hours > 0);
}

int tctl_estimate_runtime(tctl_runtime *out, const tctl_job *job, const tctl_target *t,
			  const tctl_estimate_context *ctx)
{
	bool measured = job->estimate.local_duration > 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!is_gpu_job(job) && job->estimate.gpu_hours > 0 && job->estimate.cpu_core_hours <= 0)
		return tctl_error_set(TCTL_EINVALID, "estimate.gpu_hours is given but resources.gpus is 0");
	if (t->local && measured)
		error = from_local_duration(out, job, t, ctx);
	else if (has_work(job))
		error = is_gpu_job(job) ? from_gpu_hours(out, job, t, ctx) : from_core_hours(out, job, t);
	else if (measured)
		error = from_local_duration(out, job, t, ctx);
	else if (job->limits.max_run_duration > 0)
		from_limit(out, job);
	else
		return tctl_error_set(TCTL_EINVALID, "the job has no work estimate: set estimate.%s or estimate.local_duration (or limits.max_run_duration)",
				      is_gpu_job(job) ? "gpu_hours" : "cpu_core_hours");
	if (error < 0)
		return error;
	if (out->uncalibrated < 1)
		out->uncalibrated = 1;
	apply_calibration(out, t, ctx);
	if (out->runtime < 1)
		out->runtime = 1;
	return 0;
}

static void gb(char *buf, size_t size, uint64_t bytes)
{
	snprintf(buf, size, "%.1f GB", (double)bytes / 1e9);
}

int tctl_estimate_fit(char *reason, size_t size, const tctl_job *job, const tctl_target *t)
{
	const char *where = t->local ? "machine has" : "size has";
	const tctl_resources *r = &job->resources;
	char a[32], b[32];

	if (r->gpus > 0 && t->gpus < r->gpus) {
		if (t->gpus == 0)
			snprintf(reason, size, "needs %d GPU%s, %s none", r->gpus, r->gpus == 1 ? "" : "s", where);
		else
			snprintf(reason, size, "needs %d GPUs, %s %d", r->gpus, where, t->gpus);
		return TCTL_ENOFIT;
	}
	if (r->gpus > 0 && r->gpu_memory > 0 && (!t->gpu || t->gpu->memory < r->gpu_memory)) {
		gb(a, sizeof(a), r->gpu_memory);
		if (!t->gpu || !t->gpu->memory)
			snprintf(reason, size, "needs %s per GPU, GPU memory unknown", a);
		else {
			gb(b, sizeof(b), t->gpu->memory);
			snprintf(reason, size, "needs %s per GPU, %s has %s", a, t->gpu->name, b);
		}
		return TCTL_ENOFIT;
	}
	if (r->memory > 0 && t->memory < r->memory) {
		tctl_size_format(a, sizeof(a), r->memory);
		tctl_size_format(b, sizeof(b), t->memory);
		snprintf(reason, size, "needs %s memory, %s %s", a, where, b);
		return TCTL_ENOFIT;
	}
	if (r->cpus > 0 && t->cpus + 1e-9 < r->cpus) {
		snprintf(reason, size, "needs %g cores, %s %g", r->cpus, where, t->cpus);
		return TCTL_ENOFIT;
	}
	return 0;
}
