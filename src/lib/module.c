/* module.c: dlopen of trainctl's own modules, so start-up pays only for what a command uses. */
#include "trainctl/module.h"
#include "trainctl/error.h"
#include "tctl_build_config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MODULES 8

static struct {
	char name[32];
	void *handle;
} loaded[MAX_MODULES];

static void *find_loaded(const char *name)
{
	for (int i = 0; i < MAX_MODULES; i++)
		if (loaded[i].handle && !strcmp(loaded[i].name, name))
			return loaded[i].handle;
	return NULL;
}

static int exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return -1;
	*slash = '\0';
	return 0;
}

static void *try_open(const char *dir, const char *name, char *errbuf, size_t errsize)
{
	char path[PATH_MAX];
	void *h;

	snprintf(path, sizeof(path), "%s/trainctl-%s.so", dir, name);
	if (access(path, R_OK) < 0)
		return NULL;
	if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
		snprintf(errbuf, errsize, "%s", dlerror());
	return h;
}

static void *open_module(const char *name, char *errbuf, size_t errsize)
{
	char dir[PATH_MAX];
	const char *env = getenv("TRAINCTL_MODULE_DIR");
	void *h = NULL;

	if (env && *env && (h = try_open(env, name, errbuf, errsize)))
		return h;
	if (exe_dir(dir, sizeof(dir)) == 0 && (h = try_open(dir, name, errbuf, errsize)))
		return h;
	return try_open(TCTL_MODULE_DIR, name, errbuf, errsize);
}

int tctl_module_symbol(void **out, const char *name, const char *symbol)
{
	char err[512] = "";
	void *h = find_loaded(name), *sym;
	int i;

	if (!h) {
		if (!(h = open_module(name, err, sizeof(err))))
			return tctl_error_set(TCTL_ENOMODULE,
				"cannot load module 'trainctl-%s.so' (searched $TRAINCTL_MODULE_DIR, "
				"the program's folder and %s)%s%s", name, TCTL_MODULE_DIR,
				*err ? ": " : "", err);
		for (i = 0; i < MAX_MODULES && loaded[i].handle; i++)
			;
		if (i < MAX_MODULES) {
			snprintf(loaded[i].name, sizeof(loaded[i].name), "%s", name);
			loaded[i].handle = h;
		}
	}
	dlerror();
	if (!(sym = dlsym(h, symbol)))
		return tctl_error_set(TCTL_ENOMODULE, "module 'trainctl-%s.so' lacks '%s'", name, symbol);
	*out = sym;
	return 0;
}

int tctl_module_loaded(const char *name)
{
	return find_loaded(name) != NULL;
}
