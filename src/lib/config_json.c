/* config_json.c: the merged config as JSON, and `config show` with every value's origin. */
#include "config_priv.h"
#include "job_priv.h"
#include "trainctl/error.h"
#include "trainctl/http.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builders note an allocation failure in *bad instead of checking every call. */
static void put(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*bad = true;
}

/* A URL with a password in it (https://user:pass@host) keeps its password out of output. */
static void put_str(json_t *o, const char *key, const char *s, bool redact, bool *bad)
{
	char *shown = NULL;

	if (!s)
		return;
	if (redact && strstr(s, "://") && tctl_http_redact_url(&shown, s) < 0)
		*bad = true;
	put(o, key, json_string(redact && tctl_config_key_is_secret(key) ? "***" : shown ? shown : s),
	    bad);
	free(shown);
}

static void put_num(json_t *o, const char *key, double x, bool *bad)
{
	if (x)
		put(o, key, tctl_json_number(x), bad);
}

/* Adds `sub` under `key` unless it is empty. */
static void put_section(json_t *o, const char *key, json_t *sub, bool *bad)
{
	if (sub && !json_object_size(sub) && !json_array_size(sub))
		json_decref(sub);
	else
		put(o, key, sub, bad);
}

static json_t *workspaces_json(const tctl_config *cfg, bool redact, bool *bad)
{
	json_t *all = json_object();

	for (size_t i = 0; all && i < cfg->workspaces_len; i++) {
		const tctl_workspace *w = &cfg->workspaces[i];
		json_t *o = json_object();
		put(all, w->name, o, bad);
		if (!o)
			continue;
		put_str(o, "subscription_id", w->subscription_id, redact, bad);
		put_str(o, "resource_group", w->resource_group, redact, bad);
		put_str(o, "workspace", w->workspace, redact, bad);
		put_str(o, "region", w->region, redact, bad);
		put_str(o, "default_compute", w->default_compute, redact, bad);
		put_str(o, "tenant_id", w->tenant_id, redact, bad);
	}
	return all;
}

static json_t *cloud_json(const tctl_config *cfg, bool redact, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put_str(o, "arm", cfg->cloud.arm, redact, bad);
	put_str(o, "authority", cfg->cloud.authority, redact, bad);
	put_str(o, "imds", cfg->cloud.imds, redact, bad);
	put_str(o, "prices", cfg->cloud.prices, redact, bad);
	put_str(o, "storage_suffix", cfg->cloud.storage_suffix, redact, bad);
	put_str(o, "ca_bundle", cfg->cloud.ca_bundle, redact, bad);
	return o;
}

static json_t *credentials_json(const tctl_config *cfg, bool redact, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put_str(o, "tenant_id", cfg->credentials.tenant_id, redact, bad);
	put_str(o, "client_id", cfg->credentials.client_id, redact, bad);
	put_str(o, "client_secret", cfg->credentials.client_secret, redact, bad);
	return o;
}

static json_t *local_json(const tctl_config *cfg, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put(o, "electricity_usd_per_kwh", tctl_json_number(cfg->local.electricity_usd_per_kwh), bad);
	put(o, "gpu_watts", tctl_json_number(cfg->local.gpu_watts), bad);
	put(o, "cpu_watts", tctl_json_number(cfg->local.cpu_watts), bad);
	put(o, "base_watts", tctl_json_number(cfg->local.base_watts), bad);
	return o;
}

static json_t *budget_map(const tctl_budget *v, size_t n, bool *bad)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < n; i++)
		put(o, v[i].key, tctl_json_number(v[i].usd), bad);
	return o;
}

static json_t *budgets_json(const tctl_config *cfg, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put_num(o, "monthly_usd", cfg->budgets.monthly_usd, bad);
	put_num(o, "per_run_usd", cfg->budgets.per_run_usd, bad);
	put_section(o, "per_repo_usd", budget_map(cfg->budgets.per_repo,
						  cfg->budgets.per_repo_len, bad), bad);
	put_section(o, "per_job_usd", budget_map(cfg->budgets.per_job,
						 cfg->budgets.per_job_len, bad), bad);
	return o;
}

static json_t *reservations_json(const tctl_config *cfg, bool *bad)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < cfg->reservations_len; i++) {
		const tctl_reservation *r = &cfg->reservations[i];
		if (json_array_append_new(a, json_pack("{s:s?, s:s?, s:i}", "vm_size", r->vm_size,
						       "region", r->region, "count", r->count)) < 0)
			*bad = true;
	}
	return a;
}

static json_t *quotas_json(const tctl_config *cfg, bool *bad)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < cfg->quotas_len; i++) {
		const tctl_quota *q = &cfg->quotas[i];
		if (json_array_append_new(a, json_pack("{s:s?, s:s?, s:i, s:s}", "family", q->family,
						       "region", q->region, "vcpus", q->vcpus,
						       "priority", tctl_priority_name(q->priority))) < 0)
			*bad = true;
	}
	return a;
}

static json_t *config_json(const tctl_config *cfg, bool redact, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put_str(o, "default_workspace", cfg->default_workspace, redact, bad);
	put_section(o, "workspaces", workspaces_json(cfg, redact, bad), bad);
	put(o, "cloud", cloud_json(cfg, redact, bad), bad);
	put_section(o, "credentials", credentials_json(cfg, redact, bad), bad);
	put(o, "local", local_json(cfg, bad), bad);
	put_section(o, "budgets", budgets_json(cfg, bad), bad);
	put_section(o, "reservations", reservations_json(cfg, bad), bad);
	put_section(o, "quotas", quotas_json(cfg, bad), bad);
	put_section(o, "retention", tctl_retention_to_json(&cfg->retention), bad);
	put_str(o, "catalog", cfg->catalog, redact, bad);
	return o;
}

int tctl_config_to_json(char **out, const tctl_config *cfg, bool redact)
{
	bool bad = false;
	json_t *o = config_json(cfg, redact, &bad);
	char *text = NULL;

	if (o && !bad)
		text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!text)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = text;
	return 0;
}

/* One leaf of the tree: a text line, or a member of the "values" object. */
static void show_leaf(tctl_jc *walk, const json_t *v, const tctl_config *cfg, tctl_buf *text,
		      json_t *values, bool *bad)
{
	char key[512], *lit;
	const char *origin;

	tctl_jc_path(walk, key, sizeof(key));
	origin = tctl_config_origin(cfg, key);
	if (!origin)
		origin = "default";
	if (values) {
		put(values, key, json_pack("{s:O, s:s}", "value", v, "origin", origin), bad);
		return;
	}
	if (!(lit = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)))) {
		*bad = true;
		return;
	}
	tctl_buf_printf(text, "%s = %s  (%s)\n", key, lit, origin);
	free(lit);
}

static void show_tree(tctl_jc *walk, const json_t *v, const tctl_config *cfg, tctl_buf *text,
		      json_t *values, bool *bad)
{
	const char *k;
	json_t *c;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v)) {
		show_leaf(walk, v, cfg, text, values, bad);
		return;
	}
	json_object_foreach((json_t *)v, k, c) {
		tctl_jc_push(walk, k);
		show_tree(walk, c, cfg, text, values, bad);
		tctl_jc_pop(walk);
	}
	json_array_foreach((json_t *)v, i, c) {
		tctl_jc_push_index(walk, i);
		show_tree(walk, c, cfg, text, values, bad);
		tctl_jc_pop(walk);
	}
}

static char *show_json(const tctl_config *cfg, const json_t *tree, bool *bad)
{
	json_t *top = json_object(), *values = json_object();
	char *out = NULL;
	tctl_jc walk;

	tctl_jc_init(&walk, NULL, NULL, 0);
	put(top, "files", json_pack("{s:s?, s:s?}", "user", cfg->user_path, "repo",
				    cfg->repo_path), bad);
	put(top, "values", values, bad);
	if (values)
		show_tree(&walk, tree, cfg, NULL, values, bad);
	if (top && !*bad)
		out = json_dumps(top, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(top);
	return out;
}

static char *show_text(const tctl_config *cfg, const json_t *tree, bool *bad)
{
	tctl_buf b = TCTL_BUF_INIT;
	tctl_jc walk;

	tctl_jc_init(&walk, NULL, NULL, 0);
	tctl_buf_printf(&b, "# user config: %s\n# repository config: %s\n",
			cfg->user_path ? cfg->user_path : "(none)",
			cfg->repo_path ? cfg->repo_path : "(none)");
	show_tree(&walk, tree, cfg, &b, NULL, bad);
	if (*bad || !b.ptr) {
		tctl_buf_free(&b);
		return NULL;
	}
	return tctl_buf_detach(&b);
}

int tctl_config_show(char **out, const tctl_config *cfg, bool json)
{
	bool bad = false;
	json_t *tree = config_json(cfg, true, &bad);
	char *text = NULL;

	if (tree && !bad)
		text = json ? show_json(cfg, tree, &bad) : show_text(cfg, tree, &bad);
	json_decref(tree);
	if (!text)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = text;
	return 0;
}
