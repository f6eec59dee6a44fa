/* cmd_status.c: `trainctl status RUN`: one run in detail, with its history. */
#include "azure_cli.h"
#include "cli.h"
#include "common.h"
#include "trainctl/backend.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	bool json;
} opt;

static const cli_option options[] = {
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "the run as JSON" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"status", "RUN [--json]",
	"show one run: state, timing, resources, cost, provenance and history",
	"RUN is a run id, a unique prefix of one (4+ characters), or 'last'.", options,
};

static void print_provenance(const tctl_run_provenance *p)
{
	if (!p->in_repo) {
		printf("%-12s %s\n", "code", "not in a git repository");
		return;
	}
	printf("%-12s %s\n", "repository", p->repo_root ? p->repo_root : "-");
	printf("%-12s %s%s\n", "commit", p->commit ? p->commit : "(no commits yet)",
	       p->dirty ? " (dirty)" : "");
	printf("%-12s %s\n", "branch", p->branch ? p->branch : "-");
	if (p->remote_url)
		printf("%-12s %s\n", "remote", p->remote_url);
	if (p->dirty && p->diff_hash)
		printf("%-12s %s\n", "diff", p->diff_hash);
}

/* What the cloud would have cost, the override of a budget, a trial's parameters. */
static void print_money(const tctl_run *r)
{
	if (r->cloud_equiv_per_hour > 0)
		printf("%-12s $%.4f on %s (the cheapest cloud option, at $%.4f/h of this run)\n",
		       "cloud", r->cloud_equiv_cost, r->cloud_equiv_target ? r->cloud_equiv_target : "-",
		       r->cloud_equiv_per_hour);
	if (r->over_budget_allowed)
		printf("%-12s %s\n", "budget", "over budget, allowed (--allow-over-budget)");
	if (r->params)
		printf("%-12s %s\n", "params", r->params);
}

static void print_text(const tctl_run *r, const tctl_run_event *ev, size_t nev)
{
	char a[32], b[32], c[32];

	printf("%-12s %s\n", "run", r->id);
	printf("%-12s %s\n", "name", r->name);
	printf("%-12s %s%s%s\n", "state", tctl_run_state_name(r->state), r->reason ? ": " : "",
	       r->reason ? r->reason : "");
	printf("%-12s %s on %s\n", "placement", r->backend, r->target ? r->target : "-");
	cli_format_time(a, sizeof(a), r->submitted_ms);
	cli_format_time(b, sizeof(b), r->started_ms);
	cli_format_time(c, sizeof(c), r->ended_ms);
	printf("%-12s %s\n%-12s %s\n%-12s %s\n", "submitted", a, "started", b, "ended", c);
	cli_format_runtime(a, sizeof(a), r);
	printf("%-12s %s\n", "runtime", a);
	tctl_size_format(a, sizeof(a), r->memory);
	printf("%-12s %g cpus, %s memory, %d GPU%s%s%s\n", "resources", r->cpus, a, r->gpus,
	       r->gpus == 1 ? "" : "s", r->gpu_ids ? " " : "", r->gpu_ids ? r->gpu_ids : "");
	if (r->peak_rss) {
		tctl_size_format(a, sizeof(a), r->peak_rss);
		printf("%-12s %s peak memory, %.2fs user, %.2fs system\n", "used", a, r->user_s, r->sys_s);
	}
	printf("%-12s $%.4f at $%.4f/h%s%s%s\n", "cost", r->cost, r->price_per_hour,
	       r->price_source ? " (" : "", r->price_source ? r->price_source : "",
	       r->price_source ? ")" : "");
	print_money(r);
	if (r->run_dir)
		printf("%-12s %s%s\n", "logs", r->run_dir, r->collected_ms ? " (collected by gc)" : "");
	print_provenance(&r->prov);
	printf("history:\n");
	for (size_t i = 0; i < nev; i++) {
		cli_format_time(a, sizeof(a), ev[i].at_ms);
		printf("  %s  %-9s %s\n", a, ev[i].state, ev[i].detail ? ev[i].detail : "");
	}
}

/* Ask the run's backend for news (a cloud job's state); a backend this build lacks: say so. */
static int refresh(tctl_ledger *l, tctl_run *run)
{
	tctl_backend *b = NULL;
	int rc;

	if (tctl_run_state_terminal(run->state))
		return 0;
	if (tctl_backend_open(&b, run->backend, cli_backend_options()) < 0) {
		fprintf(stderr, "warning: %s; showing what the ledger last recorded\n",
			tctl_error_last()->message);
		return 0;
	}
	rc = b->status(b, l, run);
	tctl_backend_free(b);
	return rc;
}

int cmd_status(int argc, char **argv)
{
	tctl_ledger *l = NULL;
	tctl_run *run = NULL;
	tctl_run_event *ev = NULL;
	size_t nev = 0;
	char *json = NULL;
	int npos, dd, ex, rc = 0;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dd, &ex))
		return ex;
	if (npos != 1)
		return cli_usage_error(&spec, npos ? "one run at a time" : "which run?");
	if (cli_ledger_open(&l) < 0 || tctl_ledger_run_get(l, &run, argv[0]) < 0) {
		rc = cli_fail();
	} else if (refresh(l, run) < 0) {
		rc = cli_fail();
	} else if (opt.json) {
		if (tctl_run_to_json(&json, run) < 0)
			rc = cli_fail();
		else
			printf("%s\n", json);
	} else if (tctl_ledger_events(l, &ev, &nev, run->id) < 0) {
		rc = cli_fail();
	} else {
		print_text(run, ev, nev);
	}
	free(json);
	tctl_run_events_free(ev, nev);
	tctl_run_free(run);
	tctl_ledger_free(l);
	return rc;
}
