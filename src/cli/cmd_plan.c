/* cmd_plan.c: `trainctl plan`: every way to run a job, priced and timed; the choice and why. */
#include "cli.h"
#include "trainctl/planning.h"
#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/plan.h"
#include "trainctl/profile.h"
#include "trainctl/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool opt_json;
static const char *opt_prefer;
static const char *opt_topology;

static const cli_option options[] = {
	{ "json", 0, CLI_OPT_FLAG, &opt_json, NULL, "print the plan as JSON" },
	{ "prefer", 0, CLI_OPT_STRING, &opt_prefer, "cost|time",
	  "cheapest that meets the deadline (default), or earliest finish within budget" },
	{ "topology", 0, CLI_OPT_STRING, &opt_topology, "X.xml",
	  "plan as if on the machine of this hwloc XML export" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"plan", "[job.json] [--json] [--prefer cost|time] [--topology X.xml]",
	"price every way to run a job and say which one wins (no side effects)",
	"Lists the local machine and each allowed AmlCompute size x {dedicated, low\n"
	"priority} x node count with its start, runtime, finish and cost, or why it is\n"
	"ruled out; then the choice and where the numbers came from. TRAINCTL_NOW\n"
	"(RFC 3339 or unix seconds) fixes the clock. Exit status: 0 when something can\n"
	"run the job, 1 when nothing can (the table says why), 2 on bad usage.",
	options,
};

static int print_plan(const tctl_plan *plan)
{
	char *text = NULL;
	int error = opt_json ? tctl_plan_to_json(&text, plan) : tctl_plan_to_text(&text, plan);

	if (error < 0)
		return cli_fail();
	fputs(text, stdout);
	if (opt_json)
		fputc('\n', stdout);
	free(text);
	return plan->chosen >= 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cmd_plan(int argc, char **argv)
{
	tctl_plan_request req = { NULL, TCTL_PREFER_COST, TCTL_PLACEMENT_AUTO, 0, NULL, 0, NULL, 0,
				  true };
	tctl_planning pl;
	tctl_job *job = NULL;
	int npos, dashdash, rc;

	opt_json = false;
	opt_prefer = opt_topology = NULL;
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &rc))
		return rc;
	if (npos > 1)
		return cli_usage_error(&spec, "expected at most one job file, got %d arguments", npos);
	if (opt_prefer && strcmp(opt_prefer, "cost") && strcmp(opt_prefer, "time"))
		return cli_usage_error(&spec, "option '--prefer' expects 'cost' or 'time', got '%s'", opt_prefer);
	req.prefer = opt_prefer && !strcmp(opt_prefer, "time") ? TCTL_PREFER_TIME : TCTL_PREFER_COST;
	req.topology = opt_topology;
	if (tctl_now_from_env(&req.now) < 0 || tctl_job_load(&job, npos ? argv[0] : NULL) < 0)
		return cli_fail();
	/* the ledger, when there is one, is read through the planner's cache of it */
	if (tctl_plan_job(&pl, job, NULL, &req) < 0) {
		rc = cli_fail();
	} else {
		if (pl.warning[0])
			fprintf(stderr, "warning: %s\n", pl.warning);
		rc = print_plan(pl.plan);
		tctl_planning_clear(&pl);
	}
	tctl_job_free(job);
	return rc;
}
