/** @file prices.h  `prices refresh`: VM prices from the Azure Retail Prices API into the user catalog. */
#ifndef TRAINCTL_PRICES_H
#define TRAINCTL_PRICES_H

#include <stddef.h>
#include <stdint.h>

#include "trainctl/config.h"
#include "trainctl/http.h"

/*
 * For each region: GET cloud.prices?$filter=serviceName eq 'Virtual Machines'
 * and priceType eq 'Consumption' and armRegionName eq 'R', following
 * NextPageLink verbatim (same host only). Kept: Linux meters (productName
 * without "Windows") priced per "1 Hour" for the VM sizes the catalog knows.
 * dedicated = the size's normal meter; low_priority = its "Low Priority"
 * meter, else its "Spot" meter; each price's source says which. Nothing is
 * written until every page of every region has been read and checked; the
 * user catalog is then replaced atomically, keeping its other entries.
 * docs/catalog.md ("Refreshing prices") has the details.
 */

/** Where a refresh stands, after each page. */
typedef struct {
	const char *region;      /**< the region being read */
	size_t region_index;     /**< 0-based */
	size_t regions;          /**< how many will be read */
	size_t pages;            /**< pages read so far, all regions */
	size_t items;            /**< items read so far */
	size_t prices;           /**< (size, region) prices found so far */
} tctl_prices_progress;

typedef void (*tctl_prices_progress_fn)(const tctl_prices_progress *p, void *payload);

#define TCTL_PRICES_OPTIONS_VERSION 1

typedef struct {
	int version;
	const char *const *regions;  /**< regions to read; NULL: every region of the catalog */
	size_t regions_len;
	const char *output;          /**< NULL: cfg->catalog, else tctl_catalog_user_path() */
	int64_t now;                 /**< 0: the clock; dates the prices (TRAINCTL_NOW in the CLI) */
	tctl_prices_progress_fn progress;
	void *progress_payload;
	tctl_http_trace_fn trace;    /**< HTTP trace, redacted; NULL: none */
	void *trace_payload;
} tctl_prices_options;

#define TCTL_PRICES_OPTIONS_INIT { TCTL_PRICES_OPTIONS_VERSION, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL }

/** What a refresh did. */
typedef struct {
	char *path;              /**< the catalog written (caller frees via tctl_prices_result_clear) */
	size_t regions, pages, items;
	size_t prices;           /**< (size, region) entries written */
	size_t dedicated;        /**< of which with a dedicated price */
	size_t low_priority_meter; /**< low-priority prices from a "Low Priority" meter */
	size_t spot_meter;       /**< low-priority prices from a Spot meter (no "Low Priority" one) */
	size_t missing;          /**< catalog sizes x regions the API had no price for */
} tctl_prices_result;

/**
 * Refresh the user catalog. Returns 0, or: TCTL_EINVALID for an unknown
 * region, a user catalog that does not load, or a page that is not what the
 * API documents (the message names the page, its URL and the field:
 * "page 2 (https://...): Items[3].retailPrice: expected a number, got a
 * string"); TCTL_ENET etc. from the HTTP client. On failure nothing is
 * written: the old user catalog stays as it was.
 */
int tctl_prices_refresh(tctl_prices_result *out, const tctl_config *cfg, const tctl_prices_options *opts);

void tctl_prices_result_clear(tctl_prices_result *r);

#endif
