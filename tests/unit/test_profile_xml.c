/* test_profile_xml.c: every hwloc export in ../shared/hwloc-xml read exactly; the PCI-only path on derived copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/profile.h"

/*
 * Expected values, written from ../shared/hwloc-xml/README.md (tables "CPU /
 * memory" and "GPUs"). GPU memory: the README's KiB attribute x 1024; for
 * tuo.SPX.xml (MI300A APUs, no VRAM attribute) the local NUMA node's
 * local_memory, our documented "unified" rule. Model: our documented rule
 * (docs/profile.md); pci_model is what the PCI-only path must give.
 */
typedef struct {
	const char *file;
	int packages, cores, pus, numa;
	uint64_t memory;
	size_t gpus;
	const char *vendor, *model, *model_source;
	uint64_t gpu_memory;
	const char *memory_source, *backends;
	const char *pci_model;
	size_t kinds;
} expect;

static const expect rows[] = {
	{ "topo_13600k.xml", 1, 14, 20, 1, UINT64_C(32857645056), 1, "nvidia",
	  "NVIDIA GeForce RTX 3070", "hwloc:OpenCL", UINT64_C(8025152) * 1024, "hwloc:OpenCL", "OpenCL",
	  "NVIDIA PCI device 10de:2484", 2 },
	{ "g4dnmetal.xml", 2, 48, 96, 2, UINT64_C(405362524160), 8, "nvidia",
	  "Tesla T4", "hwloc:NVML", UINT64_C(15472384) * 1024, "hwloc:CUDA", "CUDA,NVML,OpenCL",
	  "Tesla T4", 1 },
	{ "cts1-pascal.xml", 2, 36, 72, 2, UINT64_C(270024716288), 2, "nvidia",
	  "Tesla P100-PCIE-16GB", "hwloc:NVML", UINT64_C(16671616) * 1024, "hwloc:CUDA", "CUDA,NVML,OpenCL",
	  "Tesla P100 PCIe 16GB", 0 },
	{ "coral-lassen.xml", 2, 40, 160, 2, UINT64_C(274266980352), 4, "nvidia",
	  "Tesla V100-SXM2-16GB", "hwloc:NVML", UINT64_C(16515072) * 1024, "hwloc:CUDA", "CUDA,NVML",
	  "Tesla V100 SXM2 16GB", 0 },
	{ "nvidiaDGX2.xml", 2, 4, 4, 2, UINT64_C(1621972275200), 16, "nvidia",
	  "Tesla V100-SXM3-32GB-H", "hwloc:NVML", 0, NULL, "NVML",
	  "NVIDIA PCI device 10de:1db8", 1 },
	{ "epyc-corona-p2.xml", 2, 48, 96, 2, UINT64_C(269973037056), 8, "amd",
	  "Vega 20 WKS GL-XE [Radeon Pro VII]", "hwloc:OpenCL", UINT64_C(33538048) * 1024, "hwloc:OpenCL",
	  "OpenCL,RSMI", "Radeon Pro VII", 1 },
	{ "epyc-corona.xml", 2, 48, 96, 8, UINT64_C(274757668864), 4, "amd",
	  "Vega 20", "hwloc:OpenCL", UINT64_C(33538048) * 1024, "hwloc:OpenCL", "OpenCL",
	  "Vega 20", 0 },
	{ "tuo.SPX.xml", 4, 96, 192, 4, UINT64_C(538987696128), 4, "amd",
	  "Aqua Vanjaram [Instinct MI300A]", "hwloc:RSMI", UINT64_C(134127484928), "unified", "RSMI",
	  "Instinct MI300A", 1 },
	{ "cts1-quartz-smt1.xml", 2, 36, 36, 2, UINT64_C(134758404096), 0, NULL, NULL, NULL, 0, NULL, NULL,
	  NULL, 0 },
	{ "topo.dp-intelmax01.xml", 2, 64, 128, 8, UINT64_C(1081139863552), 0, NULL, NULL, NULL, 0, NULL,
	  NULL, NULL, 0 },
	{ "192em64t-24n8c2t.xml", 24, 192, 384, 24, UINT64_C(798447374336), 0, NULL, NULL, NULL, 0, NULL,
	  NULL, NULL, 0 },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static char xml_dir[4096];
static char stripped_dir[4096];

/* The README's per-node local_memory of tuo.SPX.xml, one per MI300A (GPU i sits in package i). */
static const uint64_t tuo_numa[] = { UINT64_C(134127484928), UINT64_C(134972620800),
	UINT64_C(134926782464), UINT64_C(134960807936) };

static bool shared_present(void)
{
	struct stat st;

	return xml_dir[0] && stat(xml_dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static tctl_profile *load(const char *dir, const char *file)
{
	char path[8192];
	tctl_profile *p = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	rc = tctl_profile_from_xml(&p, path);
	if (rc < 0)
		fail_msg("%s: %s", path, tctl_error_last()->message);
	return p;
}

static void check_counts(const expect *e, const tctl_profile *p)
{
	uint64_t sum = 0;

	assert_int_equal(p->packages, e->packages);
	assert_int_equal(p->cores, e->cores);
	assert_int_equal(p->pus, e->pus);
	assert_int_equal(p->numa_nodes, e->numa);
	assert_true(p->hwloc_memory == e->memory);
	assert_true(p->memory == e->memory);
	assert_string_equal(p->memory_source, "hwloc");
	for (int i = 0; i < p->numa_nodes; i++)
		sum += p->numa_memory[i];
	assert_true(sum == e->memory);
	assert_int_equal(p->allowed_pus, e->pus); /* no file has disallowed PUs */
	assert_true(p->cpus == (double)e->pus);
	assert_int_equal(p->cpukinds_len, e->kinds);
	assert_non_null(p->cpu_model);
}

static void check_gpus(const expect *e, const tctl_profile *p)
{
	assert_int_equal(p->gpus_len, e->gpus);
	assert_int_equal(tctl_profile_training_gpus(p), e->gpus);
	for (size_t i = 0; i < p->gpus_len; i++) {
		const tctl_gpu *g = &p->gpus[i];
		assert_int_equal(g->index, (int)i);
		assert_string_equal(g->vendor, e->vendor);
		assert_string_equal(g->model, e->model);
		assert_string_equal(g->model_source, e->model_source);
		assert_string_equal(g->backends, e->backends);
		assert_false(g->integrated);
		assert_non_null(g->pci_bus_id);
		if (i)
			assert_true(strcmp(p->gpus[i - 1].pci_bus_id, g->pci_bus_id) < 0);
		if (!strcmp(e->file, "tuo.SPX.xml")) {
			assert_true(g->memory == tuo_numa[i]);
		} else {
			assert_true(g->memory == e->gpu_memory);
		}
		if (e->memory_source)
			assert_string_equal(g->memory_source, e->memory_source);
		else
			assert_null(g->memory_source);
	}
}

static void export_reads_exactly(void **state)
{
	const expect *e = *state;
	tctl_profile *p;

	if (!shared_present()) {
		print_message("# SKIP ../shared/hwloc-xml is absent\n");
		skip();
	}
	p = load(xml_dir, e->file);
	check_counts(e, p);
	check_gpus(e, p);
	tctl_profile_free(p);
}

static void hybrid_kinds_are_counted_in_pus(void **state)
{
	tctl_profile *p;

	(void)state;
	if (!shared_present())
		skip();
	p = load(xml_dir, "topo_13600k.xml");
	assert_int_equal(p->cpukinds_len, 2);
	assert_int_equal(p->cpukinds[0].pus, 8);
	assert_int_equal(p->cpukinds[0].efficiency, 0);
	assert_string_equal(p->cpukinds[0].core_type, "IntelAtom");
	assert_int_equal(p->cpukinds[1].pus, 12);
	assert_int_equal(p->cpukinds[1].efficiency, 1);
	assert_string_equal(p->cpukinds[1].core_type, "IntelCore");
	tctl_profile_free(p);
}

static void bmc_vga_is_not_a_gpu(void **state)
{
	tctl_profile *p;

	(void)state;
	if (!shared_present())
		skip();
	/* Matrox G200eR2 (102b), ASPEED (1a03): VGA class, no GPU vendor. */
	p = load(xml_dir, "192em64t-24n8c2t.xml");
	assert_int_equal(p->gpus_len, 0);
	tctl_profile_free(p);
	p = load(xml_dir, "cts1-pascal.xml");
	for (size_t i = 0; i < p->gpus_len; i++)
		assert_string_not_equal(p->gpus[i].pci_bus_id, "0000:0b:00.0");
	tctl_profile_free(p);
}

static const char *data_dir(void)
{
	const char *d = getenv("TESTS_DATA");

	return d && *d ? d : "tests/data";
}

/* tests/data/topology/vm-epyc-2pu.xml: a real export of the development VM (lstopo 2.9.0). */
static void own_vm_export_reads_exactly(void **state)
{
	char dir[4096];
	tctl_profile *p;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/topology", data_dir());
	p = load(dir, "vm-epyc-2pu.xml");
	assert_int_equal(p->packages, 1);
	assert_int_equal(p->cores, 2);
	assert_int_equal(p->pus, 2);
	assert_int_equal(p->numa_nodes, 1);
	assert_true(p->hwloc_memory == UINT64_C(4657545216));
	assert_string_equal(p->cpu_model, "Oxide Virtual Turin-like Processor"); /* blanks trimmed */
	assert_string_equal(p->hostname, "vm");
	assert_null(p->machine);
	assert_int_equal(p->gpus_len, 0); /* virtio disk and NIC only */
	tctl_profile_free(p);
}

/*
 * tests/data/topology/intel-gpus.xml, derived from the VM's export by
 * derive_intel_gpus.py: integrated graphics seen only through DRM, Level
 * Zero devices with subdevices and an OpenCL twin, a BMC, an OpenCL CPU.
 */
static void intel_gpus_and_level_zero(void **state)
{
	char dir[4096];
	tctl_profile *p;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/topology", data_dir());
	p = load(dir, "intel-gpus.xml");
	assert_int_equal(p->gpus_len, 3);                 /* not the ASPEED, not the OpenCL CPU */
	assert_int_equal(tctl_profile_training_gpus(p), 2);
	assert_string_equal(p->gpus[0].pci_bus_id, "0000:00:02.0");
	assert_true(p->gpus[0].integrated);
	assert_string_equal(p->gpus[0].model, "UHD Graphics 770");
	assert_string_equal(p->gpus[0].backends, "PCI");  /* DRM card0 is no compute backend */
	assert_false(p->gpus[1].integrated);
	assert_string_equal(p->gpus[1].model, "Intel(R) Arc(TM) A770 Graphics");
	assert_string_equal(p->gpus[1].model_source, "hwloc:LevelZero");
	assert_true(p->gpus[1].memory == UINT64_C(16225280) * 1024);
	assert_string_equal(p->gpus[1].memory_source, "hwloc:LevelZero");
	assert_string_equal(p->gpus[2].model, "Intel(R) Data Center GPU Max 1550");
	assert_string_equal(p->gpus[2].backends, "LevelZero,OpenCL"); /* ze1, ze1.0, ze1.1, opencl0d0: one GPU */
	assert_true(p->gpus[2].memory == UINT64_C(134217728) * 1024);  /* the root device, not a tile */
	for (int i = 0; i < 3; i++) {
		assert_string_equal(p->gpus[i].vendor, "intel");
		assert_int_equal(p->gpus[i].index, i);
	}
	tctl_profile_free(p);
}

/* Derive copies without any OSDev object (stock Debian hwloc: no NVML/CUDA/RSMI plugins). */
static int strip_setup(void **state)
{
	char cmd[16384];
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (!shared_present())
		return 0;
	snprintf(stripped_dir, sizeof(stripped_dir), "%s/tctl-pci-only.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(stripped_dir)) {
		stripped_dir[0] = '\0';
		return 0;
	}
	snprintf(cmd, sizeof(cmd),
		"python3 - '%s' '%s' <<'EOF'\n"
		"import sys, glob, os, xml.etree.ElementTree as ET\n"
		"src, dst = sys.argv[1], sys.argv[2]\n"
		"for f in glob.glob(os.path.join(src, '*.xml')):\n"
		"    t = ET.parse(f)\n"
		"    parent = {c: p for p in t.iter() for c in p}\n"
		"    for e in list(t.iter('object')):\n"
		"        if e.get('type') == 'OSDev' and e in parent:\n"
		"            parent[e].remove(e)\n"
		"    assert not any(e.get('type') == 'OSDev' for e in t.iter('object'))\n"
		"    t.write(os.path.join(dst, os.path.basename(f)), encoding='UTF-8', xml_declaration=True)\n"
		"EOF\n", xml_dir, stripped_dir);
	if (system(cmd) != 0)
		stripped_dir[0] = '\0';
	return 0;
}

static int strip_teardown(void **state)
{
	char cmd[8192];

	(void)state;
	if (stripped_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", stripped_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static void pci_only_path_counts_and_names(void **state)
{
	const expect *e = *state;
	tctl_profile *p;

	if (!shared_present() || !stripped_dir[0]) {
		print_message("# SKIP %s\n", shared_present() ? "python3 could not derive the copies"
							      : "../shared/hwloc-xml is absent");
		skip();
	}
	p = load(stripped_dir, e->file);
	check_counts(e, p);
	assert_int_equal(p->gpus_len, e->gpus);
	for (size_t i = 0; i < p->gpus_len; i++) {
		const tctl_gpu *g = &p->gpus[i];
		assert_string_equal(g->vendor, e->vendor);
		assert_string_equal(g->model, e->pci_model);
		assert_string_equal(g->model_source, strstr(e->pci_model, "PCI device") ? "pci-id" : "pci");
		assert_string_equal(g->backends, "PCI");
		if (!strcmp(e->file, "tuo.SPX.xml")) {
			/* MI300A: the APU rule holds on the PCI name too */
			assert_true(g->memory == tuo_numa[i]);
			assert_string_equal(g->memory_source, "unified");
		} else {
			assert_true(g->memory == 0);
			assert_null(g->memory_source);
		}
	}
	tctl_profile_free(p);
}

int main(void)
{
	struct CMUnitTest tests[2 * NROWS + 4];
	static char names[2 * NROWS][128];
	const char *shared = getenv("SHARED_DIR");
	size_t n = 0;

	snprintf(xml_dir, sizeof(xml_dir), "%s/hwloc-xml", shared ? shared : "../shared");
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(names[i], sizeof(names[i]), "%s reads exactly", rows[i].file);
		tests[n++] = (struct CMUnitTest){ names[i], export_reads_exactly, NULL, NULL, (void *)&rows[i] };
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(hybrid_kinds_are_counted_in_pus);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(bmc_vga_is_not_a_gpu);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(own_vm_export_reads_exactly);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(intel_gpus_and_level_zero);
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(names[NROWS + i], sizeof(names[0]), "%s without OS devices (PCI only)", rows[i].file);
		tests[n++] = (struct CMUnitTest){ names[NROWS + i], pci_only_path_counts_and_names, NULL, NULL,
						  (void *)&rows[i] };
	}
	return _cmocka_run_group_tests("profile from hwloc XML", tests, n, strip_setup, strip_teardown);
}
