/* plan_explain.c: say why the plan chose what it chose, and where its numbers came from. */
#include "plan_internal.h"
#include "trainctl/units.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void plan_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

void plan_label(char *buf, size_t size, const tctl_plan *p, const tctl_candidate *c)
{
	char nodes[16] = "";

	if (c->local) {
		plan_fmt(buf, size, "local, %s", p->local_name);
		return;
	}
	if (c->nodes > 1)
		snprintf(nodes, sizeof(nodes), " x%d", c->nodes);
	plan_fmt(buf, size, "%s%s %s in %s", c->size_name, nodes,
		 c->priority == TCTL_PRIORITY_LOW ? "low priority" : "dedicated", c->region);
}

/* The best feasible candidate other than the chosen one, or NULL. */
static const tctl_candidate *runner_up(const tctl_plan *p)
{
	const tctl_candidate *best = NULL;

	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		if (!c->feasible || (int)i == p->chosen)
			continue;
		if (!best || (p->prefer == TCTL_PREFER_TIME ? c->finish < best->finish
							    : c->cost < best->cost))
			best = c;
	}
	return best;
}

/* The cheapest feasible candidate, for the --prefer time explanation. */
static const tctl_candidate *cheapest(const tctl_plan *p)
{
	const tctl_candidate *best = NULL;

	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		if (c->feasible && (!best || c->cost < best->cost))
			best = c;
	}
	return best;
}

/* The words of a reason before its first number: "over max_cost", "retired". */
static void category(char *buf, size_t size, const char *reason)
{
	size_t n = 0;

	while (reason[n] && !isdigit((unsigned char)reason[n]) && reason[n] != '$' &&
	       reason[n] != '(' && reason[n] != ':' && n + 1 < size)
		n++;
	while (n && (reason[n - 1] == ' ' || reason[n - 1] == ','))
		n--;
	if (n >= 3 && !strncmp(reason + n - 3, " by", 3))
		n -= 3;
	snprintf(buf, size, "%.*s", (int)n, reason);
}

/* "cloud: 12 over max_cost, 6 retired" — the reasons cloud candidates failed, counted. */
static void cloud_reasons(char *buf, size_t size, const tctl_plan *p)
{
	char cats[8][48];
	int counts[8] = { 0 }, ncats = 0;
	size_t len;

	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		char cat[48];
		int k;
		if (c->local)
			continue;
		category(cat, sizeof(cat), c->reason);
		for (k = 0; k < ncats && strcmp(cats[k], cat); k++)
			;
		if (k == ncats && ncats < 8)
			snprintf(cats[ncats++], sizeof(cats[0]), "%s", cat);
		if (k < 8)
			counts[k]++;
	}
	len = (size_t)snprintf(buf, size, "cloud:");
	for (int k = 0; k < ncats && len < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s %d %s", k ? "," : "", counts[k], cats[k]);
}

static void explain_none(tctl_plan *p)
{
	const tctl_candidate *local = p->candidates_len && p->candidates[0].local ? &p->candidates[0] : NULL;
	char cloud[200];
	bool any_cloud = p->candidates_len > (local ? 1u : 0u);

	if (any_cloud)
		cloud_reasons(cloud, sizeof(cloud), p);
	else
		snprintf(cloud, sizeof(cloud), "%s", p->cloud_note[0] ? p->cloud_note : "cloud: no candidate");
	plan_fmt(p->why, sizeof(p->why), "no candidate fits: local: %s; %s",
		 local ? local->reason : (p->local_note[0] ? p->local_note : "no local machine"), cloud);
}

static void explain_choice(tctl_plan *p)
{
	const tctl_candidate *c = &p->candidates[p->chosen], *next = runner_up(p);
	char label[160], nlabel[160], when[32], rule[96], tail[220] = "";

	plan_label(label, sizeof(label), p, c);
	if (p->prefer == TCTL_PREFER_TIME) {
		const tctl_candidate *cheap = cheapest(p);
		snprintf(rule, sizeof(rule), "earliest finish within max_cost and budget");
		if (cheap && cheap != c) {
			plan_label(nlabel, sizeof(nlabel), p, cheap);
			plan_fmt(tail, sizeof(tail), "; cheapest was %s at $%.2f", nlabel, cheap->cost);
		}
	} else {
		snprintf(rule, sizeof(rule), "%s%s", p->deadline ? "cheapest that meets the deadline"
							       : "cheapest (no deadline set)",
			 next && c->local && next->cost - c->cost < 0.005 ? ", a tie on cost goes local" : "");
		if (next) {
			plan_label(nlabel, sizeof(nlabel), p, next);
			tctl_duration_format(when, sizeof(when), next->finish - p->now);
			plan_fmt(tail, sizeof(tail), "; next best: %s at $%.2f, finishing in %s", nlabel,
				 next->cost, when);
		}
	}
	plan_fmt(p->why, sizeof(p->why), "%s: %s ($%.2f)%s", label, rule, c->cost, tail);
}

static void explain_sources(tctl_plan *p, const tctl_plan_options *o, const tctl_job *job)
{
	const tctl_candidate *c = tctl_plan_choice(p);
	char prov[32], idle[32];
	int64_t idle_s = job->cloud.idle_time_before_scale_down > 0 ? job->cloud.idle_time_before_scale_down : 120;

	if (c && !c->price)
		c = NULL;
	for (size_t i = 0; !c && i < p->candidates_len; i++)
		if (p->candidates[i].price)
			c = &p->candidates[i];
	if (c && c->price) {
		p->price_source = c->price->source;
		p->price_date = c->price->date;
	}
	if (o->watts_per_gpu > 0)
		snprintf(p->energy_source, sizeof(p->energy_source), "$%.3f/kWh; %g W per GPU (config); %g W per core",
			 o->usd_per_kwh, o->watts_per_gpu, o->watts_per_core);
	else
		snprintf(p->energy_source, sizeof(p->energy_source), "$%.3f/kWh; GPU board power from the catalog; %g W per core",
			 o->usd_per_kwh, o->watts_per_core);
	tctl_duration_format(prov, sizeof(prov), o->provisioning);
	tctl_duration_format(idle, sizeof(idle), idle_s);
	snprintf(p->cloud_source, sizeof(p->cloud_source),
		 "provisioning %s from zero nodes, idle tail %s before scale-down, low priority %.2f evictions/node-hour",
		 prov, idle, o->evictions_per_hour);
	p->quota_checked = o->quotas_len > 0;
}

void plan_explain(tctl_plan *p, const tctl_plan_options *o, const tctl_job *job)
{
	if (p->chosen < 0)
		explain_none(p);
	else
		explain_choice(p);
	explain_sources(p, o, job);
}
