/* cmd_submit.c: `trainctl submit`: record a run and start it (locally for now), optionally waiting for it. */
#include "cli.h"
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	bool local, cloud, wait, json, quiet;
	const char *name;
} opt;

static const cli_option options[] = {
	{ "local", 0, CLI_OPT_FLAG, &opt.local, NULL, "run on this machine, whatever the plan says" },
	{ "cloud", 0, CLI_OPT_FLAG, &opt.cloud, NULL, "run on Azure ML, whatever the plan says" },
	{ "wait", 'w', CLI_OPT_FLAG, &opt.wait, NULL,
	  "stream the logs and exit with the run's own exit status" },
	{ "name", 'n', CLI_OPT_STRING, &opt.name, "NAME", "name the run (default: the job's name)" },
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "print the run as JSON" },
	{ "quiet", 'q', CLI_OPT_FLAG, &opt.quiet, NULL, "print only the run id" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"submit", "[job.json] [--local|--cloud] [--wait] [-- cmd args...]",
	"record a run of a job and start it",
	"With no job file, reads ./trainctl.json. After '--', runs that command\n"
	"with default resources and no job file. The run starts as soon as its cpus,\n"
	"memory and GPUs fit beside the runs already running; until then it waits\n"
	"in the queue. The run survives the terminal; 'trainctl logs RUN -f' follows it.",
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

static int fill_run(tctl_run *run, const tctl_job *job)
{
	memset(run, 0, sizeof(*run));
	run->exit_code = -1;
	run->attempt = 1;
	run->name = strdup(opt.name ? opt.name : job->name);
	run->spec_path = job->path ? strdup(job->path) : NULL;
	if (tctl_job_to_json(&run->spec, job) < 0)
		return -1;
	return run->name ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

static int report(const tctl_run *run)
{
	char *json = NULL;

	if (opt.json) {
		if (tctl_run_to_json(&json, run) < 0)
			return cli_fail();
		printf("%s\n", json);
		free(json);
	} else if (opt.quiet || opt.wait) {
		if (opt.quiet)
			printf("%s\n", run->id);
		else
			fprintf(stderr, "trainctl: run %s submitted (%s)\n", run->id, run->name);
	} else {
		printf("%s\n", run->id);
	}
	return 0;
}

static int wait_for(tctl_ledger *l, const char *id)
{
	tctl_run *final = NULL;
	int status;

	fflush(stdout);
	if (tctl_local_follow(l, id, STDOUT_FILENO, STDERR_FILENO, true, &final) < 0)
		return cli_fail();
	status = cli_run_exit_status(final);
	if (final->state != TCTL_RUN_SUCCEEDED)
		fprintf(stderr, "trainctl: run %s %s (%s)\n", final->id,
			tctl_run_state_name(final->state), final->reason ? final->reason : "");
	tctl_run_free(final);
	return status;
}

int cmd_submit(int argc, char **argv)
{
	tctl_local_capacity cap;
	tctl_ledger *l = NULL;
	tctl_job *job = NULL;
	tctl_run run;
	int npos, dashdash, ex, rc;

	memset(&opt, 0, sizeof(opt));
	memset(&run, 0, sizeof(run));
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &ex))
		return ex;
	if (opt.local && opt.cloud)
		return cli_usage_error(&spec, "--local and --cloud exclude each other");
	if (opt.cloud)
		return cli_failf("the Azure ML backend is not part of this build yet; use --local");
	if ((rc = load_job(&job, npos, dashdash, argv)) != 0)
		return rc;
	if (cli_capacity(&cap) < 0 || cli_ledger_open(&l) < 0 || fill_run(&run, job) < 0 ||
	    (job->parallel.enabled ? tctl_local_submit_parallel(&l, job, &cap, &run)
				   : tctl_local_submit(&l, job, &cap, &run)) < 0) {
		rc = cli_fail();
		goto done;
	}
	rc = report(&run);
	if (rc == 0 && opt.wait)
		rc = wait_for(l, run.id);
done:
	tctl_run_clear(&run);
	tctl_job_free(job);
	tctl_ledger_free(l);
	return rc;
}
