/* http.c: the core side of HTTP: client options, the retry loop, responses and messages. */
#include "trainctl/http.h"
#include "trainctl/error.h"
#include "trainctl/module.h"
#include "trainctl/util.h"
#include "../curl/ops.h"
#include "http_internal.h"
#include "tctl_build_config.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct tctl_http_client {
	tctl_http_options o;
	char *ca_bundle, *user_agent, *request_id_header;  /* owned copies */
	void *session;                                      /* the module's, made on first send */
	uint64_t rng;
};

/* ---- the module, loaded once per process ---- */

static pthread_once_t ops_once = PTHREAD_ONCE_INIT;
static const tctl_curl_ops *ops;
static int ops_error;
static char ops_message[512];

static void load_ops(void)
{
	tctl_curl_module_fn fn;
	void *sym = NULL;

	if ((ops_error = tctl_module_symbol(&sym, "curl", "tctl_curl_module")) < 0) {
		snprintf(ops_message, sizeof(ops_message), "%s", tctl_error_last()->message);
		return;
	}
	memcpy(&fn, &sym, sizeof(fn)); /* POSIX: dlsym's result may hold a function */
	ops = fn();
	if (!ops || ops->version != TCTL_CURL_OPS_VERSION) {
		ops = NULL;
		ops_error = TCTL_ENOMODULE;
		snprintf(ops_message, sizeof(ops_message), "module 'trainctl-curl.so' is from another "
			 "trainctl version, or libcurl failed to initialise");
	}
}

static int curl_ops(const tctl_curl_ops **out)
{
	pthread_once(&ops_once, load_ops);
	if (!ops)
		return tctl_error_set(ops_error, "%s", ops_message);
	*out = ops;
	return 0;
}

/* ---- options and clients ---- */

static int env_int(int *out, const char *var)
{
	const char *s = getenv(var);
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 86400000)
		return tctl_error_set(TCTL_EINVALID, "env %s: expected a whole number >= 0, got \"%s\"", var, s);
	*out = (int)v;
	return 0;
}

int tctl_http_options_from_config(tctl_http_options *out, const tctl_config *cfg)
{
	tctl_http_options o = TCTL_HTTP_OPTIONS_INIT;
	int error;

	if (cfg)
		o.ca_bundle = cfg->cloud.ca_bundle;
	if ((error = env_int(&o.max_retries, "TRAINCTL_HTTP_RETRIES")) < 0 ||
	    (error = env_int(&o.retry_base_ms, "TRAINCTL_HTTP_RETRY_BASE_MS")) < 0 ||
	    (error = env_int(&o.retry_max_ms, "TRAINCTL_HTTP_RETRY_MAX_MS")) < 0 ||
	    (error = env_int(&o.timeout_ms, "TRAINCTL_HTTP_TIMEOUT_MS")) < 0)
		return error;
	*out = o;
	return 0;
}

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

int tctl_http_client_new(tctl_http_client **out, const tctl_http_options *opts)
{
	tctl_http_options defaults = TCTL_HTTP_OPTIONS_INIT;
	tctl_http_client *c = calloc(1, sizeof(*c));

	if (opts && opts->version != TCTL_HTTP_OPTIONS_VERSION) {
		free(c);
		return tctl_error_set(TCTL_EINVALID, "HTTP client options of version %d (this trainctl knows %d)",
				      opts->version, TCTL_HTTP_OPTIONS_VERSION);
	}
	if (!c)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	c->o = opts ? *opts : defaults;
	if (dup_opt(&c->ca_bundle, c->o.ca_bundle) < 0 ||
	    dup_opt(&c->user_agent, c->o.user_agent ? c->o.user_agent : "trainctl/" TCTL_VERSION) < 0 ||
	    dup_opt(&c->request_id_header, c->o.request_id_header) < 0) {
		tctl_http_client_free(c);
		return TCTL_ENOMEM;
	}
	if (c->o.max_response == 0)
		c->o.max_response = (size_t)256 << 20;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = defaults.connect_timeout_ms;
	c->rng = (uint64_t)tctl_now_ms() ^ ((uint64_t)(uintptr_t)c << 16) ^ 0x9e3779b97f4a7c15ULL;
	*out = c;
	return 0;
}

void tctl_http_client_free(tctl_http_client *c)
{
	if (!c)
		return;
	if (c->session && ops)
		ops->session_free(c->session);
	free(c->ca_bundle);
	free(c->user_agent);
	free(c->request_id_header);
	free(c);
}

static int open_session(tctl_http_client *c)
{
	const tctl_curl_ops *o = NULL;
	tctl_curl_session_opts so;
	int error;

	if (c->session)
		return 0;
	if ((error = curl_ops(&o)) < 0)
		return error;
	so.ca_bundle = c->ca_bundle;
	so.connect_timeout_ms = c->o.connect_timeout_ms;
	so.user_agent = c->user_agent;
	return o->session_new(&c->session, &so);
}

/* ---- trace ---- */

void http_trace(const tctl_http_client *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!c->o.trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->o.trace(line, c->o.trace_payload);
}

/* ---- responses ---- */

void tctl_http_response_free(tctl_http_response *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->headers_len; i++) {
		free((char *)r->headers[i].name);
		free((char *)r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	free(r->request_id);
	free(r->method);
	free(r->url);
	free(r);
}

const char *tctl_http_response_header(const tctl_http_response *r, const char *name)
{
	for (size_t i = r->headers_len; i-- > 0;)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

int tctl_http_response_check(const tctl_http_response *r)
{
	char after[48] = "";
	int code = TCTL_EREMOTE;

	if (r->status >= 200 && r->status < 300)
		return 0;
	if (r->status == 401 || r->status == 403)
		code = TCTL_EAUTH;
	else if (r->status == 404)
		code = TCTL_ENOTFOUND;
	if (r->attempts > 1)
		snprintf(after, sizeof(after), " (after %d attempts)", r->attempts);
	return tctl_error_set(code, "%s %s: HTTP %d%s", r->method, r->url, r->status, after);
}

/* ---- one request ---- */

int tctl_http_send(tctl_http_response **out, tctl_http_client *c, const tctl_http_request *req)
{
	http_call call;
	int error;

	if (!req || !req->method || !req->url)
		return tctl_error_set(TCTL_EINVALID, "HTTP request without a method or URL");
	if (req->version != TCTL_HTTP_REQUEST_VERSION)
		return tctl_error_set(TCTL_EINVALID, "HTTP request of version %d (this trainctl knows %d)",
				      req->version, TCTL_HTTP_REQUEST_VERSION);
	if ((error = http_call_init(&call, c, req)) < 0)
		goto done;
	if (strncasecmp(req->url, "https://", 8) &&
	    !((req->flags & TCTL_HTTP_ALLOW_HTTP) && !strncasecmp(req->url, "http://", 7))) {
		error = tctl_error_set(TCTL_EINVALID, "%s %s: only https:// URLs are allowed", req->method,
				       call.url);
		goto done;
	}
	if ((error = open_session(c)) < 0) {
		tctl_error_prefix("%s %s", req->method, call.url);
		goto done;
	}
	error = http_call_run(out, &call, ops, c->session);
done:
	http_call_clear(&call);
	return error;
}

/* ---- small pieces used by http_retry.c ---- */

const tctl_http_options *http_client_options(const tctl_http_client *c)
{
	return &c->o;
}

const char *http_client_request_id_header(const tctl_http_client *c)
{
	return c->request_id_header;
}

/* A uniform double in [0, 1) from the client's xorshift generator. */
double http_client_random(tctl_http_client *c)
{
	uint64_t x = c->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	return (double)(x >> 11) / 9007199254740992.0;
}
