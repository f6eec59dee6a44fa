/** @file arm.h  Azure Resource Manager client: api-version, request ids, tokens, long-running operations, paging, dry runs. */
#ifndef TRAINCTL_ARM_H
#define TRAINCTL_ARM_H

#include <stdbool.h>
#include <stdint.h>

#include "trainctl/config.h"
#include "trainctl/http.h"

/*
 * Every request goes to the configured Resource Manager endpoint (cloud.arm)
 * with ?api-version=TCTL_ARM_API_VERSION, an x-ms-client-request-id (the same
 * on each retry), and a bearer token for cloud.arm + "/.default" from the
 * credential chain (auth.h). The HTTP layer retries 408/429/5xx and lost
 * connections, honouring Retry-After; a token the server refuses as expired
 * or invalid is replaced once by a fresh one. An error answer becomes an
 * error naming Azure's error.code and error.message and the request id.
 *
 * In a dry run nothing is sent and no credential is looked for: each request
 * is handed to `on_request` (method, URL, body) and answered with status 0.
 *
 * libcurl is loaded by the first request really sent (http.h), never by
 * tctl_arm_new. Ownership: a response is the caller's (tctl_arm_response_free).
 * docs/azure.md has the details.
 */

/** The api-version every request carries (../shared/azure-ml-spec, SUMMARY.md). */
#define TCTL_ARM_API_VERSION "2026-09-01"

typedef struct tctl_arm tctl_arm;

/** A request as it is (or, in a dry run, would be) sent. Secrets are redacted. */
typedef struct {
	const char *method;
	const char *url;        /**< absolute, api-version included */
	const char *body;       /**< indented JSON text; NULL when the request has none */
	const char *note;       /**< when or why it is sent ("only when the cluster differs"); may be NULL */
} tctl_arm_request_info;

typedef void (*tctl_arm_request_fn)(const tctl_arm_request_info *req, void *payload);

/** One line worth telling the user: a retry and why, a token replaced, an operation's progress. */
typedef void (*tctl_arm_notice_fn)(const char *line, void *payload);

#define TCTL_ARM_OPTIONS_VERSION 1

typedef struct {
	int version;
	bool dry_run;                   /**< send nothing; report each request to on_request */
	tctl_arm_request_fn on_request; /**< dry run: every request; otherwise: every request sent */
	void *request_payload;
	tctl_arm_notice_fn notice;      /**< NULL: none */
	void *notice_payload;
	tctl_http_trace_fn trace;       /**< the HTTP trace (redacted), for --verbose; NULL: none */
	void *trace_payload;
	int64_t poll_ms;                /**< operation polls when the server names no Retry-After;
					     0: $TRAINCTL_ARM_POLL_MS, else 5000 */
	int64_t lro_timeout_ms;         /**< give up waiting for an operation; 0: 30 minutes */
} tctl_arm_options;

#define TCTL_ARM_OPTIONS_INIT { TCTL_ARM_OPTIONS_VERSION, false, NULL, NULL, NULL, NULL, NULL, \
	NULL, 0, 0 }

/** The answer to one call (the final one, for a long-running operation). */
typedef struct {
	int status;             /**< HTTP status; 0 in a dry run */
	char *body;             /**< JSON text, "" when none; never NULL */
	char *request_id;       /**< the x-ms-client-request-id sent, or NULL (dry run) */
	char *location;         /**< Location header, or NULL */
	char *async_operation;  /**< Azure-AsyncOperation header, or NULL */
	int64_t retry_after_ms; /**< Retry-After, or -1 */
} tctl_arm_response;

/** Call flags. */
#define TCTL_ARM_ALLOW_404 0x1u  /**< a 404 is an answer (the resource is absent), not an error */
#define TCTL_ARM_WAIT      0x2u  /**< follow a long-running operation to its end */

/**
 * A client for `cfg`'s endpoints (borrowed: keep cfg alive). Loads nothing
 * and looks for no credential yet. TCTL_EINVALID for malformed TRAINCTL_*
 * variables (HTTP settings, TRAINCTL_ARM_POLL_MS).
 */
int tctl_arm_new(tctl_arm **out, const tctl_config *cfg, const tctl_arm_options *opts);

void tctl_arm_free(tctl_arm *arm);

bool tctl_arm_dry_run(const tctl_arm *arm);

/** The Resource Manager endpoint in use, without a trailing '/'. Borrowed. */
const char *tctl_arm_endpoint(const tctl_arm *arm);

/**
 * Send `method` to `path` ("/subscriptions/...", the api-version is added;
 * or an absolute URL on the ARM host, as nextLink and operation monitors
 * are) with `body` (JSON text or NULL). With TCTL_ARM_WAIT, a long-running
 * operation is followed to its end: the Azure-AsyncOperation monitor when
 * the answer names one, else Location while it answers 202, else the
 * resource's provisioningState; Retry-After is honoured between polls; the
 * final answer is the resource (PUT, PATCH) or the Location result.
 *
 * Returns 0 for a 2xx answer (and for a 404 with TCTL_ARM_ALLOW_404), with
 * *out set. Otherwise an error, *out untouched: TCTL_EAUTH (401, 403),
 * TCTL_ENOTFOUND (404), TCTL_EQUOTA (Azure's code names a quota),
 * TCTL_EREMOTE (anything else, and failed or cancelled operations),
 * TCTL_ETIMEOUT (an operation outlived lro_timeout_ms), or a transport or
 * credential error. `note` is shown with the request in a dry run.
 */
int tctl_arm_call(tctl_arm_response **out, tctl_arm *arm, const char *method, const char *path,
		  const char *body, unsigned flags, const char *note);

/**
 * GET a pageable list and every page after it (nextLink, followed verbatim
 * on the ARM host only): *out is a JSON array text of all "value" items.
 * In a dry run, "[]".
 */
int tctl_arm_list(char **out, tctl_arm *arm, const char *path, const char *note);

void tctl_arm_response_free(tctl_arm_response *r);

#endif
