/* config_parse.c: apply one config file on top of the merged config, noting each value's origin. */
#include "config_priv.h"
#include "job_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	tctl_jc jc;
	tctl_config *cfg;
	const char *path;       /* the file, for origins */
	char *folder;           /* its folder, for relative paths in it */
	tctl_config_source source;
} reader;

static const char *const top_keys[] = {
	"default_workspace", "workspaces", "cloud", "credentials", "local", "budgets",
	"reservations", "quotas", "retention", "catalog", NULL
};

static const char *const quota_priorities[] = {
	"dedicated", "low_priority", "Dedicated", "LowPriority", NULL
};

/* After a reader returned `rc`: on 1, record "FILE:LINE" as the origin of member `key`. */
static void noted(reader *r, int rc, const char *key)
{
	tctl_jsonpos pos = { 0, 0, 0 };
	char path[512], *origin = NULL;

	if (rc != 1)
		return;
	tctl_jc_push(&r->jc, key);
	tctl_jc_path(&r->jc, path, sizeof(path));
	tctl_json_locate_nearest(&pos, NULL, r->jc.text, r->jc.len, r->jc.path,
				 r->jc.depth < TCTL_JC_MAX_DEPTH ? r->jc.depth : TCTL_JC_MAX_DEPTH,
				 false);
	tctl_jc_pop(&r->jc);
	if (asprintf(&origin, "%s:%d", r->path, pos.line) < 0 ||
	    tctl_config_origin_set(r->cfg, path, origin) < 0)
		r->jc.oom = true;
	free(origin);
}

/* A path in the file, made absolute against the file's folder. */
static void read_path(reader *r, const json_t *o, const char *key, char **out)
{
	char *raw = NULL, *abs = NULL;
	int rc = tctl_jc_string(&r->jc, o, key, &raw);

	if (rc == 1 && tctl_path_resolve(&abs, r->folder, raw) < 0)
		r->jc.oom = true;
	free(raw);
	if (!abs)
		return;
	free(*out);
	*out = abs;
	noted(r, rc, key);
}

static void read_profile(reader *r, const char *name, const json_t *o)
{
	static const char *const keys[] = {
		"subscription_id", "resource_group", "workspace", "region", "default_compute",
		"tenant_id", NULL
	};
	tctl_workspace *w;
	tctl_jc *jc = &r->jc;

	if (!json_is_object(o)) {
		tctl_jc_expected(jc, "an object (a workspace profile)", o);
		return;
	}
	if (!(w = tctl_config_profile(r->cfg, name, true))) {
		jc->oom = true;
		return;
	}
	tctl_jc_keys(jc, o, keys, NULL);
	noted(r, tctl_jc_string_check(jc, o, "subscription_id", &w->subscription_id,
				      tctl_config_guid_valid, "a subscription ID (a GUID)"),
	      "subscription_id");
	noted(r, tctl_jc_string_check(jc, o, "resource_group", &w->resource_group,
				      tctl_config_resource_group_valid, "a resource group name"),
	      "resource_group");
	noted(r, tctl_jc_string_check(jc, o, "workspace", &w->workspace,
				      tctl_config_workspace_name_valid,
				      "an Azure ML workspace name (3 to 33 letters, digits, '_' and '-')"),
	      "workspace");
	noted(r, tctl_jc_region(jc, o, "region", &w->region), "region");
	noted(r, tctl_jc_compute(jc, o, "default_compute", &w->default_compute),
	      "default_compute");
	noted(r, tctl_jc_string_check(jc, o, "tenant_id", &w->tenant_id, tctl_config_tenant_valid,
				      "a tenant ID (a GUID or a domain)"), "tenant_id");
}

static void read_workspaces(reader *r, const json_t *root)
{
	json_t *o = NULL, *v;
	const char *name;

	if (tctl_jc_object(&r->jc, root, "workspaces", &o) <= 0)
		return;
	tctl_jc_push(&r->jc, "workspaces");
	json_object_foreach(o, name, v) {
		if (!tctl_name_valid(name)) {
			tctl_jc_error_key(&r->jc, name, "expected a profile name of letters, digits, "
					  "'.', '_' and '-'");
			continue;
		}
		tctl_jc_push(&r->jc, name);
		read_profile(r, name, v);
		tctl_jc_pop(&r->jc);
	}
	tctl_jc_pop(&r->jc);
}

/* Drops a trailing '/' so endpoints join cleanly with paths. */
static void read_url(reader *r, const json_t *o, const char *key, char **out, bool http)
{
	size_t n;
	int rc = tctl_jc_string_check(&r->jc, o, key, out,
				      http ? tctl_config_http_url_valid : tctl_config_https_url_valid,
				      http ? "an http:// or https:// URL" : "an https:// URL");

	while (rc == 1 && (n = strlen(*out)) > 0 && (*out)[n - 1] == '/')
		(*out)[n - 1] = '\0';
	noted(r, rc, key);
}

bool tctl_config_suffix_valid(const char *s)
{
	if (!strchr(s, '.') || *s == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

/* Endpoints and credentials decide where tokens go: never from a repository. */
static bool user_only(reader *r, const json_t *root, const char *key)
{
	if (!json_object_get(root, key) || r->source != TCTL_CONFIG_REPO)
		return false;
	tctl_jc_error_in(&r->jc, key, "not allowed in a repository config (a cloned repository "
			 "could send your Azure tokens elsewhere); set it in the user config or "
			 "the environment");
	return true;
}

static void read_cloud(reader *r, const json_t *root)
{
	static const char *const keys[] = {
		"arm", "authority", "imds", "prices", "storage_suffix", "ca_bundle", NULL
	};
	json_t *o = NULL;

	if (user_only(r, root, "cloud") || tctl_jc_object(&r->jc, root, "cloud", &o) <= 0)
		return;
	tctl_jc_push(&r->jc, "cloud");
	tctl_jc_keys(&r->jc, o, keys, NULL);
	read_url(r, o, "arm", &r->cfg->cloud.arm, false);
	read_url(r, o, "authority", &r->cfg->cloud.authority, false);
	read_url(r, o, "imds", &r->cfg->cloud.imds, true);
	read_url(r, o, "prices", &r->cfg->cloud.prices, false);
	noted(r, tctl_jc_string_check(&r->jc, o, "storage_suffix", &r->cfg->cloud.storage_suffix,
				      tctl_config_suffix_valid, "a DNS suffix such as \"core.windows.net\""),
	      "storage_suffix");
	read_path(r, o, "ca_bundle", &r->cfg->cloud.ca_bundle);
	tctl_jc_pop(&r->jc);
}

static void read_credentials(reader *r, const json_t *root)
{
	static const char *const keys[] = { "tenant_id", "client_id", "client_secret", NULL };
	json_t *o = NULL;

	user_only(r, root, "credentials");
	if (tctl_jc_object(&r->jc, root, "credentials", &o) <= 0)
		return;
	tctl_jc_push(&r->jc, "credentials");
	tctl_jc_keys(&r->jc, o, keys, NULL);
	noted(r, tctl_jc_string_check(&r->jc, o, "tenant_id", &r->cfg->credentials.tenant_id,
				      tctl_config_tenant_valid, "a tenant ID (a GUID or a domain)"),
	      "tenant_id");
	noted(r, tctl_jc_string_check(&r->jc, o, "client_id", &r->cfg->credentials.client_id,
				      tctl_config_guid_valid, "a client ID (a GUID)"), "client_id");
	noted(r, tctl_jc_string(&r->jc, o, "client_secret", &r->cfg->credentials.client_secret),
	      "client_secret");
	tctl_jc_pop(&r->jc);
}

static void read_local(reader *r, const json_t *root)
{
	static const char *const keys[] = {
		"electricity_usd_per_kwh", "gpu_watts", "cpu_watts", "base_watts", NULL
	};
	json_t *o = NULL;

	if (tctl_jc_object(&r->jc, root, "local", &o) <= 0)
		return;
	tctl_jc_push(&r->jc, "local");
	tctl_jc_keys(&r->jc, o, keys, NULL);
	noted(r, tctl_jc_number(&r->jc, o, "electricity_usd_per_kwh",
				&r->cfg->local.electricity_usd_per_kwh, 0, false),
	      "electricity_usd_per_kwh");
	noted(r, tctl_jc_number(&r->jc, o, "gpu_watts", &r->cfg->local.gpu_watts, 0, false),
	      "gpu_watts");
	noted(r, tctl_jc_number(&r->jc, o, "cpu_watts", &r->cfg->local.cpu_watts, 0, false),
	      "cpu_watts");
	noted(r, tctl_jc_number(&r->jc, o, "base_watts", &r->cfg->local.base_watts, 0, false),
	      "base_watts");
	tctl_jc_pop(&r->jc);
}

/* {"KEY": USD, ...} merged key by key into *list. */
static void read_budget_map(reader *r, const json_t *o, const char *key, tctl_budget **list,
			    size_t *len)
{
	json_t *m = NULL, *v;
	const char *k;

	if (tctl_jc_object(&r->jc, o, key, &m) <= 0)
		return;
	tctl_jc_push(&r->jc, key);
	json_object_foreach(m, k, v) {
		size_t i;
		double usd = 0;
		tctl_jc_push(&r->jc, k);
		if (tctl_jc_value_number(&r->jc, v, &usd, 0, true) < 0) {
			tctl_jc_pop(&r->jc);
			continue;
		}
		tctl_jc_pop(&r->jc);
		for (i = 0; i < *len && strcmp((*list)[i].key, k); i++)
			;
		if (i == *len) {
			tctl_budget *grown = realloc(*list, (*len + 1) * sizeof(**list));
			if (!grown || !(grown[i].key = strdup(k))) {
				*list = grown ? grown : *list;
				r->jc.oom = true;
				break;
			}
			*list = grown;
			(*len)++;
		}
		(*list)[i].usd = usd;
		noted(r, 1, k);
	}
	tctl_jc_pop(&r->jc);
}

static void read_budgets(reader *r, const json_t *root)
{
	static const char *const keys[] = {
		"monthly_usd", "per_run_usd", "per_repo_usd", "per_job_usd", NULL
	};
	json_t *o = NULL;

	if (tctl_jc_object(&r->jc, root, "budgets", &o) <= 0)
		return;
	tctl_jc_push(&r->jc, "budgets");
	tctl_jc_keys(&r->jc, o, keys, NULL);
	noted(r, tctl_jc_number(&r->jc, o, "monthly_usd", &r->cfg->budgets.monthly_usd, 0, true),
	      "monthly_usd");
	noted(r, tctl_jc_number(&r->jc, o, "per_run_usd", &r->cfg->budgets.per_run_usd, 0, true),
	      "per_run_usd");
	read_budget_map(r, o, "per_repo_usd", &r->cfg->budgets.per_repo,
			&r->cfg->budgets.per_repo_len);
	read_budget_map(r, o, "per_job_usd", &r->cfg->budgets.per_job,
			&r->cfg->budgets.per_job_len);
	tctl_jc_pop(&r->jc);
}

/* A required member: reported as missing at its parent's line. */
static bool required(reader *r, const json_t *o, const char *key, const char *what)
{
	if (json_object_get(o, key))
		return true;
	tctl_jc_error_in(&r->jc, key, "required: %s", what);
	return false;
}

static void read_reservation(reader *r, const json_t *o, tctl_reservation *res)
{
	static const char *const keys[] = { "vm_size", "region", "count", NULL };

	tctl_jc_keys(&r->jc, o, keys, NULL);
	if (required(r, o, "vm_size", "a VM size such as \"Standard_NC6s_v3\""))
		noted(r, tctl_jc_vm_size(&r->jc, o, "vm_size", &res->vm_size), "vm_size");
	if (required(r, o, "region", "an Azure region name"))
		noted(r, tctl_jc_region(&r->jc, o, "region", &res->region), "region");
	if (required(r, o, "count", "the number of VMs reserved"))
		noted(r, tctl_jc_int(&r->jc, o, "count", &res->count, 1, INT_MAX), "count");
}

static void read_quota(reader *r, const json_t *o, tctl_quota *q)
{
	static const char *const keys[] = { "family", "region", "vcpus", "priority", NULL };
	int prio = 0;

	tctl_jc_keys(&r->jc, o, keys, NULL);
	q->priority = TCTL_PRIORITY_DEDICATED;
	if (required(r, o, "family", "a VM family such as \"standardNCSv3Family\""))
		noted(r, tctl_jc_string_check(&r->jc, o, "family", &q->family, tctl_vm_size_valid,
					      "a VM family such as \"standardNCSv3Family\""), "family");
	if (required(r, o, "region", "an Azure region name"))
		noted(r, tctl_jc_region(&r->jc, o, "region", &q->region), "region");
	if (required(r, o, "vcpus", "the vCPUs allowed"))
		noted(r, tctl_jc_int(&r->jc, o, "vcpus", &q->vcpus, 0, INT_MAX), "vcpus");
	if (tctl_jc_enum(&r->jc, o, "priority", quota_priorities, &prio) == 1)
		q->priority = prio % 2 ? TCTL_PRIORITY_LOW : TCTL_PRIORITY_DEDICATED;
	noted(r, json_object_get(o, "priority") ? 1 : 0, "priority");
}

/* An array of objects that replaces the one from an earlier file. */
static void read_list(reader *r, const json_t *root, const char *key, size_t elem_size,
		      void **list, size_t *len, void (*read)(reader *, const json_t *, void *),
		      void (*release)(void *, size_t))
{
	json_t *a = json_object_get(root, key), *v;
	char *items;
	size_t i;

	if (!a)
		return;
	tctl_jc_push(&r->jc, key);
	if (!json_is_array(a)) {
		tctl_jc_expected(&r->jc, "an array of objects", a);
	} else if (!(items = calloc(json_array_size(a) + 1, elem_size))) {
		r->jc.oom = true;
	} else {
		release(*list, *len);
		tctl_config_origin_drop(r->cfg, key);
		*list = items;
		*len = json_array_size(a);
		json_array_foreach(a, i, v) {
			tctl_jc_push_index(&r->jc, i);
			if (json_is_object(v))
				read(r, v, items + i * elem_size);
			else
				tctl_jc_expected(&r->jc, "an object", v);
			tctl_jc_pop(&r->jc);
		}
	}
	tctl_jc_pop(&r->jc);
}

static void read_reservation_v(reader *r, const json_t *o, void *p) { read_reservation(r, o, p); }
static void read_quota_v(reader *r, const json_t *o, void *p) { read_quota(r, o, p); }
static void free_reservations_v(void *v, size_t n) { tctl_config_reservations_free(v, n); }
static void free_quotas_v(void *v, size_t n) { tctl_config_quotas_free(v, n); }

static void read_retention(reader *r, const json_t *root)
{
	static const char *const keys[] = { "keep_days", "keep_last", "max_total_size", NULL };
	tctl_retention ret = r->cfg->retention;
	json_t *o = json_object_get(root, "retention");

	if (tctl_retention_read(&r->jc, root, "retention", &ret) != 1)
		return;
	r->cfg->retention = ret;
	tctl_jc_push(&r->jc, "retention");
	for (size_t i = 0; keys[i]; i++)
		noted(r, json_object_get(o, keys[i]) ? 1 : 0, keys[i]);
	tctl_jc_pop(&r->jc);
}

static void read_all(reader *r, const json_t *root)
{
	tctl_config *cfg = r->cfg;

	tctl_jc_keys(&r->jc, root, top_keys, NULL);
	noted(r, tctl_jc_name(&r->jc, root, "default_workspace", &cfg->default_workspace),
	      "default_workspace");
	read_workspaces(r, root);
	read_cloud(r, root);
	read_credentials(r, root);
	read_local(r, root);
	read_budgets(r, root);
	read_list(r, root, "reservations", sizeof(tctl_reservation), (void **)&cfg->reservations,
		  &cfg->reservations_len, read_reservation_v, free_reservations_v);
	read_list(r, root, "quotas", sizeof(tctl_quota), (void **)&cfg->quotas, &cfg->quotas_len,
		  read_quota_v, free_quotas_v);
	read_retention(r, root);
	read_path(r, root, "catalog", &cfg->catalog);
}

/* Member maps whose keys are names the user chose, not fields: never "secret" by name. */
static bool is_name_map(const char *path)
{
	return !strcmp(path, "workspaces") || !strcmp(path, "budgets.per_repo_usd") ||
	       !strcmp(path, "budgets.per_job_usd");
}

static bool has_value(const json_t *v)
{
	return (json_is_string(v) && json_string_length(v)) || json_is_number(v) ||
	       json_is_true(v) || json_is_object(v) || json_is_array(v);
}

/* Finds a member whose name says it is a secret, anywhere (known key or not). */
static bool find_secret(tctl_jc *walk, const json_t *v, bool names, char *out, size_t size)
{
	const char *k;
	json_t *c;
	size_t i;
	char here[512];

	json_object_foreach((json_t *)v, k, c) {
		bool found;
		tctl_jc_push(walk, k);
		tctl_jc_path(walk, here, sizeof(here));
		found = (!names && tctl_config_key_is_secret(k) && has_value(c)) ||
			find_secret(walk, c, is_name_map(here), out, size);
		if (found && !*out)
			snprintf(out, size, "%s", here);
		tctl_jc_pop(walk);
		if (found)
			return true;
	}
	json_array_foreach((json_t *)v, i, c) {
		bool found;
		tctl_jc_push_index(walk, i);
		found = find_secret(walk, c, false, out, size);
		tctl_jc_pop(walk);
		if (found)
			return true;
	}
	return false;
}

static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int tctl_config_apply(tctl_config *cfg, const char *text, size_t len, const char *path,
		      tctl_config_source source, char *secret, size_t secret_size)
{
	reader r = { .cfg = cfg, .path = path, .source = source };
	json_t *root;
	tctl_jc walk;
	int error;

	secret[0] = '\0';
	if ((error = tctl_jc_load_object(&root, text, len, path)) < 0)
		return error;
	tctl_jc_init(&walk, NULL, NULL, 0);
	find_secret(&walk, root, false, secret, secret_size);
	if (source == TCTL_CONFIG_REPO && *secret) {
		json_decref(root);
		return tctl_error_set(TCTL_ESECURITY, "'%s' is a repository config, committed with "
				      "the code: it must not hold secrets (%s); keep them in the user "
				      "config or the environment", path, secret);
	}
	tctl_jc_init(&r.jc, path, text, len);
	if (!(r.folder = folder_of(path))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	} else {
		read_all(&r, root);
		error = tctl_jc_finish(&r.jc);
	}
	tctl_jc_free(&r.jc);
	free(r.folder);
	json_decref(root);
	return error;
}

bool tctl_config_guid_valid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (size_t g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return false;
		if (*s != (g < 4 ? '-' : '\0'))
			return false;
		s += g < 4;
	}
	return true;
}

bool tctl_config_resource_group_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 90 || s[n - 1] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.()", *s))
			return false;
	return true;
}

bool tctl_config_workspace_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > 33 || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

bool tctl_config_tenant_valid(const char *s)
{
	if (tctl_config_guid_valid(s))
		return true;
	if (!strchr(s, '.') || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

static bool url_valid(const char *s, bool allow_http)
{
	const char *host;

	if (!strncmp(s, "https://", 8))
		host = s + 8;
	else if (allow_http && !strncmp(s, "http://", 7))
		host = s + 7;
	else
		return false;
	if (!*host || *host == '/')
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

bool tctl_config_https_url_valid(const char *s)
{
	return url_valid(s, false);
}

bool tctl_config_http_url_valid(const char *s)
{
	return url_valid(s, true);
}
