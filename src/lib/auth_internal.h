/* auth_internal.h: what the credential chain's files share (not a public header). */
#ifndef TRAINCTL_AUTH_INTERNAL_H
#define TRAINCTL_AUTH_INTERNAL_H

#include "trainctl/auth.h"
#include "trainctl/http.h"
#include "trainctl/util.h"

#include <pthread.h>
#include <stdbool.h>

/* A fetch that finds the link unusable ("no identity assigned", "not logged
 * in") returns this, with the reason in the error message: the chain moves on. */
#define AUTH_UNAVAILABLE 1

/* Refresh a cached token this many seconds before it expires (azure-identity's DEFAULT_REFRESH_OFFSET). */
#define AUTH_REFRESH_OFFSET 300

typedef struct auth_link auth_link;

typedef int (*auth_fetch_fn)(char **token, int64_t *expires, tctl_credential *cred,
			     auth_link *link, const char *scope);

/* One link of the chain, with what it needs; secrets are wiped on free. */
struct auth_link {
	tctl_credential_type type;
	auth_fetch_fn fetch;
	char *source;        /* for messages: "environment (AZURE_CLIENT_SECRET)" */
	char *tenant_id;
	char *client_id;
	char *secret;        /* client secret, or the App Service identity header */
	char *path;          /* federated token file, or the az program */
	char *endpoint;      /* token URL, IMDS base, identity endpoint */
	char *endpoint_shown; /* the same, redacted (a password in the URL reads ***) */
	char *cache_extra;   /* more cache key (the az profile's state) */
	char *reported_tenant; /* the tenant the CLI said its token is for (display only) */
};

typedef struct {
	char *key;           /* link + scope */
	char *token;
	int64_t expires;
} auth_cached;

#define AUTH_MAX_LINKS 6

struct tctl_credential {
	auth_link links[AUTH_MAX_LINKS];
	size_t nlinks, current;
	tctl_http_client *http;
	tctl_http_options http_opts;
	char *ca_bundle;
	char *authority;
	char *imds;
	char *cache_path;    /* NULL: no file cache */
	auth_cached *cached;
	size_t ncached;
	tctl_buf skipped;    /* why earlier links were not used */
	tctl_buf later;      /* why links after the first usable one could not be used */
	tctl_credential_info info;
	pthread_mutex_t lock;
};

/* auth_aad.c: client secret and workload identity (Entra ID token endpoint). */
int auth_client_secret_fetch(char **token, int64_t *expires, tctl_credential *cred,
			     auth_link *link, const char *scope);
int auth_workload_fetch(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
			const char *scope);

/* Parse a token endpoint's JSON answer: access_token, and expires_on or
 * expires_in (numbers or strings). `what` names the answer in messages. */
int auth_parse_token(char **token, int64_t *expires, const char *body, const char *what);

/* The resource a scope names, for IMDS and the CLI: the scope without ".default". Caller frees. */
int auth_scope_resource(char **out, const char *scope);

/* An error answer from a token endpoint as one line: "HTTP 401: invalid_client: AADSTS...". */
int auth_http_error(const tctl_http_response *r, const char *what);

/* auth_msi.c: managed identity. */
int auth_imds_probe(bool *out_answered, tctl_credential *cred);
int auth_imds_fetch(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
		    const char *scope);
int auth_app_service_fetch(char **token, int64_t *expires, tctl_credential *cred,
			   auth_link *link, const char *scope);

/* auth_cli.c: the Azure CLI. */
int auth_cli_find(char **out_path);
/* Reads what 'az account get-access-token' printed: the token and its expiry; the tenant
 * it names goes to link->reported_tenant. TCTL_EREMOTE when either is missing. */
int auth_cli_parse_output(char **token, int64_t *expires, auth_link *link, const char *out);
int auth_cli_profile_state(char **out);
int auth_cli_fetch(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
		   const char *scope);

/* auth_cache.c: the token file (tctl_dir_cache()/tokens.json, mode 0600). */
int auth_cache_path(char **out);
/* A token for `key` that lives until after `min_expiry`; 1 found, 0 not. Never fails loudly. */
int auth_cache_load(char **token, int64_t *expires, const char *path, const char *key,
		    int64_t min_expiry);
int auth_cache_store(const char *path, const char *key, const char *token, int64_t expires);

/* The HTTP client of a credential, made on first use. */
int auth_http(tctl_http_client **out, tctl_credential *cred);

/* Wipe and free a string. */
void auth_wipe(char *s);

#endif
