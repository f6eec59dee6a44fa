/* backend_local.c: the local backend behind the ops table (queue, supervisors, logs). */
#include "local_internal.h"
#include "trainctl/backend.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	tctl_backend base;
	tctl_local_capacity cap;
	bool have_cap;
} local_backend;

static int need_capacity(local_backend *lb)
{
	tctl_profile *p = NULL;
	const char *xml = getenv("TRAINCTL_TOPOLOGY");
	int rc;

	if (lb->have_cap)
		return 0;
	rc = xml && *xml ? tctl_profile_from_xml(&p, xml) : tctl_profile_live(&p, TCTL_PROFILE_DEFAULT);
	if (rc < 0)
		return rc;
	tctl_local_capacity_from_profile(&lb->cap, p);
	tctl_profile_free(p);
	lb->have_cap = true;
	return 0;
}

static int local_submit(tctl_backend *b, tctl_ledger **l, const tctl_job *job, tctl_run *run)
{
	local_backend *lb = (local_backend *)b;
	int rc;

	if ((rc = need_capacity(lb)) < 0)
		return rc;
	if (job->parallel.enabled)
		return tctl_local_submit_parallel(l, job, &lb->cap, run);
	return tctl_local_submit(l, job, &lb->cap, run);
}

static int local_status(tctl_backend *b, tctl_ledger *l, tctl_run *run)
{
	tctl_run *now = NULL;
	int lost, rc;

	(void)b;
	if ((rc = tctl_local_recover(l, &lost)) < 0 || (rc = tctl_ledger_run_get(l, &now, run->id)) < 0)
		return rc;
	tctl_run_clear(run);
	*run = *now;
	free(now);
	return 0;
}

static int local_logs(tctl_backend *b, tctl_ledger *l, const tctl_run *run, int out_fd, int err_fd,
		      bool follow)
{
	(void)b;
	return tctl_local_follow(l, run->id, out_fd, err_fd, follow, NULL);
}

static int local_cancel(tctl_backend *b, tctl_ledger *l, tctl_run *run)
{
	(void)b;
	return tctl_local_cancel(l, run);
}

static void local_free(tctl_backend *b)
{
	free(b);
}

int tctl_backend_local_open(tctl_backend **out, const tctl_backend_options *opts)
{
	local_backend *lb = calloc(1, sizeof(*lb));

	if (!lb)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	lb->base.name = "local";
	lb->base.submit = local_submit;
	lb->base.status = local_status;
	lb->base.logs = local_logs;
	lb->base.cancel = local_cancel;
	lb->base.free = local_free;
	if (opts && opts->capacity) {
		lb->cap = *opts->capacity;
		lb->have_cap = true;
	}
	*out = &lb->base;
	return 0;
}
