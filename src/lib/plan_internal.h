/* plan_internal.h: what the plan's .c files share (not a public header). */
#ifndef TRAINCTL_PLAN_INTERNAL_H
#define TRAINCTL_PLAN_INTERNAL_H

#include "trainctl/plan.h"

/* Expected seconds lost to evictions over `runtime` on `nodes` low-priority
 * nodes: checkpointable jobs lose half a checkpoint interval plus a new
 * node's provisioning per eviction; others restart from zero. */
int64_t plan_rework_seconds(int64_t runtime, int nodes, bool checkpointable,
			    const tctl_plan_options *o);

/* USD of electricity for `runtime` seconds of `gpus` GPUs and `cores` cores. */
double plan_energy_usd(int64_t runtime, int gpus, double gpu_watts, double cores,
		       const tctl_plan_options *o);

/* Fills the cloud terms (compute, provisioning, idle, rework) of *c. */
void plan_cloud_costs(tctl_costs *c, int64_t runtime, int64_t rework, int64_t idle,
		      int billed_nodes, double price, const tctl_plan_options *o);

double plan_costs_total(const tctl_costs *c);

/* snprintf for display strings, where cutting a long line short is acceptable. */
void plan_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes plan->why and the source lines after the choice is made. */
void plan_explain(tctl_plan *plan, const tctl_plan_options *o, const tctl_job *job);

/* "Standard_NC4as_T4_v3 x2 low priority in eastus" or "local, this machine (1x T4)". */
void plan_label(char *buf, size_t size, const tctl_plan *p, const tctl_candidate *c);

#endif
