/* fuzz_catalog_once.h: the built-in catalog, loaded once, for the targets that read Azure's
 * answers against it (fuzz_arm, fuzz_prices). */
#ifndef TRAINCTL_FUZZ_CATALOG_ONCE_H
#define TRAINCTL_FUZZ_CATALOG_ONCE_H

#include "fuzz.h"
#include "trainctl/catalog.h"

static tctl_catalog *cat;

static void fuzz_catalog_unload(void)
{
	tctl_catalog_free(cat);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FUZZ_CHECK(tctl_catalog_load(&cat, NULL) == 0);
	atexit(fuzz_catalog_unload);
	return 0;
}

#endif
