/* prices.c: read the Azure Retail Prices API, page by page, checking each page as documented. */
#include "trainctl/prices.h"
#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "prices_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_PAGES 10000  /* per region: a NextPageLink chain longer than this is a loop */
#define DEFAULT_ENDPOINT "https://prices.azure.com/api/retail/prices"

/* One page being read: where it came from, for messages. */
typedef struct {
	prices_table *t;
	size_t region;             /* index into t->regions */
	size_t number;             /* 1-based within the region */
	const char *url;           /* redacted */
} page;

static int page_error(const page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int page_error(const page *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return tctl_error_set(TCTL_EINVALID, "Retail Prices API page %zu for %s (%s): %s", p->number,
			      p->t->regions[p->region], p->url, what);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* ---- one item ---- */

/* items[i].key as a string (required) into *out. */
static int item_str(const char **out, const page *p, size_t i, json_t *item, const char *key)
{
	json_t *v = json_object_get(item, key);

	if (!v)
		return page_error(p, "Items[%zu].%s: missing (expected a string)", i, key);
	if (!json_is_string(v))
		return page_error(p, "Items[%zu].%s: expected a string, got %s", i, key, type_name(v));
	*out = json_string_value(v);
	return 0;
}

static int item_price(double *out, const page *p, size_t i, json_t *item)
{
	json_t *v = json_object_get(item, "retailPrice");

	if (!v)
		return page_error(p, "Items[%zu].retailPrice: missing (expected a number)", i);
	if (!json_is_number(v))
		return page_error(p, "Items[%zu].retailPrice: expected a number, got %s", i, type_name(v));
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < 0)
		return page_error(p, "Items[%zu].retailPrice: expected a number >= 0, got %g", i, *out);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* "Low Priority" and "Spot" meters say so at the end of skuName (and meterName). */
static prices_meter classify(const char *sku_name, const char *meter_name)
{
	if (ends_with(sku_name, " Low Priority") || ends_with(meter_name, " Low Priority"))
		return METER_LOW_PRIORITY;
	if (ends_with(sku_name, " Spot") || ends_with(meter_name, " Spot"))
		return METER_SPOT;
	return METER_NORMAL;
}

/* Keeps the better of two items for one meter: the primary meter region, then the newest. */
static void keep(prices_meter_price *m, double usd, bool primary, const char *effective)
{
	if (m->set && (m->primary && !primary))
		return;
	if (m->set && m->primary == primary && strcmp(effective, m->effective) <= 0)
		return;
	m->set = true;
	m->usd = usd;
	m->primary = primary;
	snprintf(m->effective, sizeof(m->effective), "%s", effective);
}

static int read_item(const page *p, size_t i, json_t *item)
{
	const char *sku, *region, *service, *type, *product, *sku_name, *meter_name, *unit, *effective,
		   *currency;
	json_t *primary = json_object_get(item, "isPrimaryMeterRegion");
	const tctl_vm_size *size;
	prices_slot *slot;
	double usd = 0;
	int error;

	if (!json_is_object(item))
		return page_error(p, "Items[%zu]: expected an object, got %s", i, type_name(item));
	if ((error = item_str(&sku, p, i, item, "armSkuName")) < 0 ||
	    (error = item_str(&region, p, i, item, "armRegionName")) < 0 ||
	    (error = item_str(&service, p, i, item, "serviceName")) < 0 ||
	    (error = item_str(&type, p, i, item, "type")) < 0 ||
	    (error = item_str(&product, p, i, item, "productName")) < 0 ||
	    (error = item_str(&sku_name, p, i, item, "skuName")) < 0 ||
	    (error = item_str(&meter_name, p, i, item, "meterName")) < 0 ||
	    (error = item_str(&unit, p, i, item, "unitOfMeasure")) < 0 ||
	    (error = item_str(&effective, p, i, item, "effectiveStartDate")) < 0 ||
	    (error = item_str(&currency, p, i, item, "currencyCode")) < 0 ||
	    (error = item_price(&usd, p, i, item)) < 0)
		return error;
	if (primary && !json_is_boolean(primary))
		return page_error(p, "Items[%zu].isPrimaryMeterRegion: expected a boolean, got %s", i,
				  type_name(primary));
	if (strcmp(currency, "USD"))
		return page_error(p, "Items[%zu].currencyCode: expected \"USD\" (the catalog's currency), got \"%s\"",
				  i, currency);
	/* what the catalog keeps: Linux pay-as-you-go VM hours of sizes it knows, in this region */
	if (strcmp(service, "Virtual Machines") || strcmp(type, "Consumption") || strstr(product, "Windows") ||
	    strcmp(unit, "1 Hour") || strcmp(region, p->t->regions[p->region]) || usd <= 0 ||
	    !(size = tctl_catalog_size(p->t->cat, sku)))
		return 0;
	slot = &p->t->slots[p->region * p->t->cat->sizes_len + (size_t)(size - p->t->cat->sizes)];
	keep(&slot->m[classify(sku_name, meter_name)], usd, primary ? json_is_true(primary) : true, effective);
	return 0;
}

/* ---- one page ---- */

static size_t count_prices(const prices_table *t)
{
	size_t n = 0, total = t->nregions * t->cat->sizes_len;

	for (size_t i = 0; i < total; i++)
		n += t->slots[i].m[METER_NORMAL].set || t->slots[i].m[METER_LOW_PRIORITY].set ||
		     t->slots[i].m[METER_SPOT].set;
	return n;
}

/* The page's items into the table; *next = its NextPageLink (NULL at the end; caller frees). */
static int read_page(char **next, const page *p, const char *body)
{
	json_error_t jerr;
	json_t *root = json_loads(body, 0, &jerr), *items, *link, *count;
	size_t i;
	int error = 0;

	*next = NULL;
	if (!root)
		return page_error(p, "not JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		error = page_error(p, "expected a JSON object, got %s", type_name(root));
		goto done;
	}
	items = json_object_get(root, "Items");
	link = json_object_get(root, "NextPageLink");
	count = json_object_get(root, "Count");
	if (!items)
		error = page_error(p, "field 'Items': missing (expected an array)");
	else if (!json_is_array(items))
		error = page_error(p, "field 'Items': expected an array, got %s", type_name(items));
	else if (link && !json_is_null(link) && !json_is_string(link))
		error = page_error(p, "field 'NextPageLink': expected a URL or null, got %s", type_name(link));
	else if (count && !json_is_integer(count))
		error = page_error(p, "field 'Count': expected a number, got %s", type_name(count));
	if (error < 0)
		goto done;
	json_array_foreach(items, i, link) {
		if ((error = read_item(p, i, link)) < 0)
			goto done;
	}
	p->t->progress.items += json_array_size(items);
	link = json_object_get(root, "NextPageLink");
	if (json_is_string(link) && *json_string_value(link) && !(*next = strdup(json_string_value(link))))
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
done:
	json_decref(root);
	return error;
}

int prices_read_page(char **next, prices_table *t, size_t region, size_t number, const char *url,
		     const char *body)
{
	page p = { t, region, number, url };

	return read_page(next, &p, body);
}

/* ---- following the pages ---- */

/* "scheme://host[:port]" of url, lower-case, without the default https port. */
static void origin_of(char *out, size_t size, const char *url)
{
	const char *host = strstr(url, "://");
	size_t n;

	host = host ? host + 3 : url;
	n = strcspn(host, "/?#");
	snprintf(out, size, "%.*s", (int)(host - url + (long)n), url);
	for (char *c = out; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	if (!strncmp(out, "https://", 8) && tctl_str_endswith(out, ":443"))
		out[strlen(out) - 4] = '\0';
}

/* A NextPageLink is followed only to the endpoint's own host, over https, and never twice. */
static int check_next(const page *p, const char *next, const char *endpoint, char **seen, size_t nseen)
{
	char want[256], got[256];

	origin_of(want, sizeof(want), endpoint);
	origin_of(got, sizeof(got), next);
	if (strncmp(next, "https://", 8))
		return page_error(p, "field 'NextPageLink': expected an https:// URL");
	if (strcmp(want, got))
		return page_error(p, "field 'NextPageLink': points to another host ('%s', expected '%s')",
				  got + 8, want + 8);
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i], next))
			return page_error(p, "field 'NextPageLink': repeats page %zu (a loop)", i + 1);
	if (nseen >= MAX_PAGES)
		return page_error(p, "more than %d pages: giving up", MAX_PAGES);
	return 0;
}

static int first_url(char **out, const char *endpoint, const char *region)
{
	char filter[256], *esc = NULL;
	int error;

	snprintf(filter, sizeof(filter), "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' "
		 "and armRegionName eq '%s'", region);
	if ((error = tctl_http_escape(&esc, filter)) < 0)
		return error;
	if (asprintf(out, "%s%c$filter=%s", endpoint, strchr(endpoint, '?') ? '&' : '?', esc) < 0)
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	free(esc);
	return error;
}

static int get_page(tctl_http_response **out, tctl_http_client *http, const char *url)
{
	tctl_http_header h = { "Accept", "application/json" };
	tctl_http_request req = TCTL_HTTP_REQUEST_INIT;
	int error;

	req.url = url;
	req.headers = &h;
	req.headers_len = 1;
	if ((error = tctl_http_send(out, http, &req)) < 0)
		return error;
	if ((error = tctl_http_response_check(*out)) < 0) {
		tctl_http_response_free(*out);
		*out = NULL;
	}
	return error;
}

static int fetch_region(prices_table *t, size_t region, tctl_http_client *http, const char *endpoint,
			const tctl_prices_options *opts)
{
	char **seen = NULL, *url = NULL, *next = NULL;
	size_t nseen = 0;
	tctl_http_response *r = NULL;
	page p = { t, region, 0, NULL };
	int error;

	if ((error = first_url(&url, endpoint, t->regions[region])) < 0)
		return error;
	while (url && error == 0) {
		char **grown = realloc(seen, (nseen + 1) * sizeof(*seen));
		if (!grown) {
			error = tctl_error_set(TCTL_ENOMEM, "out of memory");
			break;
		}
		seen = grown;
		seen[nseen++] = url;
		p.number = nseen;
		if ((error = get_page(&r, http, url)) < 0)
			break;
		p.url = r->url;
		error = read_page(&next, &p, r->body);
		if (error == 0 && next)
			error = check_next(&p, next, endpoint, seen, nseen);
		tctl_http_response_free(r);
		r = NULL;
		t->progress.pages++;
		t->progress.prices = count_prices(t);
		if (error == 0 && opts->progress)
			opts->progress(&t->progress, opts->progress_payload);
		url = error == 0 ? next : NULL;
		if (!url)
			free(next);
		next = NULL;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return error;
}

int prices_fetch(prices_table *t, const tctl_config *cfg, const tctl_prices_options *opts)
{
	const char *endpoint = cfg && cfg->cloud.prices ? cfg->cloud.prices : DEFAULT_ENDPOINT;
	tctl_http_options ho;
	tctl_http_client *http = NULL;
	int error;

	if ((error = tctl_http_options_from_config(&ho, cfg)) < 0)
		return error;
	ho.trace = opts->trace;
	ho.trace_payload = opts->trace_payload;
	if ((error = tctl_http_client_new(&http, &ho)) < 0)
		return error;
	t->progress.regions = t->nregions;
	for (size_t i = 0; i < t->nregions && error == 0; i++) {
		t->progress.region = t->regions[i];
		t->progress.region_index = i;
		error = fetch_region(t, i, http, endpoint, opts);
	}
	tctl_http_client_free(http);
	return error;
}

/* ---- the whole refresh ---- */

static int output_path(char **out, const tctl_config *cfg, const tctl_prices_options *opts)
{
	const char *p = opts->output ? opts->output : cfg ? cfg->catalog : NULL;

	if (!p)
		return tctl_catalog_user_path(out);
	return (*out = strdup(p)) ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* The regions to read: the options', each known to the catalog, or all the catalog's. */
static int pick_regions(prices_table *t, const tctl_prices_options *opts, const char ***owned)
{
	const char **list;

	if (opts->regions && opts->regions_len) {
		for (size_t i = 0; i < opts->regions_len; i++) {
			if (tctl_catalog_region(t->cat, opts->regions[i]))
				continue;
			const char *names[64], *hint;
			size_t n = 0;
			for (size_t j = 0; j < t->cat->regions_len && n < 64; j++)
				names[n++] = t->cat->regions[j].name;
			hint = tctl_suggest(opts->regions[i], names, n);
			return tctl_error_set(TCTL_EINVALID, "unknown region '%s'%s%s%s (add it to the user "
					      "catalog's \"regions\" first)", opts->regions[i],
					      hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		}
		t->regions = opts->regions;
		t->nregions = opts->regions_len;
		return 0;
	}
	if (!(list = calloc(t->cat->regions_len ? t->cat->regions_len : 1, sizeof(*list))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t j = 0; j < t->cat->regions_len; j++)
		list[j] = t->cat->regions[j].name;
	*owned = list;
	t->regions = list;
	t->nregions = t->cat->regions_len;
	return 0;
}

static int load_current(tctl_catalog **out, const char *path)
{
	int error;

	if (access(path, F_OK) != 0)
		return tctl_catalog_load(out, NULL);
	if ((error = tctl_catalog_load(out, path)) < 0)
		tctl_error_prefix("cannot refresh prices: the user catalog does not load (fix or remove it)");
	return error;
}

int tctl_prices_refresh(tctl_prices_result *out, const tctl_config *cfg, const tctl_prices_options *opts)
{
	tctl_prices_options defaults = TCTL_PRICES_OPTIONS_INIT;
	prices_table t = { 0 };
	tctl_catalog *cat = NULL;
	const char **owned = NULL;
	char *path = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	opts = opts ? opts : &defaults;
	if (opts->version != TCTL_PRICES_OPTIONS_VERSION)
		return tctl_error_set(TCTL_EINVALID, "prices options of version %d (this trainctl knows %d)",
				      opts->version, TCTL_PRICES_OPTIONS_VERSION);
	if ((error = output_path(&path, cfg, opts)) < 0 || (error = load_current(&cat, path)) < 0)
		goto done;
	t.cat = cat;
	if ((error = pick_regions(&t, opts, &owned)) < 0)
		goto done;
	if (!(t.slots = calloc(t.nregions * cat->sizes_len + 1, sizeof(*t.slots)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t r = 0; r < t.nregions; r++)
		for (size_t s = 0; s < cat->sizes_len; s++) {
			t.slots[r * cat->sizes_len + s].size = cat->sizes[s].name;
			t.slots[r * cat->sizes_len + s].region = t.regions[r];
		}
	if ((error = prices_fetch(&t, cfg, opts)) < 0)
		goto done;
	error = prices_write(out, &t, path, cfg && cfg->cloud.prices ? cfg->cloud.prices : DEFAULT_ENDPOINT,
			     opts->now ? opts->now : tctl_now());
	out->pages = t.progress.pages;
	out->items = t.progress.items;
	out->regions = t.nregions;
done:
	free(t.slots);
	free(owned);
	free(path);
	tctl_catalog_free(cat);
	return error;
}

void tctl_prices_result_clear(tctl_prices_result *r)
{
	if (!r)
		return;
	free(r->path);
	memset(r, 0, sizeof(*r));
}
