/* catalog_live.c: prices read live (Azure ML's vmSizes) laid over a loaded catalog. */
#include "catalog_internal.h"
#include "trainctl/error.h"

#include <string.h>
#include <strings.h>

static const char *own_str(catalog_owned *own, const char *s)
{
	char *copy;

	if (!s)
		return NULL;
	if (!(copy = catalog_alloc(own, strlen(s) + 1)))
		return NULL;
	memcpy(copy, s, strlen(s) + 1);
	return copy;
}

int tctl_catalog_set_prices(tctl_catalog *cat, const tctl_price *prices, size_t len)
{
	tctl_price *all;
	size_t n = 0;

	if (!len)
		return 0;
	if (!(all = catalog_alloc(cat->owned, (cat->prices_len + len) * sizeof(*all))))
		return TCTL_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		tctl_price p = prices[i];
		if (!(p.size = own_str(cat->owned, p.size)) || !(p.region = own_str(cat->owned, p.region)) ||
		    (prices[i].source && !(p.source = own_str(cat->owned, p.source))) ||
		    (prices[i].date && !(p.date = own_str(cat->owned, p.date))))
			return TCTL_ENOMEM;
		all[n++] = p;
	}
	for (size_t i = 0; i < cat->prices_len; i++) {
		const tctl_price *old = &cat->prices[i];
		size_t j;
		for (j = 0; j < len && (strcasecmp(old->size, prices[j].size) ||
					strcmp(old->region, prices[j].region)); j++)
			;
		if (j == len)
			all[n++] = *old;
	}
	cat->prices = all;
	cat->prices_len = n;
	return 0;
}
