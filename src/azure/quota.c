/* quota.c: a region's usages, quotas and VM sizes; free vCPUs per family; workspace quotas. */
#include "azure_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Azure names a VM family three ways: the VM sizes list says "standardNCSv3Family", usages and
 * quotas say "Standard NCSv3 Family Cluster Dedicated vCPUs" (name) and
 * ".../Standard_NCSv3_Family_Cluster_Dedicated_vCPUs" (id). All three reduce to one key:
 * lower-case letters and digits, without the "cluster dedicated vcpus" tail.
 */
static void family_key(char *out, size_t size, const char *name)
{
	static const char *const tails[] = { "clusterdedicatedvcpus", "clusterlowpriorityvcpus",
					     "dedicatedvcpus", "lowpriorityvcpus", "vcpus" };
	size_t n = 0, len;

	for (; name && *name && n + 1 < size; name++)
		if (isalnum((unsigned char)*name))
			out[n++] = (char)tolower((unsigned char)*name);
	out[n] = '\0';
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		len = strlen(tails[i]);
		if (n > len && !strcmp(out + n - len, tails[i])) {
			out[n - len] = '\0';
			return;
		}
	}
}

static const char *last_segment(const char *id)
{
	const char *s = id ? strrchr(id, '/') : NULL;

	return s ? s + 1 : id;
}

static bool has(const char *s, const char *needle)
{
	return s && strcasestr(s, needle);
}

/* ---- the families table ---- */

static tctl_quota_family *family_get(tctl_azure_quotas *q, const char *key, const char *label,
				     const char *id)
{
	tctl_quota_family *f;
	char k[160];

	for (size_t i = 0; i < q->families_len; i++) {
		family_key(k, sizeof(k), q->families[i].family);
		if (!strcmp(k, key))
			return &q->families[i];
	}
	if (!(f = realloc(q->families, (q->families_len + 1) * sizeof(*f))))
		return NULL;
	q->families = f;
	f = &q->families[q->families_len];
	memset(f, 0, sizeof(*f));
	f->limit = -1;
	f->ws_used = -1;
	f->ws_limit = -1;
	if (!(f->family = strdup(key)) || !(f->label = strdup(label ? label : key)) ||
	    !(f->quota_id = strdup(last_segment(id) ? last_segment(id) : key))) {
		free(f->family);
		free(f->label);
		return NULL;
	}
	q->families_len++;
	return f;
}

static bool ours(const tctl_workspace *ws, const char *id)
{
	char part[160];

	snprintf(part, sizeof(part), "/workspaces/%s/", ws->workspace);
	return has(id, part) && !has(id, "/computes/");
}

/* One Usage item (SPEC definitions/Usage): which counter it is, by its type. */
static int read_usage(tctl_azure_quotas *q, const tctl_workspace *ws, json_t *u)
{
	const char *type = azure_str(u, "type"), *id = azure_str(u, "id");
	json_t *name = json_object_get(u, "name");
	const char *label = azure_str(name, "localizedValue") ? azure_str(name, "localizedValue")
							       : azure_str(name, "value");
	json_int_t used = azure_int(u, "currentValue", 0), limit = azure_int(u, "limit", -1);
	tctl_quota_family *f;
	char key[160];

	if (has(type, "/dedicatedCores/")) {
		q->dedicated_used = used;
		q->dedicated_limit = limit;
		return 0;
	}
	if (has(type, "/lowPriorityCores/")) {
		q->low_used = used;
		q->low_limit = limit;
		return 0;
	}
	family_key(key, sizeof(key), azure_str(name, "value") ? azure_str(name, "value") : last_segment(id));
	if (!key[0] || has(label, "lowpriority") || has(id, "lowpriority"))
		return 0;   /* per-family low-priority counters: the shared pool above is what binds */
	if (has(type, "/vmFamily/")) {
		if (!(f = family_get(q, key, label, id)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		f->used = used;
		f->limit = limit;
	} else if ((has(type, "/workspaces/usages") || has(type, "/workspace/usages")) && ours(ws, id)) {
		if (!(f = family_get(q, key, label, id)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		f->ws_used = used;
	}
	return 0;
}

/* One ResourceQuota item: a subscription's family limit, or this workspace's own quota. */
static int read_quota(tctl_azure_quotas *q, const tctl_workspace *ws, json_t *r)
{
	const char *type = azure_str(r, "type"), *id = azure_str(r, "id");
	json_t *name = json_object_get(r, "name");
	const char *label = azure_str(name, "localizedValue");
	json_int_t limit = azure_int(r, "limit", -1);
	tctl_quota_family *f;
	char key[160];

	family_key(key, sizeof(key), azure_str(name, "value") ? azure_str(name, "value") : last_segment(id));
	if (!key[0] || has(label, "lowpriority") || has(id, "lowpriority"))
		return 0;
	if (has(type, "/vmFamily/")) {
		if (!(f = family_get(q, key, label, id)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		if (f->limit < 0)
			f->limit = limit;
	} else if ((has(type, "/workspaces/quotas") || has(type, "/workspace/quotas")) && ours(ws, id)) {
		if (!(f = family_get(q, key, label, id)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		f->ws_limit = limit;
	}
	return 0;
}

/* ---- VM sizes ---- */

static void read_prices(tctl_azure_vm_size *s, json_t *vm)
{
	json_t *values = azure_path(vm, "estimatedVMPrices.values"), *p;
	size_t i;

	s->dedicated = s->low_priority = s->spot = -1;
	json_array_foreach(values, i, p) {
		const char *os = azure_str(p, "osType"), *tier = azure_str(p, "vmTier");
		json_t *price = json_object_get(p, "retailPrice");
		if (!os || strcasecmp(os, "Linux") || !tier || !json_is_number(price))
			continue;
		if (!strcasecmp(tier, "Standard"))
			s->dedicated = json_number_value(price);
		else if (!strcasecmp(tier, "LowPriority"))
			s->low_priority = json_number_value(price);
		else if (!strcasecmp(tier, "Spot"))
			s->spot = json_number_value(price);
	}
}

static int read_sizes(tctl_azure_quotas *q, json_t *list)
{
	json_t *vm;
	size_t i;

	if (!(q->sizes = calloc(json_array_size(list) + 1, sizeof(*q->sizes))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	json_array_foreach(list, i, vm) {
		tctl_azure_vm_size *s = &q->sizes[q->sizes_len];
		const char *name = azure_str(vm, "name"), *family = azure_str(vm, "family");
		if (!name)
			continue;
		if (!(s->name = strdup(name)) || (family && !(s->family = strdup(family))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		q->sizes_len++;
		s->vcpus = (int)azure_int(vm, "vCPUs", 0);
		s->gpus = (int)azure_int(vm, "gpus", 0);
		s->memory_gb = json_number_value(json_object_get(vm, "memoryGB"));
		s->low_priority_capable = json_is_true(json_object_get(vm, "lowPriorityCapable"));
		read_prices(s, vm);
	}
	return 0;
}

/* Families get the VM sizes' own spelling of their name when a size has one. */
static int name_families(tctl_azure_quotas *q)
{
	char a[160], b[160];

	for (size_t i = 0; i < q->families_len; i++) {
		family_key(a, sizeof(a), q->families[i].family);
		for (size_t j = 0; j < q->sizes_len; j++) {
			char *copy;
			family_key(b, sizeof(b), q->sizes[j].family);
			if (strcmp(a, b))
				continue;
			if (!(copy = strdup(q->sizes[j].family)))
				return tctl_error_set(TCTL_ENOMEM, "out of memory");
			free(q->families[i].family);
			q->families[i].family = copy;
			break;
		}
	}
	return 0;
}

int azure_quotas_from_lists(tctl_azure_quotas *q, const tctl_workspace *ws, json_t *usages,
			    json_t *quotas, json_t *sizes)
{
	json_t *item;
	size_t i;
	int error;

	json_array_foreach(usages, i, item)
		if ((error = read_usage(q, ws, item)) < 0)
			return error;
	json_array_foreach(quotas, i, item)
		if ((error = read_quota(q, ws, item)) < 0)
			return error;
	if ((error = read_sizes(q, sizes)) < 0)
		return error;
	return name_families(q);
}

/* ---- reading a region ---- */

static int read_list(json_t **out, tctl_arm *arm, const tctl_workspace *ws, const char *region,
		     const char *what, const char *note)
{
	char *path = NULL;
	int error;

	if ((error = azure_loc_path(&path, ws, region, what)) == 0)
		error = arm_json_list(out, arm, path, note);
	free(path);
	return error;
}

static int read_vm_sizes(json_t **out, tctl_arm *arm, const tctl_workspace *ws, const char *region)
{
	json_t *body = NULL;
	char *path = NULL;
	int error;

	*out = NULL;
	if ((error = azure_loc_path(&path, ws, region, "/vmSizes")) == 0)
		error = arm_json(&body, NULL, arm, "GET", path, NULL, 0,
				 "VM sizes of the region, with their estimated prices");
	free(path);
	if (error == 0 && body)
		*out = json_incref(json_object_get(body, "value"));
	json_decref(body);
	return error;
}

int tctl_azure_quotas_read(tctl_azure_quotas *out, tctl_arm *arm, const tctl_workspace *ws,
			   const char *region)
{
	json_t *usages = NULL, *quotas = NULL, *sizes = NULL;
	tctl_azure_quotas q;
	int error;

	memset(&q, 0, sizeof(q));
	q.dedicated_used = q.low_used = 0;
	q.dedicated_limit = q.low_limit = -1;
	region = region ? region : ws->region;
	if (!(q.region = region ? strdup(region) : NULL) && region) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = read_list(&usages, arm, ws, region, "/usages", "quota pre-flight: vCPUs in use "
			       "per VM family")) < 0 ||
	    (error = read_list(&quotas, arm, ws, region, "/quotas", "quota pre-flight: workspace "
			       "quotas")) < 0 ||
	    (error = read_vm_sizes(&sizes, arm, ws, region)) < 0)
		goto done;
	q.read = !tctl_arm_dry_run(arm);
	error = azure_quotas_from_lists(&q, ws, usages, quotas, sizes);
done:
	json_decref(usages);
	json_decref(quotas);
	json_decref(sizes);
	if (error < 0)
		tctl_azure_quotas_clear(&q);
	else
		*out = q;
	return error;
}

void tctl_azure_quotas_clear(tctl_azure_quotas *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->families_len; i++) {
		free(q->families[i].family);
		free(q->families[i].label);
		free(q->families[i].quota_id);
	}
	for (size_t i = 0; i < q->sizes_len; i++) {
		free(q->sizes[i].name);
		free(q->sizes[i].family);
	}
	free(q->families);
	free(q->sizes);
	free(q->region);
	memset(q, 0, sizeof(*q));
}

/* ---- questions ---- */

const tctl_quota_family *tctl_azure_quota_family(const tctl_azure_quotas *q, const char *family)
{
	char a[160], b[160];

	family_key(a, sizeof(a), family);
	for (size_t i = 0; i < q->families_len; i++) {
		family_key(b, sizeof(b), q->families[i].family);
		if (!strcmp(a, b))
			return &q->families[i];
	}
	return NULL;
}

static int64_t least(int64_t have, int64_t limit, int64_t used)
{
	int64_t free_now;

	if (limit < 0)
		return have;
	free_now = limit - (used > 0 ? used : 0);
	if (free_now < 0)
		free_now = 0;
	return have < 0 || free_now < have ? free_now : have;
}

int64_t tctl_azure_quota_free(const tctl_azure_quotas *q, const char *family, tctl_priority p)
{
	const tctl_quota_family *f;
	int64_t n = -1;

	if (p == TCTL_PRIORITY_LOW)
		return least(-1, q->low_limit, q->low_used);
	n = least(n, q->dedicated_limit, q->dedicated_used);
	if ((f = tctl_azure_quota_family(q, family))) {
		n = least(n, f->limit, f->used);
		n = least(n, f->ws_limit, f->ws_used);
	}
	return n;
}

int tctl_azure_plan_quotas(tctl_plan_quota **out, size_t *out_len, const tctl_azure_quotas *q)
{
	tctl_plan_quota *list = calloc(q->families_len + 1, sizeof(*list));
	size_t n = 0;
	int64_t f;

	if (!list)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < q->families_len; i++) {
		if ((f = tctl_azure_quota_free(q, q->families[i].family, TCTL_PRIORITY_DEDICATED)) < 0)
			continue;
		list[n].family = q->families[i].family;
		list[n].region = q->region;
		list[n++].free_vcpus = f > 1000000 ? 1000000 : (int)f;
	}
	if ((f = tctl_azure_quota_free(q, NULL, TCTL_PRIORITY_LOW)) >= 0) {
		list[n].family = "lowPriorityCores";
		list[n].region = q->region;
		list[n++].free_vcpus = f > 1000000 ? 1000000 : (int)f;
	}
	*out = list;
	*out_len = n;
	return 0;
}

int tctl_azure_catalog_prices(tctl_price **out, size_t *out_len, const tctl_azure_quotas *q,
			      const tctl_catalog *cat, const char *source, const char *date)
{
	tctl_price *list = calloc(q->sizes_len + 1, sizeof(*list));
	size_t n = 0;

	if (!list)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < q->sizes_len; i++) {
		const tctl_azure_vm_size *s = &q->sizes[i];
		const tctl_vm_size *known = tctl_catalog_size(cat, s->name);
		if (!known || s->dedicated < 0)
			continue;
		list[n].size = known->name;
		list[n].region = q->region;
		list[n].dedicated = s->dedicated;
		list[n].low_priority = s->low_priority >= 0 ? s->low_priority : s->spot;
		list[n].source = source;
		list[n++].date = date;
	}
	*out = list;
	*out_len = n;
	return 0;
}

/* ---- workspace quota ---- */

/* "standardNCSv3Family" -> "Standard_NCSv3_Family_Cluster_Dedicated_vCPUs" (the ids' spelling). */
static void guessed_quota_id(char *buf, size_t size, const char *family)
{
	const char *s = family;
	size_t n = strlen(s);

	if (!strncasecmp(s, "standard", 8)) {
		s += 8;
		n -= 8;
	}
	while (*s == ' ' || *s == '_') {
		s++;
		n--;
	}
	if (n > 6 && !strcasecmp(s + n - 6, "Family"))
		n -= 6;
	snprintf(buf, size, "Standard_%.*s_Family_Cluster_Dedicated_vCPUs", (int)n, s);
}

static int quota_body(json_t **out, const tctl_workspace *ws, const char *region,
		      const char *quota_id, int64_t limit)
{
	char *id = NULL;
	int error;

	if ((error = azure_ws_path(&id, ws, "/quotas/%s", quota_id)) < 0)
		return error;
	*out = json_pack("{s:s, s:[{s:s, s:s, s:I, s:s}]}", "location", region, "value", "id", id,
			 "type", "Microsoft.MachineLearningServices/workspaces/quotas", "limit",
			 (json_int_t)limit, "unit", "Count");
	free(id);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

static int unknown_family(const tctl_azure_quotas *q, const char *family)
{
	const char **names = calloc(q->families_len + 1, sizeof(*names));
	const char *near;

	for (size_t i = 0; names && i < q->families_len; i++)
		names[i] = q->families[i].family;
	near = names ? tctl_suggest(family, names, q->families_len) : NULL;
	tctl_error_set(TCTL_ENOTFOUND, "no VM family '%s' in %s%s%s%s", family, q->region,
		       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	free(names);
	return TCTL_ENOTFOUND;
}

/* Each item of the answer says Success or why not (SPEC definitions/Status). */
static int check_result(json_t *res, const char *family)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(res, "value"), i, item) {
		const char *status = azure_str(item, "status");
		if (status && strcmp(status, "Success"))
			return tctl_error_set(!strcmp(status, "InvalidQuotaExceedsSubscriptionLimit")
					      ? TCTL_EQUOTA : TCTL_EREMOTE,
					      "Azure did not set the quota of '%s': %s", family, status);
	}
	return 0;
}

int tctl_azure_quota_set(tctl_arm *arm, const tctl_workspace *ws, const char *region,
			 const char *family, int64_t limit)
{
	tctl_azure_quotas q;
	const tctl_quota_family *f = NULL;
	json_t *body = NULL, *res = NULL;
	char guess[200], *path = NULL;
	int error;

	region = region ? region : ws->region;
	if ((error = tctl_azure_quotas_read(&q, arm, ws, region)) < 0)
		return error;
	if (q.read && !(f = tctl_azure_quota_family(&q, family))) {
		error = unknown_family(&q, family);
		goto done;
	}
	if (f && f->limit >= 0 && limit > f->limit) {
		error = tctl_error_set(TCTL_EQUOTA, "%s: %lld vCPUs is above the subscription's limit "
				       "of %lld in %s; ask for more first (docs/azure.md, Quotas)",
				       f->family, (long long)limit, (long long)f->limit, q.region);
		goto done;
	}
	guessed_quota_id(guess, sizeof(guess), family);
	if ((error = quota_body(&body, ws, q.region, f ? f->quota_id : guess, limit)) < 0 ||
	    (error = azure_loc_path(&path, ws, q.region, "/updateQuotas")) < 0)
		goto done;
	if ((error = arm_json(&res, NULL, arm, "POST", path, body, 0, f ? NULL :
			      "the quota id comes from the quotas list; guessed here")) == 0 && res)
		error = check_result(res, family);
done:
	json_decref(body);
	json_decref(res);
	free(path);
	tctl_azure_quotas_clear(&q);
	return error;
}
