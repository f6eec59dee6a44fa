/* profile_json.c: the profile as JSON: `trainctl profile --json` and the cache file (docs/profile.md). */
#include "profile_priv.h"
#include "trainctl/error.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_SCHEMA 1

/* ---- writing ---- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *ju64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *cpu_json(const tctl_profile *p)
{
	json_t *kinds = json_array();

	for (size_t i = 0; kinds && i < p->cpukinds_len; i++)
		json_array_append_new(kinds, json_pack("{s:I, s:i, s:o}",
			"pus", (json_int_t)p->cpukinds[i].pus, "efficiency", p->cpukinds[i].efficiency,
			"core_type", jstr(p->cpukinds[i].core_type)));
	return json_pack("{s:o, s:i, s:i, s:i, s:o}", "model", jstr(p->cpu_model),
			 "packages", p->packages, "cores", p->cores, "pus", p->pus, "kinds", kinds);
}

static json_t *numa_json(const tctl_profile *p)
{
	json_t *mem = json_array();

	for (int i = 0; mem && i < p->numa_nodes; i++)
		json_array_append_new(mem, ju64(p->numa_memory[i]));
	return json_pack("{s:i, s:o}", "nodes", p->numa_nodes, "memory", mem);
}

static json_t *gpus_json(const tctl_profile *p)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < p->gpus_len; i++) {
		const tctl_gpu *g = &p->gpus[i];
		json_array_append_new(a, json_pack(
			"{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
			"index", g->index, "vendor", jstr(g->vendor), "model", jstr(g->model),
			"model_source", jstr(g->model_source), "memory", ju64(g->memory),
			"memory_source", jstr(g->memory_source), "pci_bus_id", jstr(g->pci_bus_id),
			"pci_id", jstr(g->pci_id), "backends", jstr(g->backends), "integrated", g->integrated,
			"local_cpus", jstr(g->local_cpus)));
	}
	return a;
}

static json_t *profile_json(const tctl_profile *p)
{
	json_t *o = json_pack("{s:i, s:o, s:b, s:o, s:o, s:o, s:o}",
		"schema", PROFILE_SCHEMA, "source", jstr(p->source), "from_cache", p->from_cache,
		"hostname", jstr(p->hostname), "machine", jstr(p->machine),
		"cpu", cpu_json(p), "numa", numa_json(p));

	if (!o)
		return NULL;
	json_object_set_new(o, "memory", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
		"usable", ju64(p->memory), "source", jstr(p->memory_source),
		"mem_total", ju64(p->mem_total), "cgroup_limit", ju64(p->mem_limit),
		"cgroup_limit_source", jstr(p->mem_limit_source), "hwloc_total", ju64(p->hwloc_memory)));
	json_object_set_new(o, "cpus", json_pack("{s:f, s:o, s:i, s:f, s:o}",
		"usable", p->cpus, "source", jstr(p->cpus_source), "allowed_pus", p->allowed_pus,
		"cgroup_quota", p->cpu_quota, "cgroup_quota_source", jstr(p->cpu_quota_source)));
	json_object_set_new(o, "gpus", gpus_json(p));
	json_object_set_new(o, "disk", json_pack("{s:o, s:o}", "path", jstr(p->disk_path),
		"free", ju64(p->disk_free)));
	json_object_set_new(o, "fingerprint", jstr(p->fingerprint));
	return o;
}

int tctl_profile_to_json(char **out, const tctl_profile *p)
{
	json_t *o = profile_json(p);
	char *s;

	if (!o)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = s;
	return 0;
}

/* ---- reading: every field checked, errors name the file and the field ---- */

typedef struct {
	const char *origin;
	char path[96];
} reader;

/* A field path for messages ("cpu.kinds[1]"); a long one is cut, which only shortens a message. */
static void set_path(reader *r, const char *parent, const char *key, long index)
{
	char idx[32] = "";
	int n;

	if (index >= 0)
		snprintf(idx, sizeof(idx), "[%ld]", index);
	n = snprintf(r->path, sizeof(r->path), "%s%s%s%s", parent, *parent ? "." : "", key, idx);
	if (n >= (int)sizeof(r->path))
		r->path[sizeof(r->path) - 1] = '\0';
}

static int bad(const reader *r, const char *key, const char *expected)
{
	return tctl_error_set(TCTL_EINVALID, "'%s': field '%s%s%s' expected %s", r->origin,
			      r->path, *r->path ? "." : "", key, expected);
}

static int get_obj(json_t **out, const reader *r, json_t *o, const char *key, reader *sub)
{
	if (!json_is_object(*out = json_object_get(o, key)))
		return bad(r, key, "an object");
	sub->origin = r->origin;
	set_path(sub, r->path, key, -1);
	return 0;
}

static int get_i64(json_int_t *out, const reader *r, json_t *o, const char *key, json_int_t max)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(r, key, "a non-negative integer");
	*out = json_integer_value(v);
	return 0;
}

static int get_int(int *out, const reader *r, json_t *o, const char *key)
{
	json_int_t v;
	int error = get_i64(&v, r, o, key, INT32_MAX);

	*out = error ? 0 : (int)v;
	return error;
}

static int get_u64(uint64_t *out, const reader *r, json_t *o, const char *key)
{
	json_int_t v;
	int error = get_i64(&v, r, o, key, INT64_MAX);

	*out = error ? 0 : (uint64_t)v;
	return error;
}

static int get_num(double *out, const reader *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
		return bad(r, key, "a non-negative number");
	*out = json_number_value(v);
	return 0;
}

static int get_str(char **out, const reader *r, json_t *o, const char *key, bool nullable)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(r, key, nullable ? "a string or null" : "a string");
	if (!(*out = strdup(json_string_value(v))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static int get_bool(bool *out, const reader *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return bad(r, key, "true or false");
	*out = json_is_true(v);
	return 0;
}

static int get_array(json_t **out, const reader *r, json_t *o, const char *key)
{
	if (!json_is_array(*out = json_object_get(o, key)))
		return bad(r, key, "an array");
	return 0;
}

static int read_kinds(tctl_profile *p, const reader *r, json_t *cpu)
{
	json_t *a, *k;
	size_t i;
	int error;

	if ((error = get_array(&a, r, cpu, "kinds")) < 0)
		return error;
	if (json_array_size(a) && !(p->cpukinds = calloc(json_array_size(a), sizeof(*p->cpukinds))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	json_array_foreach(a, i, k) {
		reader sub = { r->origin, "" };
		int pus = 0;
		set_path(&sub, r->path, "kinds", (long)i);
		if (!json_is_object(k))
			return tctl_error_set(TCTL_EINVALID, "'%s': field '%s' expected an object",
					      r->origin, sub.path);
		tctl_cpukind *ck = &p->cpukinds[p->cpukinds_len++];
		if ((error = get_int(&pus, &sub, k, "pus")) < 0 ||
		    (error = get_str(&ck->core_type, &sub, k, "core_type", true)) < 0)
			return error;
		ck->pus = (unsigned)pus;
		json_t *eff = json_object_get(k, "efficiency");
		if (!json_is_integer(eff))
			return bad(&sub, "efficiency", "an integer");
		ck->efficiency = (int)json_integer_value(eff);
	}
	return 0;
}

static int read_cpu(tctl_profile *p, const reader *r, json_t *root)
{
	reader sub;
	json_t *cpu;
	int error;

	if ((error = get_obj(&cpu, r, root, "cpu", &sub)) < 0 ||
	    (error = get_str(&p->cpu_model, &sub, cpu, "model", true)) < 0 ||
	    (error = get_int(&p->packages, &sub, cpu, "packages")) < 0 ||
	    (error = get_int(&p->cores, &sub, cpu, "cores")) < 0 ||
	    (error = get_int(&p->pus, &sub, cpu, "pus")) < 0)
		return error;
	return read_kinds(p, &sub, cpu);
}

static int read_numa(tctl_profile *p, const reader *r, json_t *root)
{
	reader sub;
	json_t *numa, *mem, *v;
	size_t i;
	int error;

	if ((error = get_obj(&numa, r, root, "numa", &sub)) < 0 ||
	    (error = get_int(&p->numa_nodes, &sub, numa, "nodes")) < 0 ||
	    (error = get_array(&mem, &sub, numa, "memory")) < 0)
		return error;
	if (json_array_size(mem) != (size_t)p->numa_nodes)
		return bad(&sub, "memory", "one size per NUMA node");
	if (p->numa_nodes && !(p->numa_memory = calloc((size_t)p->numa_nodes, sizeof(uint64_t))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	json_array_foreach(mem, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(&sub, "memory", "non-negative integers");
		p->numa_memory[i] = (uint64_t)json_integer_value(v);
	}
	return 0;
}

static int read_memory_cpus(tctl_profile *p, const reader *r, json_t *root)
{
	reader sm, sc;
	json_t *mem, *cpus;
	int error;

	if ((error = get_obj(&mem, r, root, "memory", &sm)) < 0 ||
	    (error = get_u64(&p->memory, &sm, mem, "usable")) < 0 ||
	    (error = get_str(&p->memory_source, &sm, mem, "source", true)) < 0 ||
	    (error = get_u64(&p->mem_total, &sm, mem, "mem_total")) < 0 ||
	    (error = get_u64(&p->mem_limit, &sm, mem, "cgroup_limit")) < 0 ||
	    (error = get_str(&p->mem_limit_source, &sm, mem, "cgroup_limit_source", true)) < 0 ||
	    (error = get_u64(&p->hwloc_memory, &sm, mem, "hwloc_total")) < 0)
		return error;
	if ((error = get_obj(&cpus, r, root, "cpus", &sc)) < 0 ||
	    (error = get_num(&p->cpus, &sc, cpus, "usable")) < 0 ||
	    (error = get_str(&p->cpus_source, &sc, cpus, "source", true)) < 0 ||
	    (error = get_int(&p->allowed_pus, &sc, cpus, "allowed_pus")) < 0 ||
	    (error = get_num(&p->cpu_quota, &sc, cpus, "cgroup_quota")) < 0)
		return error;
	return get_str(&p->cpu_quota_source, &sc, cpus, "cgroup_quota_source", true);
}

static int read_gpu(tctl_gpu *g, const reader *r, json_t *o)
{
	int error;

	if ((error = get_int(&g->index, r, o, "index")) < 0 ||
	    (error = get_str(&g->vendor, r, o, "vendor", false)) < 0 ||
	    (error = get_str(&g->model, r, o, "model", false)) < 0 ||
	    (error = get_str(&g->model_source, r, o, "model_source", true)) < 0 ||
	    (error = get_u64(&g->memory, r, o, "memory")) < 0 ||
	    (error = get_str(&g->memory_source, r, o, "memory_source", true)) < 0 ||
	    (error = get_str(&g->pci_bus_id, r, o, "pci_bus_id", true)) < 0 ||
	    (error = get_str(&g->pci_id, r, o, "pci_id", true)) < 0 ||
	    (error = get_str(&g->backends, r, o, "backends", false)) < 0 ||
	    (error = get_str(&g->local_cpus, r, o, "local_cpus", true)) < 0)
		return error;
	return get_bool(&g->integrated, r, o, "integrated");
}

static int read_gpus(tctl_profile *p, const reader *r, json_t *root)
{
	json_t *a, *g;
	size_t i;
	int error;

	if ((error = get_array(&a, r, root, "gpus")) < 0)
		return error;
	if (json_array_size(a) && !(p->gpus = calloc(json_array_size(a), sizeof(*p->gpus))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	json_array_foreach(a, i, g) {
		reader sub = { r->origin, "" };
		set_path(&sub, "", "gpus", (long)i);
		if (!json_is_object(g))
			return tctl_error_set(TCTL_EINVALID, "'%s': field '%s' expected an object",
					      r->origin, sub.path);
		if ((error = read_gpu(&p->gpus[p->gpus_len++], &sub, g)) < 0)
			return error;
	}
	return 0;
}

static int read_top(tctl_profile *p, const reader *r, json_t *root)
{
	reader sd;
	json_t *disk;
	int schema = 0, error;

	if ((error = get_int(&schema, r, root, "schema")) < 0)
		return error;
	if (schema != PROFILE_SCHEMA)
		return tctl_error_set(schema > PROFILE_SCHEMA ? TCTL_EVERSION : TCTL_EINVALID,
			"'%s': profile schema %d; this trainctl reads schema %d", r->origin, schema,
			PROFILE_SCHEMA);
	if ((error = get_str(&p->source, r, root, "source", false)) < 0 ||
	    (error = get_bool(&p->from_cache, r, root, "from_cache")) < 0 ||
	    (error = get_str(&p->hostname, r, root, "hostname", true)) < 0 ||
	    (error = get_str(&p->machine, r, root, "machine", true)) < 0 ||
	    (error = get_str(&p->fingerprint, r, root, "fingerprint", true)) < 0 ||
	    (error = get_obj(&disk, r, root, "disk", &sd)) < 0 ||
	    (error = get_str(&p->disk_path, &sd, disk, "path", true)) < 0)
		return error;
	return get_u64(&p->disk_free, &sd, disk, "free");
}

int tctl_profile_from_json(tctl_profile **out, const char *json, const char *origin)
{
	reader r = { origin ? origin : "profile", "" };
	json_error_t jerr;
	json_t *root = json_loads(json, 0, &jerr);
	tctl_profile *p = NULL;
	int error;

	if (!root)
		return tctl_error_set(TCTL_EINVALID, "'%s' is not valid JSON (line %d: %s)", r.origin,
				      jerr.line, jerr.text);
	if (!json_is_object(root)) {
		error = tctl_error_set(TCTL_EINVALID, "'%s': expected a JSON object", r.origin);
		goto done;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = read_top(p, &r, root)) < 0 || (error = read_cpu(p, &r, root)) < 0 ||
	    (error = read_numa(p, &r, root)) < 0 || (error = read_memory_cpus(p, &r, root)) < 0 ||
	    (error = read_gpus(p, &r, root)) < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	tctl_profile_free(p);
	json_decref(root);
	return error;
}
