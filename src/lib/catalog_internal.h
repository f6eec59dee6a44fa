/* catalog_internal.h: what the catalog's .c files share (not a public header). */
#ifndef TRAINCTL_CATALOG_INTERNAL_H
#define TRAINCTL_CATALOG_INTERNAL_H

#include "trainctl/catalog.h"

#include <jansson.h>

typedef struct tctl_catalog_owned catalog_owned;

/* The JSON documents a catalog's strings point into, and its arrays. */
struct tctl_catalog_owned {
	json_t *roots[2];
	size_t nroots;
	void **allocs;
	size_t nallocs, cap;
};

/* Zeroed memory that lives as long as the catalog; NULL (error set) on ENOMEM. */
void *catalog_alloc(catalog_owned *own, size_t size);

/* Fills `cat` from a parsed catalog document; strings borrow from `root`. */
int catalog_read(tctl_catalog *cat, json_t *root, const char *origin, catalog_owned *own);

/* The shipped catalog: data/catalog.json compiled to C by scripts/gen_catalog.py. */
extern const tctl_catalog tctl__catalog_shipped;

#endif
