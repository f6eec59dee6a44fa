/* http_retry.c: one request's attempts: header lines, retry policy, Retry-After, messages. */
#include "trainctl/http.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "http_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

int tctl_http_uuid(char *buf, size_t size)
{
	unsigned char r[16];
	ssize_t n = getrandom(r, sizeof(r), 0);

	if (size < 37)
		return tctl_error_set(TCTL_EINVALID, "UUID buffer too small");
	if (n != (ssize_t)sizeof(r))
		return tctl_error_set_os("cannot read random bytes");
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);  /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);  /* RFC 4122 variant */
	snprintf(buf, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
	return 0;
}

int tctl_http_retry_after(int64_t *out_ms, const char *value, int64_t now)
{
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT",  /* IMF-fixdate, RFC 9110 */
		"%A, %d-%b-%y %H:%M:%S GMT",  /* obsolete RFC 850 form */
		"%a %b %d %H:%M:%S %Y",       /* asctime() form */
		NULL,
	};
	const char *p = value, *end;
	char *num_end;
	long long secs;
	struct tm tm;

	while (*p == ' ')
		p++;
	if (*p >= '0' && *p <= '9') {
		secs = strtoll(p, &num_end, 10);
		while (*num_end == ' ')
			num_end++;
		if (*num_end || secs < 0 || secs > 86400 * 365)
			goto bad;
		*out_ms = secs * 1000;
		return 0;
	}
	for (size_t i = 0; formats[i]; i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(p, formats[i], &tm);
		if (end && !*end) {
			secs = (long long)timegm(&tm) - now;
			*out_ms = secs > 0 ? secs * 1000 : 0;
			return 0;
		}
	}
bad:
	return tctl_error_set(TCTL_EINVALID, "Retry-After: expected seconds or an HTTP date, got '%s'", value);
}

/* ---- setting a call up ---- */

static int add_line(http_call *call, const char *name, const char *value)
{
	char **lines, *line;
	size_t len = strlen(name) + strlen(value) + 3;

	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n") || !*name)
		return tctl_error_set(TCTL_EINVALID, "%s %s: header '%s' is malformed (a colon or line break)",
				      call->req->method, call->url, name);
	if (!(lines = realloc(call->lines, (call->nlines + 1) * sizeof(*lines))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	call->lines = lines;
	if (!(line = malloc(len)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	snprintf(line, len, "%s: %s", name, value);
	call->lines[call->nlines++] = line;
	return 0;
}

static bool request_has(const tctl_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->headers_len; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return true;
	return false;
}

/* The request id header, unless the caller sent one: the hook's id, else a UUID. */
static int add_request_id(http_call *call)
{
	const tctl_http_options *o = http_client_options(call->c);
	const char *name = http_client_request_id_header(call->c);
	int error;

	if (!name || request_has(call->req, name))
		return 0;
	error = o->request_id ? o->request_id(call->request_id, sizeof(call->request_id),
					      o->request_id_payload)
			      : tctl_http_uuid(call->request_id, sizeof(call->request_id));
	if (error < 0)
		return error;
	return add_line(call, name, call->request_id);
}

int http_call_init(http_call *call, tctl_http_client *c, const tctl_http_request *req)
{
	const tctl_http_options *o = http_client_options(c);
	int error;

	memset(call, 0, sizeof(*call));
	call->c = c;
	call->req = req;
	if ((error = tctl_http_redact_url(&call->url, req->url)) < 0)
		return error;
	for (size_t i = 0; i < req->headers_len; i++)
		if ((error = add_line(call, req->headers[i].name, req->headers[i].value)) < 0)
			return error;
	if ((error = add_request_id(call)) < 0)
		return error;
	call->x.method = req->method;
	call->x.url = req->url;
	call->x.header_lines = (const char *const *)call->lines;
	call->x.header_lines_len = call->nlines;
	call->x.body = req->body;
	call->x.body_len = req->body ? req->body_len : 0;
	call->x.timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : o->timeout_ms;
	call->x.allow_http = (req->flags & TCTL_HTTP_ALLOW_HTTP) != 0;
	call->x.max_response = o->max_response;
	call->x.progress = req->progress;
	call->x.progress_payload = req->progress_payload;
	return 0;
}

void http_call_clear(http_call *call)
{
	for (size_t i = 0; i < call->nlines; i++)
		free(call->lines[i]);
	free(call->lines);
	free(call->url);
	tctl_buf_free(&call->x.head);
	tctl_buf_free(&call->x.body_out);
	memset(call, 0, sizeof(*call));
}

/* ---- the answer ---- */

/* Header lines of the final block into r->headers (the status line skipped). */
static int parse_head(tctl_http_response *r, const char *head)
{
	const char *line = head, *nl, *colon;
	size_t n = 0;

	for (const char *p = head; *p; p++)
		n += *p == '\n';
	if (!(r->headers = calloc(n ? n : 1, sizeof(*r->headers))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (; *line; line = nl + 1) {
		const char *v;
		if (!(nl = strchr(line, '\n')))
			break;
		colon = memchr(line, ':', (size_t)(nl - line));
		if (!colon || !strncmp(line, "HTTP/", 5))
			continue;
		for (v = colon + 1; v < nl && (*v == ' ' || *v == '\t'); v++)
			;
		tctl_http_header *h = &r->headers[r->headers_len];
		if (!(h->name = strndup(line, (size_t)(colon - line))) ||
		    !(h->value = strndup(v, (size_t)(nl - v))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		r->headers_len++;
	}
	return 0;
}

static int make_response(tctl_http_response **out, http_call *call, int attempts, int64_t elapsed)
{
	tctl_http_response *r = calloc(1, sizeof(*r));
	int error;

	if (!r)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	r->status = call->x.status;
	r->attempts = attempts;
	r->elapsed_ms = elapsed;
	if ((error = parse_head(r, call->x.head.ptr ? call->x.head.ptr : "")) < 0 ||
	    (error = tctl_buf_puts(&call->x.body_out, "")) < 0)
		goto fail;
	r->body_len = call->x.body_out.len;
	r->body = tctl_buf_detach(&call->x.body_out);
	if (!(r->method = strdup(call->req->method)) || !(r->url = strdup(call->url)) ||
	    (call->request_id[0] && !(r->request_id = strdup(call->request_id)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto fail;
	}
	*out = r;
	return 0;
fail:
	tctl_http_response_free(r);
	return error;
}

/* ---- messages ---- */

static int failure_code(tctl_curl_failure f)
{
	switch (f) {
	case TCTL_CURL_TIMEOUT: return TCTL_ETIMEOUT;
	case TCTL_CURL_TLS_VERIFY: return TCTL_ESECURITY;
	case TCTL_CURL_URL: return TCTL_EINVALID;
	case TCTL_CURL_TOO_BIG: return TCTL_EREMOTE;
	case TCTL_CURL_ABORTED: return TCTL_ECANCELLED;
	case TCTL_CURL_NOMEM: return TCTL_ENOMEM;
	default: return TCTL_ENET;
	}
}

static const char *failure_what(tctl_curl_failure f)
{
	switch (f) {
	case TCTL_CURL_CONNECT: return "cannot connect";
	case TCTL_CURL_RESOLVE: return "cannot resolve the host";
	case TCTL_CURL_TIMEOUT: return "timed out";
	case TCTL_CURL_RESET: return "connection lost";
	case TCTL_CURL_TLS: return "TLS handshake failed";
	case TCTL_CURL_TLS_VERIFY: return "TLS certificate not trusted";
	case TCTL_CURL_URL: return "bad URL";
	case TCTL_CURL_TOO_BIG: return "answer too large";
	case TCTL_CURL_ABORTED: return "cancelled";
	case TCTL_CURL_NOMEM: return "out of memory";
	default: return "transfer failed";
	}
}

/* ---- retry policy ---- */

static bool status_retried(int status)
{
	return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
	       status == 504;
}

static bool failure_retried(tctl_curl_failure f)
{
	return f == TCTL_CURL_CONNECT || f == TCTL_CURL_TIMEOUT || f == TCTL_CURL_RESET;
}

/* The delay the server asked for: retry-after-ms, x-ms-retry-after-ms, Retry-After (Azure SDK order). */
static bool server_delay(int64_t *out_ms, const tctl_curl_exchange *x)
{
	static const char *const names[] = { "retry-after-ms", "x-ms-retry-after-ms", "retry-after" };
	tctl_http_response r = { 0 };
	bool found = false;

	if (parse_head(&r, x->head.ptr ? x->head.ptr : "") == 0) {
		for (size_t i = 0; i < 3 && !found; i++) {
			const char *v = tctl_http_response_header(&r, names[i]);
			char *end;
			if (!v)
				continue;
			if (i < 2) {
				long long ms = strtoll(v, &end, 10);
				found = !*end && ms >= 0;
				*out_ms = ms;
			} else {
				found = tctl_http_retry_after(out_ms, v, tctl_now()) == 0;
			}
		}
	}
	for (size_t i = 0; i < r.headers_len; i++) {
		free((char *)r.headers[i].name);
		free((char *)r.headers[i].value);
	}
	free(r.headers);
	tctl_error_clear();
	return found;
}

/*
 * How long to wait before attempt `attempt` + 1, or -1 for no retry. Backoff:
 * base x 2^(attempt-1) x a jitter factor in [0.8, 1.3), capped at retry_max_ms;
 * a delay the server asked for is honoured, capped the same way.
 */
static int64_t retry_delay(http_call *call, int rc, int attempt, char *why, size_t size)
{
	const tctl_http_options *o = http_client_options(call->c);
	double d;
	int64_t ms;

	if ((call->req->flags & TCTL_HTTP_NO_RETRY) || attempt > o->max_retries)
		return -1;
	if (rc == 0 && !status_retried(call->x.status))
		return -1;
	if (rc < 0 && !failure_retried(call->x.failure))
		return -1;
	if (rc == 0 && server_delay(&ms, &call->x)) {
		snprintf(why, size, "HTTP %d, server asked for %lld ms", call->x.status, (long long)ms);
		return ms < o->retry_max_ms ? ms : o->retry_max_ms;
	}
	d = (double)o->retry_base_ms * (double)(1ULL << (attempt - 1 < 30 ? attempt - 1 : 30)) *
	    (0.8 + 0.5 * http_client_random(call->c));
	if (rc == 0)
		snprintf(why, size, "HTTP %d", call->x.status);
	else
		snprintf(why, size, "%s", failure_what(call->x.failure));
	return d < (double)o->retry_max_ms ? (int64_t)d : o->retry_max_ms;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

static int transport_error(const http_call *call, int attempts)
{
	const tctl_curl_exchange *x = &call->x;
	char *text = NULL, after[48] = "";
	const char *hint = "";
	int code = failure_code(x->failure);

	if (attempts > 1)
		snprintf(after, sizeof(after), " (after %d attempts)", attempts);
	if (x->failure == TCTL_CURL_TLS_VERIFY)
		hint = "; if the server uses a private CA, add it with cloud.ca_bundle or TRAINCTL_CA_BUNDLE";
	if (x->failure == TCTL_CURL_TOO_BIG)
		hint = "; more than the client's max_response bytes";
	if (tctl_http_redact_text(&text, x->error) < 0)
		return TCTL_ENOMEM;
	tctl_error_set(code, "%s %s: %s: %s%s%s", call->req->method, call->url,
		       failure_what(x->failure), text, after, hint);
	free(text);
	return code;
}

static void trace_request(const http_call *call, int attempt)
{
	http_trace(call->c, "> %s %s (attempt %d)", call->req->method, call->url, attempt);
	for (size_t i = 0; i < call->nlines; i++) {
		const char *colon = strchr(call->lines[i], ':');
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(colon - call->lines[i]), call->lines[i]);
		http_trace(call->c, ">   %s:%s", name, tctl_http_header_is_secret(name) ? " ***" : colon + 1);
	}
}

int http_call_run(tctl_http_response **out, http_call *call, const tctl_curl_ops *ops, void *session)
{
	int64_t start = tctl_mono_ms(), t0, delay;
	char why[300];
	int attempt, rc;

	for (attempt = 1;; attempt++) {
		call->x.attempt = attempt;
		trace_request(call, attempt);
		t0 = tctl_mono_ms();
		rc = ops->perform(session, &call->x);
		if (rc == 0)
			http_trace(call->c, "< %d in %lld ms", call->x.status, (long long)(tctl_mono_ms() - t0));
		else
			http_trace(call->c, "! %s after %lld ms", failure_what(call->x.failure),
				   (long long)(tctl_mono_ms() - t0));
		if ((delay = retry_delay(call, rc, attempt, why, sizeof(why))) < 0)
			break;
		http_trace(call->c, "retry %d/%d in %lld ms: %s", attempt,
			   http_client_options(call->c)->max_retries, (long long)delay, why);
		sleep_ms(delay);
	}
	if (rc < 0)
		return transport_error(call, attempt);
	return make_response(out, call, attempt, tctl_mono_ms() - start);
}
