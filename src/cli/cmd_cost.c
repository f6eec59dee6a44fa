/* cmd_cost.c: `trainctl cost`: what was spent, by month, repository, job and backend, and what running here saved. */
#include "cli.h"
#include "common.h"
#include "trainctl/cost.h"
#include "trainctl/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	bool json;
	const char *month, *html;
} opt;

static const cli_option options[] = {
	{ "month", 'm', CLI_OPT_STRING, &opt.month, "YYYY-MM", "one calendar month (UTC)" },
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "print the report as JSON" },
	{ "html", 0, CLI_OPT_STRING, &opt.html, "FILE",
	  "also write a self-contained page with a chart of spend over time" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"cost", "[--month YYYY-MM] [--json] [--html FILE]",
	"what was spent, and what running locally saved",
	"Sums the costs the ledger recorded for each run, at the prices recorded when\n"
	"it started (never re-priced from today's catalog), by month, repository, job\n"
	"and backend. 'saved' is what the local runs would have cost on the cheapest\n"
	"cloud option that fit, priced when they were submitted, minus what they cost\n"
	"here (docs/cost.md). The page of --html loads nothing from elsewhere and draws\n"
	"its chart and totals from the runs it embeds. Exit status: 0, 1 when the\n"
	"ledger cannot be read, 2 on a usage error (such as a malformed month).",
	options,
};

static int write_html(const tctl_cost_report *r)
{
	char *page = NULL;
	int rc;

	if (tctl_cost_report_to_html(&page, r) < 0)
		return cli_fail();
	rc = tctl_file_write_atomic(opt.html, page, strlen(page), 0644);
	free(page);
	if (rc < 0)
		return cli_fail();
	if (!opt.json)
		fprintf(stderr, "trainctl: wrote %s\n", opt.html);
	return 0;
}

int cmd_cost(int argc, char **argv)
{
	tctl_cost_report *r = NULL;
	tctl_ledger *l = NULL;
	char *text = NULL;
	int npos, dashdash, ex, rc;
	int64_t a, b;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &ex))
		return ex;
	if (npos || dashdash >= 0)
		return cli_usage_error(&spec, "no arguments expected (got '%s')", argv[0]);
	if (opt.month && tctl_month_range(&a, &b, opt.month) < 0)
		return cli_usage_error(&spec, "option '--month': %s", tctl_error_last()->message);
	if (cli_ledger_open(&l) < 0 || tctl_cost_report_make(&r, l, opt.month) < 0) {
		rc = cli_fail();
		goto done;
	}
	if ((rc = opt.html ? write_html(r) : 0) != 0)
		goto done;
	if ((opt.json ? tctl_cost_report_to_json(&text, r) : tctl_cost_report_to_text(&text, r)) < 0) {
		rc = cli_fail();
		goto done;
	}
	fputs(text, stdout);
	if (opt.json)
		putchar('\n');
done:
	free(text);
	tctl_cost_report_free(r);
	tctl_ledger_free(l);
	return rc;
}
