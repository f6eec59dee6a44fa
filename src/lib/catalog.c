/* catalog.c: load the shipped catalog and a user catalog over it; look things up. */
#include "catalog_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void *catalog_alloc(catalog_owned *own, size_t size)
{
	void *p;

	if (own->nallocs == own->cap) {
		size_t cap = own->cap ? own->cap * 2 : 16;
		void **a = realloc(own->allocs, cap * sizeof(*a));
		if (!a) {
			tctl_error_set(TCTL_ENOMEM, "out of memory");
			return NULL;
		}
		own->allocs = a;
		own->cap = cap;
	}
	if (!(p = calloc(1, size ? size : 1))) {
		tctl_error_set(TCTL_ENOMEM, "out of memory");
		return NULL;
	}
	own->allocs[own->nallocs++] = p;
	return p;
}

void tctl_catalog_free(tctl_catalog *cat)
{
	catalog_owned *own;

	if (!cat)
		return;
	if ((own = cat->owned)) {
		for (size_t i = 0; i < own->nallocs; i++)
			free(own->allocs[i]);
		free(own->allocs);
		for (size_t i = 0; i < own->nroots; i++)
			json_decref(own->roots[i]);
		free(own);
	}
	free(cat);
}

static tctl_catalog *catalog_new(void)
{
	tctl_catalog *cat = calloc(1, sizeof(*cat));

	if (!cat || !(cat->owned = calloc(1, sizeof(*cat->owned)))) {
		free(cat);
		tctl_error_set(TCTL_ENOMEM, "out of memory");
		return NULL;
	}
	return cat;
}

/* Parses `text` as JSON into a document owned by `own`. */
static int load_json(json_t **out, catalog_owned *own, const char *text, size_t len,
		     const char *origin)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!root)
		return tctl_error_set(TCTL_EINVALID, "%s:%d:%d: not valid JSON: %s", origin,
				      jerr.line, jerr.column, jerr.text);
	own->roots[own->nroots++] = root;
	*out = root;
	return 0;
}

/* ---- validation: duplicate keys within a file, references across the merged catalog ---- */

static int dup_error(const char *origin, const char *what, const char *key)
{
	return tctl_error_set(TCTL_EINVALID, "%s: %s '%s' is listed twice", origin, what, key);
}

static int check_duplicates(const tctl_catalog *c, const char *origin)
{
	for (size_t i = 0; i < c->gpus_len; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(c->gpus[i].name, c->gpus[j].name))
				return dup_error(origin, "GPU model", c->gpus[i].name);
	for (size_t i = 0; i < c->sizes_len; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(c->sizes[i].name, c->sizes[j].name))
				return dup_error(origin, "VM size", c->sizes[i].name);
	for (size_t i = 0; i < c->regions_len; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->regions[i].name, c->regions[j].name))
				return dup_error(origin, "region", c->regions[i].name);
	for (size_t i = 0; i < c->prices_len; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(c->prices[i].size, c->prices[j].size) &&
			    !strcmp(c->prices[i].region, c->prices[j].region))
				return tctl_error_set(TCTL_EINVALID, "%s: price of '%s' in '%s' is listed twice",
						      origin, c->prices[i].size, c->prices[i].region);
	return 0;
}

static bool group_known(const tctl_catalog *c, const char *group)
{
	for (size_t i = 0; i < c->regions_len; i++)
		if (!strcmp(c->regions[i].group, group))
			return true;
	return false;
}

static int check_references(const tctl_catalog *c, const char *origin)
{
	for (size_t i = 0; i < c->sizes_len; i++)
		if (c->sizes[i].gpu && !tctl_catalog_gpu(c, c->sizes[i].gpu))
			return tctl_error_set(TCTL_EINVALID, "%s: VM size '%s': GPU model '%s' is not in the catalog",
					      origin, c->sizes[i].name, c->sizes[i].gpu);
	for (size_t i = 0; i < c->prices_len; i++) {
		if (!tctl_catalog_size(c, c->prices[i].size))
			return tctl_error_set(TCTL_EINVALID, "%s: price for VM size '%s', which is not in the catalog",
					      origin, c->prices[i].size);
		if (!tctl_catalog_region(c, c->prices[i].region))
			return tctl_error_set(TCTL_EINVALID, "%s: price in region '%s', which is not in the catalog",
					      origin, c->prices[i].region);
	}
	for (size_t i = 0; i < c->egress_len; i++) {
		const tctl_egress *e = &c->egress[i];
		if ((strcmp(e->from, "*") && !group_known(c, e->from)) ||
		    (strcmp(e->to, "internet") && !group_known(c, e->to)))
			return tctl_error_set(TCTL_EINVALID, "%s: egress '%s' -> '%s': not a region group, \"*\" or \"internet\"",
					      origin, e->from, e->to);
	}
	return 0;
}

/* ---- merge: user entries first, then the shipped entries they do not replace ---- */

typedef bool (*same_fn)(const void *a, const void *b);

static bool same_gpu(const void *a, const void *b)
{
	return !strcasecmp(((const tctl_gpu_model *)a)->name, ((const tctl_gpu_model *)b)->name);
}

static bool same_size(const void *a, const void *b)
{
	return !strcasecmp(((const tctl_vm_size *)a)->name, ((const tctl_vm_size *)b)->name);
}

static bool same_price(const void *a, const void *b)
{
	const tctl_price *x = a, *y = b;
	return !strcasecmp(x->size, y->size) && !strcmp(x->region, y->region);
}

static bool same_region(const void *a, const void *b)
{
	return !strcmp(((const tctl_region *)a)->name, ((const tctl_region *)b)->name);
}

static bool same_egress(const void *a, const void *b)
{
	const tctl_egress *x = a, *y = b;
	return !strcmp(x->from, y->from) && !strcmp(x->to, y->to);
}

static int merge_array(void *out, size_t *out_len, catalog_owned *own, size_t item,
		       const void *user, size_t nuser, const void *base, size_t nbase, same_fn same)
{
	char *items;
	size_t n = 0;

	if (!(items = catalog_alloc(own, (nuser + nbase) * item)))
		return TCTL_ENOMEM;
	if (nuser)   /* user is NULL when the user catalog has none of these */
		memcpy(items, user, nuser * item);
	n = nuser;
	for (size_t i = 0; i < nbase; i++) {
		const char *b = (const char *)base + i * item;
		size_t j;
		for (j = 0; j < nuser && !same((const char *)user + j * item, b); j++)
			;
		if (j == nuser)
			memcpy(items + item * n++, b, item);
	}
	*(void **)out = items;
	*out_len = n;
	return 0;
}

static int merge(tctl_catalog *out, const tctl_catalog *u, const tctl_catalog *b)
{
	catalog_owned *own = out->owned;
	int error;

	out->date = u->date;
	if ((error = merge_array(&out->gpus, &out->gpus_len, own, sizeof(tctl_gpu_model), u->gpus,
				 u->gpus_len, b->gpus, b->gpus_len, same_gpu)) < 0 ||
	    (error = merge_array(&out->sizes, &out->sizes_len, own, sizeof(tctl_vm_size), u->sizes,
				 u->sizes_len, b->sizes, b->sizes_len, same_size)) < 0 ||
	    (error = merge_array(&out->prices, &out->prices_len, own, sizeof(tctl_price), u->prices,
				 u->prices_len, b->prices, b->prices_len, same_price)) < 0 ||
	    (error = merge_array(&out->regions, &out->regions_len, own, sizeof(tctl_region),
				 u->regions, u->regions_len, b->regions, b->regions_len,
				 same_region)) < 0)
		return error;
	return merge_array(&out->egress, &out->egress_len, own, sizeof(tctl_egress), u->egress,
			   u->egress_len, b->egress, b->egress_len, same_egress);
}

/* ---- loading ---- */

/* Reads one document into `cat` (whose owned storage keeps it) and checks it alone. */
static int read_document(tctl_catalog *cat, const char *text, size_t len, const char *origin)
{
	json_t *root;
	int error;

	if ((error = load_json(&root, cat->owned, text, len, origin)) < 0 ||
	    (error = catalog_read(cat, root, origin, cat->owned)) < 0 ||
	    (error = check_duplicates(cat, origin)) < 0)
		return error;
	return 0;
}

int tctl_catalog_parse(tctl_catalog **out, const char *text, size_t len, const char *origin)
{
	tctl_catalog *cat = catalog_new();
	int error;

	if (!cat)
		return TCTL_ENOMEM;
	cat->origin = origin;
	if ((error = read_document(cat, text, len, origin)) < 0 ||
	    (error = check_references(cat, origin)) < 0) {
		tctl_catalog_free(cat);
		return error;
	}
	*out = cat;
	return 0;
}

/* Lays the user catalog at `path` over the shipped one in `cat`. */
static int overlay(tctl_catalog *cat, const char *path)
{
	tctl_catalog user = { 0 };
	char *text = NULL, *origin = NULL;
	size_t len;
	int error;

	user.owned = cat->owned;
	if ((error = tctl_file_read(&text, &len, path)) < 0)
		goto done;
	if ((error = read_document(&user, text, len, path)) < 0)
		goto done;
	if ((error = merge(cat, &user, cat)) < 0 || (error = check_references(cat, path)) < 0)
		goto done;
	if (!(origin = catalog_alloc(cat->owned, strlen(path) + 16))) {
		error = TCTL_ENOMEM;
		goto done;
	}
	snprintf(origin, strlen(path) + 16, "shipped + %s", path);
	cat->origin = origin;
done:
	free(text);
	return error;
}

int tctl_catalog_load(tctl_catalog **out, const char *user_path)
{
	tctl_catalog *cat = catalog_new();
	catalog_owned *own;
	int error;

	if (!cat)
		return TCTL_ENOMEM;
	own = cat->owned;
	*cat = tctl__catalog_shipped;
	cat->owned = own;
	if (user_path && (error = overlay(cat, user_path)) < 0) {
		tctl_catalog_free(cat);
		return error;
	}
	*out = cat;
	return 0;
}

int tctl_catalog_user_path(char **out)
{
	char *dir = NULL;
	int error;

	if ((error = tctl_dir_data(&dir)) < 0)
		return error;
	*out = tctl_path_join(dir, "catalog.json");
	free(dir);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

int tctl_catalog_load_default(tctl_catalog **out)
{
	char *path = NULL;
	int error;

	if ((error = tctl_catalog_user_path(&path)) < 0)
		return error;
	error = tctl_catalog_load(out, access(path, F_OK) == 0 ? path : NULL);
	free(path);
	return error;
}

/* ---- lookups ---- */

const tctl_gpu_model *tctl_catalog_gpu(const tctl_catalog *cat, const char *name)
{
	for (size_t i = 0; name && i < cat->gpus_len; i++)
		if (!strcasecmp(cat->gpus[i].name, name))
			return &cat->gpus[i];
	return NULL;
}

const tctl_vm_size *tctl_catalog_size(const tctl_catalog *cat, const char *name)
{
	for (size_t i = 0; name && i < cat->sizes_len; i++)
		if (!strcasecmp(cat->sizes[i].name, name))
			return &cat->sizes[i];
	return NULL;
}

const tctl_price *tctl_catalog_price(const tctl_catalog *cat, const char *size, const char *region)
{
	for (size_t i = 0; size && region && i < cat->prices_len; i++)
		if (!strcasecmp(cat->prices[i].size, size) && !strcmp(cat->prices[i].region, region))
			return &cat->prices[i];
	return NULL;
}

const tctl_region *tctl_catalog_region(const tctl_catalog *cat, const char *name)
{
	for (size_t i = 0; name && i < cat->regions_len; i++)
		if (!strcmp(cat->regions[i].name, name))
			return &cat->regions[i];
	return NULL;
}

int tctl_catalog_egress(double *out, const char **out_source, const tctl_catalog *cat,
			const char *from, const char *to)
{
	const tctl_region *f = tctl_catalog_region(cat, from), *t = to ? tctl_catalog_region(cat, to) : NULL;
	const char *fg = f ? f->group : NULL, *tg = to ? (t ? t->group : NULL) : "internet";

	if (to && !strcmp(from, to)) {
		*out = 0;
		*out_source = "same region: no transfer charge";
		return 0;
	}
	for (size_t i = 0; fg && tg && i < cat->egress_len; i++) {
		const tctl_egress *e = &cat->egress[i];
		if ((!strcmp(e->from, "*") || !strcmp(e->from, fg)) && !strcmp(e->to, tg)) {
			*out = e->usd_per_gb;
			*out_source = e->source;
			return 0;
		}
	}
	return tctl_error_set(TCTL_ENOTFOUND, "no egress price from '%s' to '%s' in the catalog",
			      from, to ? to : "the internet");
}
