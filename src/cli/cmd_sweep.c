/* cmd_sweep.c: `trainctl sweep`: run a job's hyperparameter sweep here and show its trials. */
#include "azure_cli.h"
#include "cli.h"
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/submit.h"
#include "trainctl/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	bool json, detach, local, over_budget, quiet;
	const char *results, *name;
} opt;

static const cli_option options[] = {
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "print the results as JSON" },
	{ "detach", 'd', CLI_OPT_FLAG, &opt.detach, NULL,
	  "print the sweep's run id and return; the sweep goes on" },
	{ "results", 0, CLI_OPT_STRING, &opt.results, "RUN", "show the results of sweep RUN" },
	{ "local", 0, CLI_OPT_FLAG, &opt.local, NULL, "run the trials here, whatever the plan says" },
	{ "name", 'n', CLI_OPT_STRING, &opt.name, "NAME", "name the sweep run (default: the job's)" },
	{ "allow-over-budget", 0, CLI_OPT_FLAG, &opt.over_budget, NULL,
	  "start it even when a budget would be crossed (recorded with the run)" },
	{ "quiet", 'q', CLI_OPT_FLAG, &opt.quiet, NULL, "no progress lines while it runs" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"sweep", "[job.json] [--json] [--detach] | --results RUN [--json]",
	"run a hyperparameter sweep with early termination and show its trials",
	"Samples the job's sweep.search_space (grid, or random with a seed), runs each\n"
	"trial as a child run through the local queue, reads the trials' metric lines\n"
	"(docs/metrics.md) as they print them, and stops the trials the\n"
	"early_termination policy says to (bandit, median_stopping,\n"
	"truncation_selection, as Azure ML defines them: docs/sweep.md). Waits for the\n"
	"sweep, printing progress on stderr, then prints the trials and the best one.\n"
	"Ctrl-C stops waiting, not the sweep; 'trainctl cancel RUN' stops it.\n"
	"Exit status: 0 when a trial reported the metric, 124 when the sweep timed\n"
	"out, 130 when cancelled, 1 otherwise.",
	options,
};

static int print_results(const tctl_run *parent)
{
	tctl_sweep_result r;
	char *path = parent->run_dir ? tctl_path_join(parent->run_dir, "sweep.json") : NULL, *text = NULL;
	int rc;

	if (!path)
		return cli_failf("run '%s' has no folder", parent->id);
	if (parent->collected_ms) {
		free(path);
		return cli_failf("the results of sweep '%s' were removed by 'trainctl gc' (its "
				 "reason: %s)", parent->id, parent->reason ? parent->reason : "-");
	}
	rc = tctl_sweep_result_load(&r, path);
	free(path);
	if (rc < 0)
		return cli_fail();
	rc = opt.json ? tctl_sweep_result_to_json(&text, &r) : tctl_sweep_result_to_text(&text, &r);
	tctl_sweep_result_clear(&r);
	if (rc < 0)
		return cli_fail();
	fputs(text, stdout);
	if (opt.json)
		putchar('\n');
	free(text);
	return 0;
}

/* The parent's new events on stderr: trials started, stopped, ended. */
static void progress(tctl_ledger *l, const char *id, size_t *seen)
{
	tctl_run_event *ev = NULL;
	size_t n = 0;

	if (tctl_ledger_events(l, &ev, &n, id) < 0) {
		tctl_error_clear();
		return;
	}
	for (size_t i = *seen; i < n; i++)
		if (!opt.quiet && !opt.json && ev[i].detail)
			fprintf(stderr, "trainctl: sweep %s: %s\n", id, ev[i].detail);
	*seen = n;
	tctl_run_events_free(ev, n);
}

static int wait_sweep(tctl_ledger *l, const char *id)
{
	struct timespec nap = { 0, 200000000L };
	tctl_run *run = NULL;
	size_t seen = 0;
	int status;

	for (;;) {
		tctl_run_free(run);
		run = NULL;
		if (tctl_ledger_run_get(l, &run, id) < 0)
			return cli_fail();
		progress(l, id, &seen);
		if (tctl_run_state_terminal(run->state))
			break;
		nanosleep(&nap, NULL);
	}
	status = cli_run_exit_status(run);
	if (print_results(run) != 0)
		status = CLI_EXIT_FAIL;
	tctl_run_free(run);
	return status;
}

static int show(const char *ref)
{
	tctl_ledger *l = NULL;
	tctl_run *run = NULL;
	int rc;

	if (cli_ledger_open(&l) < 0 || tctl_ledger_run_get(l, &run, ref) < 0) {
		tctl_ledger_free(l);
		return cli_fail();
	}
	rc = print_results(run);
	tctl_run_free(run);
	tctl_ledger_free(l);
	return rc;
}

static int start(tctl_job *job)
{
	tctl_submit_options so = TCTL_SUBMIT_OPTIONS_INIT;
	tctl_submit_result res;
	tctl_ledger *l = NULL;
	cli_azure az;
	int rc;

	so.placement = opt.local ? TCTL_PLACEMENT_LOCAL : TCTL_PLACEMENT_AUTO;
	so.allow_over_budget = opt.over_budget;
	so.name = opt.name;
	cli_azure_init(&az, false, false, false);
	so.azure = &az.azure;
	rc = tctl_submit(&res, job, &so);
	cli_azure_finish(&az, 0);
	if (rc < 0)
		return cli_fail();
	if (res.warning[0])
		fprintf(stderr, "warning: %s\n", res.warning);
	if (res.placement && !strcmp(res.placement, "cloud")) {
		/* an Azure ML sweep job runs its trials itself: 'status' follows it */
		printf("%s\n", res.run_id);
		if (!opt.quiet)
			fprintf(stderr, "trainctl: sweep %s is an Azure ML sweep job (%s); 'trainctl "
				"status %s' follows it\n", res.run_id, res.summary, res.run_id);
		return 0;
	}
	if (opt.detach) {
		printf("%s\n", res.run_id);
		return 0;
	}
	if (!opt.quiet && !opt.json)
		fprintf(stderr, "trainctl: sweep %s started (%s)\n", res.run_id, res.summary);
	if (tctl_ledger_open(&l, NULL) < 0)
		return cli_fail();
	rc = wait_sweep(l, res.run_id);
	tctl_ledger_free(l);
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	tctl_job *job = NULL;
	int npos, dashdash, ex, rc;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &ex))
		return ex;
	if (dashdash >= 0 || npos > 1)
		return cli_usage_error(&spec, "one job file at a time");
	if (opt.results)
		return npos ? cli_usage_error(&spec, "give a job file or --results RUN, not both")
			    : show(opt.results);
	if (tctl_job_load(&job, npos ? argv[0] : NULL) < 0)
		return cli_fail();
	if (!job->sweep.enabled) {
		rc = cli_failf("'%s' has no sweep section (docs/job-spec.md: sweep)",
			       job->path ? job->path : "trainctl.json");
		tctl_job_free(job);
		return rc;
	}
	rc = start(job);
	tctl_job_free(job);
	return rc;
}
