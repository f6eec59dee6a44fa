/* submit_cloud.c: a submission the plan sends to Azure ML: quota pre-flight, re-plan, the backend. */
#include "submit_internal.h"
#include "trainctl/backend.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void notice(const submission *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void notice(const submission *s, const char *fmt, ...)
{
	const tctl_azure_options *o = s->opts->azure;
	char line[600];
	va_list ap;

	if (!o || !o->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->notice(line, o->notice_payload);
}

/* A job without an estimate sent to the cloud: its first VM size, nothing to plan with. */
static int direct_choice(submission *s, const tctl_catalog *cat)
{
	const tctl_job *job = s->job;
	const tctl_price *p;

	if (!job->cloud.vm_sizes_len)
		return tctl_error_set(TCTL_EINVALID, "'%s' has no work estimate, so trainctl cannot "
				      "choose a VM size for it: add an 'estimate' or name one in "
				      "cloud.vm_sizes", job->name);
	s->direct.size = job->cloud.vm_sizes[0];
	s->direct.priority = job->cloud.priority == TCTL_PRIORITY_LOW ? TCTL_PRIORITY_LOW
								       : TCTL_PRIORITY_DEDICATED;
	s->direct.region = job->cloud.region ? job->cloud.region : s->pf.ws.region;
	if (!s->direct.region)
		return tctl_error_set(TCTL_EINVALID, "'%s': no region: set cloud.region, the "
				      "workspace's region or AZURE_LOCATION", job->name);
	p = tctl_catalog_price(cat, s->direct.size, s->direct.region);
	s->direct.price = !p ? -1 : s->direct.priority == TCTL_PRIORITY_LOW ? p->low_priority
									    : p->dedicated;
	snprintf(s->direct.source, sizeof(s->direct.source), "%s", p && p->source ? p->source
		 : "no price known");
	return 0;
}

/* The cloud candidate the quota ruled out that would have cost least: for messages. */
static const tctl_candidate *quota_victim(const tctl_plan *p)
{
	const tctl_candidate *best = NULL;

	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		if (!c->local && c->size && !strncmp(c->reason, "quota:", 6) &&
		    (!best || c->cost < best->cost))
			best = c;
	}
	return best;
}

/* The plan again, with the region's quotas and vmSizes' prices. */
static int replan(submission *s, tctl_plan **out)
{
	int rc;

	if ((rc = tctl_catalog_set_prices(s->pl.cat, s->pf.prices, s->pf.prices_len)) < 0)
		return rc;
	s->pl.in.opts.quotas = s->pf.quotas;
	s->pl.in.opts.quotas_len = s->pf.quotas_len;
	return tctl_plan_make(out, s->job, s->pl.profile, s->pl.cat, &s->pl.in.opts,
			      &s->pl.in.local, s->pl.in.calibrations, s->pl.in.calibrations_len);
}

/* After the re-plan: say what the quota changed, or refuse with what is short. */
static int quota_outcome(submission *s, tctl_plan *alt, const char *was, bool *out_local)
{
	const tctl_candidate *c = tctl_plan_choice(alt), *v = quota_victim(alt);
	char now[160];
	int rc;

	if (!c) {
		rc = v ? tctl_azure_quota_refusal(&s->pf, v->size->name, v->size->family,
						  v->size->vcpus, v->nodes, v->priority)
		       : tctl_error_set(TCTL_ENOFIT, "nothing can run '%s': %s", s->job->name, alt->why);
		tctl_plan_free(alt);
		return rc;
	}
	tctl_plan_free(s->alt);
	s->alt = alt;
	s->choice = c;
	snprintf(s->out->summary, sizeof(s->out->summary), "%s", alt->why);
	snprintf(now, sizeof(now), "%s %s x%d", c->local ? "this machine" : c->size_name,
		 c->local ? "" : tctl_priority_name(c->priority), c->nodes);
	if (strcmp(was, now) && v)
		notice(s, "quota: %s %s needs %d vCPUs of %s, %lld free in %s; chose %s instead",
		       v->size_name, tctl_priority_name(v->priority), v->nodes * v->size->vcpus,
		       v->priority == TCTL_PRIORITY_LOW ? "lowPriorityCores" : v->size->family,
		       (long long)tctl_azure_quota_free(&s->pf.q, v->size->family, v->priority),
		       s->pf.q.region, now);
	*out_local = c->local;
	if (c->local) {
		if (!s->pl.profile)
			return tctl_error_set(TCTL_ENOFIT, "cannot run '%s' here: this machine could "
					      "not be profiled", s->job->name);
		tctl_local_capacity_from_profile(&s->cap, s->pl.profile);
	}
	return strcmp(was, now) ? submit_check_budgets(s) : 0;
}

/* The job's only VM size, without a plan: refuse when its quota cannot start one node. */
static int direct_quota(submission *s, const tctl_catalog *cat)
{
	const tctl_vm_size *vs = tctl_catalog_size(cat, s->direct.size);
	int64_t free_now;

	if (!vs || !s->pf.q.read)
		return 0;
	free_now = tctl_azure_quota_free(&s->pf.q, vs->family, s->direct.priority);
	if (free_now >= 0 && free_now < vs->vcpus)
		return tctl_azure_quota_refusal(&s->pf, vs->name, vs->family, vs->vcpus, 1,
						s->direct.priority);
	return 0;
}

int submit_cloud_preflight(submission *s, bool *out_local)
{
	const tctl_candidate *c = s->planned ? s->choice : NULL;
	tctl_catalog *own = NULL;
	const tctl_catalog *cat = s->planned ? s->pl.cat : NULL;
	tctl_plan *alt = NULL;
	char was[160];
	int rc;

	if (!cat && (rc = s->cfg && s->cfg->catalog ? tctl_catalog_load(&own, s->cfg->catalog)
						    : tctl_catalog_load_default(&own)) < 0)
		return rc;
	cat = cat ? cat : own;
	if ((rc = tctl_azure_preflight_read(&s->pf, s->cfg, s->job, c ? c->region : s->job->cloud.region,
					    cat, s->opts->azure)) < 0) {
		if (s->opts->placement != TCTL_PLACEMENT_CLOUD) {
			char msg[768];
			snprintf(msg, sizeof(msg), "%s", tctl_error_last()->message);
			tctl_error_set(rc, "the plan chose Azure ML (%.200s), and %s; 'trainctl submit "
				       "--local' runs it here", s->out->summary, msg);
		}
		goto done;
	}
	if (!s->planned) {
		if ((rc = direct_choice(s, cat)) == 0)
			rc = direct_quota(s, cat);
		goto done;
	}
	if (!s->pf.q.read)
		goto done;   /* a dry run: nothing learned, the first plan stands */
	snprintf(was, sizeof(was), "%s %s x%d", c->size_name, tctl_priority_name(c->priority), c->nodes);
	if ((rc = replan(s, &alt)) == 0)
		rc = quota_outcome(s, alt, was, out_local);
done:
	tctl_catalog_free(own);
	return rc;
}

static double trials(const tctl_job *job)
{
	return job->sweep.enabled && job->sweep.limits.max_total_trials > 0
		? (double)job->sweep.limits.max_total_trials : 1.0;
}

void submit_record_cloud(submission *s)
{
	tctl_run *r = &s->run;
	const tctl_candidate *c = s->planned ? s->choice : NULL;
	char src[256];

	if (!c) {
		r->target = strdup(s->direct.size);
		r->priority = strdup(tctl_priority_name(s->direct.priority));
		r->nodes = 1;
		r->region = s->direct.region ? strdup(s->direct.region) : NULL;
		r->price_per_hour = s->direct.price > 0 ? s->direct.price : 0;
		r->price_source = strdup(s->direct.source);
		return;
	}
	r->target = c->size_name ? strdup(c->size_name) : NULL;
	r->priority = strdup(tctl_priority_name(c->priority));
	r->nodes = c->nodes;
	r->region = c->region ? strdup(c->region) : NULL;
	/* every node billed, after reservations: the price used at launch, never re-priced */
	r->price_per_hour = c->price_per_node_hour * (c->nodes - c->reserved_nodes);
	snprintf(src, sizeof(src), "%s%s%s", c->price && c->price->source ? c->price->source
		 : "catalog", c->price && c->price->date ? ", read " : "", c->price && c->price->date
		 ? c->price->date : "");
	r->price_source = strdup(src);
	if (c->has_estimate) {
		r->estimate_s = (double)c->estimate.runtime;
		r->cost_estimate = c->cost * trials(s->job);
	}
}

int submit_run_cloud(submission *s)
{
	tctl_backend_options bo = TCTL_BACKEND_OPTIONS_INIT;
	tctl_backend *b = NULL;
	int rc;

	s->out->placement = "cloud";
	bo.azure = s->opts->azure;
	if ((rc = tctl_backend_open(&b, "azureml", &bo)) == 0)
		rc = b->submit(b, &s->l, s->job, &s->run);
	tctl_backend_free(b);
	return rc;
}
