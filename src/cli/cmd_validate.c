/* cmd_validate.c: `trainctl validate [job.json]`: check a job file and print it normalised. */
#include "cli.h"
#include "trainctl/error.h"
#include "trainctl/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints a multi-line message as one "error: " line per problem. */
static int fail_lines(void)
{
	const char *msg = tctl_error_last()->message, *nl;

	if (!*msg)
		msg = "unknown failure";
	while ((nl = strchr(msg, '\n'))) {
		fprintf(stderr, "error: %.*s\n", (int)(nl - msg), msg);
		msg = nl + 1;
	}
	fprintf(stderr, "error: %s\n", msg);
	return CLI_EXIT_FAIL;
}

int cmd_validate(int argc, char **argv)
{
	bool quiet = false;
	const cli_option options[] = {
		{ "quiet", 'q', CLI_OPT_FLAG, &quiet, NULL,
		  "print nothing when the job is valid (errors still go to stderr)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"validate", "[job.json | -] [--quiet]",
		"check a job file and print it normalised",
		"Reads the job file (default: trainctl.json in the current folder; '-' reads\n"
		"standard input), checks every field, and prints the job as normalised JSON\n"
		"with every default filled in (docs/job-spec.md). Each problem is reported on\n"
		"its own line as FILE:LINE: field.path: what was expected.\n\n"
		"exit status: 0 valid, 1 invalid or unreadable, 2 usage error",
		options
	};
	tctl_job *job = NULL;
	char *json = NULL;
	int npos = 0, dashdash = -1, code = 0;

	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &code))
		return code;
	if (npos > 1)
		return cli_usage_error(&spec, "expected at most one job file, got %d", npos);
	if (tctl_job_load(&job, npos ? argv[0] : NULL) < 0)
		return fail_lines();
	if (tctl_job_to_json(&json, job) < 0) {
		tctl_job_free(job);
		return fail_lines();
	}
	if (!quiet)
		printf("%s\n", json);
	free(json);
	tctl_job_free(job);
	return CLI_EXIT_OK;
}
