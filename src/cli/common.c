/* common.c: setup shared by the commands that read the ledger or the machine. */
#include "cli.h"
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/local.h"
#include "trainctl/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_capacity(tctl_local_capacity *out)
{
	const char *xml = getenv("TRAINCTL_TOPOLOGY");
	tctl_profile *p = NULL;
	int rc;

	/* TRAINCTL_TOPOLOGY: queue as if on the machine of that hwloc export (tests, what-if) */
	if (xml && *xml)
		rc = tctl_profile_from_xml(&p, xml);
	else
		rc = tctl_profile_live(&p, TCTL_PROFILE_DEFAULT);
	if (rc < 0)
		return rc;
	tctl_local_capacity_from_profile(out, p);
	tctl_profile_free(p);
	return 0;
}

int cli_ledger_open(tctl_ledger **out)
{
	tctl_local_capacity cap;
	bool stalled = false;
	int lost = 0, rc;

	if ((rc = tctl_ledger_open(out, NULL)) < 0)
		return rc;
	if ((rc = tctl_local_recover(*out, &lost)) < 0 ||
	    (!lost && (rc = tctl_local_stalled(*out, &stalled)) < 0))
		goto fail;
	if (lost > 0)
		fprintf(stderr, "trainctl: %d run%s lost (supervisor gone); see 'trainctl list --state lost'\n",
			lost, lost == 1 ? "" : "s");
	/* runs the lost ones made room for, or a queue nobody would start (its submit died) */
	if (lost > 0 || stalled) {
		if ((rc = cli_capacity(&cap)) < 0 || (rc = tctl_local_kick(out, &cap)) < 0 ||
		    (!*out && (rc = tctl_ledger_open(out, NULL)) < 0))
			goto fail;
	}
	return 0;
fail:
	tctl_ledger_free(*out);
	*out = NULL;
	return rc;
}

void cli_format_time(char *buf, size_t size, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms) {
		snprintf(buf, size, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

void cli_format_runtime(char *buf, size_t size, const tctl_run *r)
{
	int64_t end = r->ended_ms ? r->ended_ms : (r->started_ms ? tctl_now_ms() : 0);

	if (!r->started_ms) {
		snprintf(buf, size, "-");
		return;
	}
	if (end - r->started_ms < 10000)
		snprintf(buf, size, "%.1fs", (double)(end - r->started_ms) / 1000.0);
	else
		tctl_duration_format(buf, size, (end - r->started_ms) / 1000);
}

int cli_run_exit_status(const tctl_run *r)
{
	switch (r->state) {
	case TCTL_RUN_SUCCEEDED:
		return 0;
	case TCTL_RUN_FAILED:
		if (r->term_signal)
			return 128 + r->term_signal;
		return r->exit_code > 0 ? r->exit_code : 1;
	case TCTL_RUN_TIMED_OUT:
		return 124;
	case TCTL_RUN_CANCELLED:
		return 130;
	default:
		return 1;
	}
}
