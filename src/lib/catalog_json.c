/* catalog_json.c: the catalog file format (data/catalog.json), read with strict validation. */
#include "catalog_internal.h"
#include "trainctl/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GB 1000000000ULL
#define GIB 1073741824ULL

/* Where a reader stands: the file and the entry, for messages. */
typedef struct {
	const char *origin;
	char where[96];        /* "prices[3]" */
	json_t *sources;       /* the file's "sources" object, or NULL */
} reader;

static int fail(const reader *r, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const reader *r, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field)
		return tctl_error_set(TCTL_EINVALID, "%s: %s: field '%s': %s", r->origin,
				      r->where, field, msg);
	return tctl_error_set(TCTL_EINVALID, "%s: %s: %s", r->origin, r->where, msg);
}

/* Refuses keys outside `allowed` (NULL-terminated), so typos do not pass silently. */
static int check_keys(const reader *r, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, key))
			a++;
		if (!*a)
			return fail(r, NULL, "unknown field '%s'", key);
	}
	return 0;
}

static int get_str(const char **out, const reader *r, json_t *obj, const char *key, bool required)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v) {
		if (required)
			return fail(r, key, "missing (expected a string)");
		return 0;
	}
	if (!json_is_string(v) || !*json_string_value(v))
		return fail(r, key, "expected a non-empty string");
	*out = json_string_value(v);
	return 0;
}

/* A number >= min; `missing` is the value when absent and not required. */
static int get_num(double *out, const reader *r, json_t *obj, const char *key, bool required,
		   double min, double missing)
{
	json_t *v = json_object_get(obj, key);

	*out = missing;
	if (!v) {
		if (required)
			return fail(r, key, "missing (expected a number)");
		return 0;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < min)
		return fail(r, key, "expected a number >= %g", min);
	*out = json_number_value(v);
	return 0;
}

static int get_int(int *out, const reader *r, json_t *obj, const char *key, int min, int max)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return fail(r, key, "missing (expected an integer)");
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fail(r, key, "expected an integer from %d to %d", min, max);
	*out = (int)json_integer_value(v);
	return 0;
}

/* A "source" field: a key of the file's "sources" object; *out = its title, *date its date. */
static int get_source(const char **out, const char **date, const reader *r, json_t *obj,
		      bool required)
{
	const char *key;
	json_t *s;
	int error;

	*out = NULL;
	if (date)
		*date = NULL;
	if ((error = get_str(&key, r, obj, "source", required)) < 0 || !key)
		return error;
	if (!r->sources || !(s = json_object_get(r->sources, key)))
		return fail(r, "source", "'%s' is not a key of \"sources\"", key);
	*out = json_string_value(json_object_get(s, "title"));
	if (date)
		*date = json_string_value(json_object_get(s, "date"));
	return 0;
}

static int read_sources(reader *r, json_t *root)
{
	static const char *const keys[] = { "title", "url", "date", NULL };
	const char *key, *s;
	json_t *v;
	int error;

	r->sources = json_object_get(root, "sources");
	if (!r->sources)
		return 0;
	snprintf(r->where, sizeof(r->where), "sources");
	if (!json_is_object(r->sources))
		return fail(r, NULL, "expected an object of {title, url, date}");
	json_object_foreach(r->sources, key, v) {
		snprintf(r->where, sizeof(r->where), "sources.%s", key);
		if (!json_is_object(v))
			return fail(r, NULL, "expected an object of {title, url, date}");
		if ((error = check_keys(r, v, keys)) < 0 ||
		    (error = get_str(&s, r, v, "title", true)) < 0 ||
		    (error = get_str(&s, r, v, "url", false)) < 0 ||
		    (error = get_str(&s, r, v, "date", true)) < 0)
			return error;
	}
	return 0;
}

/* The array `name` of root; *out_len 0 when absent. */
static int get_array(json_t **out, size_t *out_len, reader *r, json_t *root, const char *name)
{
	json_t *a = json_object_get(root, name);

	*out = NULL;
	*out_len = 0;
	if (!a)
		return 0;
	snprintf(r->where, sizeof(r->where), "%s", name);
	if (!json_is_array(a))
		return fail(r, NULL, "expected an array");
	*out = a;
	*out_len = json_array_size(a);
	return 0;
}

/* Points r->where at name[i] and checks the element is an object with known keys. */
static int enter(reader *r, json_t *e, const char *name, size_t i, const char *const *keys)
{
	snprintf(r->where, sizeof(r->where), "%s[%zu]", name, i);
	if (!json_is_object(e))
		return fail(r, NULL, "expected an object");
	return check_keys(r, e, keys);
}

static int read_gpu(tctl_gpu_model *g, reader *r, json_t *e, catalog_owned *own)
{
	json_t *m = json_object_get(e, "match");
	const char **match;
	double mem, watts;
	size_t i;
	int error;

	if ((error = get_str(&g->name, r, e, "name", true)) < 0 ||
	    (error = get_str(&g->vendor, r, e, "vendor", true)) < 0 ||
	    (error = get_num(&mem, r, e, "memory_gb", true, 0.001, 0)) < 0 ||
	    (error = get_num(&g->speed, r, e, "speed", true, 0.001, 0)) < 0 ||
	    (error = get_str(&g->speed_rule, r, e, "speed_rule", true)) < 0 ||
	    (error = get_source(&g->speed_source, NULL, r, e, true)) < 0 ||
	    (error = get_num(&watts, r, e, "watts", true, 1, 0)) < 0)
		return error;
	g->memory = (uint64_t)llround(mem * GB);
	g->watts = (int)llround(watts);
	if (!json_is_array(m) || !json_array_size(m))
		return fail(r, "match", "expected a non-empty array of strings");
	if (!(match = catalog_alloc(own, json_array_size(m) * sizeof(char *))))
		return TCTL_ENOMEM;
	g->match = match;
	g->match_len = json_array_size(m);
	for (i = 0; i < g->match_len; i++) {
		json_t *s = json_array_get(m, i);
		if (!json_is_string(s) || !*json_string_value(s))
			return fail(r, "match", "element %zu: expected a non-empty string", i);
		match[i] = json_string_value(s);
	}
	return 0;
}

static int read_size(tctl_vm_size *s, reader *r, json_t *e)
{
	double mem;
	int error;

	if ((error = get_str(&s->name, r, e, "name", true)) < 0 ||
	    (error = get_str(&s->family, r, e, "family", true)) < 0 ||
	    (error = get_int(&s->vcpus, r, e, "vcpus", 1, 100000)) < 0 ||
	    (error = get_num(&mem, r, e, "memory_gib", true, 0.001, 0)) < 0 ||
	    (error = get_str(&s->gpu, r, e, "gpu", false)) < 0 ||
	    (error = get_str(&s->retired, r, e, "retired", false)) < 0)
		return error;
	s->memory = (uint64_t)llround(mem * GIB);
	s->gpus = 0;
	if (s->gpu && (error = get_int(&s->gpus, r, e, "gpus", 1, 64)) < 0)
		return error;
	if (!s->gpu && json_object_get(e, "gpus"))
		return fail(r, "gpus", "given without \"gpu\" (the model)");
	if (s->retired && (error = get_source(&s->retired_source, NULL, r, e, true)) < 0)
		return error;
	return 0;
}

static int read_price(tctl_price *p, reader *r, json_t *e)
{
	int error;

	if ((error = get_str(&p->size, r, e, "size", true)) < 0 ||
	    (error = get_str(&p->region, r, e, "region", true)) < 0 ||
	    (error = get_num(&p->dedicated, r, e, "dedicated", false, 0, -1)) < 0 ||
	    (error = get_num(&p->low_priority, r, e, "low_priority", false, 0, -1)) < 0 ||
	    (error = get_source(&p->source, &p->date, r, e, true)) < 0)
		return error;
	if (p->dedicated < 0 && p->low_priority < 0)
		return fail(r, NULL, "has neither \"dedicated\" nor \"low_priority\"");
	return 0;
}

static int read_region(tctl_region *g, reader *r, json_t *e)
{
	int error;

	if ((error = get_str(&g->name, r, e, "name", true)) < 0 ||
	    (error = get_str(&g->group, r, e, "group", true)) < 0)
		return error;
	return 0;
}

static int read_egress(tctl_egress *x, reader *r, json_t *e)
{
	int error;

	if ((error = get_str(&x->from, r, e, "from", true)) < 0 ||
	    (error = get_str(&x->to, r, e, "to", true)) < 0 ||
	    (error = get_num(&x->usd_per_gb, r, e, "usd_per_gb", true, 0, 0)) < 0 ||
	    (error = get_source(&x->source, NULL, r, e, true)) < 0)
		return error;
	return 0;
}

typedef int (*read_fn)(void *item, reader *r, json_t *e, catalog_owned *own);

/* Reads every element of root[name] with `fn` into a new array of `item_size`-byte items. */
static int read_array(void *out, size_t *out_len, size_t item_size, reader *r, json_t *root,
		      const char *name, const char *const *keys, read_fn fn, catalog_owned *own)
{
	json_t *arr;
	size_t n, i;
	char *items = NULL;
	int error;

	if ((error = get_array(&arr, &n, r, root, name)) < 0 || !n)
		return error;
	if (!(items = catalog_alloc(own, n * item_size)))
		return TCTL_ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		if ((error = enter(r, e, name, i, keys)) < 0 ||
		    (error = fn(items + i * item_size, r, e, own)) < 0)
			return error;
	}
	*(void **)out = items;
	*out_len = n;
	return 0;
}

static int gpu_fn(void *item, reader *r, json_t *e, catalog_owned *own)
{
	return read_gpu(item, r, e, own);
}

static int size_fn(void *item, reader *r, json_t *e, catalog_owned *own)
{
	(void)own;
	return read_size(item, r, e);
}

static int price_fn(void *item, reader *r, json_t *e, catalog_owned *own)
{
	(void)own;
	return read_price(item, r, e);
}

static int region_fn(void *item, reader *r, json_t *e, catalog_owned *own)
{
	(void)own;
	return read_region(item, r, e);
}

static int egress_fn(void *item, reader *r, json_t *e, catalog_owned *own)
{
	(void)own;
	return read_egress(item, r, e);
}

static const char *const top_keys[] = { "schema", "date", "sources", "gpus", "regions", "egress",
					 "vm_sizes", "prices", NULL };
static const char *const gpu_keys[] = { "name", "vendor", "memory_gb", "speed", "speed_rule",
					 "source", "watts", "match", NULL };
static const char *const size_keys[] = { "name", "family", "vcpus", "memory_gib", "gpu", "gpus",
					  "retired", "source", NULL };
static const char *const price_keys[] = { "size", "region", "dedicated", "low_priority",
					   "source", NULL };
static const char *const region_keys[] = { "name", "group", NULL };
static const char *const egress_keys[] = { "from", "to", "usd_per_gb", "source", NULL };

static int read_header(tctl_catalog *cat, reader *r, json_t *root)
{
	json_t *schema = json_object_get(root, "schema");
	int error;

	snprintf(r->where, sizeof(r->where), "top level");
	if (!json_is_object(root))
		return fail(r, NULL, "expected a JSON object");
	if ((error = check_keys(r, root, top_keys)) < 0)
		return error;
	if (!json_is_integer(schema))
		return fail(r, "schema", "missing (expected 1)");
	if (json_integer_value(schema) > 1)
		return tctl_error_set(TCTL_EVERSION, "%s: schema %lld was written by a newer trainctl (this one reads 1)",
				      r->origin, (long long)json_integer_value(schema));
	if (json_integer_value(schema) != 1)
		return fail(r, "schema", "expected 1");
	return get_str(&cat->date, r, root, "date", true);
}

int catalog_read(tctl_catalog *cat, json_t *root, const char *origin, catalog_owned *own)
{
	reader r = { origin, "", NULL };
	int error;

	if ((error = read_header(cat, &r, root)) < 0 || (error = read_sources(&r, root)) < 0 ||
	    (error = read_array(&cat->gpus, &cat->gpus_len, sizeof(tctl_gpu_model), &r, root,
				"gpus", gpu_keys, gpu_fn, own)) < 0 ||
	    (error = read_array(&cat->sizes, &cat->sizes_len, sizeof(tctl_vm_size), &r, root,
				"vm_sizes", size_keys, size_fn, own)) < 0 ||
	    (error = read_array(&cat->prices, &cat->prices_len, sizeof(tctl_price), &r, root,
				"prices", price_keys, price_fn, own)) < 0 ||
	    (error = read_array(&cat->regions, &cat->regions_len, sizeof(tctl_region), &r, root,
				"regions", region_keys, region_fn, own)) < 0 ||
	    (error = read_array(&cat->egress, &cat->egress_len, sizeof(tctl_egress), &r, root,
				"egress", egress_keys, egress_fn, own)) < 0)
		return error;
	return 0;
}
