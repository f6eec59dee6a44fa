/* cost_report.c: spend by month, repository, job and backend, and local-first savings, from the ledger. */
#include "trainctl/cost.h"
#include "trainctl/budget.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tctl_month_range(int64_t *out_from_ms, int64_t *out_to_ms, const char *month)
{
	struct tm tm;
	int y = 0, m = 0;

	/* exactly YYYY-MM */
	if (month && strlen(month) == 7 && month[4] == '-' && strspn(month, "0123456789") == 4 &&
	    strspn(month + 5, "0123456789") == 2) {
		y = (month[0] - '0') * 1000 + (month[1] - '0') * 100 + (month[2] - '0') * 10 +
		    (month[3] - '0');
		m = (month[5] - '0') * 10 + (month[6] - '0');
	}
	if (y < 1970 || m < 1 || m > 12)
		return tctl_error_set(TCTL_EINVALID, "month: expected YYYY-MM (such as 2026-05), "
				      "got '%s'", month ? month : "");
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	*out_from_ms = (int64_t)timegm(&tm) * 1000;
	tm.tm_mon++;
	*out_to_ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static void period(char *buf, size_t size, int64_t ms, bool day)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, day ? "%Y-%m-%d" : "%Y-%m", &tm);
}

typedef struct {
	tctl_cost_group *v;
	size_t len;
} groups;

static tctl_cost_group *group_get(groups *g, const char *key)
{
	tctl_cost_group *p;

	for (size_t i = 0; i < g->len; i++)
		if (!strcmp(g->v[i].key, key))
			return &g->v[i];
	if (!(p = realloc(g->v, (g->len + 1) * sizeof(*p))))
		return NULL;
	g->v = p;
	p = &g->v[g->len];
	memset(p, 0, sizeof(*p));
	if (!(p->key = strdup(key)))
		return NULL;
	g->len++;
	return p;
}

static void add_to(tctl_cost_group *g, const tctl_cost_row *r, bool local)
{
	g->cost += r->cost;
	g->runs++;
	if (local)
		g->local += r->cost;
	else
		g->cloud += r->cost;
	if (local && r->cloud_equiv_cost > 0) {
		g->cloud_equiv += r->cloud_equiv_cost;
		g->equiv_local += r->cost;
	}
}

static int add_row(groups g[5], const tctl_cost_row *r, bool daily)
{
	char month[16], day[16], repo[256];
	const char *keys[5];
	bool local = r->backend && !strcmp(r->backend, "local");

	period(month, sizeof(month), r->submitted_ms, false);
	period(day, sizeof(day), r->submitted_ms, daily);
	tctl_repo_name(repo, sizeof(repo), r->repo_remote, r->repo_root);
	keys[0] = month;
	keys[1] = repo[0] ? repo : "(no repository)";
	keys[2] = r->job ? r->job : "?";
	keys[3] = r->backend ? r->backend : "?";
	keys[4] = day;
	for (int i = 0; i < 5; i++) {
		tctl_cost_group *x = group_get(&g[i], keys[i]);
		if (!x)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		add_to(x, r, local);
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const tctl_cost_group *)a)->key, ((const tctl_cost_group *)b)->key);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sweep's or a parallel job's parent holds nothing and costs nothing (its children do):
 * it is no local run with or without a cloud price. `parents` is sorted. */
static bool is_parent(const char *const *parents, size_t n, const char *id)
{
	return n && bsearch(&id, parents, n, sizeof(*parents), cmp_str) != NULL;
}

static int totals(tctl_cost_report *r)
{
	const char **parents = calloc(r->rows_len + 1, sizeof(*parents));
	size_t np = 0;

	if (!parents)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->rows_len; i++)
		if (r->rows[i].parent_id)
			parents[np++] = r->rows[i].parent_id;
	qsort(parents, np, sizeof(*parents), cmp_str);
	for (size_t i = 0; i < r->rows_len; i++) {
		const tctl_cost_row *x = &r->rows[i];
		bool local = x->backend && !strcmp(x->backend, "local");
		r->runs++;
		r->total += x->cost;
		if (local) {
			r->local += x->cost;
			r->local_runs += !is_parent(parents, np, x->id);
		} else {
			r->cloud += x->cost;
		}
		if (local && x->cloud_equiv_cost > 0) {
			r->cloud_equiv += x->cloud_equiv_cost;
			r->equiv_local += x->cost;
			r->equiv_runs++;
		}
	}
	r->saved = r->cloud_equiv - r->equiv_local;
	free(parents);
	return 0;
}

int tctl_cost_report_from_rows(tctl_cost_report **out, tctl_cost_row *rows, size_t len,
			       const char *month)
{
	tctl_cost_report *r = calloc(1, sizeof(*r));
	groups g[5];
	int rc = 0;

	memset(g, 0, sizeof(g));
	if (!r) {
		tctl_cost_rows_free(rows, len);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	r->rows = rows;
	r->rows_len = len;
	snprintf(r->month, sizeof(r->month), "%s", month ? month : "");
	r->series_unit = month ? "day" : "month";
	for (size_t i = 0; i < len && rc == 0; i++)
		rc = add_row(g, &rows[i], month != NULL);
	for (int i = 0; i < 5; i++)
		qsort(g[i].v, g[i].len, sizeof(*g[i].v), cmp_key);
	r->by_month = g[0].v, r->by_month_len = g[0].len;
	r->by_repo = g[1].v, r->by_repo_len = g[1].len;
	r->by_job = g[2].v, r->by_job_len = g[2].len;
	r->by_backend = g[3].v, r->by_backend_len = g[3].len;
	r->series = g[4].v, r->series_len = g[4].len;
	if (rc == 0)
		rc = totals(r);
	if (rc < 0) {
		tctl_cost_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int tctl_cost_report_make(tctl_cost_report **out, tctl_ledger *l, const char *month)
{
	int64_t from = 0, to = 0;
	tctl_cost_row *rows = NULL;
	size_t len = 0;
	int rc;

	if (month && (rc = tctl_month_range(&from, &to, month)) < 0)
		return rc;
	if ((rc = tctl_ledger_cost_rows(l, &rows, &len, from, to)) < 0)
		return rc;
	return tctl_cost_report_from_rows(out, rows, len, month);
}

static void groups_free(tctl_cost_group *v, size_t len)
{
	for (size_t i = 0; v && i < len; i++)
		free(v[i].key);
	free(v);
}

void tctl_cost_report_free(tctl_cost_report *r)
{
	if (!r)
		return;
	groups_free(r->by_month, r->by_month_len);
	groups_free(r->by_repo, r->by_repo_len);
	groups_free(r->by_job, r->by_job_len);
	groups_free(r->by_backend, r->by_backend_len);
	groups_free(r->series, r->series_len);
	tctl_cost_rows_free(r->rows, r->rows_len);
	free(r);
}
