/* cmd_simulate.c: `trainctl simulate`: replay a job trace through the planner and three baselines. */
#include "cli.h"
#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/plan.h"
#include "trainctl/profile.h"
#include "trainctl/simulate.h"
#include "trainctl/trace.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_trace, *opt_topology, *opt_reference, *opt_checkpointable, *opt_columns;
static const char *opt_decisions, *opt_region;
static double opt_deadline, opt_noise, opt_reserve;
static int opt_seed;
static bool opt_skip;

static const cli_option options[] = {
	{ "checkpointable", 0, CLI_OPT_STRING, &opt_checkpointable, "all|none|FRACTION",
	  "which trace jobs can checkpoint (default all)" },
	{ "columns", 0, CLI_OPT_STRING, &opt_columns, "KEY=EXPR,...",
	  "submit=,gpus=,duration=[,cpus=,memory=,id=] column expressions" },
	{ "deadline-factor", 0, CLI_OPT_DOUBLE, &opt_deadline, "K",
	  "each job must end within K x its runtime after submission (default: none)" },
	{ "decisions", 0, CLI_OPT_STRING, &opt_decisions, "FILE",
	  "write trainctl's decision for each job as JSON lines" },
	{ "estimate-noise", 0, CLI_OPT_DOUBLE, &opt_noise, "SIGMA",
	  "log-normal error of the runtime estimates the planner sees (default 0)" },
	{ "local-reserve", 0, CLI_OPT_DOUBLE, &opt_reserve, "F",
	  "share of the machine kept for jobs only it can finish in time (default 0)" },
	{ "reference-gpu", 0, CLI_OPT_STRING, &opt_reference, "MODEL",
	  "the GPU the trace's durations were measured on (default: the local GPU)" },
	{ "region", 0, CLI_OPT_STRING, &opt_region, "REGION", "cloud region (default eastus)" },
	{ "seed", 0, CLI_OPT_INT, &opt_seed, "N", "seed for noise, checkpoint draws, evictions (default 1)" },
	{ "skip-incomplete", 0, CLI_OPT_FLAG, &opt_skip, NULL,
	  "skip (and count) rows with an empty cell the columns need" },
	{ "topology", 0, CLI_OPT_STRING, &opt_topology, "X.xml",
	  "the local machine, from an hwloc XML export (default: this machine)" },
	{ "trace", 0, CLI_OPT_STRING, &opt_trace, "FILE.csv", "the job trace (required)" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"simulate", "--trace FILE.csv [--topology X.xml] [--deadline-factor K] [options]",
	"replay a job trace through the planner and three baselines",
	"Runs every job of the trace through the same planner as `plan` on a simulated\n"
	"clock, with the local machine as one FIFO queue and the cloud at catalog prices,\n"
	"and the same trace through all-local FIFO, all-cloud dedicated and all-cloud\n"
	"low priority. Columns default to submit_time,gpus,duration (seconds); the\n"
	"Alibaba GPU trace loads with (docs/planner.md):\n"
	"  --columns submit=creation_time,gpus=num_gpu*gpu_milli/1000,\n"
	"            duration=deletion_time-scheduled_time,cpus=cpu_milli/1000,\n"
	"            memory=memory_mib*1048576,id=name --skip-incomplete",
	options,
};

static void reset(void)
{
	opt_trace = opt_topology = opt_reference = opt_checkpointable = opt_columns = NULL;
	opt_decisions = opt_region = NULL;
	opt_deadline = opt_noise = opt_reserve = 0;
	opt_seed = 1;
	opt_skip = false;
}

static int parse_checkpointable(double *out)
{
	char *end;

	if (!opt_checkpointable || !strcmp(opt_checkpointable, "all")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(opt_checkpointable, "none")) {
		*out = 0;
		return 0;
	}
	errno = 0;
	*out = strtod(opt_checkpointable, &end);
	if (errno || end == opt_checkpointable || *end || *out < 0 || *out > 1)
		return cli_usage_error(&spec, "option '--checkpointable' expects all, none or a fraction from 0 to 1, got '%s'",
				       opt_checkpointable);
	return 0;
}

static int check_usage(tctl_sim_options *so)
{
	if (!opt_trace)
		return cli_usage_error(&spec, "option '--trace' is required");
	if (opt_deadline < 0 || opt_noise < 0 || opt_reserve < 0 || opt_reserve > 1)
		return cli_usage_error(&spec, "'--deadline-factor' and '--estimate-noise' must be >= 0, '--local-reserve' from 0 to 1");
	if (opt_deadline > 0 && opt_deadline < 1)
		return cli_usage_error(&spec, "option '--deadline-factor' must be at least 1 (a job cannot end before it has run), got %g",
				       opt_deadline);
	so->deadline_factor = opt_deadline;
	so->estimate_noise = opt_noise;
	so->seed = (uint64_t)opt_seed;
	so->reference_gpu = opt_reference;
	if (opt_region)
		so->region = opt_region;
	return parse_checkpointable(&so->checkpointable);
}

static void money(char *buf, size_t size, double usd)
{
	snprintf(buf, size, "$%.2f", usd);
}

static void print_header(const tctl_trace *t, const tctl_sim_report *r, const tctl_sim_options *so)
{
	printf("trace: %s: %zu rows, %zu jobs", opt_trace, t->rows, t->jobs_len);
	if (t->skipped_incomplete)
		printf(" (%zu rows skipped for an empty cell, first: %s)", t->skipped_incomplete,
		       t->skipped_example);
	printf("\njobs: %zu GPU jobs", r->gpu_jobs);
	if (r->fractional_gpu_jobs)
		printf(" (%zu ask for a fraction of a GPU: rounded up to whole GPUs)", r->fractional_gpu_jobs);
	printf(", %zu CPU-only jobs\n", r->cpu_jobs);
	printf("local machine: %s: %s; durations measured on %s\n",
	       opt_topology ? opt_topology : "this machine", r->local[0] ? r->local : "none",
	       r->reference_gpu);
	if (so->deadline_factor > 0)
		printf("deadline: %g x runtime after submission", so->deadline_factor);
	else
		printf("deadline: none");
	printf("; checkpointable: %.0f%%; estimate noise: %g; local reserve: %.0f%%; region %s\n\n",
	       so->checkpointable * 100, so->estimate_noise, opt_reserve * 100, so->region);
}

static void print_results(const tctl_sim_report *r)
{
	const tctl_sim_result *t = &r->results[TCTL_SIM_TRAINCTL], *low = &r->results[TCTL_SIM_CLOUD_LOW];

	printf("%-24s %12s %11s %12s %7s %7s %6s %9s %10s %10s\n", "policy", "total cost", "local",
	       "cloud", "local#", "cloud#", "misses", "unplaced", "mean JCT", "p95 JCT");
	for (int p = 0; p < TCTL_SIM_POLICIES; p++) {
		const tctl_sim_result *x = &r->results[p];
		char c[32], l[32], k[32], mean[32], p95[32];
		money(c, sizeof(c), x->cost);
		money(l, sizeof(l), x->local_cost);
		money(k, sizeof(k), x->cloud_cost);
		tctl_duration_format(mean, sizeof(mean), (int64_t)(x->mean_jct + 0.5));
		tctl_duration_format(p95, sizeof(p95), (int64_t)x->p95_jct);
		printf("%-24s %12s %11s %12s %7zu %7zu %6zu %9zu %10s %10s\n", x->name, c, l, k,
		       x->local_jobs, x->cloud_jobs, x->misses, x->unplaced, mean, p95);
	}
	if (low->cost > 0)
		printf("\ntrainctl vs all-cloud low-priority (the cheapest cloud-only policy): %+.1f%% cost\n",
		       (t->cost / low->cost - 1) * 100);
	printf("deadlines trainctl missed that all-local FIFO met: %zu\n", r->missed_where_fifo_met);
}

static int write_decisions(const tctl_sim_report *r, const tctl_trace *t)
{
	char *text = NULL;
	int error;

	if ((error = tctl_sim_decisions_jsonl(&text, r, t, TCTL_SIM_TRAINCTL)) < 0)
		return error;
	error = tctl_file_write_atomic(opt_decisions, text, strlen(text), 0644);
	free(text);
	return error;
}

static int run(const tctl_sim_options *so)
{
	tctl_plan_options po = TCTL_PLAN_OPTIONS_INIT;
	tctl_trace_columns cols = { 0 };
	tctl_profile *profile = NULL;
	tctl_sim_report *report = NULL;
	tctl_catalog *cat = NULL;
	tctl_trace *trace = NULL;
	int rc = CLI_EXIT_FAIL;

	po.local_reserve = opt_reserve;
	if (tctl_trace_columns_parse(&cols, opt_columns) < 0)
		goto fail;
	cols.skip_incomplete = opt_skip;
	if (tctl_trace_read(&trace, opt_trace, &cols) < 0 ||
	    (opt_topology ? tctl_profile_from_xml(&profile, opt_topology)
			  : tctl_profile_live(&profile, 0)) < 0 ||
	    tctl_catalog_load_default(&cat) < 0 ||
	    tctl_simulate(&report, trace, profile, cat, &po, so) < 0 ||
	    (opt_decisions && write_decisions(report, trace) < 0))
		goto fail;
	print_header(trace, report, so);
	print_results(report);
	rc = CLI_EXIT_OK;
	goto done;
fail:
	rc = cli_fail();
done:
	tctl_sim_report_free(report);
	tctl_catalog_free(cat);
	tctl_profile_free(profile);
	tctl_trace_free(trace);
	tctl_trace_columns_free(&cols);
	return rc;
}

int cmd_simulate(int argc, char **argv)
{
	tctl_sim_options so = TCTL_SIM_OPTIONS_INIT;
	int npos, dashdash, rc;

	reset();
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &rc))
		return rc;
	if (npos)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if ((rc = check_usage(&so)) != 0)
		return rc;
	return run(&so);
}
