/* prices_catalog.c: lay refreshed prices over the user catalog and replace it atomically. */
#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "prices_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define KEY_PREFIX "azure-retail-prices-"

/* Which meters a price came from; each combination is one source of the catalog. */
typedef enum { FROM_NORMAL, FROM_LOW_PRIORITY, FROM_SPOT } price_from;

static const char *const key_suffix[] = { "", "-low-priority", "-spot" };
static const char *const title_tail[] = {
	"dedicated = the size's normal meter; no low-priority meter listed",
	"dedicated = the size's normal meter; low priority = its \"Low Priority\" meter",
	"dedicated = the size's normal meter; low priority = its Spot meter (no \"Low Priority\" meter listed)",
};

static void source_key(char *out, size_t size, const char *date, price_from from)
{
	snprintf(out, size, KEY_PREFIX "%s%s", date, key_suffix[from]);
}

static int add_source(json_t *sources, const char *date, price_from from, const char *endpoint)
{
	char key[96], title[512];

	source_key(key, sizeof(key), date, from);
	snprintf(title, sizeof(title), "Azure Retail Prices API, Virtual Machines, Consumption, Linux, "
		 "per hour: %s", title_tail[from]);
	return json_object_set_new(sources, key, json_pack("{s:s, s:s, s:s}", "title", title, "url",
							    endpoint, "date", date));
}

/* Drops the file's entries for size + region (any case of the size). */
static void remove_price(json_t *prices, const char *size, const char *region)
{
	for (size_t i = json_array_size(prices); i-- > 0;) {
		json_t *e = json_array_get(prices, i);
		const char *s = json_string_value(json_object_get(e, "size"));
		const char *r = json_string_value(json_object_get(e, "region"));
		if (s && r && !strcasecmp(s, size) && !strcmp(r, region))
			json_array_remove(prices, i);
	}
}

/* One slot as a catalog entry; *used gets the source it names. */
static json_t *price_entry(const prices_slot *s, const char *date, price_from *used)
{
	const prices_meter_price *low = s->m[METER_LOW_PRIORITY].set ? &s->m[METER_LOW_PRIORITY]
				      : s->m[METER_SPOT].set ? &s->m[METER_SPOT] : NULL;
	json_t *e = json_pack("{s:s, s:s}", "size", s->size, "region", s->region);
	char key[96];

	*used = !low ? FROM_NORMAL : low == &s->m[METER_LOW_PRIORITY] ? FROM_LOW_PRIORITY : FROM_SPOT;
	if (!e)
		return NULL;
	if (s->m[METER_NORMAL].set)
		json_object_set_new(e, "dedicated", json_real(s->m[METER_NORMAL].usd));
	if (low)
		json_object_set_new(e, "low_priority", json_real(low->usd));
	source_key(key, sizeof(key), date, *used);
	json_object_set_new(e, "source", json_string(key));
	return e;
}

static bool source_referenced(json_t *root, const char *key)
{
	static const char *const arrays[] = { "gpus", "vm_sizes", "prices", "egress" };
	size_t i;
	json_t *e;

	for (size_t a = 0; a < 4; a++)
		json_array_foreach(json_object_get(root, arrays[a]), i, e) {
			const char *s = json_string_value(json_object_get(e, "source"));
			if (s && !strcmp(s, key))
				return true;
		}
	return false;
}

/* Sources this command made that nothing names any more (older refreshes fully replaced). */
static void prune_sources(json_t *root)
{
	json_t *sources = json_object_get(root, "sources"), *v;
	const char *key;
	void *tmp;

	json_object_foreach_safe(sources, tmp, key, v)
		if (!strncmp(key, KEY_PREFIX, strlen(KEY_PREFIX)) && !source_referenced(root, key))
			json_object_del(sources, key);
}

/* Adds every slot with a price to the document; counts into *out. */
static int apply(json_t *root, const prices_table *t, const char *date, const char *endpoint,
		 tctl_prices_result *out)
{
	json_t *sources = json_object_get(root, "sources"), *prices = json_object_get(root, "prices");
	bool used[3] = { false, false, false };
	size_t total = t->nregions * t->cat->sizes_len;

	for (size_t i = 0; i < total; i++) {
		const prices_slot *s = &t->slots[i];
		price_from from;
		json_t *e;
		if (!s->m[METER_NORMAL].set && !s->m[METER_LOW_PRIORITY].set && !s->m[METER_SPOT].set) {
			out->missing++;
			continue;
		}
		if (!(e = price_entry(s, date, &from)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		remove_price(prices, s->size, s->region);
		json_array_append_new(prices, e);
		used[from] = true;
		out->prices++;
		out->dedicated += s->m[METER_NORMAL].set;
		out->low_priority_meter += from == FROM_LOW_PRIORITY;
		out->spot_meter += from == FROM_SPOT;
	}
	for (int f = 0; f < 3; f++)
		if (used[f] && add_source(sources, date, (price_from)f, endpoint) < 0)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
	prune_sources(root);
	return 0;
}

/* The user catalog as it is (already checked to load), or a new one. */
static int open_document(json_t **out, const char *path)
{
	json_error_t jerr;
	json_t *root;

	if (access(path, F_OK) != 0)
		root = json_pack("{s:i}", "schema", 1);
	else if (!(root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)))
		return tctl_error_set(TCTL_EINVALID, "%s:%d:%d: not valid JSON: %s", path, jerr.line,
				      jerr.column, jerr.text);
	if (!root)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (!json_is_object(json_object_get(root, "sources")))
		json_object_set_new(root, "sources", json_object());
	if (!json_is_array(json_object_get(root, "prices")))
		json_object_set_new(root, "prices", json_array());
	*out = root;
	return 0;
}

/* Writes `text` beside `path`, checks that it loads as a catalog, then renames it over `path`. */
static int replace_checked(const char *path, const char *text)
{
	tctl_catalog *check = NULL;
	char *tmp = NULL, *dir = NULL, *slash;
	int error;

	if (asprintf(&tmp, "%s.refresh", path) < 0 || !(dir = strdup(path))) {
		free(tmp);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if ((slash = strrchr(dir, '/')) && slash != dir)
		*slash = '\0';
	if ((error = tctl_mkdir_p(dir, 0700)) < 0 ||
	    (error = tctl_file_write_atomic(tmp, text, strlen(text), 0644)) < 0)
		goto done;
	if ((error = tctl_catalog_load(&check, tmp)) < 0) {
		tctl_error_prefix("the refreshed catalog does not load; '%s' is left as it was", path);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) < 0) {
		error = tctl_error_set_os("cannot rename '%s' to '%s'", tmp, path);
		unlink(tmp);
	}
done:
	tctl_catalog_free(check);
	free(tmp);
	free(dir);
	return error;
}

int prices_write(tctl_prices_result *out, const prices_table *t, const char *path,
		 const char *endpoint, int64_t now)
{
	char date[16];
	time_t tt = (time_t)now;
	struct tm tm;
	json_t *root = NULL;
	char *text = NULL;
	int error;

	gmtime_r(&tt, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if ((error = open_document(&root, path)) < 0)
		return error;
	json_object_set_new(root, "date", json_string(date));
	if ((error = apply(root, t, date, endpoint, out)) < 0)
		goto done;
	if (!(text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(10))) ||
	    !(out->path = strdup(path))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	error = replace_checked(path, text);
done:
	json_decref(root);
	free(text);
	return error;
}
