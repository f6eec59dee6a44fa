/** @file budget.h  Spending budgets: whether a run's planned cost would cross one, to the cent. */
#ifndef TRAINCTL_BUDGET_H
#define TRAINCTL_BUDGET_H

#include "trainctl/config.h"
#include "trainctl/ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* docs/cost.md has the rules. Amounts are compared in whole cents, each
 * rounded to the nearest cent first, so what the message prints is what was
 * compared. A budget is crossed when spent + estimate > limit (reaching it
 * exactly is allowed). */

/**
 * A repository's name, as budgets (budgets.per_repo_usd) and the cost report
 * know it: the last path segment of its remote URL without ".git"
 * ("git@github.com:ada/bert.git" -> "bert"), else the base name of its root
 * folder; "" outside a repository. Writes at most `size` bytes to `out`.
 */
void tctl_repo_name(char *out, size_t size, const char *remote_url, const char *root);

typedef enum {
	TCTL_BUDGET_RUN = 0,     /**< budgets.per_run_usd: this run alone */
	TCTL_BUDGET_JOB,         /**< budgets.per_job_usd.NAME: this job name, this month */
	TCTL_BUDGET_REPO,        /**< budgets.per_repo_usd.NAME: this repository, this month */
	TCTL_BUDGET_MONTHLY,     /**< budgets.monthly_usd: everything, this month */
	TCTL_BUDGET_SCOPES
} tctl_budget_scope;

/** Spend this calendar month (UTC) in one scope. */
typedef struct {
	double recorded;         /**< sum of runs.cost of runs submitted this month */
	double planned;          /**< planned cost not yet recorded of queued and running runs */
	int active;              /**< how many queued or running runs that planned part is for */
} tctl_budget_spend;

/** One budget a run would cross. */
typedef struct {
	tctl_budget_scope scope;
	char key[128];           /**< "budgets.per_job_usd.nightly" */
	double limit;            /**< USD */
	tctl_budget_spend spend; /**< zero for TCTL_BUDGET_RUN */
	double estimate;         /**< this run's planned cost, USD */
} tctl_budget_breach;

typedef struct {
	tctl_budget_breach breaches[TCTL_BUDGET_SCOPES];
	size_t len;              /**< 0: within every budget */
} tctl_budget_verdict;

/**
 * The spend of this month (the calendar month, UTC, holding `now_ms`) in the
 * scopes of a run of job `job` from repository `repo` ("" or NULL: none),
 * from the ledger: out[TCTL_BUDGET_JOB], out[TCTL_BUDGET_REPO],
 * out[TCTL_BUDGET_MONTHLY] (out[TCTL_BUDGET_RUN] is zero).
 */
int tctl_budget_spend_gather(tctl_budget_spend out[TCTL_BUDGET_SCOPES], tctl_ledger *l,
			     const char *job, const char *repo, int64_t now_ms);

/**
 * Pure: which of `cfg`'s budgets a run of `job` from `repo` with planned
 * cost `estimate` would cross, given `spend` (as gathered above).
 */
void tctl_budget_evaluate(tctl_budget_verdict *out, const tctl_config *cfg, const char *job,
			  const char *repo, const tctl_budget_spend spend[TCTL_BUDGET_SCOPES],
			  double estimate);

/** Does any of `cfg`'s budgets count runs of `job` from `repo` (so the month's spend matters)? */
bool tctl_budget_applies(const tctl_config *cfg, const char *job, const char *repo);

/** Gather and evaluate in one step. */
int tctl_budget_check(tctl_budget_verdict *out, const tctl_config *cfg, tctl_ledger *l,
		      const char *job, const char *repo, double estimate, int64_t now_ms);

/**
 * The verdict in words, one line per budget crossed ("run 'x' would cross
 * budgets.monthly_usd ($10.00): ..."), without the override hint. Caller
 * frees *out.
 */
int tctl_budget_message(char **out, const tctl_budget_verdict *v, const char *run_name);

/** USD rounded to whole cents. */
int64_t tctl_usd_cents(double usd);

#endif
