/* fuzz_catalog.c: a user catalog's text (the file `prices refresh` writes and users edit). */
#include "fuzz.h"

#include <math.h>

#include "trainctl/catalog.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* What an accepted catalog promises its readers (the planner looks entries up by name and
 * prices jobs with them): every entry is found by its name, every number is usable. */
static void check_catalog(const tctl_catalog *cat)
{
	FUZZ_CHECK(cat->date && cat->origin);
	for (size_t i = 0; i < cat->gpus_len; i++) {
		const tctl_gpu_model *g = &cat->gpus[i];
		FUZZ_CHECK(g->name && g->name[0]);
		FUZZ_CHECK(isfinite(g->speed) && g->speed > 0);
		FUZZ_CHECK(tctl_catalog_gpu(cat, g->name) != NULL);
	}
	for (size_t i = 0; i < cat->sizes_len; i++) {
		const tctl_vm_size *s = &cat->sizes[i];
		FUZZ_CHECK(s->name && s->name[0]);
		FUZZ_CHECK(s->vcpus > 0 && s->gpus >= 0);
		FUZZ_CHECK(tctl_catalog_size(cat, s->name) != NULL);
	}
	for (size_t i = 0; i < cat->prices_len; i++) {
		const tctl_price *p = &cat->prices[i];
		FUZZ_CHECK(p->size && p->region && p->source);
		FUZZ_CHECK(isfinite(p->dedicated) && isfinite(p->low_priority));
		FUZZ_CHECK(p->dedicated >= 0 || p->low_priority >= 0);   /* neither: refused */
		FUZZ_CHECK(tctl_catalog_price(cat, p->size, p->region) != NULL);
	}
	for (size_t i = 0; i < cat->egress_len; i++)
		FUZZ_CHECK(isfinite(cat->egress[i].usd_per_gb) && cat->egress[i].usd_per_gb >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tctl_catalog *cat = NULL;
	int rc = tctl_catalog_parse(&cat, (const char *)data, size, "catalog.json");

	if (rc < 0) {
		FUZZ_CHECK(cat == NULL);
		fuzz_check_error(rc);
		return 0;
	}
	check_catalog(cat);
	tctl_catalog_free(cat);
	tctl_error_clear();
	return 0;
}
