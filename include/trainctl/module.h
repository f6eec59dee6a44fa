/** @file module.h  Loadable modules: heavy libraries (hwloc, libcurl, libgit2) load on first use. */
#ifndef TRAINCTL_MODULE_H
#define TRAINCTL_MODULE_H

/**
 * Find `symbol` in the module `trainctl-<name>.so`, loading it on first use.
 * The module is searched for in $TRAINCTL_MODULE_DIR, then beside the
 * running executable, then in the installed module folder. A module, once
 * loaded, stays loaded. Returns 0, or TCTL_ENOMODULE with a message naming
 * the folders searched and dlerror().
 */
int tctl_module_symbol(void **out, const char *name, const char *symbol);

/** True once `name` has been loaded by this process (for tests and --verbose). */
int tctl_module_loaded(const char *name);

#endif
