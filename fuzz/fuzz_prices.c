/* fuzz_prices.c: one page of the Azure Retail Prices API read into the prices table. */
#include "fuzz_catalog_once.h"

#include "../src/lib/prices_internal.h"
#include "trainctl/catalog.h"

#include <math.h>

#define PAGE_URL "https://prices.azure.com/api/retail/prices?$skip=100"

static const char *const regions[] = { "eastus", "westeurope" };

/* Prices kept are for the page's own region, positive and finite; the link is a string. */
static void check_table(const prices_table *t, const char *next)
{
	for (size_t r = 0; r < t->nregions; r++)
		for (size_t s = 0; s < cat->sizes_len; s++)
			for (int m = 0; m < METER_KINDS; m++) {
				const prices_meter_price *p = &t->slots[r * cat->sizes_len + s].m[m];
				if (!p->set)
					continue;
				FUZZ_CHECK(r == 1);
				FUZZ_CHECK(isfinite(p->usd) && p->usd > 0);
				FUZZ_CHECK(memchr(p->effective, '\0', sizeof(p->effective)) != NULL);
			}
	FUZZ_CHECK(!next || next[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_cstr(data, size), *next = NULL;
	prices_table t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.cat = cat;
	t.regions = regions;
	t.nregions = 2;
	t.slots = calloc(t.nregions * cat->sizes_len + 1, sizeof(*t.slots));
	FUZZ_CHECK(t.slots != NULL);
	rc = prices_read_page(&next, &t, 1, 2, PAGE_URL, body);
	if (rc < 0)   /* errors name the page */
		FUZZ_CHECK(strstr(tctl_error_last()->message, "page 2 for westeurope (" PAGE_URL ")"));
	fuzz_check_error(rc);
	if (rc == 0)
		check_table(&t, next);
	else
		FUZZ_CHECK(next == NULL);
	free(next);
	free(t.slots);
	free(body);
	return 0;
}
