/* cmd_gc.c: `trainctl gc`: apply retention policies to run folders and checkpoints. */
#include "cli.h"
#include "common.h"
#include "trainctl/config.h"
#include "trainctl/error.h"
#include "trainctl/planning.h"
#include "trainctl/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	bool dry_run, json;
	const char *account, *container, *prefix;
} opt;

static const cli_option options[] = {
	{ "dry-run", 'n', CLI_OPT_FLAG, &opt.dry_run, NULL, "list what would go and how much it frees" },
	{ "json", 0, CLI_OPT_FLAG, &opt.json, NULL, "print the list as JSON" },
	{ "storage-account", 0, CLI_OPT_STRING, &opt.account, "NAME",
	  "the workspace's storage account, for the lifecycle rule's command" },
	{ "container", 0, CLI_OPT_STRING, &opt.container, "NAME",
	  "the blob container cloud runs write to (default: a placeholder)" },
	{ "prefix", 0, CLI_OPT_STRING, &opt.prefix, "PATH",
	  "the path in the container the rule applies to (default: azureml/)" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_spec spec = {
	"gc", "[--dry-run] [--json]",
	"apply retention policies: remove old run folders and checkpoints",
	"Each job's policy is the 'retention' of its newest run's spec, else the\n"
	"config's 'retention' (docs/retention.md). Runs that are queued or running, and\n"
	"the checkpoints of a job with one, are never touched; the newest ended run of\n"
	"each job is always kept; no symbolic link is followed. Every removal is\n"
	"recorded in the run's history, and the run keeps its ledger row. Cloud runs:\n"
	"prints the Azure Storage lifecycle rule that applies the config's keep_days.\n"
	"TRAINCTL_NOW sets the clock the age rules use. Exit status: 0; 1 when the\n"
	"config is invalid or an item could not be removed; 2 on a usage error.",
	options,
};

/* The cloud half: the backend lists outputs; without one, the lifecycle rule does it. */
static void cloud_text(const tctl_config *cfg, const char *rule)
{
	const tctl_workspace *ws = NULL;

	fprintf(stderr, "cloud runs: %s\n", tctl_error_last()->message);
	tctl_error_clear();
	if (!rule) {
		fprintf(stderr, "cloud runs: no lifecycle rule: the config's retention has no keep_days\n");
		return;
	}
	if (tctl_config_workspace(&ws, cfg, NULL) < 0)
		tctl_error_clear();
	printf("\nlifecycle rule for the workspace's storage account (keep_days %d):\n"
	       "  az storage account management-policy create --account-name %s "
	       "--resource-group %s --policy @policy.json\npolicy.json:\n%s\n",
	       cfg->retention.keep_days, opt.account ? opt.account : "<storage-account>",
	       ws && ws->resource_group ? ws->resource_group : "<resource-group>", rule);
}

static int report(tctl_gc_plan *plan, const tctl_config *cfg, tctl_ledger *l)
{
	tctl_cloud_output *outs = NULL;
	char *text = NULL, *rule = NULL;
	size_t nouts = 0;
	int rc = 0;

	if (tctl_retention_lifecycle_rule(&rule, &cfg->retention, opt.container, opt.prefix) < 0)
		tctl_error_clear();
	if (tctl_gc_cloud_outputs(&outs, &nouts, l, cfg) == 0)
		free(outs);   /* not reached in this build: the Azure ML backend fills this in */
	if ((opt.json ? tctl_gc_plan_to_json(&text, plan, rule) : tctl_gc_plan_to_text(&text, plan)) < 0)
		rc = cli_fail();
	else
		fputs(text, stdout);
	if (opt.json)
		putchar('\n');
	else if (rc == 0)
		cloud_text(cfg, rule);
	free(text);
	free(rule);
	return rc;
}

int cmd_gc(int argc, char **argv)
{
	tctl_config *cfg = NULL;
	tctl_gc_plan *plan = NULL;
	tctl_ledger *l = NULL;
	int64_t now = 0;
	int npos, dashdash, ex, rc = 0;

	memset(&opt, 0, sizeof(opt));
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &ex))
		return ex;
	if (npos || dashdash >= 0)
		return cli_usage_error(&spec, "no arguments expected (got '%s')", argv[0]);
	if (tctl_now_from_env(&now) < 0 || tctl_config_load(&cfg, NULL) < 0 ||
	    cli_ledger_open(&l) < 0 || tctl_gc_plan_make(&plan, l, cfg, now * 1000) < 0 ||
	    (!opt.dry_run && tctl_gc_execute(plan, l) < 0))
		rc = cli_fail();
	if (rc == 0)
		rc = report(plan, cfg, l);
	for (size_t i = 0; rc == 0 && plan && i < plan->len; i++)
		if (plan->executed && plan->items[i].error)
			rc = CLI_EXIT_FAIL;
	tctl_gc_plan_free(plan);
	tctl_ledger_free(l);
	tctl_config_free(cfg);
	return rc;
}
