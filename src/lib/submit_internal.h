/* submit_internal.h: one submission in flight, shared by submit.c and submit_plan.c. */
#ifndef TRAINCTL_SUBMIT_INTERNAL_H
#define TRAINCTL_SUBMIT_INTERNAL_H

#include "trainctl/budget.h"
#include "trainctl/local.h"
#include "trainctl/planning.h"
#include "trainctl/submit.h"

typedef struct {
	const tctl_job *job;
	const tctl_submit_options *opts;
	tctl_submit_result *out;
	tctl_ledger *l;
	tctl_planning pl;
	bool planned;
	const tctl_candidate *choice;   /* borrowed from pl.plan (or `alt`) when planned */
	tctl_plan *alt;                 /* a re-plan the choice came from, when there was one */
	tctl_config *own_cfg;           /* when not planned */
	const tctl_config *cfg;         /* pl.cfg or own_cfg */
	tctl_profile *profile;          /* when not planned */
	tctl_local_capacity cap;
	tctl_provenance *own_prov;
	const tctl_provenance *prov;
	char repo[256];                 /* tctl_repo_name of the provenance */
	bool over_budget;               /* crossed a budget with --allow-over-budget */
	char *budget_note;              /* what was crossed, for the ledger */
	bool needs_ledger;              /* spooling was tried, but a budget needs the month's spend */
	tctl_run run;
	tctl_azure_preflight pf;        /* the cloud's quotas and prices, once read (submit_cloud.c) */
	struct {                        /* a cloud run without a plan: the job's first VM size */
		const char *size;
		tctl_priority priority;
		const char *region;
		double price;
		char source[200];
	} direct;
} submission;

/* Plan (or, without a work estimate, check the fit), then apply the budgets: on
 * return *out_local says which side runs the job. TCTL_EBUDGET with every budget
 * crossed in the message, unless opts->allow_over_budget. */
int submit_decide(submission *s, bool *out_local);

/* Does the job carry a work estimate (so the planner, and the ledger, have work to do)? */
bool submit_has_estimate(const tctl_job *job);

/* The plan's figures the run records: estimate, price per hour at launch (never
 * re-priced), planned cost, and what the cheapest cloud option would have cost. */
void submit_record_plan(submission *s);

/* The budgets again for s->choice (after the quota re-plan chose another candidate). */
int submit_check_budgets(submission *s);

/* submit_cloud.c: before anything is created, the region's quotas and prices; then the
 * plan again with them (*out_local when the machine wins now), or a refusal naming what
 * quota is short. */
int submit_cloud_preflight(submission *s, bool *out_local);

/* The cloud choice's target, priority, nodes, region and hourly price, into s->run. */
void submit_record_cloud(submission *s);

/* Hand the run to the Azure ML backend. */
int submit_run_cloud(submission *s);

#endif
