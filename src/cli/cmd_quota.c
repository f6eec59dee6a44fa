/* cmd_quota.c: `trainctl quota [set FAMILY=N]`: vCPU quotas per VM family, subscription and workspace. */
#include "azure_cli.h"
#include "cli.h"
#include "trainctl/azure.h"
#include "trainctl/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void num(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%lld", (long long)v);
}

static void print_text(const tctl_azure_quotas *q)
{
	char a[24], b[24], c[24], d[24];

	num(a, sizeof(a), q->dedicated_used);
	num(b, sizeof(b), q->dedicated_limit);
	num(c, sizeof(c), q->low_used);
	num(d, sizeof(d), q->low_limit);
	printf("region %s: dedicated vCPUs %s of %s in use; low priority vCPUs %s of %s (shared by "
	       "every family)\n\n", q->region, a, b, c, d);
	printf("%-32s %8s %12s %10s %11s %6s\n", "family", "in use", "subscription", "workspace",
	       "ws quota", "free");
	for (size_t i = 0; i < q->families_len; i++) {
		const tctl_quota_family *f = &q->families[i];
		num(a, sizeof(a), f->limit);
		num(b, sizeof(b), f->ws_used);
		num(c, sizeof(c), f->ws_limit);
		num(d, sizeof(d), tctl_azure_quota_free(q, f->family, TCTL_PRIORITY_DEDICATED));
		printf("%-32s %8lld %12s %10s %11s %6s\n", f->family, (long long)f->used, a, b, c, d);
	}
}

static json_t *jnum(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static int print_json(const tctl_azure_quotas *q)
{
	json_t *fams = json_array(), *root;
	char *text;

	for (size_t i = 0; i < q->families_len; i++) {
		const tctl_quota_family *f = &q->families[i];
		json_array_append_new(fams, json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "family",
			f->family, "label", f->label, "used", (json_int_t)f->used, "limit", jnum(f->limit),
			"workspace_used", jnum(f->ws_used), "workspace_limit", jnum(f->ws_limit), "free",
			jnum(tctl_azure_quota_free(q, f->family, TCTL_PRIORITY_DEDICATED))));
	}
	root = json_pack("{s:s, s:{s:I, s:o}, s:{s:I, s:o}, s:o}", "region", q->region, "dedicated",
			 "used", (json_int_t)q->dedicated_used, "limit", jnum(q->dedicated_limit),
			 "low_priority", "used", (json_int_t)q->low_used, "limit", jnum(q->low_limit),
			 "families", fams);
	if (!root || !(text = json_dumps(root, JSON_INDENT(2)))) {
		json_decref(root);
		return cli_failf("out of memory");
	}
	puts(text);
	free(text);
	json_decref(root);
	return 0;
}

typedef struct {
	const char *workspace, *region;
	bool json, dry_run, verbose;
} quota_opts;

static int quota_show(const quota_opts *o)
{
	tctl_config *cfg = NULL;
	tctl_arm *arm = NULL;
	tctl_workspace ws = { 0 };
	tctl_azure_quotas q;
	cli_azure a;
	int rc;

	memset(&q, 0, sizeof(q));
	cli_azure_init(&a, false, false, o->verbose);
	if ((rc = cli_azure_open(&a, &cfg, &arm)) < 0 ||
	    (rc = tctl_azure_workspace(&ws, cfg, o->workspace)) < 0 ||
	    (rc = tctl_azure_quotas_read(&q, arm, &ws, o->region)) < 0)
		rc = cli_fail();
	else
		rc = o->json ? print_json(&q) : (print_text(&q), 0);
	tctl_azure_quotas_clear(&q);
	tctl_azure_workspace_clear(&ws);
	tctl_arm_free(arm);
	tctl_config_free(cfg);
	return cli_azure_finish(&a, rc);
}

static int parse_assignment(char *family, size_t size, int64_t *limit, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *end;
	long long v;

	if (!eq || eq == arg || (size_t)(eq - arg) >= size)
		return -1;
	errno = 0;
	v = strtoll(eq + 1, &end, 10);
	if (errno || *end || eq[1] == '\0' || v < 0)
		return -1;
	snprintf(family, size, "%.*s", (int)(eq - arg), arg);
	*limit = v;
	return 0;
}

static int quota_set(int argc, char **argv)
{
	quota_opts o = { NULL, NULL, false, false, false };
	const cli_option options[] = {
		{ "region", 0, CLI_OPT_STRING, &o.region, "REGION", "the region (default: the workspace's)" },
		{ "workspace", 0, CLI_OPT_STRING, &o.workspace, "PROFILE", "workspace profile (config)" },
		{ "dry-run", 'n', CLI_OPT_FLAG, &o.dry_run, NULL,
		  "print the requests that would be sent; send nothing, need no credential" },
		{ "json", 0, CLI_OPT_FLAG, &o.json, NULL, "with --dry-run: the requests as JSON" },
		{ "verbose", 'v', CLI_OPT_FLAG, &o.verbose, NULL, "trace HTTP on stderr (secrets redacted)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"quota set", "FAMILY=N [--region R] [--workspace PROFILE] [--dry-run]",
		"cap this workspace's vCPUs of a VM family (POST updateQuotas)",
		"FAMILY as 'trainctl quota' lists it (standardNCSv3Family). A value above the\n"
		"subscription's limit for the family is refused: ask Azure for more first.",
		options
	};
	tctl_config *cfg = NULL;
	tctl_arm *arm = NULL;
	tctl_workspace ws = { 0 };
	char family[128];
	int64_t limit;
	cli_azure a;
	int npos = 0, dd = -1, code = 0, rc;

	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos != 1 || parse_assignment(family, sizeof(family), &limit, argv[0]) < 0)
		return cli_usage_error(&spec, "expected FAMILY=N (a whole number of vCPUs), got '%s'",
				       npos ? argv[0] : "");
	if (o.json && !o.dry_run)
		return cli_usage_error(&spec, "--json goes with --dry-run");
	cli_azure_init(&a, o.dry_run, o.json, o.verbose);
	if ((rc = cli_azure_open(&a, &cfg, &arm)) < 0 ||
	    (rc = tctl_azure_workspace(&ws, cfg, o.workspace)) < 0 ||
	    (rc = tctl_azure_quota_set(arm, &ws, o.region, family, limit)) < 0)
		rc = cli_fail();
	else if (!o.dry_run)
		printf("workspace %s: %s limited to %lld vCPUs\n", ws.workspace, family, (long long)limit);
	tctl_azure_workspace_clear(&ws);
	tctl_arm_free(arm);
	tctl_config_free(cfg);
	return cli_azure_finish(&a, rc);
}

int cmd_quota(int argc, char **argv)
{
	quota_opts o = { NULL, NULL, false, false, false };
	const cli_option options[] = {
		{ "region", 0, CLI_OPT_STRING, &o.region, "REGION", "the region (default: the workspace's)" },
		{ "workspace", 0, CLI_OPT_STRING, &o.workspace, "PROFILE", "workspace profile (config)" },
		{ "json", 0, CLI_OPT_FLAG, &o.json, NULL, "print the quotas as JSON" },
		{ "verbose", 'v', CLI_OPT_FLAG, &o.verbose, NULL, "trace HTTP on stderr (secrets redacted)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"quota", "[--region R] [--workspace PROFILE] [--json] | quota set FAMILY=N",
		"show vCPU usage against subscription and workspace quota, per VM family",
		"Reads the region's usages and quotas (Azure ML). 'free' is what a new dedicated\n"
		"node of the family may use now: the least of the family's, the region's and the\n"
		"workspace's headroom. 'trainctl quota set FAMILY=N' caps the workspace.",
		options
	};
	int npos = 0, dd = -1, code = 0;

	if (argc >= 2 && !strcmp(argv[1], "set"))
		return quota_set(argc - 1, argv + 1);
	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos)
		return cli_usage_error(&spec, "unknown subcommand '%s' (did you mean 'set'?)", argv[0]);
	return quota_show(&o);
}
