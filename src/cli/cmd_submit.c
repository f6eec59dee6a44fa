/* cmd_submit.c: `trainctl submit`: record a run and start it (locally for now), optionally waiting for it. */
#include "azure_cli.h"
#include "cli.h"
#include "common.h"
#include "trainctl/backend.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/local.h"
#include "trainctl/submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	bool local, cloud, wait, json, quiet, over_budget, dry_run, verbose;
	const char *name, *prefer, *workspace;
} opt;

static const cli_option options[] = {
	{ "local", 0, CLI_OPT_FLAG, &opt.local, NULL, "run on this machine, whatever the plan says" },
	{ "cloud", 0, CLI_OPT_FLAG, &opt.cloud, NULL, "run on Azure ML, whatever the plan says" },
	{ "wait", 'w', CLI_OPT_FLAG, &opt.wait, NULL,
	  "stream the logs and exit with the run's own exit status" },
	{ "name", 'n', CLI_OPT_STRING, &opt.name, "NAME", "name the run (default: the job's name)" },
	{ "prefer", 0, CLI_OPT_STRING, &opt.prefer, "cost|time",
	  "cheapest that meets the deadline (default), or earliest finish within budget" },
	{ "allow-over-budget", 0, CLI_OPT_FLAG, &opt.over_budget, NULL,
	  "submit even when a budget would be crossed (recorded with the run)" },
	{ "workspace", 0, CLI_OPT_STRING, &opt.workspace, "PROFILE",
	  "Azure ML workspace profile (default: the job's cloud.workspace, else the config's)" },
	{ "dry-run", 0, CLI_OPT_FLAG, &opt.dry_run, NULL,
	  "cloud: print every request that would be sent; send nothing, record nothing" },
	{ "verbose", 'v', CLI_OPT_FLAG, &opt.verbose, NULL, "trace HTTP on stderr (secrets redacted)" },
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "print the run as JSON (with --dry-run: the requests)" },
	{ "quiet", 'q', CLI_OPT_FLAG, &opt.quiet, NULL, "print only the run id" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"submit", "[job.json] [--local|--cloud] [--wait] [--dry-run] [-- cmd args...]",
	"record a run of a job and start it",
	"With no job file, reads ./trainctl.json. After '--', runs that command\n"
	"with default resources and no job file. The run starts as soon as its cpus,\n"
	"memory and GPUs fit beside the runs already running; until then it waits\n"
	"in the queue. The run survives the terminal; 'trainctl logs RUN -f' follows it.\n"
	"When the plan chooses Azure ML (or --cloud), the region's quotas and prices\n"
	"are read first, then the cluster is ensured, the code uploaded and the job\n"
	"created (docs/azure.md); --dry-run prints those requests instead.",
	options,
};

static int load_job(tctl_job **out, int npos, int dashdash, char **argv)
{
	if (dashdash >= 0) {
		if (dashdash != 0)
			return cli_usage_error(&spec, "give either a job file or '-- cmd args', not both");
		if (npos == 0)
			return cli_usage_error(&spec, "nothing to run after '--'");
		return tctl_job_from_argv(out, argv, (size_t)npos) < 0 ? cli_fail() : 0;
	}
	if (npos > 1)
		return cli_usage_error(&spec, "one job file at a time (got %d)", npos);
	return tctl_job_load(out, npos ? argv[0] : NULL) < 0 ? cli_fail() : 0;
}

static int report(tctl_ledger *l, const tctl_submit_result *res)
{
	tctl_run *run = NULL;
	char *json = NULL;

	if (res->warning[0])
		fprintf(stderr, "warning: %s\n", res->warning);
	if (opt.json) {
		if (tctl_ledger_run_get(l, &run, res->run_id) < 0 || tctl_run_to_json(&json, run) < 0) {
			tctl_run_free(run);
			return cli_fail();
		}
		printf("%s\n", json);
		free(json);
		tctl_run_free(run);
	} else if (opt.wait && !opt.quiet) {
		fprintf(stderr, "trainctl: run %s submitted (%s)\n", res->run_id, res->summary);
	} else {
		printf("%s\n", res->run_id);
	}
	return 0;
}

static int wait_for(tctl_ledger *l, const char *id, bool cloud, const tctl_azure_options *azure)
{
	tctl_run *final = NULL;
	int status;

	fflush(stdout);
	if (cloud) {
		tctl_backend_options bo = TCTL_BACKEND_OPTIONS_INIT;
		tctl_backend *b = NULL;
		tctl_run *run = NULL;
		int rc;
		bo.azure = azure;
		rc = tctl_ledger_run_get(l, &run, id);
		if (rc == 0 && (rc = tctl_backend_open(&b, "azureml", &bo)) == 0)
			rc = b->logs(b, l, run, STDOUT_FILENO, STDERR_FILENO, true);
		tctl_backend_free(b);
		tctl_run_free(run);
		if (rc < 0 || tctl_ledger_run_get(l, &final, id) < 0)
			return cli_fail();
	} else if (tctl_local_follow(l, id, STDOUT_FILENO, STDERR_FILENO, true, &final) < 0) {
		return cli_fail();
	}
	status = cli_run_exit_status(final);
	if (final->state != TCTL_RUN_SUCCEEDED || (final->reason && strcmp(final->reason, "exit 0")))
		fprintf(stderr, "trainctl: run %s %s (%s)\n", final->id,
			tctl_run_state_name(final->state), final->reason ? final->reason : "");
	tctl_run_free(final);
	return status;
}

int cmd_submit(int argc, char **argv)
{
	tctl_submit_options so = TCTL_SUBMIT_OPTIONS_INIT;
	tctl_submit_result res;
	tctl_ledger *l = NULL;
	tctl_job *job = NULL;
	cli_azure az;
	int npos, dashdash, ex, rc;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &ex))
		return ex;
	if (opt.local && opt.cloud)
		return cli_usage_error(&spec, "--local and --cloud exclude each other");
	if (opt.dry_run && (opt.local || opt.wait))
		return cli_usage_error(&spec, "--dry-run shows a cloud run's requests: not with %s",
				       opt.local ? "--local" : "--wait");
	if (opt.prefer && strcmp(opt.prefer, "cost") && strcmp(opt.prefer, "time"))
		return cli_usage_error(&spec, "option '--prefer' expects 'cost' or 'time', got '%s'",
				       opt.prefer);
	if ((rc = load_job(&job, npos, dashdash, argv)) != 0)
		return rc;
	so.placement = opt.local ? TCTL_PLACEMENT_LOCAL : opt.cloud ? TCTL_PLACEMENT_CLOUD
				 : TCTL_PLACEMENT_AUTO;
	so.prefer = opt.prefer && !strcmp(opt.prefer, "time") ? TCTL_PREFER_TIME : TCTL_PREFER_COST;
	so.name = opt.name;
	so.allow_over_budget = opt.over_budget;
	so.spool = !opt.json && !opt.wait && !opt.dry_run;
	cli_azure_init(&az, opt.dry_run, opt.json, opt.verbose);
	az.azure.workspace = opt.workspace;
	so.azure = &az.azure;
	if (tctl_submit(&res, job, &so) < 0) {
		rc = cli_azure_finish(&az, cli_fail());
		goto done;
	}
	if (opt.dry_run) {
		if (strcmp(res.placement ? res.placement : "", "cloud"))
			fprintf(stderr, "trainctl: dry run: the plan chose this machine; --dry-run only "
				"shows the requests of a cloud run ('--cloud' forces one); nothing was "
				"started\n");
		rc = cli_azure_finish(&az, 0);
		goto done;
	}
	cli_azure_finish(&az, 0);
	if (res.lost)
		fprintf(stderr, "trainctl: %d run%s lost (supervisor gone); see 'trainctl list --state lost'\n",
			res.lost, res.lost == 1 ? "" : "s");
	if ((opt.json || opt.wait) && tctl_ledger_open(&l, NULL) < 0) {
		rc = cli_fail();
		goto done;
	}
	rc = report(l, &res);
	if (rc == 0 && opt.wait)
		rc = wait_for(l, res.run_id, !strcmp(res.placement, "cloud"), &az.azure);
done:
	tctl_job_free(job);
	tctl_ledger_free(l);
	return rc;
}
