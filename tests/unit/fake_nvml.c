/* fake_nvml.c: a stand-in libnvidia-ml for tests: one GPU at 0000:18:00.0, 16 GiB, "Tesla T4 (fake NVML)". */
#include <stdio.h>
#include <string.h>

typedef struct {
	unsigned long long total, free, used;
} fake_memory;

static int device = 1;
static int initialised;

/* Prototypes, as nvml.h would give them (-Wmissing-prototypes). */
int nvmlInit_v2(void);
int nvmlShutdown(void);
int nvmlDeviceGetHandleByPciBusId_v2(const char *bus_id, void **out);
int nvmlDeviceGetName(void *d, char *name, unsigned len);
int nvmlDeviceGetMemoryInfo(void *d, fake_memory *out);

int nvmlInit_v2(void)
{
	initialised = 1;
	return 0;
}

int nvmlShutdown(void)
{
	initialised = 0;
	return 0;
}

int nvmlDeviceGetHandleByPciBusId_v2(const char *bus_id, void **out)
{
	if (!initialised)
		return 1; /* NVML_ERROR_UNINITIALIZED */
	if (strcmp(bus_id, "0000:18:00.0") && strcmp(bus_id, "00000000:18:00.0"))
		return 6; /* NVML_ERROR_NOT_FOUND */
	*out = &device;
	return 0;
}

int nvmlDeviceGetName(void *d, char *name, unsigned len)
{
	if (d != &device)
		return 2;
	snprintf(name, len, "Tesla T4 (fake NVML)");
	return 0;
}

int nvmlDeviceGetMemoryInfo(void *d, fake_memory *out)
{
	if (d != &device)
		return 2;
	out->total = 16ULL << 30;
	out->used = 1ULL << 30;
	out->free = out->total - out->used;
	return 0;
}
