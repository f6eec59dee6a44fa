/** @file cost.h  What was spent (from prices recorded at launch) and what running locally saved. */
#ifndef TRAINCTL_COST_H
#define TRAINCTL_COST_H

#include "trainctl/ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every figure is a sum of what the ledger recorded (runs.cost, priced at
 * launch; runs.cloud_equiv_cost, priced at submit): nothing is re-priced from
 * today's catalog. A run counts in the calendar month (UTC) it was submitted
 * in. docs/cost.md explains "savings". */

/** Spend of one group (a month, a repository, a job name, a backend, a day). */
typedef struct {
	char *key;
	double cost;            /**< recorded cost, USD */
	double local, cloud;    /**< the part on this machine / in the cloud */
	double cloud_equiv;     /**< local runs: what the cheapest cloud option would have cost */
	double equiv_local;     /**< what those same local runs cost here */
	int runs;
} tctl_cost_group;

typedef struct {
	char month[8];          /**< "2026-05"; "" for every month */
	int runs;
	double total, local, cloud;
	double cloud_equiv;     /**< Σ cloud_equiv_cost of local runs that have one */
	double equiv_local;     /**< Σ cost of those same runs */
	double saved;           /**< cloud_equiv - equiv_local */
	int equiv_runs;         /**< local runs with a cloud price */
	int local_runs;
	tctl_cost_group *by_month, *by_repo, *by_job, *by_backend, *series;
	size_t by_month_len, by_repo_len, by_job_len, by_backend_len, series_len;
	const char *series_unit;/**< "day" (one month) or "month" */
	tctl_cost_row *rows;    /**< the runs it sums (owned) */
	size_t rows_len;
} tctl_cost_report;

/** "YYYY-MM" as [from_ms, to_ms) in UTC; TCTL_EINVALID naming what was expected. */
int tctl_month_range(int64_t *out_from_ms, int64_t *out_to_ms, const char *month);

/**
 * The report over `rows` (taken over: freed with the report), for `month`
 * ("YYYY-MM") or every month (NULL). Groups are sorted by key, months and
 * days in time order.
 */
int tctl_cost_report_from_rows(tctl_cost_report **out, tctl_cost_row *rows, size_t len,
			       const char *month);

/** The report from the ledger. */
int tctl_cost_report_make(tctl_cost_report **out, tctl_ledger *l, const char *month);

void tctl_cost_report_free(tctl_cost_report *r);

/** Text for people; JSON (docs/cost.md has its keys); a self-contained HTML page. Caller frees. */
int tctl_cost_report_to_text(char **out, const tctl_cost_report *r);
int tctl_cost_report_to_json(char **out, const tctl_cost_report *r);
int tctl_cost_report_to_html(char **out, const tctl_cost_report *r);

#endif
