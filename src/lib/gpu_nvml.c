/* gpu_nvml.c: NVIDIA GPU model and memory from NVML (libnvidia-ml.so.1, loaded at run time, no headers). */
#include "profile_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* The few NVML declarations used (nvml.h, stable ABI since NVML 4.304). */
typedef int nvml_return;
typedef struct nvml_device *nvml_device;
typedef struct {
	unsigned long long total, free, used;
} nvml_memory;

#define NVML_SUCCESS 0
#define NVML_NAME_SIZE 96 /* NVML_DEVICE_NAME_V2_BUFFER_SIZE */

typedef struct {
	void *lib;
	nvml_return (*init)(void);
	nvml_return (*shutdown)(void);
	nvml_return (*by_bus_id)(const char *bus_id, nvml_device *out);
	nvml_return (*name)(nvml_device d, char *name, unsigned len);
	nvml_return (*memory)(nvml_device d, nvml_memory *out);
} nvml_api;

static bool sym(void *fn, void *lib, const char *name)
{
	void *p = dlsym(lib, name);

	memcpy(fn, &p, sizeof(p)); /* POSIX: dlsym's object pointer is the function */
	return p != NULL;
}

/* $TRAINCTL_NVML_LIBRARY names another library (tests, unusual installs). */
static bool nvml_open(nvml_api *api)
{
	const char *path = getenv("TRAINCTL_NVML_LIBRARY");

	memset(api, 0, sizeof(*api));
	if (!(api->lib = dlopen(path && *path ? path : "libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL)))
		return false;
	if (sym(&api->init, api->lib, "nvmlInit_v2") && sym(&api->shutdown, api->lib, "nvmlShutdown") &&
	    sym(&api->by_bus_id, api->lib, "nvmlDeviceGetHandleByPciBusId_v2") &&
	    sym(&api->name, api->lib, "nvmlDeviceGetName") &&
	    sym(&api->memory, api->lib, "nvmlDeviceGetMemoryInfo") && api->init() == NVML_SUCCESS)
		return true;
	dlclose(api->lib);
	api->lib = NULL;
	return false;
}

static int enrich_one(tctl_gpu *g, const nvml_api *api, bool *used)
{
	char name[NVML_NAME_SIZE] = "";
	nvml_device d = NULL;
	nvml_memory mem;
	int error;

	if (api->by_bus_id(g->pci_bus_id, &d) != NVML_SUCCESS)
		return 0;
	*used = true;
	if (api->name(d, name, sizeof(name)) == NVML_SUCCESS && name[0]) {
		name[sizeof(name) - 1] = '\0';
		if ((error = tctl_str_set(&g->model, name)) < 0 || (error = tctl_str_set(&g->model_source, "nvml")) < 0)
			return error;
	}
	if (api->memory(d, &mem) == NVML_SUCCESS && mem.total) {
		g->memory = mem.total;
		if ((error = tctl_str_set(&g->memory_source, "nvml")) < 0)
			return error;
	}
	return 0;
}

int tctl_gpu_nvml_enrich(tctl_gpu *gpus, size_t n, bool *out_used)
{
	nvml_api api;
	bool any = false;
	int error = 0;

	*out_used = false;
	for (size_t i = 0; i < n; i++)
		any |= gpus[i].pci_bus_id && !strcmp(gpus[i].vendor, "nvidia");
	if (!any || !nvml_open(&api))
		return 0; /* no NVIDIA GPU, or no driver: hwloc's values stand */
	for (size_t i = 0; i < n && !error; i++)
		if (gpus[i].pci_bus_id && !strcmp(gpus[i].vendor, "nvidia"))
			error = enrich_one(&gpus[i], &api, out_used);
	api.shutdown();
	dlclose(api.lib);
	return error;
}
