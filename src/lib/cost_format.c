/* cost_format.c: the cost report as text and as JSON. */
#include "trainctl/cost.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dollars with cents; under a dollar with four decimals (local runs cost fractions of a cent). */
static void usd(char *buf, size_t size, double v)
{
	snprintf(buf, size, fabs(v) >= 1 || v == 0 ? "$%.2f" : "$%.4f", v);
}

static void group_lines(tctl_buf *b, const char *title, const tctl_cost_group *g, size_t n)
{
	int width = 12;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(g[i].key) > width)
			width = (int)strlen(g[i].key);
	tctl_buf_printf(b, "\nby %s\n", title);
	for (size_t i = 0; i < n; i++) {
		char c[32], l[32], k[32];
		usd(c, sizeof(c), g[i].cost);
		usd(l, sizeof(l), g[i].local);
		usd(k, sizeof(k), g[i].cloud);
		tctl_buf_printf(b, "  %-*s  %10s  %5d run%s  here %s, cloud %s\n", width, g[i].key, c,
				g[i].runs, g[i].runs == 1 ? " " : "s", l, k);
	}
}

static void savings_text(tctl_buf *b, const tctl_cost_report *r)
{
	char s[32], e[32], h[32];

	if (!r->local_runs)
		return;
	usd(s, sizeof(s), r->saved);
	usd(e, sizeof(e), r->cloud_equiv);
	usd(h, sizeof(h), r->equiv_local);
	if (r->equiv_runs)
		tctl_buf_printf(b, "saved      %10s  %d local run%s would have cost %s on the cheapest "
				"cloud option that fit; here they cost %s\n", s, r->equiv_runs,
				r->equiv_runs == 1 ? "" : "s", e, h);
	if (r->local_runs > r->equiv_runs)
		tctl_buf_printf(b, "           %d local run%s had no cloud price (no work estimate, or "
				"no cloud option fit)\n", r->local_runs - r->equiv_runs,
				r->local_runs - r->equiv_runs == 1 ? "" : "s");
}

int tctl_cost_report_to_text(char **out, const tctl_cost_report *r)
{
	tctl_buf b = TCTL_BUF_INIT;
	char t[32], l[32], c[32];

	usd(t, sizeof(t), r->total);
	usd(l, sizeof(l), r->local);
	usd(c, sizeof(c), r->cloud);
	tctl_buf_printf(&b, "spend %s (UTC), at the prices recorded when each run started\n\n",
			r->month[0] ? r->month : "of every month");
	tctl_buf_printf(&b, "total      %10s  %d run%s: this machine %s, cloud %s\n", t, r->runs,
			r->runs == 1 ? "" : "s", l, c);
	savings_text(&b, r);
	if (!r->month[0])
		group_lines(&b, "month", r->by_month, r->by_month_len);
	group_lines(&b, "repository", r->by_repo, r->by_repo_len);
	group_lines(&b, "job", r->by_job, r->by_job_len);
	group_lines(&b, "backend", r->by_backend, r->by_backend_len);
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static json_t *group_json(const tctl_cost_group *g, size_t n, const char *key)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, key, json_string(g[i].key));
		json_object_set_new(o, "cost", json_real(g[i].cost));
		json_object_set_new(o, "local", json_real(g[i].local));
		json_object_set_new(o, "cloud", json_real(g[i].cloud));
		json_object_set_new(o, "cloud_equivalent", json_real(g[i].cloud_equiv));
		json_object_set_new(o, "runs", json_integer(g[i].runs));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *savings_json(const tctl_cost_report *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "cloud_equivalent", json_real(r->cloud_equiv));
	json_object_set_new(o, "local_cost", json_real(r->equiv_local));
	json_object_set_new(o, "saved", json_real(r->saved));
	json_object_set_new(o, "runs", json_integer(r->equiv_runs));
	json_object_set_new(o, "local_runs_without_cloud_price",
			    json_integer(r->local_runs - r->equiv_runs));
	return o;
}

static json_t *report_json(const tctl_cost_report *r)
{
	json_t *o = json_object(), *series = json_object();

	json_object_set_new(o, "month", r->month[0] ? json_string(r->month) : json_null());
	json_object_set_new(o, "currency", json_string("USD"));
	json_object_set_new(o, "runs", json_integer(r->runs));
	json_object_set_new(o, "total", json_real(r->total));
	json_object_set_new(o, "local", json_real(r->local));
	json_object_set_new(o, "cloud", json_real(r->cloud));
	json_object_set_new(o, "savings", savings_json(r));
	json_object_set_new(o, "by_month", group_json(r->by_month, r->by_month_len, "month"));
	json_object_set_new(o, "by_repository", group_json(r->by_repo, r->by_repo_len, "repository"));
	json_object_set_new(o, "by_job", group_json(r->by_job, r->by_job_len, "job"));
	json_object_set_new(o, "by_backend", group_json(r->by_backend, r->by_backend_len, "backend"));
	json_object_set_new(series, "unit", json_string(r->series_unit));
	json_object_set_new(series, "points", group_json(r->series, r->series_len, "period"));
	json_object_set_new(o, "series", series);
	return o;
}

int tctl_cost_report_to_json(char **out, const tctl_cost_report *r)
{
	json_t *o = report_json(r);

	*out = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
	json_decref(o);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}
