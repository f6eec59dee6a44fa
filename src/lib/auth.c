/* auth.c: the credential chain: which link is usable, tokens cached until shortly before expiry. */
#include "trainctl/auth.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "auth_internal.h"
#include "config_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define DEFAULT_IMDS "http://169.254.169.254"

static const struct {
	const char *id, *name;
} types[] = {
	[TCTL_CREDENTIAL_CLIENT_SECRET] = { "client_secret", "client secret" },
	[TCTL_CREDENTIAL_WORKLOAD_IDENTITY] = { "workload_identity", "workload identity" },
	[TCTL_CREDENTIAL_MANAGED_IDENTITY] = { "managed_identity", "managed identity" },
	[TCTL_CREDENTIAL_APP_SERVICE] = { "app_service", "managed identity (App Service)" },
	[TCTL_CREDENTIAL_AZURE_CLI] = { "azure_cli", "Azure CLI" },
};

const char *tctl_credential_type_id(tctl_credential_type type)
{
	return type >= TCTL_CREDENTIAL_CLIENT_SECRET && type <= TCTL_CREDENTIAL_AZURE_CLI
		? types[type].id : "unknown";
}

void auth_wipe(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void tctl_token_free(char *token)
{
	auth_wipe(token);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static void skip(tctl_credential *cred, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Notes why a link is not used: before the first usable link in `skipped`,
 * after it in `later` (said only if the chain gets that far). */
static void skip(tctl_credential *cred, const char *fmt, ...)
{
	tctl_buf *b = cred->nlinks ? &cred->later : &cred->skipped;
	va_list ap;

	if (b->len)
		tctl_buf_puts(b, "; ");
	va_start(ap, fmt);
	tctl_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static int dup_str(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* A new link at the end of the chain; its strings are copied. */
static int add_link(tctl_credential *cred, tctl_credential_type type, auth_fetch_fn fetch,
		    const char *source, const char *tenant, const char *client, const char *secret,
		    const char *path, const char *endpoint)
{
	auth_link *l;

	if (cred->nlinks == AUTH_MAX_LINKS)
		return 0;
	l = &cred->links[cred->nlinks++];
	l->type = type;
	l->fetch = fetch;
	if (dup_str(&l->source, source) < 0 || dup_str(&l->tenant_id, tenant) < 0 ||
	    dup_str(&l->client_id, client) < 0 || dup_str(&l->secret, secret) < 0 ||
	    dup_str(&l->path, path) < 0 || dup_str(&l->endpoint, endpoint) < 0)
		return TCTL_ENOMEM;
	return endpoint ? tctl_http_redact_url(&l->endpoint_shown, endpoint) : 0;
}

static int check_tenant(const char *tenant, const char *where)
{
	if (tctl_config_tenant_valid(tenant))
		return 0;
	return tctl_error_set(TCTL_EINVALID, "%s: expected a tenant ID (a GUID or a domain), got \"%s\"",
			      where, tenant);
}

/* {authority}/{tenant}/oauth2/v2.0/token */
static int token_url(char **out, const tctl_credential *cred, const char *tenant)
{
	if (asprintf(out, "%s/%s/oauth2/v2.0/token", cred->authority, tenant) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* ---- the links ---- */

static int add_env_secret(tctl_credential *cred)
{
	const char *t = env("AZURE_TENANT_ID"), *c = env("AZURE_CLIENT_ID"), *s = env("AZURE_CLIENT_SECRET");
	char *url = NULL;
	int error;

	if (!s) {
		skip(cred, "client secret: AZURE_CLIENT_SECRET not set");
		if (env("AZURE_CLIENT_CERTIFICATE_PATH"))
			skip(cred, "certificate: AZURE_CLIENT_CERTIFICATE_PATH is set, but trainctl does "
			     "not support certificate credentials");
		return 0;
	}
	if (!t || !c) {
		skip(cred, "client secret: AZURE_CLIENT_SECRET is set but %s not", !t && !c
		     ? "AZURE_TENANT_ID and AZURE_CLIENT_ID are" : !t ? "AZURE_TENANT_ID is" : "AZURE_CLIENT_ID is");
		return 0;
	}
	if ((error = check_tenant(t, "env AZURE_TENANT_ID")) < 0 || (error = token_url(&url, cred, t)) < 0)
		return error;
	error = add_link(cred, TCTL_CREDENTIAL_CLIENT_SECRET, auth_client_secret_fetch,
			 "environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)", t, c, s,
			 NULL, url);
	free(url);
	return error;
}

static int add_config_secret(tctl_credential *cred, const tctl_config *cfg)
{
	char *url = NULL, source[600];
	int error;

	if (!cfg || !cfg->credentials.client_secret)
		return 0;
	if (!cfg->credentials.tenant_id || !cfg->credentials.client_id) {
		skip(cred, "client secret (config): credentials.client_secret is set but %s not",
		     cfg->credentials.tenant_id ? "credentials.client_id is" : "credentials.tenant_id is");
		return 0;
	}
	if ((error = check_tenant(cfg->credentials.tenant_id, "credentials.tenant_id")) < 0 ||
	    (error = token_url(&url, cred, cfg->credentials.tenant_id)) < 0)
		return error;
	snprintf(source, sizeof(source), "config %s", cfg->user_path ? cfg->user_path : "(user config)");
	error = add_link(cred, TCTL_CREDENTIAL_CLIENT_SECRET, auth_client_secret_fetch, source,
			 cfg->credentials.tenant_id, cfg->credentials.client_id,
			 cfg->credentials.client_secret, NULL, url);
	free(url);
	return error;
}

static int add_workload(tctl_credential *cred)
{
	const char *f = env("AZURE_FEDERATED_TOKEN_FILE"), *t = env("AZURE_TENANT_ID"),
		   *c = env("AZURE_CLIENT_ID");
	char *url = NULL;
	int error;

	if (!f) {
		skip(cred, "workload identity: AZURE_FEDERATED_TOKEN_FILE not set");
		return 0;
	}
	if (!t || !c) {
		skip(cred, "workload identity: AZURE_FEDERATED_TOKEN_FILE is set but %s not",
		     !t && !c ? "AZURE_TENANT_ID and AZURE_CLIENT_ID are" : !t ? "AZURE_TENANT_ID is"
		     : "AZURE_CLIENT_ID is");
		return 0;
	}
	if ((error = check_tenant(t, "env AZURE_TENANT_ID")) < 0 || (error = token_url(&url, cred, t)) < 0)
		return error;
	error = add_link(cred, TCTL_CREDENTIAL_WORKLOAD_IDENTITY, auth_workload_fetch,
			 "environment (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID)", t, c,
			 NULL, f, url);
	free(url);
	return error;
}

static int add_managed(tctl_credential *cred)
{
	const char *ep = env("IDENTITY_ENDPOINT"), *hdr = env("IDENTITY_HEADER");
	bool answered = false;
	int error;

	if (ep && hdr && env("IDENTITY_SERVER_THUMBPRINT")) {
		skip(cred, "managed identity: Service Fabric (IDENTITY_SERVER_THUMBPRINT) is not supported");
	} else if (ep && hdr) {
		return add_link(cred, TCTL_CREDENTIAL_APP_SERVICE, auth_app_service_fetch,
				"environment (IDENTITY_ENDPOINT, IDENTITY_HEADER)", NULL,
				env("AZURE_CLIENT_ID"), hdr, NULL, ep);
	} else if (ep && env("IMDS_ENDPOINT")) {
		skip(cred, "managed identity: Azure Arc (IDENTITY_ENDPOINT, IMDS_ENDPOINT) is not supported");
	} else if (env("MSI_ENDPOINT")) {
		skip(cred, "managed identity: MSI_ENDPOINT (Cloud Shell, Azure ML compute) is not supported");
	}
	if ((error = auth_imds_probe(&answered, cred)) < 0)
		return error;
	if (!answered) {
		skip(cred, "managed identity: no answer from the instance metadata service at %s", cred->imds);
		return 0;
	}
	return add_link(cred, TCTL_CREDENTIAL_MANAGED_IDENTITY, auth_imds_fetch, "the instance metadata service",
			NULL, env("AZURE_CLIENT_ID"), NULL, NULL, cred->imds);
}

static int add_cli(tctl_credential *cred, const tctl_config *cfg)
{
	char *az = NULL;
	int error;

	if ((error = auth_cli_find(&az)) < 0)
		return error;
	if (!az) {
		skip(cred, "Azure CLI: 'az' not found on PATH");
		return 0;
	}
	error = add_link(cred, TCTL_CREDENTIAL_AZURE_CLI, auth_cli_fetch, "Azure CLI (az login)",
			 cfg ? cfg->credentials.tenant_id : NULL, NULL, NULL, az, az);
	free(az);
	if (!error)
		error = auth_cli_profile_state(&cred->links[cred->nlinks - 1].cache_extra);
	return error;
}

/* ---- building and freeing ---- */

static void link_free(auth_link *l)
{
	free(l->source);
	free(l->tenant_id);
	free(l->client_id);
	auth_wipe(l->secret);
	free(l->path);
	free(l->endpoint);
	free(l->endpoint_shown);
	free(l->cache_extra);
	free(l->reported_tenant);
}

void tctl_credential_free(tctl_credential *cred)
{
	if (!cred)
		return;
	for (size_t i = 0; i < cred->nlinks; i++)
		link_free(&cred->links[i]);
	for (size_t i = 0; i < cred->ncached; i++) {
		free(cred->cached[i].key);
		auth_wipe(cred->cached[i].token);
	}
	free(cred->cached);
	tctl_http_client_free(cred->http);
	free(cred->ca_bundle);
	free(cred->authority);
	free(cred->imds);
	free(cred->cache_path);
	tctl_buf_free(&cred->skipped);
	tctl_buf_free(&cred->later);
	pthread_mutex_destroy(&cred->lock);
	free(cred);
}

static bool file_cache_off(void)
{
	const char *v = env("TRAINCTL_TOKEN_CACHE");
	return v && (!strcmp(v, "0") || !strcasecmp(v, "off") || !strcasecmp(v, "no") ||
		     !strcasecmp(v, "false"));
}

/* A URL without trailing slashes (the workload identity webhook sets "https://login.microsoftonline.com/"). */
static int dup_url(char **out, const char *url)
{
	size_t n = strlen(url);

	while (n > 8 && url[n - 1] == '/')
		n--;
	if (!(*out = strndup(url, n)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static int credential_new(tctl_credential **out, const tctl_config *cfg)
{
	tctl_credential *cred = calloc(1, sizeof(*cred));
	int error;

	if (!cred)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	pthread_mutex_init(&cred->lock, NULL);
	*out = cred;
	if ((error = tctl_http_options_from_config(&cred->http_opts, cfg)) < 0 ||
	    (error = dup_str(&cred->ca_bundle, cfg ? cfg->cloud.ca_bundle : NULL)) < 0 ||
	    (error = dup_url(&cred->authority, cfg && cfg->cloud.authority ? cfg->cloud.authority
							  : DEFAULT_AUTHORITY)) < 0 ||
	    (error = dup_url(&cred->imds, cfg && cfg->cloud.imds ? cfg->cloud.imds : DEFAULT_IMDS)) < 0)
		return error;
	cred->http_opts.ca_bundle = cred->ca_bundle;
	if (!file_cache_off() && (error = auth_cache_path(&cred->cache_path)) < 0)
		return error;
	if ((error = tctl_buf_puts(&cred->skipped, "")) < 0)
		return error;
	return tctl_buf_puts(&cred->later, "");
}

static void fill_info(tctl_credential *cred)
{
	const auth_link *l = &cred->links[cred->current];
	tctl_credential_info *i = &cred->info;

	i->type = l->type;
	i->id = types[l->type].id;
	i->name = types[l->type].name;
	i->source = l->source;
	i->tenant_id = l->tenant_id ? l->tenant_id : l->reported_tenant;
	i->client_id = l->client_id;
	i->endpoint = l->endpoint_shown;
	i->skipped = cred->skipped.ptr ? cred->skipped.ptr : "";
}

/* Links after this one matter only when it can turn out unavailable (IMDS: no identity). */
static bool chain_complete(const tctl_credential *cred)
{
	return cred->nlinks && cred->links[cred->nlinks - 1].type != TCTL_CREDENTIAL_MANAGED_IDENTITY;
}

int tctl_credential_default(tctl_credential **out, const tctl_config *cfg)
{
	tctl_credential *cred = NULL;
	int error;

	if ((error = credential_new(&cred, cfg)) < 0)
		goto fail;
	/* in order; the metadata service is probed only when nothing before it is set */
	if ((error = add_env_secret(cred)) < 0 ||
	    (!chain_complete(cred) && (error = add_config_secret(cred, cfg)) < 0) ||
	    (!chain_complete(cred) && (error = add_workload(cred)) < 0) ||
	    (!chain_complete(cred) && (error = add_managed(cred)) < 0) ||
	    (!chain_complete(cred) && (error = add_cli(cred, cfg)) < 0))
		goto fail;
	if (!cred->nlinks) {
		error = tctl_error_set(TCTL_EAUTH, "no Azure credential found: %s", cred->skipped.ptr);
		goto fail;
	}
	fill_info(cred);
	*out = cred;
	return 0;
fail:
	tctl_credential_free(cred);
	return error;
}

tctl_credential_type tctl_credential_kind(const tctl_credential *cred)
{
	return cred->links[cred->current].type;
}

const tctl_credential_info *tctl_credential_describe(const tctl_credential *cred)
{
	return &cred->info;
}

/* The audience is scheme://host[:port]...: a user name or password in the endpoint's URL is
 * for that endpoint alone, never sent to Entra ID in a scope nor shown as one. */
int tctl_credential_arm_scope(char **out, const tctl_config *cfg)
{
	const char *arm = cfg && cfg->cloud.arm ? cfg->cloud.arm : "https://management.azure.com";
	const char *host = strstr(arm, "://"), *at;
	int scheme = 0;

	if (host) {
		host += 3;
		scheme = (int)(host - arm);
		at = memchr(host, '@', strcspn(host, "/?#"));
		if (at)
			host = at + 1;
	}
	if (asprintf(out, "%.*s%s/.default", scheme, arm, host ? host : arm) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

void tctl_credential_set_trace(tctl_credential *cred, tctl_http_trace_fn fn, void *payload)
{
	pthread_mutex_lock(&cred->lock);
	cred->http_opts.trace = fn;
	cred->http_opts.trace_payload = payload;
	tctl_http_client_free(cred->http);  /* the next request makes one with the new options */
	cred->http = NULL;
	pthread_mutex_unlock(&cred->lock);
}

int auth_http(tctl_http_client **out, tctl_credential *cred)
{
	int error;

	if (!cred->http && (error = tctl_http_client_new(&cred->http, &cred->http_opts)) < 0)
		return error;
	*out = cred->http;
	return 0;
}

/* ---- tokens ---- */

/* The cache key of a link and scope; nothing secret in it. */
static int cache_key(char **out, const auth_link *l, const char *scope)
{
	if (asprintf(out, "%s|%s|%s|%s|%s|%s", types[l->type].id, l->endpoint ? l->endpoint : "",
		     l->tenant_id ? l->tenant_id : "", l->client_id ? l->client_id : "",
		     l->cache_extra ? l->cache_extra : "", scope) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static auth_cached *memory_find(tctl_credential *cred, const char *key)
{
	for (size_t i = 0; i < cred->ncached; i++)
		if (!strcmp(cred->cached[i].key, key))
			return &cred->cached[i];
	return NULL;
}

static int memory_store(tctl_credential *cred, const char *key, const char *token, int64_t expires)
{
	auth_cached *c = memory_find(cred, key), *a;

	if (!c) {
		if (!(a = realloc(cred->cached, (cred->ncached + 1) * sizeof(*a))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		cred->cached = a;
		c = &a[cred->ncached++];
		memset(c, 0, sizeof(*c));
		if (!(c->key = strdup(key)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	auth_wipe(c->token);
	c->expires = expires;
	if (!(c->token = strdup(token)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* A cached token that lives past now + offset, from memory or the file; 1 found. */
static int cached_token(char **out, int64_t *expires, tctl_credential *cred, const char *key, int64_t offset)
{
	auth_cached *c = memory_find(cred, key);
	int64_t now = tctl_now();

	if (c && c->expires > now + offset) {
		*expires = c->expires;
		return (*out = strdup(c->token)) ? 1 : tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (cred->cache_path && auth_cache_load(out, expires, cred->cache_path, key, now + offset) == 1)
		return memory_store(cred, key, *out, *expires) < 0 ? TCTL_ENOMEM : 1;
	return 0;
}

static bool scope_valid(const char *scope)
{
	return scope && !strncmp(scope, "https://", 8) && !strpbrk(scope, " \t\r\n") && strlen(scope) < 512;
}

/* Asks the links from the current one on, moving past "unavailable" ones. */
static int fetch_from_chain(char **out, int64_t *expires, tctl_credential *cred, const char *scope,
			    bool fresh)
{
	char *key = NULL;
	int rc;

	for (;;) {
		auth_link *l = &cred->links[cred->current];
		free(key);
		if ((rc = cache_key(&key, l, scope)) < 0)
			break;
		if (!fresh && (rc = cached_token(out, expires, cred, key, AUTH_REFRESH_OFFSET)) != 0)
			break;
		if ((rc = l->fetch(out, expires, cred, l, scope)) == 0) {
			if ((rc = memory_store(cred, key, *out, *expires)) == 0 && cred->cache_path &&
			    auth_cache_store(cred->cache_path, key, *out, *expires) < 0)
				tctl_error_clear();  /* a cache that cannot be written is only slower */
			break;
		}
		if (rc != AUTH_UNAVAILABLE) {
			/* refreshing failed: a token still valid is better than none */
			if (!fresh && cached_token(out, expires, cred, key, 0) == 1) {
				rc = 0;
				break;
			}
			if (l->type == TCTL_CREDENTIAL_AZURE_CLI)
				tctl_error_prefix("%s", types[l->type].name);
			else
				tctl_error_prefix("%s from %s", types[l->type].name, l->source);
			break;
		}
		tctl_buf_printf(&cred->skipped, "%s%s", cred->skipped.len ? "; " : "",
				tctl_error_last()->message);
		if (cred->current + 1 == cred->nlinks) {
			rc = tctl_error_set(TCTL_EAUTH, "no Azure credential could get a token: %s%s%s",
					    cred->skipped.ptr, cred->later.len ? "; " : "", cred->later.ptr);
			break;
		}
		cred->current++;
		fill_info(cred);
	}
	free(key);
	return rc;
}

static int token(char **out, int64_t *out_expires, tctl_credential *cred, const char *scope, bool fresh)
{
	int64_t expires = 0;
	int rc;

	if (!scope_valid(scope))
		return tctl_error_set(TCTL_EINVALID, "token scope '%s': expected an https:// URI such as "
				      "https://management.azure.com/.default", scope ? scope : "");
	pthread_mutex_lock(&cred->lock);
	rc = fetch_from_chain(out, &expires, cred, scope, fresh);
	fill_info(cred);
	pthread_mutex_unlock(&cred->lock);
	if (rc == 0 && out_expires)
		*out_expires = expires;
	return rc < 0 ? rc : 0;
}

int tctl_credential_token(char **out, int64_t *out_expires, tctl_credential *cred, const char *scope)
{
	return token(out, out_expires, cred, scope, false);
}

int tctl_credential_fetch(char **out, int64_t *out_expires, tctl_credential *cred, const char *scope)
{
	return token(out, out_expires, cred, scope, true);
}
