/* planning.c: gather config, ledger, catalog and profile, then plan (for plan and submit). */
#include "trainctl/planning.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tctl_now_from_env(int64_t *out)
{
	const char *s = getenv("TRAINCTL_NOW");
	char *end;

	*out = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!errno && !*end && *out > 0)
		return 0;
	if (tctl_time_parse(out, s) == 0)
		return 0;
	return tctl_error_set(TCTL_EINVALID,
		"TRAINCTL_NOW: expected an RFC 3339 time or unix seconds, got '%s'", s);
}

/* The machine to plan for: the topology, else this one; NULL (with a warning) when unknown. */
static int load_profile(tctl_profile **out, const char *topology, char *warning, size_t size)
{
	const char *env = getenv("TRAINCTL_TOPOLOGY");

	*out = NULL;
	if (!topology && env && *env)
		topology = env;
	if (topology)
		return tctl_profile_from_xml(out, topology);
	if (tctl_profile_live(out, TCTL_PROFILE_DEFAULT) < 0) {
		snprintf(warning, size, "cannot profile this machine (%s); planning the cloud only",
			 tctl_error_last()->message);
		tctl_error_clear();
		*out = NULL;
	}
	return 0;
}

/* The ledger as the caller has it open (submit), or through the planner's cache of it (plan). */
static int gather_inputs(tctl_planning *out, const tctl_job *job, tctl_ledger *l,
			 const tctl_plan_request *req, int64_t now)
{
	if (l || !req->ledger_file)
		return tctl_plan_inputs_gather(&out->in, out->cfg, l, job, out->profile, now);
	return tctl_plan_inputs_gather_ledger_file(&out->in, out->cfg, job, out->profile, now);
}

int tctl_plan_job(tctl_planning *out, const tctl_job *job, tctl_ledger *l, const tctl_plan_request *req)
{
	int64_t now = req->now;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!now && (rc = tctl_now_from_env(&now)) < 0)
		return rc;
	if ((rc = tctl_config_load(&out->cfg, job->workdir)) < 0 ||
	    (rc = load_profile(&out->profile, req->topology, out->warning,
				       sizeof(out->warning))) < 0 ||
	    (rc = (out->cfg->catalog ? tctl_catalog_load(&out->cat, out->cfg->catalog)
						: tctl_catalog_load_default(&out->cat))) < 0 ||
	    (rc = tctl_catalog_set_prices(out->cat, req->prices, req->prices_len)) < 0 ||
	    (rc = gather_inputs(out, job, l, req, now)) < 0)
		goto fail;
	if (req->quotas) {
		out->in.opts.quotas = req->quotas;
		out->in.opts.quotas_len = req->quotas_len;
	}
	out->in.opts.prefer = req->prefer;
	out->in.opts.placement = req->placement;
	rc = tctl_plan_make(&out->plan, job, out->profile, out->cat, &out->in.opts, &out->in.local,
			    out->in.calibrations, out->in.calibrations_len);
	if (rc == 0)
		return 0;
fail:
	tctl_planning_clear(out);
	return rc;
}

void tctl_planning_clear(tctl_planning *p)
{
	tctl_plan_free(p->plan);
	tctl_plan_inputs_clear(&p->in);
	tctl_catalog_free(p->cat);
	tctl_profile_free(p->profile);
	tctl_config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}
