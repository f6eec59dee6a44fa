/* TEMPORARY_job_profile_stub.c: TEMPORARY minimal stand-ins for the job parser and the
 * machine profile, so `plan` and `simulate` link and run before those modules are merged.
 * The integrator deletes this file (and its line in src/meson.build) at merge: the real
 * job.c and profile*.c define every function here. Nothing else depends on its details. */
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/profile.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- job: the fields the planner reads ---- */

static char *dup_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int get_size(uint64_t *out, json_t *o, const char *key, const char *path)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && tctl_size_parse(out, json_string_value(v)) == 0)
		return 0;
	return tctl_error_set(TCTL_EINVALID, "%s: %s: expected a size", path, key);
}

static int get_duration(int64_t *out, json_t *o, const char *key, const char *path)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (json_is_string(v) && tctl_duration_parse(out, json_string_value(v)) == 0)
		return 0;
	return tctl_error_set(TCTL_EINVALID, "%s: %s: expected a duration", path, key);
}

static double get_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

static int read_deadline(tctl_job *j, json_t *lim, const char *path)
{
	json_t *v = json_object_get(lim, "deadline");

	if (json_is_string(v) && strchr(json_string_value(v), 'T') &&
	    tctl_time_parse(&j->limits.deadline_at, json_string_value(v)) == 0)
		return 0;
	return get_duration(&j->limits.deadline, lim, "deadline", path);
}

static tctl_priority read_priority(json_t *cl)
{
	const char *p = json_string_value(json_object_get(cl, "priority"));

	if (p && !strcmp(p, "dedicated"))
		return TCTL_PRIORITY_DEDICATED;
	if (p && (!strcmp(p, "low") || !strcmp(p, "low_priority") || !strcmp(p, "lowpriority")))
		return TCTL_PRIORITY_LOW;
	return TCTL_PRIORITY_ANY;
}

static int read_cloud(tctl_job *j, json_t *cl, const char *path)
{
	json_t *sizes = json_object_get(cl, "vm_sizes");
	int error;

	j->cloud.region = dup_str(cl, "region");
	j->cloud.priority = read_priority(cl);
	j->cloud.max_nodes = (int)get_num(cl, "max_nodes");
	if ((error = get_duration(&j->cloud.idle_time_before_scale_down, cl,
				  "idle_time_before_scale_down", path)) < 0)
		return error;
	if (json_is_array(sizes) && json_array_size(sizes)) {
		j->cloud.vm_sizes = calloc(json_array_size(sizes), sizeof(char *));
		if (!j->cloud.vm_sizes)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		for (size_t i = 0; i < json_array_size(sizes); i++)
			if (json_is_string(json_array_get(sizes, i)))
				j->cloud.vm_sizes[j->cloud.vm_sizes_len++] =
					strdup(json_string_value(json_array_get(sizes, i)));
	}
	return 0;
}

static int read_job(tctl_job *j, json_t *root, const char *path)
{
	json_t *res = json_object_get(root, "resources"), *est = json_object_get(root, "estimate");
	json_t *lim = json_object_get(root, "limits"), *data = json_object_get(root, "data");
	const char *placement = json_string_value(json_object_get(root, "placement"));
	int error;

	j->path = strdup(path);
	j->name = dup_str(root, "name");
	j->resources.cpus = get_num(res, "cpus");
	j->resources.gpus = (int)get_num(res, "gpus");
	j->estimate.gpu_hours = get_num(est, "gpu_hours");
	j->estimate.reference_gpu = dup_str(est, "reference_gpu");
	j->estimate.cpu_core_hours = get_num(est, "cpu_core_hours");
	j->limits.max_cost = get_num(lim, "max_cost");
	j->checkpointable = json_is_true(json_object_get(root, "checkpointable"));
	j->data.region = dup_str(data, "region");
	j->placement = placement && !strcmp(placement, "local") ? TCTL_PLACEMENT_LOCAL
		     : placement && !strcmp(placement, "cloud") ? TCTL_PLACEMENT_CLOUD
								: TCTL_PLACEMENT_AUTO;
	if ((error = get_size(&j->resources.memory, res, "memory", path)) < 0 ||
	    (error = get_size(&j->resources.gpu_memory, res, "gpu_memory", path)) < 0 ||
	    (error = get_size(&j->data.size, data, "size", path)) < 0 ||
	    (error = get_duration(&j->estimate.local_duration, est, "local_duration", path)) < 0 ||
	    (error = get_duration(&j->limits.max_run_duration, lim, "max_run_duration", path)) < 0 ||
	    (error = read_deadline(j, lim, path)) < 0)
		return error;
	return read_cloud(j, json_object_get(root, "cloud"), path);
}

int tctl_job_load(tctl_job **out, const char *path)
{
	json_error_t jerr;
	tctl_job *j;
	json_t *root;
	int error;

	if (!path)
		path = "trainctl.json";
	if (!(root = json_load_file(path, 0, &jerr)))
		return access(path, F_OK) ? tctl_error_set(TCTL_ENOTFOUND, "'%s' does not exist", path)
					  : tctl_error_set(TCTL_EINVALID, "%s:%d: %s", path, jerr.line, jerr.text);
	if (!(j = calloc(1, sizeof(*j)))) {
		json_decref(root);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	error = read_job(j, root, path);
	json_decref(root);
	if (error < 0) {
		tctl_job_free(j);
		return error;
	}
	*out = j;
	return 0;
}

void tctl_job_free(tctl_job *j)
{
	if (!j)
		return;
	free(j->path);
	free(j->name);
	free(j->estimate.reference_gpu);
	free(j->data.region);
	free(j->cloud.region);
	for (size_t i = 0; i < j->cloud.vm_sizes_len; i++)
		free(j->cloud.vm_sizes[i]);
	free(j->cloud.vm_sizes);
	free(j);
}

/* ---- profile: cores and memory of this machine; an hwloc XML scanned for what plan needs ---- */

void tctl_profile_free(tctl_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->gpus_len; i++) {
		free(p->gpus[i].vendor);
		free(p->gpus[i].model);
		free(p->gpus[i].pci_bus_id);
	}
	free(p->gpus);
	free(p->source);
	free(p);
}

int tctl_profile_live(tctl_profile **out, int flags)
{
	tctl_profile *p = calloc(1, sizeof(*p));
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	(void)flags;
	if (!p || !(p->source = strdup("live"))) {
		free(p);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	p->pus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	p->cpus = p->pus;
	p->memory = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
	*out = p;
	return 0;
}

/* The value of attribute `name` in the tag that starts at `tag` (up to its '>'); "" when none. */
static void attr(char *buf, size_t size, const char *tag, const char *name)
{
	const char *end = strchr(tag, '>'), *a;
	char key[64];

	snprintf(key, sizeof(key), " %s=\"", name);
	buf[0] = '\0';
	if ((a = strstr(tag, key)) && (!end || a < end)) {
		a += strlen(key);
		snprintf(buf, size, "%.*s", (int)strcspn(a, "\""), a);
	}
}

static int add_gpu(tctl_profile *p, const char *model, const char *busid, uint64_t kib)
{
	tctl_gpu *g;

	for (size_t i = 0; i < p->gpus_len; i++)
		if (!strcmp(p->gpus[i].pci_bus_id, busid)) {
			if (kib && !p->gpus[i].memory)
				p->gpus[i].memory = kib * 1024;
			return 0;
		}
	if (!(g = realloc(p->gpus, (p->gpus_len + 1) * sizeof(*g))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	p->gpus = g;
	g = &p->gpus[p->gpus_len++];
	memset(g, 0, sizeof(*g));
	g->index = (int)p->gpus_len - 1;
	g->model = strdup(model);
	g->vendor = strdup("unknown");
	g->pci_bus_id = strdup(busid);
	g->memory = kib * 1024;
	return 0;
}

/* One GPU OS device (osdev_type 1 or 5 with a GPUModel info), under the last PCI device seen. */
static int scan_osdev(tctl_profile *p, const char *tag, const char *busid)
{
	const char *next = strstr(tag + 1, "<object"), *m;
	char type[8], model[160] = "", mem[32] = "";

	attr(type, sizeof(type), tag, "osdev_type");
	if (strcmp(type, "1") && strcmp(type, "5"))
		return 0;
	if ((m = strstr(tag, "name=\"GPUModel\" value=\"")) && (!next || m < next))
		snprintf(model, sizeof(model), "%.*s", (int)strcspn(m + 23, "\""), m + 23);
	if ((m = strstr(tag, "GlobalMemorySize\" value=\"")) && (!next || m < next))
		snprintf(mem, sizeof(mem), "%.*s", (int)strcspn(m + 25, "\""), m + 25);
	if (!model[0])
		return 0;
	return add_gpu(p, model, busid, strtoull(mem, NULL, 10));
}

static int scan_xml(tctl_profile *p, const char *text)
{
	char busid[32] = "", buf[64];
	int error = 0;

	for (const char *t = strstr(text, "<object"); t && error >= 0; t = strstr(t + 1, "<object")) {
		attr(buf, sizeof(buf), t, "type");
		if (!strcmp(buf, "PU"))
			p->pus++;
		else if (!strcmp(buf, "NUMANode")) {
			attr(buf, sizeof(buf), t, "local_memory");
			p->memory += strtoull(buf, NULL, 10);
		} else if (!strcmp(buf, "PCIDev"))
			attr(busid, sizeof(busid), t, "pci_busid");
		else if (!strcmp(buf, "OSDev"))
			error = scan_osdev(p, t, busid);
	}
	p->cpus = p->pus;
	p->hwloc_memory = p->memory;
	return error;
}

int tctl_profile_from_xml(tctl_profile **out, const char *path)
{
	tctl_profile *p = calloc(1, sizeof(*p));
	char *text = NULL;
	int error;

	if (!p)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = tctl_file_read(&text, NULL, path)) < 0)
		goto done;
	if (!strstr(text, "<topology")) {
		error = tctl_error_set(TCTL_EINVALID, "'%s' is not an hwloc topology XML", path);
		goto done;
	}
	if (!(p->source = strdup(path))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	error = scan_xml(p, text);
done:
	free(text);
	if (error < 0) {
		tctl_profile_free(p);
		return error;
	}
	*out = p;
	return 0;
}
