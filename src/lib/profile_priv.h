/* profile_priv.h: what the profile code shares inside the library, the hwloc module and the tests. */
#ifndef TRAINCTL_PROFILE_PRIV_H
#define TRAINCTL_PROFILE_PRIV_H

#include "trainctl/profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * GPU candidates: the hwloc module reports what the topology says, without
 * judging it; profile_gpu.c applies the rules (docs/profile.md) that turn
 * candidates into tctl_gpu values. Every string is malloc'ed and owned by
 * the candidate; tctl_gpu_candidates_free() frees an array of them.
 */
typedef struct {
	char *backend;      /**< "CUDA", "NVML", "RSMI", "OpenCL", "LevelZero", ... */
	char *model;        /**< GPUModel info; NULL when absent or empty */
	char *vendor;       /**< GPUVendor info; NULL when absent */
	char *device_type;  /**< OpenCLDeviceType info ("GPU", "CPU", ...); NULL when absent */
	uint64_t memory;    /**< bytes (the info attributes are KiB); 0 when none */
	char *memory_attr;  /**< the info attribute the memory came from */
} tctl_gpu_report;

typedef struct {
	char pci_bus_id[16];      /**< "0000:3b:00.0"; "" when no PCI device is above it */
	unsigned vendor_id, device_id, class_id;
	char *pci_vendor;         /**< PCI database names (PCIVendor / PCIDevice infos); NULL */
	char *pci_device;
	char *local_cpu_model;    /**< CPUModel of the package it is attached to; NULL */
	char *local_cpus;         /**< OS indexes of the PUs nearest to it ("0-23,48-71"); NULL */
	uint64_t local_memory;    /**< bytes of NUMA memory local to it (within that package) */
	tctl_gpu_report *reports; /**< GPU and COPROC OS devices under it */
	size_t reports_len;
} tctl_gpu_candidate;

void tctl_gpu_candidates_free(tctl_gpu_candidate *c, size_t n);

/**
 * Apply the GPU rules to the candidates: which are GPUs, vendor, model and
 * memory with their sources, de-duplication, integrated graphics, order
 * and per-vendor index. *out (caller frees each with tctl_gpu_clear and the
 * array with free) may be NULL when there are no GPUs.
 */
int tctl_gpu_resolve(tctl_gpu **out, size_t *out_len, const tctl_gpu_candidate *c, size_t n);

/** Free the strings of one GPU (not the struct itself). */
void tctl_gpu_clear(tctl_gpu *g);

/** The model string a PCI database name stands for: "TU104GL [Tesla T4]" -> "Tesla T4". */
char *tctl_gpu_pci_model(const char *pci_device);

/** True when the GPU class/vendor pair is a GPU by the PCI rule alone. */
bool tctl_gpu_pci_is_gpu(unsigned class_id, unsigned vendor_id);

/* ---- the hwloc module (src/hwloc/) ---- */

#define TCTL_HWLOC_OPS_VERSION 1

typedef struct {
	int version;
	/**
	 * Read the topology of `xml_path`, or of this machine when NULL, into a
	 * new profile (topology fields only) and its GPU candidates.
	 */
	int (*load)(tctl_profile **out, tctl_gpu_candidate **out_gpus, size_t *out_gpus_len,
		    const char *xml_path);
	const char *(*hwloc_version)(void);
} tctl_hwloc_ops;

/** The one symbol trainctl-hwloc.so exports. */
const tctl_hwloc_ops *tctl_hwloc_module(void);

/* ---- what the process may use (limits.c) ---- */

typedef struct {
	int allowed_pus;            /**< sched_getaffinity count (within the cgroup cpuset); 0 when unknown */
	const char *allowed_source; /**< "affinity", "affinity+cgroup v2 cpuset", ... */
	char *affinity;             /**< the affinity mask, hex, for the fingerprint */
	double cpu_quota;           /**< cores; 0 when none */
	const char *cpu_quota_source;
	uint64_t mem_limit;         /**< bytes; 0 when none */
	const char *mem_limit_source;
	uint64_t mem_total;         /**< /proc/meminfo MemTotal in bytes; 0 when unreadable */
	char *boot_id;              /**< NULL when unreadable */
	char *hwloc_env;            /**< HWLOC_* variables, "A=1,B=2"; NULL when none */
} tctl_limits;

/**
 * Read the limits of this process. `root` prefixes every /proc and /sys
 * path ("" for the real machine; a fixture tree in tests). Affinity always
 * comes from sched_getaffinity; the cgroup cpuset list from the tree.
 */
int tctl_limits_read(tctl_limits *out, const char *root);
void tctl_limits_clear(tctl_limits *l);

/** The cache key of these limits (see tctl_profile_fingerprint). Caller frees. */
int tctl_limits_fingerprint(char **out, const tctl_limits *l);

/** Bytes free to this user in the folder `path` (statvfs f_bavail). */
int tctl_disk_free(uint64_t *out, const char *path);

/* ---- vendor drivers, live only ---- */

/**
 * Ask NVML (libnvidia-ml.so.1, loaded at run time) for the model and memory
 * of each NVIDIA GPU with a PCI bus id. No driver is not an error: *out_used
 * says whether NVML answered for any GPU.
 */
int tctl_gpu_nvml_enrich(tctl_gpu *gpus, size_t n, bool *out_used);

/**
 * Read the memory of each AMD GPU from the amdgpu driver's sysfs files
 * (<root>/sys/bus/pci/devices/<bdf>/mem_info_vram_total, product_name).
 */
int tctl_gpu_amd_sysfs_enrich(tctl_gpu *gpus, size_t n, const char *root);

/* ---- the parts of profile.c the tests reach ---- */

/** A live profile with `root` for /proc and /sys reads and `cache_path` for the cache. */
int tctl_profile_live_at(tctl_profile **out, int flags, const char *root, const char *cache_path);

#endif
