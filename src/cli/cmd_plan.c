/* cmd_plan.c: `trainctl plan`: every way to run a job, priced and timed; the choice and why. */
#include "cli.h"
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

/* TRAINCTL_NOW: RFC 3339 or unix seconds; 0 when unset. */
static int now_from_env(int64_t *out)
{
	const char *s = getenv("TRAINCTL_NOW");
	char *end;

	*out = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!errno && !*end && *out > 0)
		return 0;
	if (tctl_time_parse(out, s) == 0)
		return 0;
	return tctl_error_set(TCTL_EINVALID, "TRAINCTL_NOW: expected an RFC 3339 time or unix seconds, got '%s'", s);
}

/* The machine to plan for: --topology, else this one; NULL (with a note) when unknown. */
static tctl_profile *load_profile(void)
{
	tctl_profile *p = NULL;

	if (opt_topology) {
		if (tctl_profile_from_xml(&p, opt_topology) < 0)
			return NULL;
		return p;
	}
	if (tctl_profile_live(&p, 0) < 0) {
		fprintf(stderr, "warning: cannot profile this machine (%s); planning the cloud only\n",
			tctl_error_last()->message);
		tctl_error_clear();
		return NULL;
	}
	return p;
}

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
	tctl_plan_options opts = TCTL_PLAN_OPTIONS_INIT;
	tctl_profile *profile = NULL;
	tctl_catalog *cat = NULL;
	tctl_plan *plan = NULL;
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
	opts.prefer = opt_prefer && !strcmp(opt_prefer, "time") ? TCTL_PREFER_TIME : TCTL_PREFER_COST;
	if (now_from_env(&opts.now) < 0 || tctl_job_load(&job, npos ? argv[0] : NULL) < 0)
		return cli_fail();
	rc = CLI_EXIT_FAIL;
	if (!(profile = load_profile()) && opt_topology)
		goto fail;
	if (tctl_catalog_load_default(&cat) < 0 ||
	    tctl_plan_make(&plan, job, profile, cat, &opts, NULL, NULL, 0) < 0)
		goto fail;
	rc = print_plan(plan);
	goto done;
fail:
	rc = cli_fail();
done:
	tctl_plan_free(plan);
	tctl_catalog_free(cat);
	tctl_profile_free(profile);
	tctl_job_free(job);
	return rc;
}
