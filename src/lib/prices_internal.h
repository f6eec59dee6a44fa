/* prices_internal.h: what prices.c (reading the API) and prices_catalog.c (writing) share. */
#ifndef TRAINCTL_PRICES_INTERNAL_H
#define TRAINCTL_PRICES_INTERNAL_H

#include "trainctl/catalog.h"
#include "trainctl/prices.h"

#include <stdbool.h>

/* The meters a VM size has in a region. */
typedef enum { METER_NORMAL, METER_LOW_PRIORITY, METER_SPOT, METER_KINDS } prices_meter;

typedef struct {
	bool set;
	double usd;
	bool primary;              /* isPrimaryMeterRegion */
	char effective[40];        /* effectiveStartDate */
} prices_meter_price;

/* One VM size in one region: the best item seen for each meter. */
typedef struct {
	const char *size;          /* borrowed from the catalog */
	const char *region;        /* borrowed from the region list */
	prices_meter_price m[METER_KINDS];
} prices_slot;

typedef struct {
	const tctl_catalog *cat;
	const char *const *regions;
	size_t nregions;
	prices_slot *slots;        /* nregions x cat->sizes_len */
	tctl_prices_progress progress;
} prices_table;

/* Reads every page of every region into t->slots (prices.c). */
int prices_fetch(prices_table *t, const tctl_config *cfg, const tctl_prices_options *opts);

/* Reads one page's body (page `number` of region `region`, fetched from `url`, for messages)
 * into t; *next = its NextPageLink, NULL at the end (caller frees). Errors name the page. */
int prices_read_page(char **next, prices_table *t, size_t region, size_t number, const char *url,
		     const char *body);

/* Lays the table over the user catalog at `path` (or a new one) and writes it
 * atomically, after checking it loads (prices_catalog.c). */
int prices_write(tctl_prices_result *out, const prices_table *t, const char *path,
		 const char *endpoint, int64_t now);

#endif
