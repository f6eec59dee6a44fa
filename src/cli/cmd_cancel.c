/* cmd_cancel.c: `trainctl cancel RUN`: stop a queued or running run (SIGTERM, then SIGKILL). */
#include "azure_cli.h"
#include "cli.h"
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/backend.h"
#include "trainctl/local.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static struct {
	bool wait;
} opt;

static const cli_option options[] = {
	{ "wait", 'w', CLI_OPT_FLAG, &opt.wait, NULL, "return once the run has ended" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"cancel", "RUN... [--wait]", "stop runs: a queued run ends at once; a running one gets "
	"SIGTERM, then SIGKILL after the grace period", NULL, options,
};

static int wait_ended(tctl_ledger *l, const char *id)
{
	tctl_run *r = NULL;
	int rc;

	for (;;) {
		struct timespec ts = { 0, 50000000L };
		int lost;
		if ((rc = tctl_ledger_run_get(l, &r, id)) < 0)
			return rc;
		if (tctl_run_state_terminal(r->state))
			break;
		tctl_run_free(r);
		r = NULL;
		tctl_local_recover(l, &lost);
		nanosleep(&ts, NULL);
	}
	printf("%s %s\n", r->id, tctl_run_state_name(r->state));
	tctl_run_free(r);
	return 0;
}

static int cancel_one(tctl_ledger *l, const char *ref)
{
	tctl_run *run = NULL;
	int rc;

	tctl_backend *b = NULL;

	if ((rc = tctl_ledger_run_get(l, &run, ref)) < 0)
		return rc;
	if ((rc = tctl_backend_open(&b, run->backend, cli_backend_options())) == 0)
		rc = b->cancel(b, l, run);
	tctl_backend_free(b);
	if (rc == 0 && opt.wait)
		rc = wait_ended(l, run->id);
	else if (rc == 0)
		printf("%s %s\n", run->id, run->state == TCTL_RUN_CANCELLED ? "cancelled" : "cancelling");
	tctl_run_free(run);
	return rc;
}

int cmd_cancel(int argc, char **argv)
{
	tctl_ledger *l = NULL;
	int npos, dd, ex, rc = 0;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dd, &ex))
		return ex;
	if (npos < 1)
		return cli_usage_error(&spec, "which run?");
	if (cli_ledger_open(&l) < 0)
		return cli_fail();
	for (int i = 0; i < npos; i++)
		if (cancel_one(l, argv[i]) < 0)
			rc = cli_fail();
	tctl_ledger_free(l);
	return rc;
}
