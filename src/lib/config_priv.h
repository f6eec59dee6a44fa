/* config_priv.h: the config module's parts shared between config*.c files (library-internal). */
#ifndef TRAINCTL_CONFIG_PRIV_H
#define TRAINCTL_CONFIG_PRIV_H

#include "json_check.h"
#include "trainctl/config.h"

/* Which file a config text came from: the rules differ. */
typedef enum {
	TCTL_CONFIG_USER,
	TCTL_CONFIG_REPO
} tctl_config_source;

/* Record (or replace) where the value at `key` came from. -1 on ENOMEM. */
int tctl_config_origin_set(tctl_config *cfg, const char *key, const char *origin);
/* Forget the origins of `prefix` and everything under it ("reservations"). */
void tctl_config_origin_drop(tctl_config *cfg, const char *prefix);
void tctl_config_origins_free(struct tctl_config_origins *o);

/*
 * Apply one config file's text on top of `cfg`. `path` names it in messages
 * and origins. Problems go to the thread's error (TCTL_EINVALID); a secret in
 * a repository config is TCTL_ESECURITY. `secret` (`secret_size` bytes) gets
 * the path of a secret the file holds ("credentials.client_secret"), or ""
 * when none, even when the file has other problems. On failure cfg may be
 * partly updated: the caller discards it.
 */
int tctl_config_apply(tctl_config *cfg, const char *text, size_t len, const char *path,
		      tctl_config_source source, char *secret, size_t secret_size);

/*
 * The defaults with one config text applied and checked, as tctl_config_load does for a
 * file, without reading files or the environment (the fuzzer's entry point).
 */
int tctl_config_from_text(tctl_config **out, const char *text, size_t len, const char *path,
			  tctl_config_source source);

void tctl_config_reservations_free(tctl_reservation *v, size_t n);
void tctl_config_quotas_free(tctl_quota *v, size_t n);

/* Field checks shared with the environment overrides. */
bool tctl_config_guid_valid(const char *s);
bool tctl_config_resource_group_valid(const char *s);
bool tctl_config_workspace_name_valid(const char *s);
bool tctl_config_tenant_valid(const char *s);
/* https:// (or also http://) and a host, no spaces. */
bool tctl_config_https_url_valid(const char *s);
bool tctl_config_http_url_valid(const char *s);
/* A DNS suffix such as "core.windows.net". */
bool tctl_config_suffix_valid(const char *s);

/* The profile called `name`, created (empty, with that name) when `create`. */
tctl_workspace *tctl_config_profile(tctl_config *cfg, const char *name, bool create);

#endif
