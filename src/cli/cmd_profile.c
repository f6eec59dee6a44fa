/* cmd_profile.c: `trainctl profile`: what this machine (or an hwloc XML export) has, as text or JSON. */
#include "cli.h"
#include "trainctl/error.h"
#include "trainctl/profile.h"
#include "trainctl/units.h"

#include <stdlib.h>
#include <string.h>

static bool opt_json, opt_no_cache;
static const char *opt_topology;

static const cli_option options[] = {
	{ "json", 0, CLI_OPT_FLAG, &opt_json, NULL, "print JSON for scripts (keys in docs/profile.md)" },
	{ "topology", 0, CLI_OPT_STRING, &opt_topology, "FILE.xml",
	  "read an hwloc XML export instead of this machine" },
	{ "no-cache", 0, CLI_OPT_FLAG, &opt_no_cache, NULL, "rediscover the machine and rewrite the cache" },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

static const cli_spec spec = {
	"profile", "[--json] [--topology FILE.xml] [--no-cache]",
	"what this machine has: CPUs, NUMA, memory, GPUs, limits",
	"Reads the machine through hwloc, the cgroup limits and the GPU drivers, and says where\n"
	"each value came from. The live profile is cached (~/.cache/trainctl/profile.json) and\n"
	"rediscovered when the boot, the CPU affinity, the cgroup limits or MemTotal change.",
	options,
};

static const char *size(char *buf, size_t n, uint64_t bytes)
{
	tctl_size_format(buf, n, bytes);
	return buf;
}

static void print_cpu(const tctl_profile *p)
{
	printf("cpu       %s\n", p->cpu_model ? p->cpu_model : "(model unknown)");
	printf("          %d package%s, %d cores, %d PUs\n", p->packages, p->packages == 1 ? "" : "s",
	       p->cores, p->pus);
	if (p->cpukinds_len >= 2) {
		printf("          hybrid:");
		for (size_t i = p->cpukinds_len; i-- > 0; )
			printf(" %u PUs %s (efficiency %d)%s", p->cpukinds[i].pus,
			       p->cpukinds[i].core_type ? p->cpukinds[i].core_type : "of one kind",
			       p->cpukinds[i].efficiency, i ? "," : "\n");
	}
	printf("cpus      %g usable", p->cpus);
	if (p->mem_total) { /* live: say the rule */
		printf(" = min(%d allowed PUs, cgroup quota ", p->allowed_pus);
		if (p->cpu_quota > 0)
			printf("%g)", p->cpu_quota);
		else
			printf("none)");
	}
	printf("  [%s]\n", p->cpus_source ? p->cpus_source : "?");
}

static void print_memory(const tctl_profile *p)
{
	char a[32], b[32], c[32];

	printf("numa      %d node%s:", p->numa_nodes, p->numa_nodes == 1 ? "" : "s");
	for (int i = 0; i < p->numa_nodes; i++)
		printf("%s%s", i % 6 ? ", " : i ? ",\n          " : " ",
		       size(a, sizeof(a), p->numa_memory[i]));
	printf("\n");
	if (p->mem_total) {
		printf("memory    %s usable = min(MemTotal %s, cgroup limit %s)  [%s]\n",
		       size(a, sizeof(a), p->memory), size(b, sizeof(b), p->mem_total),
		       p->mem_limit ? size(c, sizeof(c), p->mem_limit) : "none", p->memory_source);
		printf("          hwloc NUMA total %s (not used live: docs/profile.md)\n",
		       size(a, sizeof(a), p->hwloc_memory));
	} else {
		printf("memory    %s (hwloc NUMA total)  [%s]\n", size(a, sizeof(a), p->memory),
		       p->memory_source ? p->memory_source : "?");
	}
}

/* One GPU a line: vendor and index, model, memory, PCI bus id, then the sources. */
static void print_gpus(const tctl_profile *p)
{
	char mem[32];
	int width = 0;

	if (!p->gpus_len) {
		printf("gpus      none\n");
		return;
	}
	printf("gpus      %zu (%zu for training)\n", p->gpus_len, tctl_profile_training_gpus(p));
	for (size_t i = 0; i < p->gpus_len; i++)
		if ((int)strlen(p->gpus[i].model) > width)
			width = (int)strlen(p->gpus[i].model);
	for (size_t i = 0; i < p->gpus_len; i++) {
		const tctl_gpu *g = &p->gpus[i];
		if (g->memory)
			size(mem, sizeof(mem), g->memory);
		else
			snprintf(mem, sizeof(mem), "? memory");
		printf("  %-6s %-3d %-*s  %10s  %s  [model: %s, memory: %s, seen by: %s]%s\n",
		       g->vendor, g->index, width, g->model, mem, g->pci_bus_id ? g->pci_bus_id : "-",
		       g->model_source ? g->model_source : "?",
		       g->memory_source ? g->memory_source : "unknown", g->backends,
		       g->integrated ? "  integrated: not for training" : "");
	}
}

static void print_text(const tctl_profile *p)
{
	char a[32];

	printf("machine   %s%s%s%s\n", p->hostname ? p->hostname : "(no host name)",
	       p->machine ? " (" : "", p->machine ? p->machine : "", p->machine ? ")" : "");
	printf("source    %s%s\n", p->source, p->from_cache ? " (cached)" : "");
	print_cpu(p);
	print_memory(p);
	print_gpus(p);
	if (p->disk_path)
		printf("disk      %s free in %s\n", size(a, sizeof(a), p->disk_free), p->disk_path);
}

int cmd_profile(int argc, char **argv)
{
	tctl_profile *p = NULL;
	char *json = NULL;
	int npos, dashdash, rc, error;

	opt_json = opt_no_cache = false;
	opt_topology = NULL;
	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &rc))
		return rc;
	if (npos > 0)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if (opt_topology && opt_no_cache)
		return cli_usage_error(&spec, "'--no-cache' applies to the live profile, not '--topology'");
	error = opt_topology ? tctl_profile_from_xml(&p, opt_topology)
			     : tctl_profile_live(&p, opt_no_cache ? TCTL_PROFILE_NO_CACHE : 0);
	if (error < 0)
		return cli_fail();
	if (opt_json) {
		if (tctl_profile_to_json(&json, p) < 0) {
			tctl_profile_free(p);
			return cli_fail();
		}
		printf("%s\n", json);
		free(json);
	} else {
		print_text(p);
	}
	tctl_profile_free(p);
	return CLI_EXIT_OK;
}
