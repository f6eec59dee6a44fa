/* simulate_internal.h: the simulator's local machine model (not a public header). */
#ifndef TRAINCTL_SIMULATE_INTERNAL_H
#define TRAINCTL_SIMULATE_INTERNAL_H

#include "trainctl/plan.h"
#include "trainctl/simulate.h"

/* A job the local machine holds or waits for. */
typedef struct {
	size_t job;              /* index into the trace */
	int gpus;
	double cpus;
	uint64_t memory;
	int64_t runtime;         /* actual seconds */
	int64_t estimate;        /* what the planner believes, seconds */
	int64_t start, end;      /* actual, once started */
} sim_task;

/* The local machine: capacity, running tasks (a heap by end), and a strict FIFO queue. */
typedef struct {
	int cap_gpus;
	double cap_cpus;
	uint64_t cap_memory;
	int free_gpus;
	double free_cpus;
	int64_t free_memory;
	sim_task *running;
	size_t nrunning, running_cap;
	sim_task *queue;          /* ring buffer */
	size_t qhead, qlen, qcap;
	tctl_sim_decision *dec;   /* where each job's start and end are recorded */
	tctl_local_run *view;     /* the planner's view, rebuilt by sim_local_view() */
	size_t view_cap;
} sim_local;

void sim_local_init(sim_local *m, int gpus, double cpus, uint64_t memory, tctl_sim_decision *dec);
void sim_local_free(sim_local *m);

/* True when a task of this size can ever run on the machine. */
bool sim_local_fits(const sim_local *m, int gpus, double cpus, uint64_t memory);

/* Finishes tasks that end by `t`, starting queued ones as room frees (strict FIFO). */
int sim_local_advance(sim_local *m, int64_t t);

/* Queues `task` at time `t` and starts it at once if it is first in line and fits. */
int sim_local_enqueue(sim_local *m, const sim_task *task, int64_t t);

/* The planner's view at trace time `t` (expected ends, queued estimates), origin added. */
int sim_local_view(sim_local *m, tctl_local_state *out, int64_t t, int64_t origin);

#endif
