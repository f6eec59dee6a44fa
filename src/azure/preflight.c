/* preflight.c: before anything is created: the region's quotas and prices, for the planner. */
#include "azure_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tctl_azure_arm_open(tctl_arm **out, const tctl_config *cfg, const tctl_azure_options *o)
{
	tctl_arm_options ao = TCTL_ARM_OPTIONS_INIT;

	if (o) {
		ao.dry_run = o->dry_run;
		ao.on_request = o->on_request;
		ao.request_payload = o->request_payload;
		ao.notice = o->notice;
		ao.notice_payload = o->notice_payload;
		ao.trace = o->trace;
		ao.trace_payload = o->trace_payload;
	}
	return tctl_arm_new(out, cfg, &ao);
}

int tctl_azure_preflight_read(tctl_azure_preflight *out, const tctl_config *cfg,
			      const tctl_job *job, const char *region, const tctl_catalog *cat,
			      const tctl_azure_options *o)
{
	tctl_arm *arm = NULL;
	char date[32];
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = tctl_azure_workspace(&out->ws, cfg, o && o->workspace ? o->workspace
					  : job->cloud.workspace)) < 0 ||
	    (error = tctl_azure_arm_open(&arm, cfg, o)) < 0 ||
	    (error = tctl_azure_quotas_read(&out->q, arm, &out->ws, region)) < 0)
		goto done;
	if (!out->q.read)
		goto done;
	tctl_time_format(date, sizeof(date), tctl_now());
	snprintf(out->date, sizeof(out->date), "%.10s", date);
	snprintf(out->source, sizeof(out->source), "Azure ML vmSizes estimatedVMPrices (%s, Linux)",
		 out->q.region);
	if ((error = tctl_azure_plan_quotas(&out->quotas, &out->quotas_len, &out->q)) < 0 ||
	    (error = tctl_azure_catalog_prices(&out->prices, &out->prices_len, &out->q, cat,
					       out->source, out->date)) < 0)
		goto done;
	if (o && o->notice)
		o->notice(out->prices_len ? "quota pre-flight: read usages, quotas and VM sizes; "
			  "prices refreshed from vmSizes" : "quota pre-flight: read usages, quotas "
			  "and VM sizes", o->notice_payload);
done:
	tctl_arm_free(arm);
	if (error < 0)
		tctl_azure_preflight_clear(out);
	return error;
}

void tctl_azure_preflight_clear(tctl_azure_preflight *p)
{
	if (!p)
		return;
	free(p->quotas);
	free(p->prices);
	tctl_azure_quotas_clear(&p->q);
	tctl_azure_workspace_clear(&p->ws);
	memset(p, 0, sizeof(*p));
}

int tctl_azure_quota_refusal(const tctl_azure_preflight *p, const char *vm_size, const char *family,
			     int vcpus, int nodes, tctl_priority prio)
{
	const tctl_quota_family *f = tctl_azure_quota_family(&p->q, family);
	int64_t free_now = tctl_azure_quota_free(&p->q, family, prio);
	char usage[128] = "";
	bool low = prio == TCTL_PRIORITY_LOW;

	if (low)
		snprintf(usage, sizeof(usage), "; low priority: %lld of %lld in use",
			 (long long)p->q.low_used, (long long)p->q.low_limit);
	else if (f)
		snprintf(usage, sizeof(usage), "; %lld of %lld in use%s", (long long)f->used,
			 (long long)f->limit, f->ws_limit >= 0 ? ", capped by the workspace's quota" : "");
	return tctl_error_set(TCTL_EQUOTA, "not enough quota in %s: %d node%s of %s (%s) need%s %d "
			      "vCPUs of %s, %lld free%s; ask Azure for more (Azure ML studio: Quota; "
			      "or a support request, docs/azure.md) or see 'trainctl quota'",
			      p->q.region, nodes, nodes == 1 ? "" : "s", vm_size,
			      tctl_priority_name(prio), nodes == 1 ? "s" : "", nodes * vcpus, low ? "lowPriorityCores" : family,
			      (long long)(free_now < 0 ? 0 : free_now), usage);
}
