/* http_internal.h: what http.c and http_retry.c share (not a public header). */
#ifndef TRAINCTL_HTTP_INTERNAL_H
#define TRAINCTL_HTTP_INTERNAL_H

#include "trainctl/http.h"
#include "../curl/ops.h"

/* One request on its way: its redacted URL, its header lines, the module's exchange. */
typedef struct {
	tctl_http_client *c;
	const tctl_http_request *req;
	char *url;                  /* redacted, for messages and traces */
	char **lines;               /* "Name: value", owned */
	size_t nlines;
	char request_id[80];        /* "" when none is sent */
	tctl_curl_exchange x;
} http_call;

int http_call_init(http_call *call, tctl_http_client *c, const tctl_http_request *req);
void http_call_clear(http_call *call);

/* Attempts until an answer that is not retried, or the retries run out. */
int http_call_run(tctl_http_response **out, http_call *call, const tctl_curl_ops *ops, void *session);

void http_trace(const tctl_http_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const tctl_http_options *http_client_options(const tctl_http_client *c);
const char *http_client_request_id_header(const tctl_http_client *c);
double http_client_random(tctl_http_client *c);

#endif
