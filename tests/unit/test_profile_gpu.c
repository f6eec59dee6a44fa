/* test_profile_gpu.c: the GPU rules on hand-made candidates: which devices count, model, memory, order. */
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

#include "src/lib/profile_priv.h"
#include "trainctl/error.h"

#define GIB (UINT64_C(1) << 30)

static tctl_gpu_candidate *cands;
static size_t ncands;

static tctl_gpu_candidate *pci(const char *bdf, unsigned vendor, unsigned device, unsigned class_id,
			       const char *pci_name)
{
	tctl_gpu_candidate *c, *grown;

	grown = realloc(cands, (ncands + 1) * sizeof(*cands));
	assert_non_null(grown);
	cands = grown;
	c = &cands[ncands++];
	memset(c, 0, sizeof(*c));
	snprintf(c->pci_bus_id, sizeof(c->pci_bus_id), "%s", bdf ? bdf : "");
	c->vendor_id = vendor;
	c->device_id = device;
	c->class_id = class_id;
	c->pci_device = pci_name ? strdup(pci_name) : NULL;
	return c;
}

static void report(tctl_gpu_candidate *c, const char *backend, const char *model, uint64_t memory,
		   const char *device_type)
{
	tctl_gpu_report *r;

	c->reports = realloc(c->reports, (c->reports_len + 1) * sizeof(*r));
	assert_non_null(c->reports);
	r = &c->reports[c->reports_len++];
	memset(r, 0, sizeof(*r));
	r->backend = strdup(backend);
	r->model = model ? strdup(model) : NULL;
	r->memory = memory;
	r->memory_attr = memory ? strdup("test") : NULL;
	r->device_type = device_type ? strdup(device_type) : NULL;
}

/* Resolve the candidates built so far, then forget them. */
static tctl_gpu *resolve(size_t *n)
{
	tctl_gpu *g = NULL;

	assert_int_equal(tctl_gpu_resolve(&g, n, cands, ncands), 0);
	tctl_gpu_candidates_free(cands, ncands);
	cands = NULL;
	ncands = 0;
	return g;
}

static void release(tctl_gpu *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tctl_gpu_clear(&g[i]);
	free(g);
}

static void one_card_seen_by_three_backends_is_one_gpu(void **state)
{
	tctl_gpu_candidate *c = pci("0000:18:00.0", 0x10de, 0x1eb8, 0x0302, "TU104GL [Tesla T4]");
	tctl_gpu *g;
	size_t n;

	(void)state;
	report(c, "CUDA", "Tesla T4", 15 * GIB, NULL);
	report(c, "OpenCL", "Tesla T4 (OpenCL)", 14 * GIB, "GPU");
	report(c, "NVML", "NVIDIA Tesla T4", 0, NULL);
	g = resolve(&n);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].model, "NVIDIA Tesla T4");      /* NVML first */
	assert_string_equal(g[0].model_source, "hwloc:NVML");
	assert_true(g[0].memory == 15 * GIB);                    /* CUDA before OpenCL */
	assert_string_equal(g[0].memory_source, "hwloc:CUDA");
	assert_string_equal(g[0].backends, "CUDA,NVML,OpenCL");
	assert_string_equal(g[0].pci_id, "10de:1eb8");
	release(g, n);
}

static void a_name_cut_at_the_front_loses_to_a_whole_one(void **state)
{
	tctl_gpu_candidate *c = pci("0000:03:00.0", 0x1002, 0x66a1, 0x0380, NULL);
	tctl_gpu *g;
	size_t n;

	(void)state;
	report(c, "RSMI", "deon Instinct MI50 32GB", 0, NULL);
	report(c, "OpenCL", "Vega 20 WKS GL-XE [Radeon Pro VII]", 32 * GIB, "GPU");
	g = resolve(&n);
	assert_string_equal(g[0].model, "Vega 20 WKS GL-XE [Radeon Pro VII]");
	assert_string_equal(g[0].model_source, "hwloc:OpenCL");
	release(g, n);

	/* With whole names on both sides, RSMI (the vendor library) wins. */
	c = pci("0000:03:00.0", 0x1002, 0x66a1, 0x0380, NULL);
	report(c, "RSMI", "Radeon Instinct MI50 32GB", 0, NULL);
	report(c, "OpenCL", "Vega 20", 32 * GIB, "GPU");
	g = resolve(&n);
	assert_string_equal(g[0].model, "Radeon Instinct MI50 32GB");
	release(g, n);

	/* A lower-case name still counts when it is the only one. */
	c = pci("0000:03:00.0", 0x1002, 0x740f, 0x0380, NULL);
	report(c, "OpenCL", "gfx90a", 64 * GIB, "GPU");
	g = resolve(&n);
	assert_string_equal(g[0].model, "gfx90a");
	release(g, n);
}

static void opencl_cpu_devices_are_not_gpus(void **state)
{
	tctl_gpu_candidate *c = pci(NULL, 0, 0, 0, NULL);
	tctl_gpu *g;
	size_t n;

	(void)state;
	report(c, "OpenCL", "AMD EPYC 7402", 256 * GIB, "CPU");
	c = pci("0000:65:00.0", 0x1a03, 0x2000, 0x0300, "ASPEED Graphics Family");
	report(c, "OpenCL", "llvmpipe", 1 * GIB, "CPU");
	g = resolve(&n);
	assert_int_equal(n, 0);
	assert_null(g);
}

static void pci_rule_takes_gpu_vendors_and_classes_only(void **state)
{
	(void)state;
	assert_true(tctl_gpu_pci_is_gpu(0x0300, 0x10de));
	assert_true(tctl_gpu_pci_is_gpu(0x0302, 0x10de));
	assert_true(tctl_gpu_pci_is_gpu(0x0380, 0x1002));   /* AMD Instinct MI50 */
	assert_true(tctl_gpu_pci_is_gpu(0x1200, 0x1002));   /* AMD MI300A */
	assert_true(tctl_gpu_pci_is_gpu(0x0300, 0x8086));
	assert_false(tctl_gpu_pci_is_gpu(0x1200, 0x8086));  /* Intel NPU */
	assert_false(tctl_gpu_pci_is_gpu(0x0300, 0x1a03));  /* ASPEED BMC */
	assert_false(tctl_gpu_pci_is_gpu(0x0300, 0x102b));  /* Matrox BMC */
	assert_false(tctl_gpu_pci_is_gpu(0x0680, 0x10de));  /* NVSwitch bridge */
	assert_false(tctl_gpu_pci_is_gpu(0x0200, 0x8086));  /* a NIC */
}

static void pci_names_give_the_marketing_name(void **state)
{
	char *s;

	(void)state;
	s = tctl_gpu_pci_model("TU104GL [Tesla T4]");
	assert_string_equal(s, "Tesla T4");
	free(s);
	s = tctl_gpu_pci_model("Vega 20");
	assert_string_equal(s, "Vega 20");
	free(s);
	s = tctl_gpu_pci_model("Aqua Vanjaram [Instinct MI300A]");
	assert_string_equal(s, "Instinct MI300A");
	free(s);
	s = tctl_gpu_pci_model("Navi 31 [Radeon RX 7900 XT/7900 XTX/7900M] ");
	assert_string_equal(s, "Radeon RX 7900 XT/7900 XTX/7900M");
	free(s);
}

static void intel_graphics_at_00_02_0_is_integrated(void **state)
{
	tctl_gpu *g;
	size_t n;

	(void)state;
	pci("0000:00:02.0", 0x8086, 0xa780, 0x0300, "Raptor Lake-S GT1 [UHD Graphics 770]");
	pci("0000:03:00.0", 0x8086, 0x56a0, 0x0300, "DG2 [Arc A770]");
	pci("0000:01:00.0", 0x10de, 0x2484, 0x0300, NULL);
	g = resolve(&n);
	assert_int_equal(n, 3);
	assert_string_equal(g[0].pci_bus_id, "0000:00:02.0");
	assert_true(g[0].integrated);
	assert_string_equal(g[0].model, "UHD Graphics 770");
	assert_false(g[1].integrated);
	assert_string_equal(g[1].model, "NVIDIA PCI device 10de:2484");
	assert_string_equal(g[1].model_source, "pci-id");
	assert_false(g[2].integrated);
	assert_string_equal(g[2].model, "Arc A770");
	/* per-vendor index in bus order */
	assert_int_equal(g[0].index, 0);
	assert_int_equal(g[1].index, 0);
	assert_int_equal(g[2].index, 1);
	release(g, n);
}

static void gpus_sort_by_bus_across_domains(void **state)
{
	tctl_gpu *g;
	size_t n;

	(void)state;
	pci("0035:03:00.0", 0x10de, 1, 0x0302, NULL);
	pci("0004:05:00.0", 0x10de, 1, 0x0302, NULL);
	pci("10000:01:00.0", 0x10de, 1, 0x0302, NULL);
	pci("0004:04:00.0", 0x10de, 1, 0x0302, NULL);
	g = resolve(&n);
	assert_int_equal(n, 4);
	assert_string_equal(g[0].pci_bus_id, "0004:04:00.0");
	assert_string_equal(g[1].pci_bus_id, "0004:05:00.0");
	assert_string_equal(g[2].pci_bus_id, "0035:03:00.0");
	assert_string_equal(g[3].pci_bus_id, "10000:01:00.0");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(g[i].index, (int)i);
	release(g, n);
}

static void os_devices_without_pci_count_one_backend(void **state)
{
	tctl_gpu *g;
	size_t n;

	(void)state;
	/* cuda0, cuda1, nvml0, nvml1 with no PCI device above them: 2 GPUs, not 4. */
	report(pci(NULL, 0, 0, 0, NULL), "CUDA", "Tesla V100", 16 * GIB, NULL);
	report(pci(NULL, 0, 0, 0, NULL), "CUDA", "Tesla V100", 16 * GIB, NULL);
	report(pci(NULL, 0, 0, 0, NULL), "NVML", "Tesla V100-SXM2-16GB", 0, NULL);
	report(pci(NULL, 0, 0, 0, NULL), "NVML", "Tesla V100-SXM2-16GB", 0, NULL);
	g = resolve(&n);
	assert_int_equal(n, 2);
	assert_string_equal(g[0].vendor, "nvidia");
	assert_string_equal(g[0].model, "Tesla V100-SXM2-16GB");
	assert_null(g[0].pci_bus_id);
	assert_int_equal(g[1].index, 1);
	release(g, n);
}

static void apu_shares_its_package_memory(void **state)
{
	tctl_gpu_candidate *c;
	tctl_gpu *g;
	size_t n;

	(void)state;
	c = pci("0000:02:00.0", 0x1002, 0x74a0, 0x1200, NULL);
	report(c, "RSMI", "Aqua Vanjaram [Instinct MI300A]", 0, NULL);
	c->local_cpu_model = strdup("AMD Instinct MI300A Accelerator");
	c->local_memory = 128 * GIB;
	/* A discrete card with no memory attribute: unknown, even with a package nearby. */
	c = pci("0000:34:00.0", 0x10de, 0x1db8, 0x0302, NULL);
	report(c, "NVML", "Tesla V100-SXM3-32GB-H", 0, NULL);
	c->local_cpu_model = strdup("Intel(R) Xeon(R) Platinum 8174 CPU @ 3.10GHz");
	c->local_memory = 750 * GIB;
	g = resolve(&n);
	assert_int_equal(n, 2);
	assert_true(g[0].memory == 128 * GIB);
	assert_string_equal(g[0].memory_source, "unified");
	assert_true(g[1].memory == 0);
	assert_null(g[1].memory_source);
	release(g, n);
}

static void level_zero_root_device_beats_its_tiles(void **state)
{
	tctl_gpu_candidate *c = pci("0000:29:00.0", 0x8086, 0x0bd5, 0x0380, NULL);
	tctl_gpu *g;
	size_t n;

	(void)state;
	report(c, "LevelZero", NULL, 64 * GIB, NULL);       /* ze1.0 listed first */
	report(c, "LevelZero", "Intel(R) Data Center GPU Max 1550", 128 * GIB, NULL);
	report(c, "LevelZero", NULL, 64 * GIB, NULL);
	g = resolve(&n);
	assert_int_equal(n, 1);
	assert_true(g[0].memory == 128 * GIB);
	assert_string_equal(g[0].model, "Intel(R) Data Center GPU Max 1550");
	release(g, n);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void amd_sysfs_gives_vram_and_product_name(void **state)
{
	char root[] = "/tmp/tctl-sysfs.XXXXXX", dir[256], path[512], cmd[300];
	tctl_gpu g[3];

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/0000:03:00.0", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/mem_info_vram_total", dir);
	write_file(path, "34342961152\n");
	snprintf(path, sizeof(path), "%s/product_name", dir);
	write_file(path, "AMD Instinct MI50 32GB\n");
	memset(g, 0, sizeof(g));
	g[0].vendor = strdup("amd");
	g[0].model = strdup("Vega 20");
	g[0].pci_bus_id = strdup("0000:03:00.0");
	g[1].vendor = strdup("amd");        /* no sysfs folder: unchanged */
	g[1].model = strdup("Vega 20");
	g[1].pci_bus_id = strdup("0000:13:00.0");
	g[2].vendor = strdup("nvidia");     /* not AMD: unchanged */
	g[2].model = strdup("Tesla T4");
	g[2].pci_bus_id = strdup("0000:03:00.0");
	assert_int_equal(tctl_gpu_amd_sysfs_enrich(g, 3, root), 0);
	assert_true(g[0].memory == UINT64_C(34342961152));
	assert_string_equal(g[0].memory_source, "sysfs");
	assert_string_equal(g[0].model, "AMD Instinct MI50 32GB");
	assert_string_equal(g[0].model_source, "sysfs");
	assert_true(g[1].memory == 0);
	assert_string_equal(g[1].model, "Vega 20");
	assert_string_equal(g[2].model, "Tesla T4");
	for (int i = 0; i < 3; i++)
		tctl_gpu_clear(&g[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void nvml_gives_model_and_memory(void **state)
{
	const char *fake = getenv("FAKE_NVML");
	tctl_gpu g[2];
	bool used = true;

	(void)state;
	memset(g, 0, sizeof(g));
	g[0].vendor = strdup("nvidia");
	g[0].model = strdup("NVIDIA PCI device 10de:1eb8");
	g[0].model_source = strdup("pci-id");
	g[0].pci_bus_id = strdup("0000:18:00.0");
	g[1].vendor = strdup("nvidia");
	g[1].model = strdup("Tesla T4");
	g[1].pci_bus_id = strdup("0000:99:00.0");
	/* No library: nothing changes, and that is not an error. */
	setenv("TRAINCTL_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
	assert_int_equal(tctl_gpu_nvml_enrich(g, 2, &used), 0);
	assert_false(used);
	assert_string_equal(g[0].model_source, "pci-id");
	if (!fake || access(fake, R_OK) != 0) {
		print_message("# SKIP the fake NVML library was not built\n");
		skip();
	}
	/* The fake knows 0000:18:00.0 only (tests/unit/fake_nvml.c). */
	setenv("TRAINCTL_NVML_LIBRARY", fake, 1);
	assert_int_equal(tctl_gpu_nvml_enrich(g, 2, &used), 0);
	unsetenv("TRAINCTL_NVML_LIBRARY");
	assert_true(used);
	assert_string_equal(g[0].model, "Tesla T4 (fake NVML)");
	assert_string_equal(g[0].model_source, "nvml");
	assert_true(g[0].memory == 16 * GIB);
	assert_string_equal(g[0].memory_source, "nvml");
	assert_string_equal(g[1].model, "Tesla T4");
	assert_null(g[1].memory_source);
	for (int i = 0; i < 2; i++)
		tctl_gpu_clear(&g[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_card_seen_by_three_backends_is_one_gpu),
		cmocka_unit_test(a_name_cut_at_the_front_loses_to_a_whole_one),
		cmocka_unit_test(opencl_cpu_devices_are_not_gpus),
		cmocka_unit_test(pci_rule_takes_gpu_vendors_and_classes_only),
		cmocka_unit_test(pci_names_give_the_marketing_name),
		cmocka_unit_test(intel_graphics_at_00_02_0_is_integrated),
		cmocka_unit_test(gpus_sort_by_bus_across_domains),
		cmocka_unit_test(os_devices_without_pci_count_one_backend),
		cmocka_unit_test(apu_shares_its_package_memory),
		cmocka_unit_test(level_zero_root_device_beats_its_tiles),
		cmocka_unit_test(amd_sysfs_gives_vram_and_product_name),
		cmocka_unit_test(nvml_gives_model_and_memory),
	};

	return cmocka_run_group_tests_name("GPU rules", tests, NULL, NULL);
}
