/* config.c: load the merged config (defaults < user < repository < environment) and read it. */
#include "config_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tctl_config_origins {
	struct { char *key, *origin; } *v;
	size_t len, cap;
};

int tctl_config_origin_set(tctl_config *cfg, const char *key, const char *origin)
{
	struct tctl_config_origins *o = cfg->origins;
	char *k, *v;

	for (size_t i = 0; i < o->len; i++) {
		if (strcmp(o->v[i].key, key))
			continue;
		if (!(v = strdup(origin)))
			return -1;
		free(o->v[i].origin);
		o->v[i].origin = v;
		return 0;
	}
	if (o->len == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 32;
		void *grown = realloc(o->v, cap * sizeof(*o->v));
		if (!grown)
			return -1;
		o->v = grown;
		o->cap = cap;
	}
	if (!(k = strdup(key)) || !(v = strdup(origin))) {
		free(k);
		return -1;
	}
	o->v[o->len].key = k;
	o->v[o->len++].origin = v;
	return 0;
}

void tctl_config_origin_drop(tctl_config *cfg, const char *prefix)
{
	struct tctl_config_origins *o = cfg->origins;
	size_t n = strlen(prefix), kept = 0;

	for (size_t i = 0; i < o->len; i++) {
		const char *k = o->v[i].key;
		if (!strncmp(k, prefix, n) && (!k[n] || k[n] == '.' || k[n] == '[')) {
			free(o->v[i].key);
			free(o->v[i].origin);
		} else {
			o->v[kept++] = o->v[i];
		}
	}
	o->len = kept;
}

void tctl_config_origins_free(struct tctl_config_origins *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->len; i++) {
		free(o->v[i].key);
		free(o->v[i].origin);
	}
	free(o->v);
	free(o);
}

const char *tctl_config_origin(const tctl_config *cfg, const char *key)
{
	for (size_t i = 0; cfg->origins && i < cfg->origins->len; i++)
		if (!strcmp(cfg->origins->v[i].key, key))
			return cfg->origins->v[i].origin;
	return NULL;
}

bool tctl_config_key_is_secret(const char *key)
{
	char low[128];
	size_t n = 0;

	for (; n < sizeof(low) - 1 && key[n]; n++)
		low[n] = (char)tolower((unsigned char)key[n]);
	low[n] = '\0';
	return strstr(low, "secret") || strstr(low, "password") || strstr(low, "passwd") ||
	       strstr(low, "token") || tctl_str_endswith(low, "key");
}

static void workspace_clear(tctl_workspace *w)
{
	free(w->name);
	free(w->subscription_id);
	free(w->resource_group);
	free(w->workspace);
	free(w->region);
	free(w->default_compute);
	free(w->tenant_id);
}

void tctl_config_reservations_free(tctl_reservation *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].vm_size);
		free(v[i].region);
	}
	free(v);
}

void tctl_config_quotas_free(tctl_quota *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].family);
		free(v[i].region);
	}
	free(v);
}

static void budgets_free(tctl_budget *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].key);
	free(v);
}

void tctl_config_free(tctl_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->workspaces_len; i++)
		workspace_clear(&cfg->workspaces[i]);
	free(cfg->workspaces);
	free(cfg->default_workspace);
	free(cfg->cloud.arm);
	free(cfg->cloud.authority);
	free(cfg->cloud.imds);
	free(cfg->cloud.prices);
	free(cfg->cloud.storage_suffix);
	free(cfg->cloud.ca_bundle);
	free(cfg->credentials.tenant_id);
	free(cfg->credentials.client_id);
	free(cfg->credentials.client_secret);
	budgets_free(cfg->budgets.per_repo, cfg->budgets.per_repo_len);
	budgets_free(cfg->budgets.per_job, cfg->budgets.per_job_len);
	tctl_config_reservations_free(cfg->reservations, cfg->reservations_len);
	tctl_config_quotas_free(cfg->quotas, cfg->quotas_len);
	free(cfg->catalog);
	free(cfg->user_path);
	free(cfg->repo_path);
	tctl_config_origins_free(cfg->origins);
	free(cfg);
}

tctl_workspace *tctl_config_profile(tctl_config *cfg, const char *name, bool create)
{
	tctl_workspace *grown;

	for (size_t i = 0; i < cfg->workspaces_len; i++)
		if (!strcmp(cfg->workspaces[i].name, name))
			return &cfg->workspaces[i];
	if (!create)
		return NULL;
	grown = realloc(cfg->workspaces, (cfg->workspaces_len + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	cfg->workspaces = grown;
	memset(&grown[cfg->workspaces_len], 0, sizeof(*grown));
	if (!(grown[cfg->workspaces_len].name = strdup(name)))
		return NULL;
	return &grown[cfg->workspaces_len++];
}

/* Sets a string field and its origin; -1 on ENOMEM. */
static int set_str(tctl_config *cfg, char **field, const char *key, const char *value,
		   const char *origin)
{
	char *v = strdup(value);

	if (!v || tctl_config_origin_set(cfg, key, origin) < 0) {
		free(v);
		return -1;
	}
	free(*field);
	*field = v;
	return 0;
}

static int set_defaults(tctl_config *cfg)
{
	static const char *const keys[] = {
		"local.electricity_usd_per_kwh", "local.gpu_watts", "local.cpu_watts",
		"local.base_watts"
	};

	cfg->local.electricity_usd_per_kwh = 0.30;
	cfg->local.gpu_watts = 300;
	cfg->local.cpu_watts = 65;
	cfg->local.base_watts = 30;
	for (size_t i = 0; i < 4; i++)
		if (tctl_config_origin_set(cfg, keys[i], "default") < 0)
			return -1;
	return (set_str(cfg, &cfg->cloud.arm, "cloud.arm", "https://management.azure.com",
			"default") ||
		set_str(cfg, &cfg->cloud.authority, "cloud.authority",
			"https://login.microsoftonline.com", "default") ||
		set_str(cfg, &cfg->cloud.imds, "cloud.imds", "http://169.254.169.254", "default") ||
		set_str(cfg, &cfg->cloud.prices, "cloud.prices",
			"https://prices.azure.com/api/retail/prices", "default") ||
		set_str(cfg, &cfg->cloud.storage_suffix, "cloud.storage_suffix",
			"core.windows.net", "default")) ? -1 : 0;
}

/* Reads the whole file from an open descriptor. */
static int read_fd(char **out, size_t *out_len, int fd, const char *path)
{
	tctl_buf b = TCTL_BUF_INIT;
	char chunk[16384];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tctl_buf_free(&b);
			return tctl_error_set_os("cannot read '%s'", path);
		}
		if (tctl_buf_put(&b, chunk, (size_t)n) < 0) {
			tctl_buf_free(&b);
			return TCTL_ENOMEM;
		}
	}
	*out_len = b.len;
	*out = tctl_buf_detach(&b);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/*
 * Applies the config file at `path` when it exists (*found says whether it
 * did). The mode is read from the same descriptor as the text, so the check
 * is about the file that was read.
 */
static int apply_file(tctl_config *cfg, const char *path, tctl_config_source source,
		      bool *found)
{
	char *text = NULL, secret[256];
	size_t len = 0;
	struct stat st;
	int fd, error;

	*found = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (errno == ENOENT || errno == ENOTDIR) ? 0
			: tctl_error_set_os("cannot open '%s'", path);
	*found = true;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tctl_error_set(TCTL_EINVALID, "'%s' is not a regular file", path);
	}
	error = read_fd(&text, &len, fd, path);
	close(fd);
	if (error < 0)
		return error;
	error = tctl_config_apply(cfg, text, len, path, source, secret, sizeof(secret));
	free(text);
	if (*secret && source == TCTL_CONFIG_USER && (st.st_mode & (S_IRGRP | S_IROTH)))
		return tctl_error_set(TCTL_ESECURITY, "'%s' holds a secret and is readable by "
				      "others; run: chmod 600 %s", path, path);
	return error;
}

static bool exists(const char *dir, const char *name, bool want_file)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    stat(path, &st) < 0)
		return false;
	return !want_file || S_ISREG(st.st_mode);
}

/* The nearest .trainctl/config.json from `start` up to the repository root
 * (the folder holding .git); *out is NULL outside a repository or when none. */
static int find_repo_config(char **out, const char *start)
{
	char cwd[PATH_MAX], *dir = NULL, *found = NULL, *slash;
	int error;

	*out = NULL;
	if (!getcwd(cwd, sizeof(cwd)))
		return tctl_error_set_os("cannot find the current folder");
	if ((error = tctl_path_resolve(&dir, cwd, start ? start : ".")) < 0)
		return error;
	for (;;) {
		if (!found && exists(dir, ".trainctl/config.json", true) &&
		    !(found = tctl_path_join(dir, ".trainctl/config.json"))) {
			error = tctl_error_set(TCTL_ENOMEM, "out of memory");
			break;
		}
		if (exists(dir, ".git", false)) {
			*out = found;
			found = NULL;
			break;
		}
		if (!strcmp(dir, "/") || !(slash = strrchr(dir, '/')))
			break;
		slash[slash == dir ? 1 : 0] = '\0';
	}
	free(found);
	free(dir);
	return error;
}

/* The environment variables that override the default workspace profile. */
static const struct {
	const char *var, *field;
	size_t offset;
	bool (*valid)(const char *);
	const char *what;
} workspace_env[] = {
	{ "AZURE_SUBSCRIPTION_ID", "subscription_id", offsetof(tctl_workspace, subscription_id),
	  tctl_config_guid_valid, "a subscription ID (a GUID)" },
	{ "AZURE_RESOURCE_GROUP", "resource_group", offsetof(tctl_workspace, resource_group),
	  tctl_config_resource_group_valid, "a resource group name" },
	{ "AZUREML_WORKSPACE", "workspace", offsetof(tctl_workspace, workspace),
	  tctl_config_workspace_name_valid, "an Azure ML workspace name" },
	{ "AZURE_LOCATION", "region", offsetof(tctl_workspace, region),
	  tctl_region_valid, "an Azure region name such as \"westeurope\"" },
};
#define NWORKSPACE_ENV (sizeof(workspace_env) / sizeof(workspace_env[0]))

static bool any_text(const char *s) { return *s != '\0'; }

/* The environment variables that override cloud endpoints. */
static const struct {
	const char *var, *key;
	size_t offset;
	bool (*valid)(const char *);
	const char *what;
} cloud_env[] = {
	{ "TRAINCTL_ARM_ENDPOINT", "cloud.arm", offsetof(tctl_config, cloud.arm),
	  tctl_config_https_url_valid, "an https:// URL" },
	{ "AZURE_AUTHORITY_HOST", "cloud.authority", offsetof(tctl_config, cloud.authority),
	  tctl_config_https_url_valid, "an https:// URL" },
	{ "TRAINCTL_IMDS_ENDPOINT", "cloud.imds", offsetof(tctl_config, cloud.imds),
	  tctl_config_http_url_valid, "an http:// or https:// URL" },
	{ "TRAINCTL_PRICES_ENDPOINT", "cloud.prices", offsetof(tctl_config, cloud.prices),
	  tctl_config_https_url_valid, "an https:// URL" },
	{ "TRAINCTL_STORAGE_SUFFIX", "cloud.storage_suffix",
	  offsetof(tctl_config, cloud.storage_suffix), tctl_config_suffix_valid,
	  "a DNS suffix such as \"core.windows.net\"" },
	{ "TRAINCTL_CA_BUNDLE", "cloud.ca_bundle", offsetof(tctl_config, cloud.ca_bundle), any_text,
	  "a file path" },
};
#define NCLOUD_ENV (sizeof(cloud_env) / sizeof(cloud_env[0]))

static const char *env(const char *var)
{
	const char *v = getenv(var);
	return v && *v ? v : NULL;
}

static void env_problem(tctl_buf *problems, const char *var, const char *what, const char *value)
{
	tctl_buf_printf(problems, "%senv %s: expected %s, got \"%s\"", problems->len ? "\n" : "",
			var, what, value);
}

static int apply_cloud_env(tctl_config *cfg, tctl_buf *problems)
{
	char origin[64], cwd[PATH_MAX], *path = NULL;

	for (size_t i = 0; i < NCLOUD_ENV; i++) {
		const char *v = env(cloud_env[i].var);
		char **field = (char **)((char *)cfg + cloud_env[i].offset);
		char host_url[512];
		if (!v)
			continue;
		/* the Azure SDKs take a bare host here ("login.microsoftonline.us") and add https:// */
		if (field == &cfg->cloud.authority && !strstr(v, "://") &&
		    (size_t)snprintf(host_url, sizeof(host_url), "https://%s", v) < sizeof(host_url))
			v = host_url;
		if (!cloud_env[i].valid(v)) {
			env_problem(problems, cloud_env[i].var, cloud_env[i].what, v);
			continue;
		}
		snprintf(origin, sizeof(origin), "env %s", cloud_env[i].var);
		if (field == &cfg->cloud.ca_bundle && getcwd(cwd, sizeof(cwd)) &&
		    tctl_path_resolve(&path, cwd, v) == 0)
			v = path;
		if (set_str(cfg, field, cloud_env[i].key, v, origin) < 0) {
			free(path);
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		}
	}
	free(path);
	return 0;
}

/* The AZURE_* variables override the default profile, or define one ("env"). */
static int apply_workspace_env(tctl_config *cfg, tctl_buf *problems)
{
	const char *first = NULL, *name = cfg->default_workspace;
	char origin[64], key[512];
	tctl_workspace *w;

	for (size_t i = 0; i < NWORKSPACE_ENV && !first; i++)
		first = env(workspace_env[i].var) ? workspace_env[i].var : NULL;
	if (!first)
		return 0;
	if (!name && cfg->workspaces_len == 1)
		name = cfg->workspaces[0].name;
	if (!name) {
		snprintf(origin, sizeof(origin), "env %s", first);
		if (set_str(cfg, &cfg->default_workspace, "default_workspace", "env", origin) < 0)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		name = cfg->default_workspace;
	}
	if (!(w = tctl_config_profile(cfg, name, true)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < NWORKSPACE_ENV; i++) {
		const char *v = env(workspace_env[i].var);
		if (!v)
			continue;
		if (!workspace_env[i].valid(v)) {
			env_problem(problems, workspace_env[i].var, workspace_env[i].what, v);
			continue;
		}
		snprintf(origin, sizeof(origin), "env %s", workspace_env[i].var);
		snprintf(key, sizeof(key), "workspaces.%s.%s", w->name, workspace_env[i].field);
		if (set_str(cfg, (char **)((char *)w + workspace_env[i].offset), key, v, origin) < 0)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	return 0;
}

static int apply_env(tctl_config *cfg)
{
	tctl_buf problems = TCTL_BUF_INIT;
	const char *sel = env("TRAINCTL_WORKSPACE");
	int error = 0;

	if (sel && !tctl_name_valid(sel))
		env_problem(&problems, "TRAINCTL_WORKSPACE", "a profile name", sel);
	else if (sel && set_str(cfg, &cfg->default_workspace, "default_workspace", sel,
				"env TRAINCTL_WORKSPACE") < 0)
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (!error)
		error = apply_cloud_env(cfg, &problems);
	if (!error)
		error = apply_workspace_env(cfg, &problems);
	if (!error && problems.len)
		error = tctl_error_set(TCTL_EINVALID, "%s", problems.ptr);
	tctl_buf_free(&problems);
	return error;
}

static const char *const *profile_names(const tctl_config *cfg, const char **buf, size_t max)
{
	for (size_t i = 0; i < cfg->workspaces_len && i < max; i++)
		buf[i] = cfg->workspaces[i].name;
	return buf;
}

/* " (did you mean 'dev'?)" or "" */
static void profile_hint(char *out, size_t size, const tctl_config *cfg, const char *name)
{
	const char *names[64], *hint;
	size_t n = cfg->workspaces_len < 64 ? cfg->workspaces_len : 64;

	hint = tctl_suggest(name, profile_names(cfg, names, 64), n);
	if (hint)
		snprintf(out, size, " (did you mean '%s'?)", hint);
	else
		out[0] = '\0';
}

/* default_workspace must name a profile (once the environment had its say). */
static int check_default(const tctl_config *cfg)
{
	const char *origin;
	char hint[128];

	if (!cfg->default_workspace || tctl_config_profile((tctl_config *)cfg,
							   cfg->default_workspace, false))
		return 0;
	origin = tctl_config_origin(cfg, "default_workspace");
	profile_hint(hint, sizeof(hint), cfg, cfg->default_workspace);
	return tctl_error_set(TCTL_EINVALID, "%s: default_workspace: no workspace profile named "
			      "'%s'%s", origin ? origin : "config", cfg->default_workspace, hint);
}

static int load_files(tctl_config *cfg, const char *start_dir)
{
	char *dir = NULL, *path = NULL;
	bool found = false;
	int error = 0;

	if (tctl_dir_config(&dir) == 0) {
		path = tctl_path_join(dir, "config.json");
		free(dir);
		if (!path)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		error = apply_file(cfg, path, TCTL_CONFIG_USER, &found);
		if (found)
			cfg->user_path = path;
		else
			free(path);
		if (error < 0)
			return error;
	}
	if ((error = find_repo_config(&path, start_dir)) < 0 || !path)
		return error;
	if (cfg->user_path && !strcmp(cfg->user_path, path)) {
		free(path);
		return 0;
	}
	cfg->repo_path = path;
	return apply_file(cfg, path, TCTL_CONFIG_REPO, &found);
}

/* A new config holding the built-in defaults. */
static int config_new(tctl_config **out)
{
	tctl_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg || !(cfg->origins = calloc(1, sizeof(*cfg->origins)))) {
		free(cfg);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (set_defaults(cfg) < 0) {
		tctl_config_free(cfg);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	*out = cfg;
	return 0;
}

int tctl_config_load(tctl_config **out, const char *start_dir)
{
	tctl_config *cfg = NULL;
	int error;

	if ((error = config_new(&cfg)) < 0)
		return error;
	if ((error = load_files(cfg, start_dir)) == 0 && (error = apply_env(cfg)) == 0)
		error = check_default(cfg);
	if (error < 0) {
		tctl_config_free(cfg);
		return error;
	}
	*out = cfg;
	return 0;
}

int tctl_config_from_text(tctl_config **out, const char *text, size_t len, const char *path,
			  tctl_config_source source)
{
	tctl_config *cfg = NULL;
	char secret[256];
	int error;

	if ((error = config_new(&cfg)) < 0)
		return error;
	if ((error = tctl_config_apply(cfg, text, len, path, source, secret, sizeof(secret))) == 0)
		error = check_default(cfg);
	if (error < 0) {
		tctl_config_free(cfg);
		return error;
	}
	*out = cfg;
	return 0;
}

static int workspace_complete(const tctl_workspace *w)
{
	static const struct { size_t offset; const char *field, *var; } need[] = {
		{ offsetof(tctl_workspace, subscription_id), "subscription_id", "AZURE_SUBSCRIPTION_ID" },
		{ offsetof(tctl_workspace, resource_group), "resource_group", "AZURE_RESOURCE_GROUP" },
		{ offsetof(tctl_workspace, workspace), "workspace", "AZUREML_WORKSPACE" },
	};

	for (size_t i = 0; i < 3; i++)
		if (!*(char *const *)((const char *)w + need[i].offset))
			return tctl_error_set(TCTL_EINVALID, "workspace profile '%s' lacks %s (set "
					      "it in the config or %s)", w->name, need[i].field,
					      need[i].var);
	return 0;
}

int tctl_config_workspace(const tctl_workspace **out, const tctl_config *cfg, const char *name)
{
	const tctl_workspace *w = NULL;
	const char *want = name ? name : cfg->default_workspace;
	char hint[128];
	int error;

	if (want && !(w = tctl_config_profile((tctl_config *)cfg, want, false))) {
		profile_hint(hint, sizeof(hint), cfg, want);
		return tctl_error_set(TCTL_ENOTFOUND, "no workspace profile named '%s'%s", want, hint);
	}
	if (!w && cfg->workspaces_len == 1)
		w = &cfg->workspaces[0];
	if (!w && cfg->workspaces_len == 0)
		return tctl_error_set(TCTL_ENOTFOUND, "no Azure ML workspace is configured: add a "
				      "profile under \"workspaces\" in the user config, or set "
				      "AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and "
				      "AZUREML_WORKSPACE (see docs/config.md)");
	if (!w)
		return tctl_error_set(TCTL_EINVALID, "%zu workspace profiles and no "
				      "default_workspace: set default_workspace, TRAINCTL_WORKSPACE "
				      "or the job's cloud.workspace", cfg->workspaces_len);
	if ((error = workspace_complete(w)) < 0)
		return error;
	*out = w;
	return 0;
}

static double budget_lookup(const tctl_budget *v, size_t n, const char *key)
{
	for (size_t i = 0; key && i < n; i++)
		if (!strcmp(v[i].key, key))
			return v[i].usd;
	return 0;
}

double tctl_config_repo_budget(const tctl_config *cfg, const char *repo)
{
	return budget_lookup(cfg->budgets.per_repo, cfg->budgets.per_repo_len, repo);
}

double tctl_config_job_budget(const tctl_config *cfg, const char *job_name)
{
	return budget_lookup(cfg->budgets.per_job, cfg->budgets.per_job_len, job_name);
}
