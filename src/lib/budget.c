/* budget.c: whether a run's planned cost would cross a budget (docs/cost.md), to the cent. */
#include "trainctl/budget.h"
#include "trainctl/error.h"
#include "trainctl/plan_inputs.h"
#include "trainctl/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t tctl_usd_cents(double usd)
{
	return (int64_t)llround(usd * 100.0);
}

/* The last non-empty segment of `s` split at '/' or ':' (URLs, scp-like remotes, paths). */
static void last_segment(char *out, size_t size, const char *s)
{
	size_t end = strlen(s), start;

	while (end > 0 && (s[end - 1] == '/' || s[end - 1] == ':'))
		end--;
	start = end;
	while (start > 0 && s[start - 1] != '/' && s[start - 1] != ':')
		start--;
	if (end - start > 4 && !strncmp(s + end - 4, ".git", 4))
		end -= 4;
	snprintf(out, size, "%.*s", (int)(end - start), s + start);
}

void tctl_repo_name(char *out, size_t size, const char *remote_url, const char *root)
{
	if (!size)
		return;
	out[0] = '\0';
	if (remote_url && *remote_url)
		last_segment(out, size, remote_url);
	if (!out[0] && root && *root)
		last_segment(out, size, root);
}

/* Which scopes a row falls in. */
static void row_scopes(bool in[TCTL_BUDGET_SCOPES], const tctl_cost_row *r, const char *job,
		       const char *repo)
{
	char name[256];

	tctl_repo_name(name, sizeof(name), r->repo_remote, r->repo_root);
	in[TCTL_BUDGET_RUN] = false;
	in[TCTL_BUDGET_JOB] = job && r->job && !strcmp(r->job, job);
	in[TCTL_BUDGET_REPO] = repo && *repo && !strcmp(name, repo);
	in[TCTL_BUDGET_MONTHLY] = true;
}

/* What a queued or running top-level run may still cost beyond what it (and its children)
 * recorded: the plan admitted it, so the budget counts it until it ends. */
static double still_planned(const tctl_cost_row *rows, size_t len, size_t i)
{
	const tctl_cost_row *r = &rows[i];
	double recorded = r->cost;

	for (size_t k = 0; k < len; k++)   /* ids sort by time; within a millisecond, not */
		if (rows[k].parent_id && !strcmp(rows[k].parent_id, r->id))
			recorded += rows[k].cost;
	return r->cost_estimate > recorded ? r->cost_estimate - recorded : 0;
}

static void add_row(tctl_budget_spend out[TCTL_BUDGET_SCOPES], const tctl_cost_row *rows,
		    size_t len, size_t i, const char *job, const char *repo)
{
	const tctl_cost_row *r = &rows[i];
	bool in[TCTL_BUDGET_SCOPES];
	double planned = 0;

	row_scopes(in, r, job, repo);
	if (!r->parent_id && !tctl_run_state_terminal(r->state))
		planned = still_planned(rows, len, i);
	for (int s = 0; s < TCTL_BUDGET_SCOPES; s++) {
		if (!in[s])
			continue;
		out[s].recorded += r->cost;
		out[s].planned += planned;
		out[s].active += planned > 0;
	}
}

int tctl_budget_spend_gather(tctl_budget_spend out[TCTL_BUDGET_SCOPES], tctl_ledger *l,
			     const char *job, const char *repo, int64_t now_ms)
{
	tctl_cost_row *rows = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, TCTL_BUDGET_SCOPES * sizeof(*out));
	if ((rc = tctl_ledger_cost_rows(l, &rows, &len, tctl_month_start(now_ms / 1000) * 1000,
					0)) < 0)
		return rc;
	for (size_t i = 0; i < len; i++)
		add_row(out, rows, len, i, job, repo);
	tctl_cost_rows_free(rows, len);
	return 0;
}

static void consider(tctl_budget_verdict *v, tctl_budget_scope scope, const char *key,
		     double limit, const tctl_budget_spend *spend, double estimate)
{
	tctl_budget_breach *b;
	int64_t spent = spend ? tctl_usd_cents(spend->recorded) + tctl_usd_cents(spend->planned) : 0;

	if (!(limit > 0) || spent + tctl_usd_cents(estimate) <= tctl_usd_cents(limit))
		return;
	b = &v->breaches[v->len++];
	b->scope = scope;
	snprintf(b->key, sizeof(b->key), "%s", key);
	b->limit = limit;
	if (spend)
		b->spend = *spend;
	b->estimate = estimate;
}

void tctl_budget_evaluate(tctl_budget_verdict *out, const tctl_config *cfg, const char *job,
			  const char *repo, const tctl_budget_spend spend[TCTL_BUDGET_SCOPES],
			  double estimate)
{
	char key[128];

	memset(out, 0, sizeof(*out));
	consider(out, TCTL_BUDGET_RUN, "budgets.per_run_usd", cfg->budgets.per_run_usd, NULL,
		 estimate);
	if (job) {
		snprintf(key, sizeof(key), "budgets.per_job_usd.%s", job);
		consider(out, TCTL_BUDGET_JOB, key, tctl_config_job_budget(cfg, job),
			 &spend[TCTL_BUDGET_JOB], estimate);
	}
	if (repo && *repo) {
		snprintf(key, sizeof(key), "budgets.per_repo_usd.%s", repo);
		consider(out, TCTL_BUDGET_REPO, key, tctl_config_repo_budget(cfg, repo),
			 &spend[TCTL_BUDGET_REPO], estimate);
	}
	consider(out, TCTL_BUDGET_MONTHLY, "budgets.monthly_usd", cfg->budgets.monthly_usd,
		 &spend[TCTL_BUDGET_MONTHLY], estimate);
}

bool tctl_budget_applies(const tctl_config *cfg, const char *job, const char *repo)
{
	return cfg->budgets.monthly_usd > 0 || (job && tctl_config_job_budget(cfg, job) > 0) ||
	       (repo && *repo && tctl_config_repo_budget(cfg, repo) > 0);
}

int tctl_budget_check(tctl_budget_verdict *out, const tctl_config *cfg, tctl_ledger *l,
		      const char *job, const char *repo, double estimate, int64_t now_ms)
{
	tctl_budget_spend spend[TCTL_BUDGET_SCOPES];
	int rc;

	memset(spend, 0, sizeof(spend));
	/* the month's spend is read only when a budget counts it (a scan of the month's runs) */
	if (!tctl_budget_applies(cfg, job, repo)) {
		tctl_budget_evaluate(out, cfg, job, repo, spend, estimate);
		return 0;
	}
	if ((rc = tctl_budget_spend_gather(spend, l, job, repo, now_ms)) < 0)
		return rc;
	tctl_budget_evaluate(out, cfg, job, repo, spend, estimate);
	return 0;
}

/* "$12.34" from whole cents, so the printed figures add up exactly. */
static void money(char *buf, size_t size, int64_t cents)
{
	snprintf(buf, size, "%s$%lld.%02lld", cents < 0 ? "-" : "", llabs(cents) / 100,
		 llabs(cents) % 100);
}

static void breach_line(tctl_buf *b, const tctl_budget_breach *x, const char *run)
{
	char lim[32], est[32], rec[32], pl[32], spent[32], total[32];
	int64_t c_rec = tctl_usd_cents(x->spend.recorded), c_pl = tctl_usd_cents(x->spend.planned);
	int64_t c_est = tctl_usd_cents(x->estimate);

	money(lim, sizeof(lim), tctl_usd_cents(x->limit));
	money(est, sizeof(est), c_est);
	tctl_buf_printf(b, "run '%s' would cross %s (%s): ", run, x->key, lim);
	if (x->scope == TCTL_BUDGET_RUN) {
		tctl_buf_printf(b, "this run's estimate is %s\n", est);
		return;
	}
	money(spent, sizeof(spent), c_rec + c_pl);
	money(total, sizeof(total), c_rec + c_pl + c_est);
	tctl_buf_printf(b, "%s spent this month", spent);
	if (c_pl) {
		money(rec, sizeof(rec), c_rec);
		money(pl, sizeof(pl), c_pl);
		tctl_buf_printf(b, " (%s recorded + %s planned for %d queued or running run%s)", rec,
				pl, x->spend.active, x->spend.active == 1 ? "" : "s");
	}
	tctl_buf_printf(b, " + %s this run's estimate = %s\n", est, total);
}

int tctl_budget_message(char **out, const tctl_budget_verdict *v, const char *run_name)
{
	tctl_buf b = TCTL_BUF_INIT;

	for (size_t i = 0; i < v->len; i++)
		breach_line(&b, &v->breaches[i], run_name);
	if (b.len)
		b.ptr[--b.len] = '\0';
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}
