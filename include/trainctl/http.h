/** @file http.h  HTTP(S) through one place: TLS always verified, retries, redaction, progress. */
#ifndef TRAINCTL_HTTP_H
#define TRAINCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainctl/config.h"

/*
 * libcurl lives in the module trainctl-curl.so, loaded by the first
 * tctl_http_send() (never by tctl_http_client_new or anything else here), so
 * commands that do not touch the network never pay its start-up cost.
 *
 * Policy lives here, not in callers: TLS peer and host verification are always
 * on (there is no option to turn them off); plain http:// is refused unless a
 * request sets TCTL_HTTP_ALLOW_HTTP (the instance metadata service); redirects
 * are not followed (ARM's 202 + Location is an answer, not a redirect);
 * 408, 429, 500, 502, 503 and 504 answers and connection failures (refused,
 * reset, timed out, empty reply) are retried with capped exponential backoff
 * and jitter, honouring Retry-After; every message and trace line has its
 * secrets redacted (tctl_http_redact_url, tctl_http_header_is_secret).
 *
 * Ownership: a request and its strings are borrowed for the call; a response
 * is the caller's, freed with tctl_http_response_free. A client is used by one
 * thread at a time; make one per thread for parallel transfers. docs/network.md.
 */

typedef struct tctl_http_client tctl_http_client;

/** One header: in requests borrowed, in responses owned by the response. */
typedef struct {
	const char *name;
	const char *value;
} tctl_http_header;

/** Bytes moved so far by one attempt (totals 0 when unknown). */
typedef struct {
	uint64_t up_now, up_total;
	uint64_t down_now, down_total;
	int attempt;                    /**< 1 for the first try */
} tctl_http_progress;

/** Progress callback: return non-zero to abort the transfer (TCTL_ECANCELLED). */
typedef int (*tctl_http_progress_fn)(const tctl_http_progress *p, void *payload);

/**
 * Trace callback: one line per event ("> GET URL", "< 503 in 12 ms",
 * "retry 1/4 in 812 ms: HTTP 503"), URLs and headers already redacted.
 */
typedef void (*tctl_http_trace_fn)(const char *line, void *payload);

/** Request id hook: write a fresh id (NUL-terminated) into buf; return 0 or < 0 to fail. */
typedef int (*tctl_http_request_id_fn)(char *buf, size_t size, void *payload);

#define TCTL_HTTP_OPTIONS_VERSION 1

/** Client settings; start from TCTL_HTTP_OPTIONS_INIT or tctl_http_options_from_config. */
typedef struct {
	int version;
	const char *ca_bundle;          /**< PEM file of CAs trusted in addition to the system's; NULL: none */
	int connect_timeout_ms;         /**< default 10000 */
	int timeout_ms;                 /**< one attempt, start to end; default 120000; 0: none */
	int max_retries;                /**< retries after the first try; default 4 */
	int retry_base_ms;              /**< first backoff delay (before jitter); default 800 */
	int retry_max_ms;               /**< cap on any one delay, Retry-After included; default 60000 */
	const char *user_agent;         /**< default "trainctl/<version>" */
	const char *request_id_header;  /**< e.g. "x-ms-client-request-id"; NULL: send none */
	tctl_http_request_id_fn request_id; /**< NULL: a random UUID (version 4) */
	void *request_id_payload;
	tctl_http_trace_fn trace;       /**< NULL: no trace */
	void *trace_payload;
	size_t max_response;            /**< bytes of body kept in memory; default 256 MiB */
} tctl_http_options;

#define TCTL_HTTP_OPTIONS_INIT \
	{ TCTL_HTTP_OPTIONS_VERSION, NULL, 10000, 120000, 4, 800, 60000, NULL, NULL, NULL, NULL, \
	  NULL, NULL, 0 }

/**
 * Defaults, then cfg->cloud.ca_bundle (borrowed: keep cfg alive), then the
 * environment: TRAINCTL_HTTP_RETRIES, TRAINCTL_HTTP_RETRY_BASE_MS,
 * TRAINCTL_HTTP_RETRY_MAX_MS, TRAINCTL_HTTP_TIMEOUT_MS (whole numbers >= 0;
 * anything else is TCTL_EINVALID naming the variable). `cfg` may be NULL.
 */
int tctl_http_options_from_config(tctl_http_options *out, const tctl_config *cfg);

/** Request flags. */
#define TCTL_HTTP_NO_RETRY   0x1u  /**< one attempt only (a non-idempotent call) */
#define TCTL_HTTP_ALLOW_HTTP 0x2u  /**< allow plain http:// (IMDS); otherwise https only */

#define TCTL_HTTP_REQUEST_VERSION 1

typedef struct {
	int version;
	const char *method;             /**< "GET", "PUT", ... */
	const char *url;
	const tctl_http_header *headers;
	size_t headers_len;
	const void *body;               /**< NULL: no body */
	size_t body_len;
	int timeout_ms;                 /**< 0: the client's */
	unsigned flags;                 /**< TCTL_HTTP_* */
	tctl_http_progress_fn progress; /**< NULL: none */
	void *progress_payload;
} tctl_http_request;

#define TCTL_HTTP_REQUEST_INIT { TCTL_HTTP_REQUEST_VERSION, "GET", NULL, NULL, 0, NULL, 0, 0, 0, NULL, NULL }

/** The final answer to a request (after any retries). */
typedef struct {
	int status;                     /**< HTTP status of the last attempt */
	tctl_http_header *headers;      /**< the last attempt's headers, in order */
	size_t headers_len;
	char *body;                     /**< NUL-terminated (not counted in body_len); never NULL */
	size_t body_len;
	int attempts;                   /**< tries made, 1 + retries */
	char *request_id;               /**< the id sent (same on every retry), or NULL */
	char *method;                   /**< as sent */
	char *url;                      /**< redacted, for messages */
	int64_t elapsed_ms;             /**< all attempts and delays */
} tctl_http_response;

/** A client with `opts` (NULL: TCTL_HTTP_OPTIONS_INIT). Loads nothing yet. */
int tctl_http_client_new(tctl_http_client **out, const tctl_http_options *opts);

void tctl_http_client_free(tctl_http_client *c);

/**
 * Send `req`, retrying as described above. Returns 0 with *out set whenever
 * an HTTP answer came back, whatever its status (read it, or call
 * tctl_http_response_check); on a transport failure (after the retries)
 * returns TCTL_ENET, TCTL_ETIMEOUT, TCTL_ESECURITY (TLS: certificate not
 * trusted, host name mismatch), TCTL_EINVALID (bad URL, refused scheme),
 * TCTL_ECANCELLED (progress callback) or TCTL_ENOMODULE, with a message
 * naming the method, the redacted URL and what happened, and *out untouched.
 */
int tctl_http_send(tctl_http_response **out, tctl_http_client *c, const tctl_http_request *req);

/** 0 for a 2xx answer; else TCTL_EAUTH (401, 403), TCTL_ENOTFOUND (404) or
 *  TCTL_EREMOTE, with "METHOD URL: HTTP 503 (after 5 attempts)". */
int tctl_http_response_check(const tctl_http_response *r);

/** The value of the last header called `name` (any case); NULL when absent. Borrowed. */
const char *tctl_http_response_header(const tctl_http_response *r, const char *name);

void tctl_http_response_free(tctl_http_response *r);

/* ---- helpers (no network, no libcurl) ---- */

/** Percent-encode `s` for a query value or form field (RFC 3986 unreserved kept). */
int tctl_http_escape(char **out, const char *s);

/**
 * `url` with secrets replaced by "***": user:password@ in the authority, and
 * the value of every query parameter whose name is a secret (sig, code,
 * client_secret, client_assertion, access_token, refresh_token, token,
 * password, secret, key, signature, and any name containing secret,
 * password or token, or ending in key). Caller frees.
 */
int tctl_http_redact_url(char **out, const char *url);

/** True for headers whose value is a secret: Authorization, Proxy-Authorization,
 *  Cookie, Set-Cookie, X-IDENTITY-HEADER, and names containing secret, token,
 *  password, signature or ending in key. */
bool tctl_http_header_is_secret(const char *name);

/** True for a query or form parameter name whose value is a secret (as above). */
bool tctl_http_param_is_secret(const char *name);

/**
 * `text` (a message, a server's error body, a command's stderr) with secrets
 * replaced by "***": URLs redacted as above, "Bearer <token>", and the values
 * of secret fields written as name=value, "name": "value" or name: value.
 * Caller frees.
 */
int tctl_http_redact_text(char **out, const char *text);

/**
 * Parse a Retry-After value: delay-seconds ("120") or an HTTP date ("Wed, 21
 * Oct 2015 07:28:00 GMT"), relative to `now` (unix seconds). A date in the
 * past is 0. Returns 0 with *out_ms, or TCTL_EINVALID.
 */
int tctl_http_retry_after(int64_t *out_ms, const char *value, int64_t now);

/** A random UUID version 4 ("3f2b...-4...-8..."), 37 bytes with the NUL. */
int tctl_http_uuid(char *buf, size_t size);

#endif
