/** @file plan_inputs.h  Gathering the planner's plain inputs from the config and the ledger. */
#ifndef TRAINCTL_PLAN_INPUTS_H
#define TRAINCTL_PLAN_INPUTS_H

#include "trainctl/config.h"
#include "trainctl/ledger.h"
#include "trainctl/plan.h"
#include "trainctl/plan_ledger.h"

/* The planner reads no file: this module is the one place that maps the
 * user's config (economics, budgets, reservations, quotas, region) and the
 * ledger (local runs now, spend this month, calibration) onto its inputs.
 * Everything referenced from `opts`, `local` and `calibrations` is owned
 * here and released by tctl_plan_inputs_clear(). */
typedef struct {
	tctl_plan_options opts;
	tctl_local_state local;
	tctl_calibration *calibrations;
	size_t calibrations_len;
	/* storage */
	tctl_local_run *runs;
	tctl_plan_reservation *reservations;
	tctl_plan_quota *quotas;
	tctl_plan_ledger view;
} tctl_plan_inputs;

/**
 * Fill `out` for planning `job`: `cfg` may be NULL (defaults), `l` may be
 * NULL (no local runs, no spend, no calibration), `profile` is the local
 * machine (for the per-core power) or NULL. `now` is the plan's clock
 * (0: the wall clock).
 */
int tctl_plan_inputs_gather(tctl_plan_inputs *out, const tctl_config *cfg, tctl_ledger *l,
			    const tctl_job *job, const tctl_profile *profile, int64_t now);

/**
 * The same without an open ledger (`plan`): the user's ledger, when there is
 * one, read through the planner's cache of it (plan_ledger.h); opened only
 * on a miss, or when a monthly budget needs the month's spend. Never created.
 */
int tctl_plan_inputs_gather_ledger_file(tctl_plan_inputs *out, const tctl_config *cfg,
					const tctl_job *job, const tctl_profile *profile, int64_t now);

void tctl_plan_inputs_clear(tctl_plan_inputs *in);

/** Unix time of the first second of the calendar month (UTC) that holds `now`. */
int64_t tctl_month_start(int64_t now);

#endif
