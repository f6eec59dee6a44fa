/* test_catalog.c: the shipped catalog, GPU model matching, user catalogs over it, bad catalogs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

static tctl_catalog *shipped(void)
{
	tctl_catalog *cat = NULL;

	assert_int_equal(tctl_catalog_load(&cat, NULL), 0);
	assert_non_null(cat);
	return cat;
}

static void shipped_catalog_loads_and_is_consistent(void **state)
{
	tctl_catalog *cat = shipped();
	(void)state;

	assert_string_equal(cat->origin, "shipped");
	assert_string_equal(cat->date, "2026-11-27");
	assert_true(cat->gpus_len >= 15);
	assert_true(cat->sizes_len >= 20);
	assert_true(cat->prices_len >= 100);
	for (size_t i = 0; i < cat->sizes_len; i++) {
		const tctl_vm_size *s = &cat->sizes[i];
		assert_non_null(s->family);
		if (s->gpu) {
			assert_non_null(tctl_catalog_gpu(cat, s->gpu));
			assert_true(s->gpus >= 1);
		}
	}
	for (size_t i = 0; i < cat->prices_len; i++) {
		assert_non_null(cat->prices[i].source);
		assert_non_null(cat->prices[i].date);
		assert_true(cat->prices[i].dedicated > 0 || cat->prices[i].low_priority > 0);
	}
	tctl_catalog_free(cat);
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

/* The compiled-in catalog (scripts/gen_catalog.py) equals data/catalog.json read by the C reader. */
static void compiled_catalog_equals_the_json_file(void **state)
{
	const char *tests = getenv("TESTS_SRC");
	char path[4096], *text = NULL;
	tctl_catalog *json = NULL, *cat = shipped();
	size_t len;
	(void)state;

	assert_non_null(tests);
	snprintf(path, sizeof(path), "%s/../data/catalog.json", tests);
	assert_int_equal(tctl_file_read(&text, &len, path), 0);
	if (tctl_catalog_parse(&json, text, len, path) < 0)
		fail_msg("%s", tctl_error_last()->message);
	assert_int_equal(json->gpus_len, cat->gpus_len);
	for (size_t i = 0; i < cat->gpus_len; i++) {
		const tctl_gpu_model *a = &cat->gpus[i], *b = &json->gpus[i];
		assert_string_equal(a->name, b->name);
		assert_true(a->memory == b->memory && a->speed == b->speed && a->watts == b->watts);
		assert_string_equal(a->speed_source, b->speed_source);
		assert_int_equal(a->match_len, b->match_len);
		for (size_t j = 0; j < a->match_len; j++)
			assert_string_equal(a->match[j], b->match[j]);
	}
	assert_int_equal(json->sizes_len, cat->sizes_len);
	for (size_t i = 0; i < cat->sizes_len; i++) {
		const tctl_vm_size *a = &cat->sizes[i], *b = &json->sizes[i];
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->family, b->family);
		assert_true(a->vcpus == b->vcpus && a->memory == b->memory && a->gpus == b->gpus);
		assert_same_str(a->gpu, b->gpu);
		assert_same_str(a->retired, b->retired);
		assert_same_str(a->retired_source, b->retired_source);
	}
	assert_int_equal(json->prices_len, cat->prices_len);
	for (size_t i = 0; i < cat->prices_len; i++) {
		const tctl_price *a = &cat->prices[i], *b = &json->prices[i];
		assert_string_equal(a->size, b->size);
		assert_string_equal(a->region, b->region);
		assert_true(a->dedicated == b->dedicated && a->low_priority == b->low_priority);
		assert_string_equal(a->source, b->source);
		assert_string_equal(a->date, b->date);
	}
	assert_int_equal(json->regions_len, cat->regions_len);
	assert_int_equal(json->egress_len, cat->egress_len);
	for (size_t i = 0; i < cat->egress_len; i++)
		assert_true(json->egress[i].usd_per_gb == cat->egress[i].usd_per_gb);
	tctl_catalog_free(json);
	tctl_catalog_free(cat);
	free(text);
}

static void expect_gpu(const tctl_catalog *cat, const char *reported, const char *canonical)
{
	const tctl_gpu_model *g = NULL;

	if (tctl_catalog_match_gpu(&g, cat, reported) < 0)
		fail_msg("'%s' did not match: %s", reported, tctl_error_last()->message);
	if (strcmp(g->name, canonical))
		fail_msg("'%s' matched %s, expected %s", reported, g->name, canonical);
}

static void reported_gpu_strings_map_to_models(void **state)
{
	tctl_catalog *cat = shipped();
	(void)state;

	expect_gpu(cat, "Tesla V100-SXM2-16GB", "V100-16GB");
	expect_gpu(cat, "GV100GL [Tesla V100 SXM2 16GB]", "V100-16GB");
	expect_gpu(cat, "Tesla V100-SXM3-32GB-H", "V100-32GB");
	expect_gpu(cat, "NVIDIA H100 80GB HBM3", "H100-80GB");
	expect_gpu(cat, "NVIDIA H100 NVL", "H100-NVL");
	expect_gpu(cat, "AMD Instinct MI250X", "MI250X");
	expect_gpu(cat, "deon Instinct MI50 32GB", "MI50-32GB");
	expect_gpu(cat, "Vega 20 WKS GL-XE [Radeon Pro VII]", "Radeon-Pro-VII");
	expect_gpu(cat, "Vega 20", "Vega-20");
	expect_gpu(cat, "GeForce RTX 3070", "RTX-3070");
	expect_gpu(cat, "NVIDIA GeForce RTX 3070", "RTX-3070");
	expect_gpu(cat, "Tesla T4", "T4");
	expect_gpu(cat, "TU104GL [Tesla T4]", "T4");
	expect_gpu(cat, "Tesla P100-PCIE-16GB", "P100-16GB");
	expect_gpu(cat, "GP100GL [Tesla P100 PCIe 16GB]", "P100-16GB");
	expect_gpu(cat, "Aqua Vanjaram [Instinct MI300A]", "MI300A");
	expect_gpu(cat, "NVIDIA A100-SXM4-80GB", "A100-80GB");
	expect_gpu(cat, "NVIDIA A100-SXM4-40GB", "A100-40GB");
	expect_gpu(cat, "NVIDIA A10", "A10");
	expect_gpu(cat, "v100", "V100-16GB");
	expect_gpu(cat, "t4", "T4");
	tctl_catalog_free(cat);
}

static void unknown_gpu_is_reported_not_guessed(void **state)
{
	tctl_catalog *cat = shipped();
	const tctl_gpu_model *g = (const void *)1;
	tctl_gpu_model unk;
	(void)state;

	assert_int_equal(tctl_catalog_match_gpu(&g, cat, "Matrox G200eR2"), TCTL_ENOTFOUND);
	assert_null(g);
	assert_string_equal(tctl_error_last()->message, "unknown GPU model 'Matrox G200eR2'");
	/* a word inside another word does not match: "A1000" is not an A10 */
	assert_int_equal(tctl_catalog_match_gpu(&g, cat, "RTX A1000"), TCTL_ENOTFOUND);
	assert_int_equal(tctl_catalog_match_gpu(&g, cat, ""), TCTL_ENOTFOUND);
	assert_int_equal(tctl_catalog_match_gpu(&g, cat, NULL), TCTL_ENOTFOUND);
	tctl_catalog_unknown_gpu(&unk, "Matrox G200eR2", 8000000000ULL);
	assert_string_equal(unk.name, "unknown");
	assert_true(unk.speed > 0.17 && unk.speed < 0.19);
	assert_int_equal(unk.watts, 300);
	assert_true(unk.memory == 8000000000ULL);
	tctl_catalog_free(cat);
}

static void prices_sizes_and_retirements(void **state)
{
	tctl_catalog *cat = shipped();
	const tctl_price *p;
	const tctl_vm_size *s;
	(void)state;

	p = tctl_catalog_price(cat, "Standard_NC6s_v3", "eastus");
	assert_non_null(p);
	assert_true(p->dedicated == 3.06);
	assert_true(p->low_priority == 0.4284);
	assert_non_null(strstr(p->source, "SkyPilot"));
	/* H100 rows in the source list spot == dedicated: not a real low-priority price */
	p = tctl_catalog_price(cat, "Standard_NC40ads_H100_v5", "eastus");
	assert_non_null(p);
	assert_true(p->dedicated == 6.98);
	assert_true(p->low_priority < 0);
	/* a zero price in the source is not a price */
	assert_null(tctl_catalog_price(cat, "Standard_ND96isr_H100_v5", "westus2"));
	/* Europe: sizes exist, no verified price */
	assert_non_null(tctl_catalog_region(cat, "westeurope"));
	assert_null(tctl_catalog_price(cat, "Standard_NC4as_T4_v3", "westeurope"));
	s = tctl_catalog_size(cat, "standard_nc6s_v3");
	assert_non_null(s);
	assert_string_equal(s->retired, "2025-09-30");
	assert_non_null(s->retired_source);
	assert_string_equal(s->family, "standardNCSv3Family");
	s = tctl_catalog_size(cat, "Standard_ND96isr_H100_v5");
	assert_int_equal(s->gpus, 8);
	assert_string_equal(s->gpu, "H100-80GB");
	assert_null(s->retired);
	s = tctl_catalog_size(cat, "Standard_D16s_v3");
	assert_null(s->gpu);
	assert_int_equal(s->gpus, 0);
	assert_int_equal(s->vcpus, 16);
	tctl_catalog_free(cat);
}

static void egress_prices_by_region_group(void **state)
{
	tctl_catalog *cat = shipped();
	const char *src = NULL;
	double v = -1;
	(void)state;

	assert_int_equal(tctl_catalog_egress(&v, &src, cat, "eastus", "eastus"), 0);
	assert_true(v == 0);
	assert_int_equal(tctl_catalog_egress(&v, &src, cat, "eastus", "westus2"), 0);
	assert_true(v == 0.02);
	assert_int_equal(tctl_catalog_egress(&v, &src, cat, "westeurope", "northeurope"), 0);
	assert_true(v == 0.02);
	assert_int_equal(tctl_catalog_egress(&v, &src, cat, "westeurope", NULL), 0);
	assert_true(v == 0.087);
	assert_non_null(src);
	assert_int_equal(tctl_catalog_egress(&v, &src, cat, "westeurope", "eastus"), TCTL_ENOTFOUND);
	assert_string_equal(tctl_error_last()->message,
			    "no egress price from 'westeurope' to 'eastus' in the catalog");
	tctl_catalog_free(cat);
}

/* Writes `text` to a new file in a fresh folder; returns its path (caller frees). */
static char *write_temp(const char *text)
{
	char tmpl[] = "/tmp/tctl-catalog-XXXXXX";
	char *dir = mkdtemp(tmpl), *path;

	assert_non_null(dir);
	path = tctl_path_join(dir, "catalog.json");
	assert_int_equal(tctl_file_write_atomic(path, text, strlen(text), 0600), 0);
	return path;
}

static void remove_temp(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

#define SRC "\"sources\": {\"api\": {\"title\": \"Azure Retail Prices API\", \"date\": \"2026-12-01\"}}"

static void user_catalog_overrides_entry_by_entry(void **state)
{
	char *path = write_temp("{\"schema\": 1, \"date\": \"2026-12-01\", " SRC ", "
				"\"regions\": [{\"name\": \"westeurope\", \"group\": \"europe\"}],"
				"\"prices\": [{\"size\": \"Standard_NC6s_v3\", \"region\": \"eastus\", "
				"\"dedicated\": 3.5, \"source\": \"api\"},"
				"{\"size\": \"Standard_NC4as_T4_v3\", \"region\": \"westeurope\", "
				"\"dedicated\": 0.6, \"low_priority\": 0.12, \"source\": \"api\"}]}");
	tctl_catalog *cat = NULL, *base = shipped();
	const tctl_price *p;
	(void)state;

	assert_int_equal(tctl_catalog_load(&cat, path), 0);
	assert_non_null(strstr(cat->origin, "shipped + "));
	assert_string_equal(cat->date, "2026-12-01");
	p = tctl_catalog_price(cat, "Standard_NC6s_v3", "eastus");
	assert_true(p->dedicated == 3.5);
	assert_true(p->low_priority < 0); /* the user entry replaces the whole entry */
	assert_string_equal(p->source, "Azure Retail Prices API");
	assert_string_equal(p->date, "2026-12-01");
	p = tctl_catalog_price(cat, "Standard_NC4as_T4_v3", "westeurope");
	assert_true(p->low_priority == 0.12);
	/* untouched shipped entries stay */
	p = tctl_catalog_price(cat, "Standard_NC4as_T4_v3", "eastus");
	assert_true(p->dedicated == 0.526);
	assert_int_equal(cat->prices_len, base->prices_len + 1);
	/* the user catalog has no gpus, sizes or egress: merging copies none of them (the sanitized
	 * build caught a memcpy from NULL here) */
	assert_int_equal(cat->gpus_len, base->gpus_len);
	assert_int_equal(cat->sizes_len, base->sizes_len);
	assert_int_equal(cat->egress_len, base->egress_len);
	tctl_catalog_free(cat);
	tctl_catalog_free(base);
	remove_temp(path);
}

static void expect_bad(const char *text, int code, const char *needle)
{
	char *path = write_temp(text);
	tctl_catalog *cat = (tctl_catalog *)1;
	int rc = tctl_catalog_load(&cat, path);

	if (rc != code)
		fail_msg("expected %d, got %d (%s) for %s", code, rc, tctl_error_last()->message, text);
	assert_true(cat == (tctl_catalog *)1);
	if (!strstr(tctl_error_last()->message, needle))
		fail_msg("message '%s' lacks '%s'", tctl_error_last()->message, needle);
	assert_non_null(strstr(tctl_error_last()->message, path));
	remove_temp(path);
}

#define HEAD "{\"schema\": 1, \"date\": \"2026-12-01\", " SRC ", "

static void malformed_user_catalogs_are_refused_clearly(void **state)
{
	(void)state;
	expect_bad("{\"schema\": 1,", TCTL_EINVALID, "not valid JSON");
	expect_bad("[1]", TCTL_EINVALID, "top level: expected a JSON object");
	expect_bad("{\"date\": \"x\"}", TCTL_EINVALID, "field 'schema': missing");
	expect_bad("{\"schema\": 2, \"date\": \"x\"}", TCTL_EVERSION, "newer trainctl");
	expect_bad(HEAD "\"price\": []}", TCTL_EINVALID, "unknown field 'price'");
	expect_bad(HEAD "\"prices\": [{\"size\": \"Standard_NC6s_v3\", \"region\": \"eastus\", "
		   "\"dedicated\": \"3.06\", \"source\": \"api\"}]}",
		   TCTL_EINVALID, "prices[0]: field 'dedicated': expected a number >= 0");
	expect_bad(HEAD "\"prices\": [{\"size\": \"Standard_NC6s_v3\", \"region\": \"eastus\", "
		   "\"dedicated\": -1, \"source\": \"api\"}]}",
		   TCTL_EINVALID, "prices[0]: field 'dedicated'");
	expect_bad(HEAD "\"prices\": [{\"size\": \"Standard_NC6s_v3\", \"region\": \"eastus\", "
		   "\"source\": \"api\"}]}",
		   TCTL_EINVALID, "has neither \"dedicated\" nor \"low_priority\"");
	expect_bad(HEAD "\"prices\": [{\"size\": \"Standard_NC6s_v3\", \"region\": \"eastus\", "
		   "\"dedicated\": 1, \"source\": \"nowhere\"}]}",
		   TCTL_EINVALID, "'nowhere' is not a key of \"sources\"");
	expect_bad(HEAD "\"prices\": [{\"size\": \"Standard_XYZ\", \"region\": \"eastus\", "
		   "\"dedicated\": 1, \"source\": \"api\"}]}",
		   TCTL_EINVALID, "VM size 'Standard_XYZ', which is not in the catalog");
	expect_bad(HEAD "\"prices\": [{\"size\": \"Standard_NC6s_v3\", \"region\": \"mars\", "
		   "\"dedicated\": 1, \"source\": \"api\"}]}",
		   TCTL_EINVALID, "region 'mars', which is not in the catalog");
	expect_bad(HEAD "\"vm_sizes\": [{\"name\": \"Standard_X\", \"family\": \"f\", \"vcpus\": 4, "
		   "\"memory_gib\": 16, \"gpu\": \"Z100\", \"gpus\": 1}]}",
		   TCTL_EINVALID, "GPU model 'Z100' is not in the catalog");
	expect_bad(HEAD "\"vm_sizes\": [{\"name\": \"Standard_X\", \"family\": \"f\", \"vcpus\": 0, "
		   "\"memory_gib\": 16}]}",
		   TCTL_EINVALID, "vm_sizes[0]: field 'vcpus': expected an integer from 1");
	expect_bad(HEAD "\"regions\": [{\"name\": \"a\", \"group\": \"g\"}, {\"name\": \"a\", \"group\": \"g\"}]}",
		   TCTL_EINVALID, "region 'a' is listed twice");
	expect_bad(HEAD "\"gpus\": [{\"name\": \"Z1\", \"vendor\": \"z\", \"memory_gb\": 8, \"speed\": 1,"
		   "\"speed_rule\": \"x\", \"source\": \"api\", \"watts\": 100, \"match\": []}]}",
		   TCTL_EINVALID, "gpus[0]: field 'match': expected a non-empty array");
	expect_bad(HEAD "\"egress\": [{\"from\": \"moon\", \"to\": \"internet\", \"usd_per_gb\": 1, "
		   "\"source\": \"api\"}]}",
		   TCTL_EINVALID, "not a region group");
}

static void missing_user_catalog_is_not_found(void **state)
{
	tctl_catalog *cat = NULL;
	(void)state;

	assert_int_equal(tctl_catalog_load(&cat, "/nonexistent/catalog.json"), TCTL_ENOTFOUND);
	assert_null(cat);
	tctl_catalog_free(NULL);
}

static void default_load_uses_user_catalog_when_present(void **state)
{
	char tmpl[] = "/tmp/tctl-home-XXXXXX";
	char *home = mkdtemp(tmpl), *path = NULL, *dir;
	tctl_catalog *cat = NULL;
	const char *text = HEAD "\"prices\": [{\"size\": \"Standard_D4s_v3\", \"region\": \"eastus\", "
			   "\"dedicated\": 0.25, \"source\": \"api\"}]}";
	(void)state;

	setenv("TRAINCTL_HOME", home, 1);
	assert_int_equal(tctl_catalog_load_default(&cat), 0);
	assert_string_equal(cat->origin, "shipped");
	tctl_catalog_free(cat);
	assert_int_equal(tctl_catalog_user_path(&path), 0);
	dir = strdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(tctl_mkdir_p(dir, 0700), 0);
	assert_int_equal(tctl_file_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(tctl_catalog_load_default(&cat), 0);
	assert_true(tctl_catalog_price(cat, "Standard_D4s_v3", "eastus")->dedicated == 0.25);
	tctl_catalog_free(cat);
	unlink(path);
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	rmdir(home);
	free(dir);
	free(path);
	unsetenv("TRAINCTL_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_catalog_loads_and_is_consistent),
		cmocka_unit_test(compiled_catalog_equals_the_json_file),
		cmocka_unit_test(reported_gpu_strings_map_to_models),
		cmocka_unit_test(unknown_gpu_is_reported_not_guessed),
		cmocka_unit_test(prices_sizes_and_retirements),
		cmocka_unit_test(egress_prices_by_region_group),
		cmocka_unit_test(user_catalog_overrides_entry_by_entry),
		cmocka_unit_test(malformed_user_catalogs_are_refused_clearly),
		cmocka_unit_test(missing_user_catalog_is_not_found),
		cmocka_unit_test(default_load_uses_user_catalog_when_present),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
