/* ops.h: the contract between the core (src/lib/http.c) and the module trainctl-curl.so. */
#ifndef TRAINCTL_CURL_OPS_H
#define TRAINCTL_CURL_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "trainctl/http.h"
#include "trainctl/util.h"

/*
 * trainctl-curl.so exports one function, tctl_curl_module(), returning this
 * table; it initialises libcurl once (the core calls it under pthread_once).
 * The module makes ONE attempt per perform(): retries, backoff, redaction
 * and messages are the core's. It calls back into the executable only for
 * tctl_buf_* and tctl_file_read; it never links the core library.
 */
#define TCTL_CURL_OPS_VERSION 1

/* Why an attempt got no HTTP answer. */
typedef enum {
	TCTL_CURL_OK = 0,
	TCTL_CURL_CONNECT,      /* refused, unreachable */
	TCTL_CURL_RESOLVE,      /* name not found */
	TCTL_CURL_TIMEOUT,      /* connect or transfer timed out */
	TCTL_CURL_RESET,        /* reset, empty reply, send/receive failure, partial body */
	TCTL_CURL_TLS,          /* handshake failed */
	TCTL_CURL_TLS_VERIFY,   /* peer certificate or host name not trusted */
	TCTL_CURL_URL,          /* malformed URL, scheme not allowed */
	TCTL_CURL_TOO_BIG,      /* body larger than max_response */
	TCTL_CURL_ABORTED,      /* the progress callback asked to stop */
	TCTL_CURL_NOMEM,
	TCTL_CURL_OTHER
} tctl_curl_failure;

/* Session settings, fixed for a client's life. */
typedef struct {
	const char *ca_bundle;        /* extra CAs (PEM) added to the system bundle, or NULL */
	long connect_timeout_ms;
	const char *user_agent;
} tctl_curl_session_opts;

/* One attempt: inputs set by the core, outputs by the module. */
typedef struct {
	const char *method;
	const char *url;
	const char *const *header_lines;  /* "Name: value" */
	size_t header_lines_len;
	const void *body;                 /* NULL: no body */
	size_t body_len;
	long timeout_ms;                  /* 0: none */
	bool allow_http;
	size_t max_response;
	tctl_http_progress_fn progress;
	void *progress_payload;
	int attempt;

	int status;                       /* HTTP status, when failure == TCTL_CURL_OK */
	tctl_buf head;                    /* header lines of the final response block */
	tctl_buf body_out;
	tctl_curl_failure failure;
	char error[256];                  /* libcurl's text for the failure */
} tctl_curl_exchange;

typedef struct {
	int version;
	/* A session (one easy handle, reused across attempts); 0 or a TCTL_E* code
	 * with the message set (a CA bundle that cannot be read). */
	int (*session_new)(void **out, const tctl_curl_session_opts *opts);
	void (*session_free)(void *session);
	/* One attempt: 0 when an HTTP answer came back (x->status, x->head,
	 * x->body_out), else -1 with x->failure and x->error set. */
	int (*perform)(void *session, tctl_curl_exchange *x);
} tctl_curl_ops;

typedef const tctl_curl_ops *(*tctl_curl_module_fn)(void);

#endif
