/** @file profile.h  What this machine has, and where each value came from. */
#ifndef TRAINCTL_PROFILE_H
#define TRAINCTL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ownership: a tctl_profile owns every string and array in it; free it with
 * tctl_profile_free(). Each value that can come from more than one place has
 * a *_source string naming it ("hwloc", "hwloc:CUDA", "pci", "nvml",
 * "sysfs", "/proc/meminfo", "cgroup v2", "affinity", ...). */

typedef struct {
	int index;              /**< 0-based, in PCI bus order: the CUDA_VISIBLE_DEVICES / ROCR index */
	char *vendor;           /**< "nvidia", "amd", "intel" */
	char *model;            /**< model string as reported ("Tesla T4") */
	char *model_source;
	uint64_t memory;        /**< bytes of device memory; 0 when unknown */
	char *memory_source;    /**< NULL when unknown */
	char *pci_bus_id;       /**< "0000:3b:00.0"; NULL when not on PCI */
	char *backends;         /**< the hwloc backends that reported it, "CUDA,NVML,OpenCL"; "PCI" when only PCI */
	bool integrated;        /**< integrated graphics (not used for training) */
	char *local_cpus;       /**< OS indexes of the CPUs nearest to it, as hwloc says ("0-23,48-71");
				     NULL when unknown */
	char *pci_id;           /**< "10de:1eb8" (vendor:device); NULL when not on PCI */
} tctl_gpu;

/* tctl_gpu.index counts per vendor: the n-th NVIDIA GPU in PCI bus order is
 * CUDA device n under CUDA_DEVICE_ORDER=PCI_BUS_ID, the n-th AMD GPU is ROCr
 * device n. With GPUs of one vendor, gpus[i].index == i. */

typedef struct {
	unsigned pus;           /**< PUs of this kind */
	int efficiency;         /**< hwloc efficiency rank (0 = lowest) */
	char *core_type;        /**< "IntelAtom", "IntelCore", or NULL */
} tctl_cpukind;

typedef struct {
	char *source;           /**< "live" or the XML path */
	char *hostname;
	char *machine;          /**< DMI vendor and product ("Amazon EC2 g4dn.metal"); NULL when unknown */
	char *cpu_model;
	int packages, cores, pus, numa_nodes;
	uint64_t *numa_memory;  /**< bytes per NUMA node, numa_nodes entries */
	uint64_t hwloc_memory;  /**< sum over NUMA nodes, as hwloc reports it */
	uint64_t mem_total;     /**< /proc/meminfo MemTotal; 0 when not live */
	uint64_t mem_limit;     /**< cgroup memory limit; 0 when none */
	uint64_t memory;        /**< usable memory: the rule in docs/profile.md */
	char *memory_source;
	tctl_cpukind *cpukinds;
	size_t cpukinds_len;
	int allowed_pus;        /**< PUs this process may run on (affinity ∩ cpuset) */
	double cpu_quota;       /**< cgroup CPU quota in cores; 0 when none */
	char *cpu_quota_source; /**< "cgroup v2 cpu.max", "cgroup v1 cpu.cfs_quota_us"; NULL when none */
	char *mem_limit_source; /**< "cgroup v2 memory.max", "cgroup v1 memory.limit_in_bytes"; NULL when none */
	double cpus;            /**< usable cpus: min(allowed_pus, quota) */
	char *cpus_source;
	tctl_gpu *gpus;
	size_t gpus_len;
	uint64_t disk_free;     /**< bytes free in the working folder; 0 when not live */
	char *disk_path;
	char *fingerprint;      /**< what the cache is keyed on (live only) */
	bool from_cache;
} tctl_profile;

typedef enum {
	TCTL_PROFILE_DEFAULT = 0,
	TCTL_PROFILE_NO_CACHE = 1 << 0  /**< rediscover, and rewrite the cache */
} tctl_profile_flags;

/**
 * The profile of the machine this process runs on. Reads the cache when its
 * fingerprint still matches (no hwloc load), else discovers through the
 * hwloc module and rewrites the cache. Caller frees *out.
 */
int tctl_profile_live(tctl_profile **out, int flags);

/** The profile of an hwloc XML export (no cache, no live limits). */
int tctl_profile_from_xml(tctl_profile **out, const char *path);

/** Where the live profile is cached: tctl_dir_cache()/profile.json. Caller frees. */
int tctl_profile_cache_path(char **out);

/**
 * The fingerprint the cache is keyed on, read now: trainctl version, boot id,
 * MemTotal, CPU affinity and allowed PUs, cgroup CPU and memory limits, and
 * any HWLOC_* variables (docs/profile.md). Caller frees.
 */
int tctl_profile_fingerprint(char **out);

/** GPUs a job can train on: those not marked integrated. */
size_t tctl_profile_training_gpus(const tctl_profile *p);

/** JSON (the --json output and the cache format). Caller frees. */
int tctl_profile_to_json(char **out, const tctl_profile *p);
int tctl_profile_from_json(tctl_profile **out, const char *json, const char *origin);

void tctl_profile_free(tctl_profile *p);

#endif
