/** @file config.h  User and repository configuration, merged with the environment. */
#ifndef TRAINCTL_CONFIG_H
#define TRAINCTL_CONFIG_H

#include "trainctl/job.h"

#include <stdbool.h>
#include <stddef.h>

/* Ownership: everything in a tctl_config belongs to it and is released by
 * tctl_config_free(). Unset strings are NULL; unset numbers are 0 unless a
 * default is documented (docs/config.md). */

/** A named Azure ML workspace profile ("workspaces": {"NAME": {...}}). */
typedef struct {
	char *name;             /**< the profile's name (its key in "workspaces") */
	char *subscription_id;  /**< GUID */
	char *resource_group;
	char *workspace;        /**< Azure ML workspace name */
	char *region;           /**< e.g. "westeurope" */
	char *default_compute;  /**< AmlCompute cluster used when a job names none */
	char *tenant_id;        /**< Entra ID tenant (GUID or domain) */
} tctl_workspace;

/** Reserved capacity already paid for ("reservations": [...]). */
typedef struct {
	char *vm_size;
	char *region;
	int count;              /**< VMs reserved */
} tctl_reservation;

/** A vCPU quota ("quotas": [...]), until the live Azure quota is read. */
typedef struct {
	char *family;           /**< VM family, e.g. "standardNCSv3Family" */
	char *region;
	int vcpus;
	tctl_priority priority; /**< TCTL_PRIORITY_DEDICATED (default) or TCTL_PRIORITY_LOW */
} tctl_quota;

/** One budget in a map ("per_repo_usd": {"KEY": USD}). */
typedef struct {
	char *key;
	double usd;
} tctl_budget;

struct tctl_config_origins;

typedef struct {
	tctl_workspace *workspaces;
	size_t workspaces_len;
	char *default_workspace;        /**< profile used when a job names none */
	struct {
		char *arm;              /**< default "https://management.azure.com" */
		char *authority;        /**< default "https://login.microsoftonline.com" */
		char *imds;             /**< default "http://169.254.169.254" */
		char *prices;           /**< default "https://prices.azure.com/api/retail/prices" */
		char *storage_suffix;   /**< default "core.windows.net" */
		char *ca_bundle;        /**< absolute path of extra CA certificates; NULL = system */
	} cloud;
	struct {
		char *tenant_id;
		char *client_id;
		char *client_secret;    /**< a secret: see tctl_config_key_is_secret */
	} credentials;
	struct {
		double electricity_usd_per_kwh; /**< default 0.30 */
		double gpu_watts;       /**< per busy GPU; default 300 */
		double cpu_watts;       /**< per CPU package fully busy; default 65 */
		double base_watts;      /**< rest of the machine while a job runs; default 30 */
	} local;
	struct {
		double monthly_usd;     /**< 0 = none */
		double per_run_usd;     /**< 0 = none */
		tctl_budget *per_repo;  /**< keyed by repository name */
		size_t per_repo_len;
		tctl_budget *per_job;   /**< keyed by job name */
		size_t per_job_len;
	} budgets;
	tctl_reservation *reservations;
	size_t reservations_len;
	tctl_quota *quotas;
	size_t quotas_len;
	tctl_retention retention;       /**< defaults for jobs without their own */
	char *catalog;                  /**< absolute path of a user catalog file, or NULL */
	char *user_path;                /**< the user config file read, or NULL */
	char *repo_path;                /**< the repository config file read, or NULL */
	struct tctl_config_origins *origins; /**< private */
} tctl_config;

/**
 * Load the configuration: built-in defaults, then the user config
 * (tctl_dir_config()/config.json), then the repository config (the nearest
 * .trainctl/config.json from `start_dir`, or the current folder when NULL, up
 * to the folder holding .git), then the environment (docs/config.md). Missing
 * files are fine. On failure returns TCTL_EINVALID with every problem of the
 * file at fault ("FILE:LINE: field.path: expected ..."), or TCTL_ESECURITY
 * for a secret in a file readable by others or in a repository config, and
 * *out is untouched.
 */
int tctl_config_load(tctl_config **out, const char *start_dir);

void tctl_config_free(tctl_config *cfg);

/**
 * The workspace profile called `name`, or, for NULL, the default one:
 * $TRAINCTL_WORKSPACE, else default_workspace, else the only profile (the
 * AZURE_* variables define or override it). Fails with TCTL_ENOTFOUND or
 * TCTL_EINVALID when there is none, several, or it lacks subscription_id,
 * resource_group or workspace. *out is borrowed from `cfg`.
 */
int tctl_config_workspace(const tctl_workspace **out, const tctl_config *cfg, const char *name);

/** The budget for a repository / a job name; 0 when none is set. */
double tctl_config_repo_budget(const tctl_config *cfg, const char *repo);
double tctl_config_job_budget(const tctl_config *cfg, const char *job_name);

/**
 * Where a value came from: "default", "env AZURE_LOCATION", or
 * "/path/config.json:12". `key` is the value's path as `config show` prints
 * it ("cloud.arm", "workspaces.dev.region", "reservations[0].count").
 * Borrowed; NULL when the value is not set.
 */
const char *tctl_config_origin(const tctl_config *cfg, const char *key);

/**
 * True for a field whose value is a secret: its name contains "secret",
 * "password" or "token", or is "key" or ends in "_key". Such values are
 * redacted in output and may not be kept in a repository config or in a
 * file readable by others.
 */
bool tctl_config_key_is_secret(const char *key);

/** The merged configuration as JSON, in the config file's own shape; with
 *  `redact`, secrets read "***". The caller frees *out. */
int tctl_config_to_json(char **out, const tctl_config *cfg, bool redact);

/**
 * `trainctl config show`: every value set, secrets redacted, each with its
 * origin. Text: one "key = value  (origin)" line each, after the files read.
 * JSON: {"files": {"user": PATH|null, "repo": PATH|null},
 *        "values": {"key": {"value": V, "origin": "..."}}}.
 */
int tctl_config_show(char **out, const tctl_config *cfg, bool json);

#endif
