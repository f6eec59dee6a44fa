/* gpu_amd_sysfs.c: AMD GPU memory (and product name) from the amdgpu driver's sysfs files. */
#include "profile_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first line of <root>/sys/bus/pci/devices/<bdf>/<file>, trimmed; false when absent or empty. */
static bool read_attr(char *buf, size_t size, const char *root, const char *bdf, const char *file)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/%s", root, bdf, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\0'))
		buf[--n] = '\0';
	return buf[0] != '\0';
}

/*
 * mem_info_vram_total (bytes) replaces hwloc's memory, except for an APU
 * already given its unified memory: there the driver's VRAM is only the
 * carve-out. product_name (from the board's FRU) replaces the model when set.
 */
static int enrich_one(tctl_gpu *g, const char *root)
{
	char buf[256], *end;
	unsigned long long v;
	int error;

	if (read_attr(buf, sizeof(buf), root, g->pci_bus_id, "mem_info_vram_total") &&
	    !(g->memory_source && !strcmp(g->memory_source, "unified"))) {
		errno = 0;
		v = strtoull(buf, &end, 10);
		if (!errno && end != buf && !*end && v) {
			g->memory = v;
			if ((error = tctl_str_set(&g->memory_source, "sysfs")) < 0)
				return error;
		}
	}
	if (read_attr(buf, sizeof(buf), root, g->pci_bus_id, "product_name")) {
		if ((error = tctl_str_set(&g->model, buf)) < 0 || (error = tctl_str_set(&g->model_source, "sysfs")) < 0)
			return error;
	}
	return 0;
}

int tctl_gpu_amd_sysfs_enrich(tctl_gpu *gpus, size_t n, const char *root)
{
	int error;

	for (size_t i = 0; i < n; i++) {
		if (!gpus[i].pci_bus_id || strcmp(gpus[i].vendor, "amd"))
			continue;
		if ((error = enrich_one(&gpus[i], root ? root : "")) < 0)
			return error;
	}
	return 0;
}
