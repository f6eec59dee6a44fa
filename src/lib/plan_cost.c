/* plan_cost.c: the cost terms and start times of plan candidates (docs/planner.md). */
#include "plan_internal.h"
#include "trainctl/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- local queue: when would a strict FIFO start the next job ---- */

typedef struct {
	int64_t end;
	int gpus;
	double cpus;
	uint64_t memory;
} slot;

static void heap_push(slot *h, size_t *n, slot s)
{
	size_t i = (*n)++;

	while (i > 0 && h[(i - 1) / 2].end > s.end) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = s;
}

static slot heap_pop(slot *h, size_t *n)
{
	slot top = h[0], last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1].end < h[c].end)
			c++;
		if (h[c].end >= last.end)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

/* Free resources; signed, as runs that overrun the machine can push them below zero. */
typedef struct {
	int gpus;
	double cpus;
	int64_t memory;
} resources;

static bool fits(const resources *free_, int gpus, double cpus, uint64_t memory)
{
	return free_->gpus >= gpus && free_->cpus + 1e-9 >= cpus && free_->memory >= (int64_t)memory;
}

/* Waits (advancing *t) until `need` fits, releasing the runs that end first. */
static bool wait_for(resources *free_, slot *h, size_t *n, int64_t *t, int gpus, double cpus,
		     uint64_t memory)
{
	while (!fits(free_, gpus, cpus, memory)) {
		slot s;
		if (!*n)
			return false;
		s = heap_pop(h, n);
		free_->gpus += s.gpus;
		free_->cpus += s.cpus;
		free_->memory += (int64_t)s.memory;
		if (s.end > *t)
			*t = s.end;
	}
	return true;
}

int64_t tctl_plan_local_start(const tctl_local_state *local, int64_t now, int cap_gpus,
			      double cap_cpus, uint64_t cap_memory, int gpus, double cpus,
			      uint64_t memory)
{
	size_t nruns = local ? local->runs_len : 0, n = 0;
	resources free_ = { cap_gpus, cap_cpus, (int64_t)cap_memory };
	slot *h;
	int64_t t = now;

	if (gpus > cap_gpus || cpus > cap_cpus + 1e-9 || memory > cap_memory)
		return -1;
	if (!nruns)
		return now;
	if (!(h = malloc(nruns * sizeof(*h)))) {
		tctl_error_set(TCTL_ENOMEM, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nruns; i++) {
		const tctl_local_run *r = &local->runs[i];
		if (r->queued)
			continue;
		free_.gpus -= r->gpus;
		free_.cpus -= r->cpus;
		free_.memory -= (int64_t)r->memory;
		heap_push(h, &n, (slot){ r->end > now ? r->end : now, r->gpus, r->cpus, r->memory });
	}
	for (size_t i = 0; i < nruns; i++) {
		const tctl_local_run *r = &local->runs[i];
		if (!r->queued || r->gpus > cap_gpus || r->cpus > cap_cpus + 1e-9 || r->memory > cap_memory)
			continue;
		wait_for(&free_, h, &n, &t, r->gpus, r->cpus, r->memory);
		free_.gpus -= r->gpus;
		free_.cpus -= r->cpus;
		free_.memory -= (int64_t)r->memory;
		heap_push(h, &n, (slot){ t + (r->runtime > 0 ? r->runtime : 0), r->gpus, r->cpus, r->memory });
	}
	if (!wait_for(&free_, h, &n, &t, gpus, cpus, memory))
		t = -1;
	free(h);
	return t;
}

/* ---- cost terms ---- */

int64_t plan_rework_seconds(int64_t runtime, int nodes, bool checkpointable,
			    const tctl_plan_options *o)
{
	double rate = o->evictions_per_hour * nodes / 3600.0, r = (double)runtime;
	double p = (double)o->provisioning;

	if (rate <= 0 || runtime <= 0)
		return 0;
	if (checkpointable)
		return (int64_t)ceil(rate * r * ((double)o->checkpoint_interval / 2.0 + p));
	/* restart from zero after each eviction: E[total] = (1/rate + p)(e^(rate r) - 1) */
	return (int64_t)ceil((1.0 / rate + p) * expm1(rate * r) - r);
}

double plan_energy_usd(int64_t runtime, int gpus, double gpu_watts, double cores,
		       const tctl_plan_options *o)
{
	double watts = gpus * gpu_watts + cores * o->watts_per_core;

	return (double)runtime / 3600.0 * watts / 1000.0 * o->usd_per_kwh;
}

void plan_cloud_costs(tctl_costs *c, int64_t runtime, int64_t rework, int64_t idle,
		      int billed_nodes, double price, const tctl_plan_options *o)
{
	double per_second = billed_nodes * price / 3600.0;

	c->compute = per_second * (double)runtime;
	c->provisioning = per_second * (double)o->provisioning;
	c->idle = per_second * (double)idle;
	c->rework = per_second * (double)rework;
}

double plan_costs_total(const tctl_costs *c)
{
	return c->energy + c->compute + c->provisioning + c->idle + c->rework + c->egress;
}
