/* profile.c: the machine profile: live (cached by fingerprint) or from an hwloc XML export. */
#include "profile_priv.h"
#include "trainctl/error.h"
#include "trainctl/module.h"
#include "trainctl/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int sdup(char **dst, const char *src)
{
	free(*dst);
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* Topology and GPUs through trainctl-hwloc.so, loaded here on first use. */
static int load_hwloc(tctl_profile **out, const char *xml)
{
	const tctl_hwloc_ops *(*entry)(void);
	const tctl_hwloc_ops *ops;
	tctl_gpu_candidate *cands = NULL;
	tctl_profile *p = NULL;
	size_t n = 0;
	void *sym;
	int error;

	if ((error = tctl_module_symbol(&sym, "hwloc", "tctl_hwloc_module")) < 0)
		return error;
	memcpy(&entry, &sym, sizeof(entry)); /* POSIX: dlsym's object pointer is the function */
	if (!(ops = entry()) || ops->version != TCTL_HWLOC_OPS_VERSION)
		return tctl_error_set(TCTL_ENOMODULE,
			"module 'trainctl-hwloc.so' is from another trainctl version (ops version %d, expected %d)",
			ops ? ops->version : -1, TCTL_HWLOC_OPS_VERSION);
	if ((error = ops->load(&p, &cands, &n, xml)) < 0)
		return error;
	error = tctl_gpu_resolve(&p->gpus, &p->gpus_len, cands, n);
	tctl_gpu_candidates_free(cands, n);
	if (error < 0) {
		tctl_profile_free(p);
		return error;
	}
	*out = p;
	return 0;
}

int tctl_profile_from_xml(tctl_profile **out, const char *path)
{
	tctl_profile *p = NULL;
	int error;

	if ((error = load_hwloc(&p, path)) < 0)
		return error;
	/* An export describes another machine: its own counts are all there is. */
	p->memory = p->hwloc_memory;
	p->cpus = p->allowed_pus;
	if ((error = sdup(&p->source, path)) < 0 || (error = sdup(&p->memory_source, "hwloc")) < 0 ||
	    (error = sdup(&p->cpus_source, "hwloc")) < 0) {
		tctl_profile_free(p);
		return error;
	}
	*out = p;
	return 0;
}

/* usable cpus = min(allowed PUs, cgroup quota); usable memory = min(MemTotal, cgroup limit). */
static int apply_limits(tctl_profile *p, const tctl_limits *l)
{
	const char *cpus_src = "affinity", *mem_src = "/proc/meminfo";
	int error;

	if (l->allowed_pus > 0) {
		p->allowed_pus = l->allowed_pus;
		cpus_src = l->allowed_source;
	} else {
		cpus_src = "hwloc";
	}
	p->cpus = p->allowed_pus;
	p->cpu_quota = l->cpu_quota;
	if (l->cpu_quota > 0 && l->cpu_quota < p->cpus) {
		p->cpus = l->cpu_quota;
		cpus_src = l->cpu_quota_source;
	}
	p->mem_total = l->mem_total;
	p->mem_limit = l->mem_limit;
	p->memory = l->mem_total;
	if (!l->mem_total) {
		p->memory = p->hwloc_memory;
		mem_src = "hwloc";
	}
	if (l->mem_limit && (l->mem_limit < p->memory || !p->memory)) {
		p->memory = l->mem_limit;
		mem_src = l->mem_limit_source;
	}
	if ((error = sdup(&p->cpus_source, cpus_src)) < 0 ||
	    (error = sdup(&p->memory_source, mem_src)) < 0 ||
	    (error = sdup(&p->cpu_quota_source, l->cpu_quota > 0 ? l->cpu_quota_source : NULL)) < 0)
		return error;
	return sdup(&p->mem_limit_source, l->mem_limit ? l->mem_limit_source : NULL);
}

/* The values that change while the profile stays valid: host name and disk space. */
static int add_volatile(tctl_profile *p)
{
	char cwd[PATH_MAX];
	struct utsname u;
	int error;

	if (uname(&u) == 0 && (error = sdup(&p->hostname, u.nodename)) < 0)
		return error;
	p->disk_free = 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return sdup(&p->disk_path, NULL);
	if ((error = sdup(&p->disk_path, cwd)) < 0)
		return error;
	if (tctl_disk_free(&p->disk_free, cwd) < 0)
		tctl_error_clear(); /* not fatal: the profile says 0 */
	return 0;
}

static int discover(tctl_profile **out, const tctl_limits *l, const char *root, const char *fingerprint)
{
	tctl_profile *p = NULL;
	bool nvml = false;
	int error;

	if ((error = load_hwloc(&p, NULL)) < 0)
		return error;
	if ((error = sdup(&p->source, "live")) < 0 || (error = apply_limits(p, l)) < 0 ||
	    (error = sdup(&p->fingerprint, fingerprint)) < 0 ||
	    (error = tctl_gpu_nvml_enrich(p->gpus, p->gpus_len, &nvml)) < 0 ||
	    (error = tctl_gpu_amd_sysfs_enrich(p->gpus, p->gpus_len, root)) < 0) {
		tctl_profile_free(p);
		return error;
	}
	*out = p;
	return 0;
}

/* The cached profile when its fingerprint matches; NULL otherwise (absent, stale, corrupt). */
static tctl_profile *read_cache(const char *path, const char *fingerprint)
{
	tctl_profile *p = NULL;
	char *text = NULL;

	if (tctl_file_read(&text, NULL, path) == 0 && tctl_profile_from_json(&p, text, path) == 0 &&
	    (!p->fingerprint || strcmp(p->fingerprint, fingerprint) || strcmp(p->source, "live"))) {
		tctl_profile_free(p);
		p = NULL;
	}
	free(text);
	tctl_error_clear();
	return p;
}

/* Best effort: a cache that cannot be written only costs the next run a rediscovery. */
static void write_cache(const char *path, const tctl_profile *p)
{
	char *json = NULL;

	if (tctl_profile_to_json(&json, p) == 0)
		tctl_cache_file_write(path, json);
	free(json);
	tctl_error_clear();
}

int tctl_profile_live_at(tctl_profile **out, int flags, const char *root, const char *cache_path)
{
	tctl_limits l;
	tctl_profile *p = NULL;
	char *fp = NULL;
	int error;

	if ((error = tctl_limits_read(&l, root)) < 0)
		return error;
	if ((error = tctl_limits_fingerprint(&fp, &l)) < 0)
		goto done;
	if (!(flags & TCTL_PROFILE_NO_CACHE) && cache_path && (p = read_cache(cache_path, fp)))
		p->from_cache = true;
	if (!p) {
		if ((error = discover(&p, &l, root, fp)) < 0)
			goto done;
		if (cache_path)
			write_cache(cache_path, p);
	}
	if ((error = add_volatile(p)) < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	tctl_profile_free(p);
	tctl_limits_clear(&l);
	free(fp);
	return error;
}

int tctl_profile_cache_path(char **out)
{
	return tctl_cache_path(out, "profile.json");
}

int tctl_profile_live(tctl_profile **out, int flags)
{
	char *cache = NULL;
	int error;

	/* No home folder means no cache, not no profile. */
	if (tctl_profile_cache_path(&cache) < 0)
		tctl_error_clear();
	error = tctl_profile_live_at(out, flags, "", cache);
	free(cache);
	return error;
}

int tctl_profile_fingerprint(char **out)
{
	tctl_limits l;
	int error;

	if ((error = tctl_limits_read(&l, "")) < 0)
		return error;
	error = tctl_limits_fingerprint(out, &l);
	tctl_limits_clear(&l);
	return error;
}

size_t tctl_profile_training_gpus(const tctl_profile *p)
{
	size_t n = 0;

	for (size_t i = 0; p && i < p->gpus_len; i++)
		n += !p->gpus[i].integrated;
	return n;
}

void tctl_profile_free(tctl_profile *p)
{
	if (!p)
		return;
	free(p->source);
	free(p->hostname);
	free(p->machine);
	free(p->cpu_model);
	free(p->numa_memory);
	free(p->memory_source);
	for (size_t i = 0; i < p->cpukinds_len; i++)
		free(p->cpukinds[i].core_type);
	free(p->cpukinds);
	free(p->cpu_quota_source);
	free(p->mem_limit_source);
	free(p->cpus_source);
	for (size_t i = 0; i < p->gpus_len; i++)
		tctl_gpu_clear(&p->gpus[i]);
	free(p->gpus);
	free(p->disk_path);
	free(p->fingerprint);
	free(p);
}
