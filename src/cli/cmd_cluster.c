/* cmd_cluster.c: `trainctl cluster ensure|list|check`: AmlCompute clusters that scale to zero. */
#include "azure_cli.h"
#include "cli.h"
#include "trainctl/azure.h"
#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/units.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_priority(tctl_priority *out, const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "dedicated"))
		*out = TCTL_PRIORITY_DEDICATED;
	else if (!strcmp(s, "low_priority") || !strcmp(s, "low"))
		*out = TCTL_PRIORITY_LOW;
	else
		return -1;
	return 0;
}

/* The spec from the job file (when given), then the flags over it. */
typedef struct {
	const char *vm_size, *priority, *idle, *workspace, *job_path;
	int min_nodes, max_nodes;
	bool dry_run, json, verbose;
} ensure_opts;

static int spec_from(tctl_cluster_spec *s, const char **name, const ensure_opts *o,
		     const tctl_job *job, const cli_spec *spec)
{
	memset(s, 0, sizeof(*s));
	s->min_nodes = o->min_nodes;
	s->max_nodes = o->max_nodes;
	s->idle_seconds = TCTL_CLUSTER_IDLE_DEFAULT;
	if (job) {
		s->vm_size = job->cloud.vm_sizes_len ? job->cloud.vm_sizes[0] : NULL;
		s->priority = job->cloud.priority;
		if (o->max_nodes < 0)
			s->max_nodes = job->cloud.max_nodes;
		if (job->cloud.idle_time_before_scale_down > 0)
			s->idle_seconds = job->cloud.idle_time_before_scale_down;
		if (!*name)
			*name = job->cloud.compute;
	}
	if (o->vm_size)
		s->vm_size = o->vm_size;
	if (parse_priority(&s->priority, o->priority) < 0)
		return cli_usage_error(spec, "option '--priority' expects 'dedicated' or "
				       "'low_priority', got '%s'", o->priority);
	if (o->idle && tctl_duration_parse(&s->idle_seconds, o->idle) < 0)
		return cli_usage_error(spec, "option '--idle-time': %s", tctl_error_last()->message);
	if (s->max_nodes < 0)
		s->max_nodes = 1;
	if (s->min_nodes < 0)
		s->min_nodes = 0;
	if (!s->vm_size)
		return cli_usage_error(spec, "which VM size? give --vm-size or a job with cloud.vm_sizes");
	if (s->min_nodes > s->max_nodes)
		return cli_usage_error(spec, "--min-nodes %d is above --max-nodes %d", s->min_nodes,
				       s->max_nodes);
	return 0;
}

static int ensure_run(cli_azure *a, const char *name, const ensure_opts *o, const tctl_job *job,
		      const cli_spec *spec)
{
	tctl_config *cfg = NULL;
	tctl_arm *arm = NULL;
	tctl_workspace ws = { 0 };
	tctl_cluster_spec s;
	tctl_cluster_action act;
	char what[400] = "";
	int rc;

	if ((rc = spec_from(&s, &name, o, job, spec)) != 0)
		return rc;
	if ((rc = cli_azure_open(a, &cfg, &arm)) < 0 ||
	    (rc = tctl_azure_workspace(&ws, cfg, o->workspace ? o->workspace
				       : job ? job->cloud.workspace : NULL)) < 0)
		goto done;
	if (!name)
		name = ws.default_compute;
	if (!name) {
		rc = cli_usage_error(spec, "which cluster? give NAME, or set the job's cloud.compute "
				     "or the workspace's default_compute");
		goto done;
	}
	if ((rc = tctl_cluster_ensure(&act, what, sizeof(what), arm, &ws, name, &s)) == 0 && what[0])
		printf("%s\n", what);
done:
	if (rc < 0)
		rc = cli_fail();
	tctl_azure_workspace_clear(&ws);
	tctl_arm_free(arm);
	tctl_config_free(cfg);
	return rc;
}

static int cluster_ensure(int argc, char **argv)
{
	ensure_opts o = { NULL, NULL, NULL, NULL, NULL, 0, -1, false, false, false };
	const cli_option options[] = {
		{ "vm-size", 0, CLI_OPT_STRING, &o.vm_size, "SIZE", "VM size, e.g. Standard_NC6s_v3" },
		{ "priority", 0, CLI_OPT_STRING, &o.priority, "dedicated|low_priority",
		  "VM priority (default: the job's, else dedicated)" },
		{ "min-nodes", 0, CLI_OPT_INT, &o.min_nodes, "N", "nodes kept while idle (default 0)" },
		{ "max-nodes", 0, CLI_OPT_INT, &o.max_nodes, "N", "most nodes (default: the job's, else 1)" },
		{ "idle-time", 0, CLI_OPT_STRING, &o.idle, "DURATION",
		  "idle time before a node is released (default 120s)" },
		{ "job", 0, CLI_OPT_STRING, &o.job_path, "FILE",
		  "take size, priority, max nodes, idle time and name from a job's cloud section" },
		{ "workspace", 0, CLI_OPT_STRING, &o.workspace, "PROFILE", "workspace profile (config)" },
		{ "dry-run", 'n', CLI_OPT_FLAG, &o.dry_run, NULL,
		  "print the requests that would be sent; send nothing, need no credential" },
		{ "json", 0, CLI_OPT_FLAG, &o.json, NULL, "with --dry-run: the requests as JSON" },
		{ "verbose", 'v', CLI_OPT_FLAG, &o.verbose, NULL, "trace HTTP on stderr (secrets redacted)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"cluster ensure", "[NAME] [--vm-size S] [--priority dedicated|low_priority] "
		"[--min-nodes N] [--max-nodes N] [--idle-time D] [--dry-run]",
		"create or update an AmlCompute cluster so it matches, writing only what differs",
		"Reads the cluster first: creates it when missing (PUT, a long-running operation\n"
		"followed to its end), changes its scale settings when only they differ (PATCH),\n"
		"and sends nothing when it matches. Defaults: min nodes 0 (scale to zero), idle\n"
		"time 120 s. A cluster of another VM size or priority is refused: AmlCompute\n"
		"cannot change them. See docs/azure.md.",
		options
	};
	tctl_job *job = NULL;
	cli_azure a;
	int npos = 0, dd = -1, code = 0, rc;

	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos > 1)
		return cli_usage_error(&spec, "one cluster at a time");
	if (o.json && !o.dry_run)
		return cli_usage_error(&spec, "--json goes with --dry-run");
	if (o.job_path && tctl_job_load(&job, o.job_path) < 0)
		return cli_fail();
	cli_azure_init(&a, o.dry_run, o.json, o.verbose);
	rc = ensure_run(&a, npos ? argv[0] : NULL, &o, job, &spec);
	tctl_job_free(job);
	return cli_azure_finish(&a, rc);
}

/* ---- list, check ---- */

static void print_table(const tctl_cluster *c, size_t n)
{
	char idle[32], price[32];

	printf("%-24s %-24s %-9s %5s %5s %7s %9s  %s\n", "cluster", "vm size", "priority", "min",
	       "max", "idle", "$/node-h", "state");
	for (size_t i = 0; i < n; i++) {
		if (c[i].idle_seconds >= 0)
			tctl_duration_format(idle, sizeof(idle), c[i].idle_seconds);
		else
			snprintf(idle, sizeof(idle), "-");
		if (c[i].usd_per_node_hour >= 0)
			snprintf(price, sizeof(price), "%.4f", c[i].usd_per_node_hour);
		else
			snprintf(price, sizeof(price), "?");
		printf("%-24s %-24s %-9s %5d %5d %7s %9s  %s\n", c[i].name ? c[i].name : "-",
		       c[i].vm_size ? c[i].vm_size : "-",
		       c[i].priority == TCTL_PRIORITY_LOW ? "low" : "dedicated", c[i].min_nodes,
		       c[i].max_nodes, idle, price, c[i].state ? c[i].state : "-");
		if (c[i].costs_idle)
			printf("  ! %s\n", c[i].finding);
	}
}

static int print_json(const tctl_cluster *c, size_t n)
{
	json_t *arr = json_array();
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s?, s:s?, s:s, s:i, s:i, s:I, s:s?, s:s?, s:o, s:b, s:s?}",
			"name", c[i].name, "vm_size", c[i].vm_size, "priority",
			c[i].priority == TCTL_PRIORITY_LOW ? "low_priority" : "dedicated",
			"min_nodes", c[i].min_nodes, "max_nodes", c[i].max_nodes,
			"idle_seconds", (json_int_t)c[i].idle_seconds, "region", c[i].region,
			"state", c[i].state, "usd_per_node_hour",
			c[i].usd_per_node_hour >= 0 ? json_real(c[i].usd_per_node_hour) : json_null(),
			"costs_idle", c[i].costs_idle, "finding", c[i].costs_idle ? c[i].finding : NULL));
	text = json_dumps(arr, JSON_INDENT(2));
	json_decref(arr);
	if (!text)
		return cli_failf("out of memory");
	puts(text);
	free(text);
	return 0;
}

typedef struct {
	const char *workspace;
	bool json, fix, verbose;
} list_opts;

static int list_run(const list_opts *o, bool check)
{
	tctl_config *cfg = NULL;
	tctl_catalog *cat = NULL;
	tctl_arm *arm = NULL;
	tctl_workspace ws = { 0 };
	tctl_cluster *c = NULL;
	size_t n = 0, flagged = 0;
	cli_azure a;
	int rc;

	cli_azure_init(&a, false, false, o->verbose);
	if ((rc = cli_azure_open(&a, &cfg, &arm)) < 0 ||
	    (rc = tctl_azure_workspace(&ws, cfg, o->workspace)) < 0 ||
	    (rc = cfg->catalog ? tctl_catalog_load(&cat, cfg->catalog) : tctl_catalog_load_default(&cat)) < 0 ||
	    (rc = tctl_cluster_list(&c, &n, arm, &ws, cat)) < 0) {
		rc = cli_fail();
		goto done;
	}
	if (o->json)
		rc = print_json(c, n);
	else
		print_table(c, n);
	for (size_t i = 0; i < n; i++) {
		if (!c[i].costs_idle)
			continue;
		flagged++;
		if (check && o->fix) {
			if (tctl_cluster_fix(arm, &ws, &c[i]) < 0) {
				rc = cli_fail();
				continue;
			}
			flagged--;
			fprintf(stderr, "trainctl: cluster '%s' fixed: min nodes 0, idle time 120s\n", c[i].name);
		}
	}
	if (check && flagged && rc == 0) {
		fprintf(stderr, "trainctl: %zu cluster%s cost money while idle; 'trainctl cluster check "
			"--fix' scales %s to zero after 120s\n", flagged, flagged == 1 ? "" : "s",
			flagged == 1 ? "it" : "them");
		rc = CLI_EXIT_FAIL;
	}
done:
	tctl_clusters_free(c, n);
	tctl_azure_workspace_clear(&ws);
	tctl_catalog_free(cat);
	tctl_arm_free(arm);
	tctl_config_free(cfg);
	return cli_azure_finish(&a, rc);
}

/* 'cluster list' and 'cluster check': one table; check also exits 1 on a flagged cluster. */
static int list_or_check(int argc, char **argv, bool check)
{
	list_opts o = { NULL, false, false, false };
	const cli_option options[] = {
		{ "fix", 0, CLI_OPT_FLAG, &o.fix, NULL, "set flagged clusters to min nodes 0, idle 120s" },
		{ "workspace", 0, CLI_OPT_STRING, &o.workspace, "PROFILE", "workspace profile (config)" },
		{ "json", 0, CLI_OPT_FLAG, &o.json, NULL, "print the clusters as JSON" },
		{ "verbose", 'v', CLI_OPT_FLAG, &o.verbose, NULL, "trace HTTP on stderr (secrets redacted)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec list_spec = {
		"cluster list", "[--json] [--workspace PROFILE]",
		"list the workspace's AmlCompute clusters and flag those that cost money while idle",
		"Flagged ('!'): min nodes above 0 (those nodes are billed around the clock) and an\n"
		"idle time before scale-down above 10 minutes; prices are the catalog's.",
		options + 1   /* no --fix */
	};
	const cli_spec check_spec = {
		"cluster check", "[--fix] [--json] [--workspace PROFILE]",
		"exit 1 when a cluster costs money while idle (for CI); --fix sets it right",
		"The same table as 'cluster list'. Exit status: 0 no cluster is flagged (or\n"
		"--fix fixed them all), 1 some are, 2 usage error.",
		options
	};
	const cli_spec *spec = check ? &check_spec : &list_spec;
	int npos = 0, dd = -1, code = 0;

	if (cli_parse(spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos)
		return cli_usage_error(spec, "unexpected argument '%s'", argv[0]);
	return list_run(&o, check);
}

static int cluster_list(int argc, char **argv)
{
	return list_or_check(argc, argv, false);
}

static int cluster_check(int argc, char **argv)
{
	return list_or_check(argc, argv, true);
}

int cmd_cluster(int argc, char **argv)
{
	static const cli_subcommand subs[] = {
		{ "check", cluster_check, "exit 1 when a cluster costs money while idle; --fix sets it right" },
		{ "ensure", cluster_ensure, "create or update a cluster, writing only what differs" },
		{ "list", cluster_list, "list clusters; flag those that cost money while idle" },
		{ NULL, NULL, NULL }
	};

	return cli_dispatch_sub("cluster", subs, argc, argv);
}
