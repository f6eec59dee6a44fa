/** @file auth.h  Azure credentials: azure-identity's DefaultAzureCredential chain; tokens cached. */
#ifndef TRAINCTL_AUTH_H
#define TRAINCTL_AUTH_H

#include <stdint.h>

#include "trainctl/config.h"
#include "trainctl/http.h"

/*
 * The chain, in azure-identity's order and with its variable names
 * (docs/azure.md cites the sources):
 *
 *  1. client secret: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET,
 *     then the user config's "credentials" (tenant_id, client_id, client_secret)
 *     -> POST {authority}/{tenant}/oauth2/v2.0/token, grant_type=client_credentials
 *  2. workload identity: AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID + AZURE_TENANT_ID
 *     -> the same endpoint, the file's token as a jwt-bearer client_assertion
 *  3. managed identity: IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service style),
 *     else the instance metadata service (cloud.imds; used when a probe answers);
 *     AZURE_CLIENT_ID, when set, picks a user-assigned identity
 *  4. Azure CLI: `az account get-access-token --output json --resource R`, run
 *     from PATH without a shell
 *
 * A link whose settings are absent is skipped; one that is configured but
 * fails stops the chain with its error, except that "no identity assigned"
 * (managed identity) and "not logged in" (Azure CLI) pass on to the next, as
 * in azure-identity. Tokens are kept until 300 s before they expire
 * (azure-identity's refresh offset), in memory and in
 * tctl_dir_cache()/tokens.json (mode 0600; TRAINCTL_TOKEN_CACHE=0 turns the
 * file off). Tokens and secrets never appear in messages.
 *
 * Ownership: the credential owns what tctl_credential_describe returns; a
 * token from tctl_credential_token is the caller's, released with
 * tctl_token_free (which wipes it). A credential may be shared by threads.
 */

/** Which link of the chain a credential is. */
typedef enum {
	TCTL_CREDENTIAL_CLIENT_SECRET = 1,
	TCTL_CREDENTIAL_WORKLOAD_IDENTITY,
	TCTL_CREDENTIAL_MANAGED_IDENTITY,  /**< instance metadata service (IMDS) */
	TCTL_CREDENTIAL_APP_SERVICE,       /**< managed identity via IDENTITY_ENDPOINT */
	TCTL_CREDENTIAL_AZURE_CLI
} tctl_credential_type;

typedef struct tctl_credential tctl_credential;

/** What a credential is, for `auth check` (no secrets in it). */
typedef struct {
	tctl_credential_type type;
	const char *id;           /**< "client_secret", "workload_identity", "managed_identity", "app_service", "azure_cli" */
	const char *name;         /**< "client secret", ..., "Azure CLI" */
	const char *source;       /**< where its settings came from: "environment (AZURE_CLIENT_SECRET)", a config file, ... */
	const char *tenant_id;    /**< NULL when the credential does not say (managed identity, CLI before a token) */
	const char *client_id;    /**< NULL: the system-assigned identity, or the CLI's signed-in user */
	const char *endpoint;     /**< token endpoint or program, redacted */
	const char *skipped;      /**< why the links before it were not used ("" when none) */
} tctl_credential_info;

/** The scope of storage tokens (blob upload). */
#define TCTL_SCOPE_STORAGE "https://storage.azure.com/.default"

/**
 * Find the first usable credential of the chain for `cfg` (NULL: built-in
 * endpoints only). Cheap checks only: variables, files, `az` on PATH, and one
 * short probe of the metadata service when it comes to that. No token is
 * requested. Returns 0, or TCTL_EAUTH "no Azure credential found: ..." with
 * the reason each link was skipped, or TCTL_EINVALID for a malformed
 * variable (a tenant that is not a GUID or domain).
 */
int tctl_credential_default(tctl_credential **out, const tctl_config *cfg);

/**
 * A token for `scope` ("https://management.azure.com/.default",
 * TCTL_SCOPE_STORAGE): from the cache while it has more than 300 s to live,
 * else freshly requested (and cached). *out_expires (may be NULL) gets its
 * expiry, unix seconds. Fails with TCTL_EAUTH (refused, or no credential
 * left), TCTL_ENET/TCTL_ETIMEOUT (unreachable) or TCTL_EREMOTE, the message
 * naming the credential and the endpoint, never the token or secret.
 */
int tctl_credential_token(char **out, int64_t *out_expires, tctl_credential *cred, const char *scope);

/** As tctl_credential_token, but always asks the identity provider (`auth check`). */
int tctl_credential_fetch(char **out, int64_t *out_expires, tctl_credential *cred, const char *scope);

/** The link in use (it can move on after "no identity assigned" / "not logged in"). */
tctl_credential_type tctl_credential_kind(const tctl_credential *cred);

/** A description of the link in use; borrowed, valid until the next call on cred. */
const tctl_credential_info *tctl_credential_describe(const tctl_credential *cred);

/** "client_secret", ... for a type (the `id` above). */
const char *tctl_credential_type_id(tctl_credential_type type);

/** Trace the credential's HTTP requests (redacted lines, see tctl_http_trace_fn); NULL stops. */
void tctl_credential_set_trace(tctl_credential *cred, tctl_http_trace_fn fn, void *payload);

/** The ARM scope for cfg's Resource Manager endpoint: cloud.arm + "/.default". Caller frees. */
int tctl_credential_arm_scope(char **out, const tctl_config *cfg);

void tctl_credential_free(tctl_credential *cred);

/** Wipe and free a token. NULL is fine. */
void tctl_token_free(char *token);

#endif
