/* sweep_internal.h: the local sweep coordinator's state, shared by sweep.c and sweep_logs.c. */
#ifndef TRAINCTL_LOCAL_SWEEP_INTERNAL_H
#define TRAINCTL_LOCAL_SWEEP_INTERNAL_H

#include "group.h"
#include "trainctl/sweep.h"
#include "trainctl/util.h"

typedef enum { T_PENDING, T_ACTIVE, T_DONE } trial_phase;

typedef struct {
	trial_phase phase;
	bool stopping;           /* the policy stopped it: its later lines no longer count */
	int64_t offset;          /* bytes of its stdout read so far */
	tctl_buf partial;        /* a line not yet ended by '\n' */
	long line_no;
	tctl_sweep_trial_result *res; /* its row of the results (in the coordinator's result) */
} trial;

typedef struct {
	group g;
	tctl_job *job;
	const tctl_sweep_sample_set *set;
	trial *trials;
	tctl_sweep_result result;
	tctl_sweep_policy *policy;
	char *results_path;      /* <parent run dir>/sweep.json */
	int64_t started_mono;
	bool timed_out, dirty;
} sweeper;

/* Read what trial `i` printed since last time and feed its metric lines to the policy;
 * stops the trial when the policy says so. `final`: the run ended (flush a last line). */
void sweep_read_trial(sweeper *sw, size_t i, bool final);

/* Cancel trial `i` (child run) with `reason`, recording it in the results and events. */
void sweep_stop_trial(sweeper *sw, size_t i, const char *reason);

#endif
