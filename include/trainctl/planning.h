/** @file planning.h  One way to plan a job with everything the user has: config, ledger, catalog, machine. */
#ifndef TRAINCTL_PLANNING_H
#define TRAINCTL_PLANNING_H

#include "trainctl/catalog.h"
#include "trainctl/config.h"
#include "trainctl/plan.h"
#include "trainctl/plan_inputs.h"
#include "trainctl/profile.h"

typedef struct {
	tctl_config *cfg;
	tctl_catalog *cat;
	tctl_profile *profile;   /* NULL: no local machine (cloud only) */
	tctl_plan_inputs in;
	tctl_plan *plan;
	char warning[256];       /* something the user should hear ("" when none) */
} tctl_planning;

typedef struct {
	const char *topology;    /* plan as if on this hwloc export */
	tctl_prefer prefer;
	tctl_placement placement;
	int64_t now;             /* 0: the clock (or TRAINCTL_NOW) */
	const tctl_plan_quota *quotas;  /* live quotas (Azure ML usages): used instead of the
					   config's; NULL: the config's */
	size_t quotas_len;
	const tctl_price *prices;       /* live prices (Azure ML vmSizes) laid over the catalog */
	size_t prices_len;
	bool ledger_file;               /* no open ledger given: read the user's, when there is one,
					   through the planner's cache of it (plan_ledger.h) */
} tctl_plan_request;

/*
 * Plan `job` with the user's config, the ledger `l` (NULL: none, or the
 * user's ledger file when req->ledger_file), the
 * catalog (user catalog when present) and this machine's profile (or the
 * request's topology). Returns 0 with out->plan set; the caller clears.
 */
int tctl_plan_job(tctl_planning *out, const tctl_job *job, tctl_ledger *l, const tctl_plan_request *req);

void tctl_planning_clear(tctl_planning *p);

/* TRAINCTL_NOW: RFC 3339 or unix seconds; *out 0 when unset. */
int tctl_now_from_env(int64_t *out);

#endif
