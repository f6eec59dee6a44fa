/* cmd_logs.c: `trainctl logs RUN [-f]`: a run's stdout and stderr, optionally followed to its end. */
#include "azure_cli.h"
#include "cli.h"
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/backend.h"
#include "trainctl/local.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
	bool follow;
} opt;

static const cli_option options[] = {
	{ "follow", 'f', CLI_OPT_FLAG, &opt.follow, NULL, "keep printing until the run ends" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"logs", "RUN [-f]", "print a run's output (stdout to stdout, stderr to stderr)",
	"RUN is a run id, a unique prefix of one, or 'last'.", options,
};

int cmd_logs(int argc, char **argv)
{
	tctl_ledger *l = NULL;
	tctl_backend *b = NULL;
	tctl_run *run = NULL;
	int npos, dd, ex, rc = 0;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dd, &ex))
		return ex;
	if (npos != 1)
		return cli_usage_error(&spec, npos ? "one run at a time" : "which run?");
	fflush(stdout);
	if (cli_ledger_open(&l) < 0 || tctl_ledger_run_get(l, &run, argv[0]) < 0 ||
	    tctl_backend_open(&b, run->backend, cli_backend_options()) < 0 ||
	    b->logs(b, l, run, STDOUT_FILENO, STDERR_FILENO, opt.follow) < 0)
		rc = cli_fail();
	tctl_backend_free(b);
	tctl_run_free(run);
	tctl_ledger_free(l);
	return rc;
}
