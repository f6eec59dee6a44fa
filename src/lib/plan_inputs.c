/* plan_inputs.c: the planner's inputs from the user's config and the run ledger. */
#include "trainctl/plan_inputs.h"
#include "trainctl/budget.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A runtime the ledger cannot know (no estimate): counted as one more hour. */
#define UNKNOWN_RUNTIME 3600

int64_t tctl_month_start(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm);
}

static bool user_set(const tctl_config *cfg, const char *key)
{
	const char *o = tctl_config_origin(cfg, key);

	return o && strcmp(o, "default") != 0;
}

static void economics(tctl_plan_options *o, const tctl_config *cfg, const tctl_profile *p)
{
	o->usd_per_kwh = cfg->local.electricity_usd_per_kwh;
	/* the catalog knows each GPU model's board power; a user's figure wins */
	o->watts_per_gpu = user_set(cfg, "local.gpu_watts") ? cfg->local.gpu_watts : 0;
	if (user_set(cfg, "local.cpu_watts") && p && p->cores > 0 && p->packages > 0)
		o->watts_per_core = cfg->local.cpu_watts * p->packages / p->cores;
	o->monthly_budget = cfg->budgets.monthly_usd;
}

static int copy_reservations(tctl_plan_inputs *in, const tctl_config *cfg)
{
	if (!cfg->reservations_len)
		return 0;
	if (!(in->reservations = calloc(cfg->reservations_len, sizeof(*in->reservations))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->reservations_len; i++) {
		in->reservations[i].vm_size = cfg->reservations[i].vm_size;
		in->reservations[i].region = cfg->reservations[i].region;
		in->reservations[i].nodes = cfg->reservations[i].count;
	}
	in->opts.reservations = in->reservations;
	in->opts.reservations_len = cfg->reservations_len;
	return 0;
}

static int copy_quotas(tctl_plan_inputs *in, const tctl_config *cfg)
{
	if (!cfg->quotas_len)
		return 0;
	if (!(in->quotas = calloc(cfg->quotas_len, sizeof(*in->quotas))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->quotas_len; i++) {
		const tctl_quota *q = &cfg->quotas[i];
		in->quotas[i].family = q->priority == TCTL_PRIORITY_LOW ? "lowPriorityCores" : q->family;
		in->quotas[i].region = q->region;
		in->quotas[i].free_vcpus = q->vcpus;
	}
	in->opts.quotas = in->quotas;
	in->opts.quotas_len = cfg->quotas_len;
	return 0;
}

static void workspace_region(tctl_plan_options *o, const tctl_config *cfg, const tctl_job *job)
{
	const tctl_workspace *ws = NULL;

	if (tctl_config_workspace(&ws, cfg, job->cloud.workspace) == 0 && ws->region)
		o->region = ws->region;
	tctl_error_clear();
}

static int from_config(tctl_plan_inputs *in, const tctl_config *cfg, const tctl_job *job,
		       const tctl_profile *p)
{
	int rc;

	economics(&in->opts, cfg, p);
	workspace_region(&in->opts, cfg, job);
	if ((rc = copy_reservations(in, cfg)) < 0)
		return rc;
	return copy_quotas(in, cfg);
}

static void local_run_of(tctl_local_run *out, const tctl_plan_ledger_run *r, int64_t now)
{
	int64_t est = r->estimate_s > 0 ? (int64_t)r->estimate_s : UNKNOWN_RUNTIME;

	out->gpus = r->gpus;
	out->cpus = r->cpus;
	out->memory = r->memory;
	out->queued = r->queued;
	out->runtime = est;
	out->end = r->started_ms / 1000 + est;
	if (!out->queued && out->end < now)
		out->end = now + 60;   /* over its estimate: assume it ends soon, not that it is gone */
}

/* The local queue and the job's calibration, from the ledger's view in `in->view`. */
static int from_view(tctl_plan_inputs *in, int64_t now)
{
	const tctl_plan_ledger *v = &in->view;

	if (v->runs_len && !(in->runs = calloc(v->runs_len, sizeof(*in->runs))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->runs_len; i++)
		local_run_of(&in->runs[i], &v->runs[i], now);
	in->local.runs = in->runs;
	in->local.runs_len = v->runs_len;
	if (v->cal_len && !(in->calibrations = calloc(v->cal_len, sizeof(*in->calibrations))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->cal_len; i++) {
		in->calibrations[i].target_class = v->cal[i].target_class;
		in->calibrations[i].ratio = v->cal[i].ratio;
		in->calibrations[i].runs = v->cal[i].runs;
	}
	in->calibrations_len = v->cal_len;
	return 0;
}

/* As submit's budgets count it (docs/cost.md): recorded, plus what queued and running runs
 * still plan to spend; only the monthly budget reads it (a scan of the month's runs). */
static int month_spend(tctl_plan_inputs *in, tctl_ledger *l, const tctl_job *job, int64_t now)
{
	tctl_budget_spend spend[TCTL_BUDGET_SCOPES];
	int rc;

	if ((rc = tctl_budget_spend_gather(spend, l, job->name, NULL, now * 1000)) < 0)
		return rc;
	in->local.month_spend = spend[TCTL_BUDGET_MONTHLY].recorded + spend[TCTL_BUDGET_MONTHLY].planned;
	return 0;
}

static int from_ledger(tctl_plan_inputs *in, tctl_ledger *l, const tctl_job *job, int64_t now)
{
	int rc;

	if ((rc = tctl_plan_ledger_read(&in->view, l, job->name)) < 0 ||
	    (rc = from_view(in, now)) < 0)
		return rc;
	return in->opts.monthly_budget > 0 ? month_spend(in, l, job, now) : 0;
}

/* Without an open ledger: through the view's cache, unless the month's spend is needed. */
static int from_ledger_file(tctl_plan_inputs *in, const tctl_job *job, int64_t now)
{
	char *path = NULL, *cache = NULL;
	tctl_ledger *l = NULL;
	int rc;

	if (in->opts.monthly_budget > 0) {
		/* no side effects: read the ledger only when it already exists */
		if (tctl_ledger_open_existing(&l, NULL) < 0) {
			tctl_error_clear();
			return 0;
		}
		rc = from_ledger(in, l, job, now);
		tctl_ledger_free(l);
		return rc;
	}
	if ((rc = tctl_data_path(&path, "ledger.db")) < 0)
		return rc;
	if (tctl_cache_path(&cache, TCTL_PLAN_LEDGER_CACHE) < 0)
		tctl_error_clear();   /* no cache folder: no cache */
	rc = tctl_plan_ledger_cached(&in->view, path, cache, job->name);
	free(path);
	free(cache);
	return rc < 0 ? rc : from_view(in, now);
}

static int gather(tctl_plan_inputs *out, const tctl_config *cfg, tctl_ledger *l, bool read_file,
		  const tctl_job *job, const tctl_profile *profile, int64_t now)
{
	tctl_plan_options defaults = TCTL_PLAN_OPTIONS_INIT;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->opts = defaults;
	out->opts.now = now;
	if (!now)
		now = tctl_now();
	if (cfg)
		rc = from_config(out, cfg, job, profile);
	if (rc == 0 && l)
		rc = from_ledger(out, l, job, now);
	else if (rc == 0 && read_file)
		rc = from_ledger_file(out, job, now);
	if (rc < 0)
		tctl_plan_inputs_clear(out);
	return rc;
}

int tctl_plan_inputs_gather(tctl_plan_inputs *out, const tctl_config *cfg, tctl_ledger *l,
			    const tctl_job *job, const tctl_profile *profile, int64_t now)
{
	return gather(out, cfg, l, false, job, profile, now);
}

int tctl_plan_inputs_gather_ledger_file(tctl_plan_inputs *out, const tctl_config *cfg,
					const tctl_job *job, const tctl_profile *profile, int64_t now)
{
	return gather(out, cfg, NULL, true, job, profile, now);
}

void tctl_plan_inputs_clear(tctl_plan_inputs *in)
{
	free(in->runs);
	free(in->reservations);
	free(in->quotas);
	free(in->calibrations);
	tctl_plan_ledger_clear(&in->view);
	memset(in, 0, sizeof(*in));
}
