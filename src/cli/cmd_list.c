/* cmd_list.c: `trainctl list`: runs, newest first, filtered by state, name and age. */
#include "azure_cli.h"
#include "cli.h"
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *state, *name, *since;
	int limit;
	bool all, json;
} opt;

static const cli_option options[] = {
	{ "state", 's', CLI_OPT_STRING, &opt.state, "STATE",
	  "queued, running, succeeded, failed, timed_out, cancelled, lost, or active" },
	{ "name", 0, CLI_OPT_STRING, &opt.name, "GLOB", "runs whose name matches (shell glob)" },
	{ "since", 0, CLI_OPT_STRING, &opt.since, "AGE|TIME", "submitted within AGE (\"2h\") or after TIME" },
	{ "limit", 'n', CLI_OPT_INT, &opt.limit, "N", "at most N runs (default 20)" },
	{ "all", 'a', CLI_OPT_FLAG, &opt.all, NULL, "no limit" },
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "a JSON array of runs" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"list", "[--state S] [--name GLOB] [--since AGE] [-n N] [--json]",
	"list runs, newest first", NULL, options,
};

static int build_filter(tctl_run_filter *f)
{
	int64_t v;

	if (opt.state && !strcmp(opt.state, "active")) {
		f->active = true;
	} else if (opt.state && (f->state = tctl_run_state_parse(opt.state)) < 0) {
		return cli_usage_error(&spec, "unknown state '%s' (queued, running, succeeded, "
				       "failed, timed_out, cancelled, lost, active)", opt.state);
	}
	f->name = opt.name;
	if (opt.since) {
		if (tctl_duration_parse(&v, opt.since) == 0)
			f->since_ms = tctl_now_ms() - v * 1000;
		else if (tctl_time_parse(&v, opt.since) == 0)
			f->since_ms = v * 1000;
		else
			return cli_usage_error(&spec, "--since expects an age (\"2h\", \"7d\") or an "
					       "RFC 3339 time, got '%s'", opt.since);
	}
	if (opt.limit < 0)
		return cli_usage_error(&spec, "--limit must be positive");
	f->limit = opt.all ? 0 : (opt.limit ? opt.limit : 20);
	return 0;
}

static void print_table(const tctl_run_list *runs)
{
	char when[32], took[32], ex[16];

	printf("%-11s  %-20s  %-9s  %-19s  %8s  %-22s  %s\n", "ID", "NAME", "STATE", "SUBMITTED",
	       "RUNTIME", "TARGET", "EXIT");
	for (size_t i = 0; i < runs->len; i++) {
		const tctl_run *r = &runs->runs[i];
		cli_format_time(when, sizeof(when), r->submitted_ms);
		cli_format_runtime(took, sizeof(took), r);
		if (r->term_signal)
			snprintf(ex, sizeof(ex), "sig %d", r->term_signal);
		else if (r->exit_code >= 0)
			snprintf(ex, sizeof(ex), "%d", r->exit_code);
		else
			snprintf(ex, sizeof(ex), "-");
		printf("%-11s  %-20.20s  %-9s  %-19s  %8s  %-22.22s  %s\n", r->id, r->name,
		       tctl_run_state_name(r->state), when, took, r->target ? r->target : "-", ex);
	}
}

static int print_json(const tctl_run_list *runs)
{
	json_t *arr = json_array();
	char *s;

	for (size_t i = 0; i < runs->len; i++)
		json_array_append_new(arr, tctl_run_to_jansson(&runs->runs[i]));
	s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (!s)
		return cli_failf("out of memory");
	printf("%s\n", s);
	free(s);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list runs = { 0 };
	tctl_ledger *l = NULL;
	int npos, dd, ex, rc;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dd, &ex))
		return ex;
	if (npos)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if ((rc = build_filter(&f)) != 0)
		return rc;
	if (cli_ledger_open(&l) == 0)
		cli_refresh_cloud_runs(l);
	if (!l || tctl_ledger_run_list(l, &runs, &f) < 0) {
		rc = cli_fail();
	} else if (opt.json) {
		rc = print_json(&runs);
	} else {
		print_table(&runs);
		rc = 0;
	}
	tctl_run_list_free(&runs);
	tctl_ledger_free(l);
	return rc;
}
