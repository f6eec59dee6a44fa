/** @file catalog.h  GPU models and their speed; AmlCompute VM sizes and their prices. */
#ifndef TRAINCTL_CATALOG_H
#define TRAINCTL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ownership: a tctl_catalog owns every string and array reachable from it;
 * the pointers the lookup functions return are borrowed and stay valid until
 * tctl_catalog_free(). The shipped catalog (data/catalog.json) is compiled
 * into the binary as C data (scripts/gen_catalog.py), so loading it parses
 * nothing; a user catalog (written by `trainctl prices refresh`)
 * overrides it entry by entry. docs/catalog.md describes the format and the
 * source of every number. */

/** A GPU model: what it is, how fast it trains, and the strings that name it. */
typedef struct {
	const char *name;          /**< canonical name: "V100-16GB", "T4", "H100-NVL" */
	const char *vendor;        /**< "nvidia", "amd" */
	uint64_t memory;           /**< bytes of device memory (decimal GB as the vendor states it) */
	double speed;              /**< relative training throughput; V100-16GB = 1.0 */
	const char *speed_rule;    /**< how speed was derived (docs/catalog.md) */
	const char *speed_source;  /**< the source's title */
	int watts;                 /**< board power (TDP) */
	const char *const *match;  /**< strings that name it, matched by whole words */
	size_t match_len;
} tctl_gpu_model;

/** An AmlCompute VM size. */
typedef struct {
	const char *name;          /**< "Standard_NC6s_v3" */
	const char *family;        /**< quota family, as Azure reports it: "standardNCSv3Family" */
	int vcpus;
	uint64_t memory;           /**< bytes of host memory */
	const char *gpu;           /**< canonical GPU model name; NULL for CPU sizes */
	int gpus;                  /**< GPUs per node */
	const char *retired;       /**< "2025-09-30" when Azure has retired the size, else NULL */
	const char *retired_source;
} tctl_vm_size;

/** Hourly prices of one VM size in one region; a tier with no verified price is < 0. */
typedef struct {
	const char *size;
	const char *region;
	double dedicated;          /**< USD per node-hour; < 0 when unknown */
	double low_priority;       /**< USD per node-hour; < 0 when unknown */
	const char *source;        /**< the source's title */
	const char *date;          /**< when the source was read ("2026-11-27") */
} tctl_price;

typedef struct {
	const char *name;          /**< "eastus" */
	const char *group;         /**< "north-america", "europe": the unit of egress pricing */
} tctl_region;

/** Price per GB moved from a region group to another ("internet" = out of Azure). */
typedef struct {
	const char *from;          /**< a region group, or "*" for any */
	const char *to;            /**< a region group, or "internet" */
	double usd_per_gb;
	const char *source;
} tctl_egress;

typedef struct tctl_catalog {
	const char *date;          /**< the catalog's date */
	const char *origin;        /**< "shipped" or "shipped + <user path>" */
	const tctl_gpu_model *gpus;
	size_t gpus_len;
	const tctl_vm_size *sizes;
	size_t sizes_len;
	const tctl_price *prices;
	size_t prices_len;
	const tctl_region *regions;
	size_t regions_len;
	const tctl_egress *egress;
	size_t egress_len;
	struct tctl_catalog_owned *owned; /**< internal storage */
} tctl_catalog;

/**
 * Load the shipped catalog and, when `user_path` is not NULL, the user
 * catalog at that path on top of it: a user entry replaces the shipped
 * entry with the same key (GPU name, size name, size + region for prices,
 * region name, from + to for egress). A user catalog that is not valid is
 * refused with TCTL_EINVALID naming the file, the entry and the field, and
 * nothing is loaded. Caller frees *out.
 */
int tctl_catalog_load(tctl_catalog **out, const char *user_path);

/**
 * Load the shipped catalog plus the user catalog at its default place
 * (tctl_catalog_user_path) when that file exists.
 */
int tctl_catalog_load_default(tctl_catalog **out);

/** Where `prices refresh` writes the user catalog: <data dir>/catalog.json. Caller frees. */
int tctl_catalog_user_path(char **out);

/**
 * Parse a catalog held in memory (the format of data/catalog.json), without
 * the shipped one beneath it. `origin` names it in messages.
 */
int tctl_catalog_parse(tctl_catalog **out, const char *text, size_t len, const char *origin);

void tctl_catalog_free(tctl_catalog *cat);

/**
 * Lay `prices` (read live, e.g. from Azure ML's vmSizes) over the catalog's:
 * each replaces the entry for the same size and region, others are added.
 * Strings are copied. TCTL_ENOMEM only.
 */
int tctl_catalog_set_prices(tctl_catalog *cat, const tctl_price *prices, size_t len);

/** A GPU model by canonical name (case-insensitive); NULL when none. */
const tctl_gpu_model *tctl_catalog_gpu(const tctl_catalog *cat, const char *name);

/**
 * The GPU model a reported model string names ("Tesla V100-SXM2-16GB",
 * "TU104GL [Tesla T4]", "AMD Instinct MI250X", a canonical name...). The
 * string and every match rule are split into lower-case words; a rule
 * matches when its words appear consecutively, and the rule with the most
 * words wins. Returns 0, or TCTL_ENOTFOUND with "unknown GPU model '...'".
 */
int tctl_catalog_match_gpu(const tctl_gpu_model **out, const tctl_catalog *cat, const char *model);

/**
 * The stand-in for a GPU the catalog does not know: speed 0.18 (the slowest
 * GPU in the catalog), 300 W, memory `memory` (what the device reported;
 * 0 when unknown). Written into *out; its strings are static.
 */
void tctl_catalog_unknown_gpu(tctl_gpu_model *out, const char *reported, uint64_t memory);

const tctl_vm_size *tctl_catalog_size(const tctl_catalog *cat, const char *name);
const tctl_price *tctl_catalog_price(const tctl_catalog *cat, const char *size, const char *region);
const tctl_region *tctl_catalog_region(const tctl_catalog *cat, const char *name);

/**
 * Price per GB of moving data from region `from` to region `to`; `to` NULL
 * means out of Azure to the internet (a local run reading cloud data).
 * Same region: 0. Returns TCTL_ENOTFOUND (message names both ends) when the
 * catalog has no price for that pair; *out_source names the source.
 */
int tctl_catalog_egress(double *out, const char **out_source, const tctl_catalog *cat,
			const char *from, const char *to);

#endif
