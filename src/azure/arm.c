/* arm.c: the Azure Resource Manager client: URLs, tokens, one call, errors, dry runs. */
#include "azure_internal.h"
#include "trainctl/auth.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_ARM "https://management.azure.com"
#define DEFAULT_POLL_MS 5000
#define DEFAULT_LRO_TIMEOUT_MS (30 * 60 * 1000)
#define TOKEN_MARGIN 300   /* seconds: refresh a token this long before it expires */

void arm_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void arm_notice(const tctl_arm *arm, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	if (!arm->o.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	arm->o.notice(line, arm->o.notice_payload);
}

void arm_short_path(char *buf, size_t size, const char *method, const char *path)
{
	static const char provider[] = "/providers/Microsoft.MachineLearningServices/";
	const char *p = strstr(path, provider), *q;
	int n;

	p = p ? p + sizeof(provider) - 1 : path;
	q = strchr(p, '?');
	n = q ? (int)(q - p) : (int)strlen(p);
	snprintf(buf, size, "%s %.*s", method, n, p);
}

/* The HTTP trace: passed on, and each retry line turned into one notice. */
static void on_trace(const char *line, void *payload)
{
	tctl_arm *arm = payload;
	const char *p = line;
	int64_t n, max, ms;

	if (arm->o.trace)
		arm->o.trace(line, arm->o.trace_payload);
	/* "retry N/MAX in MS ms: why" (http_retry.c) */
	if (tctl_scan_lit(&p, "retry ") && tctl_scan_i64(&p, 0, INT32_MAX, &n) &&
	    tctl_scan_lit(&p, "/") && tctl_scan_i64(&p, 0, INT32_MAX, &max) &&
	    tctl_scan_lit(&p, " in ") && tctl_scan_i64(&p, 0, INT64_MAX, &ms) &&
	    tctl_scan_lit(&p, " ms: "))
		arm_notice(arm, "%s: %s; retry %d of %d in %.1f s", arm->what, p, (int)n, (int)max,
			   (double)ms / 1000.0);
}

static int poll_from_env(int64_t *out)
{
	const char *s = getenv("TRAINCTL_ARM_POLL_MS");
	char *end;
	long long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > 3600000)
		return tctl_error_set(TCTL_EINVALID, "env TRAINCTL_ARM_POLL_MS: expected a whole "
				      "number of milliseconds >= 0, got \"%s\"", s);
	*out = v;
	return 0;
}

static int make_http(tctl_arm *arm)
{
	tctl_http_options o;
	int error;

	if ((error = tctl_http_options_from_config(&o, arm->cfg)) < 0)
		return error;
	o.request_id_header = "x-ms-client-request-id";
	o.trace = on_trace;
	o.trace_payload = arm;
	return tctl_http_client_new(&arm->http, &o);
}

int tctl_arm_new(tctl_arm **out, const tctl_config *cfg, const tctl_arm_options *opts)
{
	tctl_arm_options dflt = TCTL_ARM_OPTIONS_INIT;
	tctl_arm *arm;
	const char *ep = cfg && cfg->cloud.arm ? cfg->cloud.arm : DEFAULT_ARM;
	size_t n = strlen(ep);
	int error;

	if (opts && opts->version != TCTL_ARM_OPTIONS_VERSION)
		return tctl_error_set(TCTL_EINVALID, "ARM options of version %d (expected %d)",
				      opts->version, TCTL_ARM_OPTIONS_VERSION);
	if (!(arm = calloc(1, sizeof(*arm))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	arm->cfg = cfg;
	arm->o = opts ? *opts : dflt;
	while (n && ep[n - 1] == '/')
		n--;
	if (!(arm->endpoint = strndup(ep, n))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto fail;
	}
	if (!arm->o.poll_ms && (error = poll_from_env(&arm->o.poll_ms)) < 0)
		goto fail;
	if (!arm->o.poll_ms && !getenv("TRAINCTL_ARM_POLL_MS"))
		arm->o.poll_ms = DEFAULT_POLL_MS;
	if (!arm->o.lro_timeout_ms)
		arm->o.lro_timeout_ms = DEFAULT_LRO_TIMEOUT_MS;
	if ((error = make_http(arm)) < 0)
		goto fail;
	*out = arm;
	return 0;
fail:
	tctl_arm_free(arm);
	return error;
}

void tctl_arm_free(tctl_arm *arm)
{
	if (!arm)
		return;
	tctl_http_client_free(arm->http);
	tctl_credential_free(arm->cred);
	tctl_token_free(arm->token);
	free(arm->scope);
	free(arm->endpoint);
	free(arm);
}

bool tctl_arm_dry_run(const tctl_arm *arm)
{
	return arm->o.dry_run;
}

const char *tctl_arm_endpoint(const tctl_arm *arm)
{
	return arm->endpoint;
}

/* ---- URLs ---- */

static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	p += 3;
	while (*p && *p != '/' && *p != '?' && *p != '#')
		p++;
	return (size_t)(p - url);
}

bool arm_same_origin(const tctl_arm *arm, const char *url)
{
	size_t a = origin_len(arm->endpoint), b = origin_len(url);

	return a && a == b && !strncasecmp(arm->endpoint, url, a);
}

/* The absolute URL for `path`, api-version added when it has none. */
static int build_url(char **out, const tctl_arm *arm, const char *path)
{
	bool absolute = strstr(path, "://") != NULL;
	const char *sep = strchr(path, '?') ? "&" : "?";

	if (absolute && !arm_same_origin(arm, path))
		return tctl_error_set(TCTL_ESECURITY, "refusing to send an Azure token to '%.*s': "
				      "not the Resource Manager endpoint %s", (int)origin_len(path), path,
				      arm->endpoint);
	if (strstr(path, "api-version="))
		sep = NULL;
	if (asprintf(out, "%s%s%s%s", absolute ? "" : arm->endpoint, path, sep ? sep : "",
		     sep ? "api-version=" TCTL_ARM_API_VERSION : "") < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* ---- requests shown (dry run, verbose) ---- */

static int report(const tctl_arm *arm, const char *method, const char *url, const char *body,
		  const char *note)
{
	tctl_arm_request_info info = { method, NULL, NULL, note };
	char *rurl = NULL, *pretty = NULL, *rbody = NULL;
	json_t *j = NULL;
	int error;

	if (!arm->o.on_request)
		return 0;
	if ((error = tctl_http_redact_url(&rurl, url)) < 0)
		return error;
	if (body && (j = json_loads(body, 0, NULL)))
		pretty = azure_json_text(j);
	if (body && (error = tctl_http_redact_text(&rbody, pretty ? pretty : body)) < 0)
		goto done;
	info.url = rurl;
	info.body = rbody;
	arm->o.on_request(&info, arm->o.request_payload);
done:
	json_decref(j);
	free(pretty);
	free(rbody);
	free(rurl);
	return error;
}

/* ---- tokens ---- */

static int need_token(tctl_arm *arm, bool fresh)
{
	char *tok = NULL;
	int64_t exp = 0;
	int error;

	if (!fresh && arm->token && arm->token_expires - TOKEN_MARGIN > tctl_now())
		return 0;
	if (!arm->cred) {
		if ((error = tctl_credential_default(&arm->cred, arm->cfg)) < 0)
			return error;
		if (arm->o.trace)
			tctl_credential_set_trace(arm->cred, arm->o.trace, arm->o.trace_payload);
	}
	if (!arm->scope && (error = tctl_credential_arm_scope(&arm->scope, arm->cfg)) < 0)
		return error;
	error = fresh ? tctl_credential_fetch(&tok, &exp, arm->cred, arm->scope)
		      : tctl_credential_token(&tok, &exp, arm->cred, arm->scope);
	if (error < 0)
		return error;
	tctl_token_free(arm->token);
	arm->token = tok;
	arm->token_expires = exp;
	return 0;
}

/* ---- one request ---- */

int arm_send(tctl_http_response **out, tctl_arm *arm, const char *method, const char *url,
	     const char *body)
{
	tctl_http_request req = TCTL_HTTP_REQUEST_INIT;
	tctl_http_header h[3];
	char *auth = NULL;
	size_t nh = 0;
	int error;

	if (asprintf(&auth, "Bearer %s", arm->token) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	h[nh++] = (tctl_http_header){ "Authorization", auth };
	h[nh++] = (tctl_http_header){ "Accept", "application/json" };
	if (body)
		h[nh++] = (tctl_http_header){ "Content-Type", "application/json" };
	req.method = method;
	req.url = url;
	req.headers = h;
	req.headers_len = nh;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	error = tctl_http_send(out, arm->http, &req);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	return error;
}

/* Azure's error.code of an answer, into buf ("" when it has none). */
static void error_code(char *buf, size_t size, const tctl_http_response *r)
{
	json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
	const char *code = azure_str(json_object_get(j, "error"), "code");

	snprintf(buf, size, "%s", code ? code : "");
	json_decref(j);
}

static bool token_refused(const tctl_http_response *r)
{
	char code[96];

	if (r->status != 401)
		return false;
	error_code(code, sizeof(code), r);
	return !strcmp(code, "ExpiredAuthenticationToken") ||
	       !strcmp(code, "InvalidAuthenticationToken") || !code[0];
}

/* Send with a token; a token refused as expired or invalid is replaced once. */
int arm_send_authed(tctl_http_response **out, tctl_arm *arm, const char *method,
		       const char *url, const char *body)
{
	tctl_http_response *r = NULL;
	char code[96];
	int error;

	if ((error = need_token(arm, false)) < 0 || (error = arm_send(&r, arm, method, url, body)) < 0)
		return error;
	if (token_refused(r)) {
		error_code(code, sizeof(code), r);
		tctl_http_response_free(r);
		r = NULL;
		arm_notice(arm, "%s: Azure refused the token (%s); fetched a new one and sent the "
			   "request again", arm->what, code[0] ? code : "HTTP 401");
		if ((error = need_token(arm, true)) < 0 ||
		    (error = arm_send(&r, arm, method, url, body)) < 0)
			return error;
	}
	*out = r;
	return 0;
}

static int code_for(const tctl_http_response *r, const char *code)
{
	if (r->status == 401 || r->status == 403)
		return TCTL_EAUTH;
	if (r->status == 404)
		return TCTL_ENOTFOUND;
	if (strcasestr(code, "quota"))
		return TCTL_EQUOTA;
	return TCTL_EREMOTE;
}

int arm_error(const tctl_http_response *r, const char *what)
{
	json_t *j = json_loadb(r->body, r->body_len, 0, NULL), *e = json_object_get(j, "error");
	const char *code = azure_str(e, "code"), *msg = azure_str(e, "message");
	const char *srv = tctl_http_response_header(r, "x-ms-request-id");
	char *text = NULL, after[40] = "";
	int rc;

	if (r->attempts > 1)
		snprintf(after, sizeof(after), ", after %d attempts", r->attempts);
	if (tctl_http_redact_text(&text, msg ? msg : r->body_len ? r->body : "no error details") < 0) {
		json_decref(j);
		return TCTL_ENOMEM;
	}
	rc = code_for(r, code ? code : "");
	tctl_error_set(rc, "Azure refused %s: %s%s%.300s (HTTP %d%s, request id %s%s%s)", what,
		       code ? code : "", code ? ": " : "", text, r->status, after,
		       r->request_id ? r->request_id : "-", srv ? ", x-ms-request-id " : "",
		       srv ? srv : "");
	free(text);
	json_decref(j);
	return rc;
}

static int copy_header(char **out, const tctl_http_response *r, const char *name)
{
	const char *v = tctl_http_response_header(r, name);

	if (v && !(*out = strdup(v)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

int arm_response_from(tctl_arm_response **out, const tctl_http_response *r)
{
	tctl_arm_response *a = calloc(1, sizeof(*a));
	const char *ra = tctl_http_response_header(r, "Retry-After");
	int error;

	if (!a)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	a->status = r->status;
	a->retry_after_ms = -1;
	if (ra && tctl_http_retry_after(&a->retry_after_ms, ra, tctl_now()) < 0) {
		a->retry_after_ms = -1;
		tctl_error_clear();
	}
	if (!(a->body = strdup(r->body)) ||
	    (r->request_id && !(a->request_id = strdup(r->request_id)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto fail;
	}
	if ((error = copy_header(&a->location, r, "Location")) < 0 ||
	    (error = copy_header(&a->async_operation, r, "Azure-AsyncOperation")) < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	tctl_arm_response_free(a);
	return error;
}

static int dry_answer(tctl_arm_response **out)
{
	tctl_arm_response *a = calloc(1, sizeof(*a));

	if (!a || !(a->body = strdup(""))) {
		free(a);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	a->retry_after_ms = -1;
	*out = a;
	return 0;
}

int tctl_arm_call(tctl_arm_response **out, tctl_arm *arm, const char *method, const char *path,
		  const char *body, unsigned flags, const char *note)
{
	tctl_http_response *r = NULL;
	char *url = NULL;
	int error;

	arm_short_path(arm->what, sizeof(arm->what), method, path);
	if ((error = build_url(&url, arm, path)) < 0)
		return error;
	if ((error = report(arm, method, url, body, note)) < 0)
		goto done;
	if (arm->o.dry_run) {
		error = dry_answer(out);
		goto done;
	}
	if ((error = arm_send_authed(&r, arm, method, url, body)) < 0)
		goto done;
	if (r->status == 404 && (flags & TCTL_ARM_ALLOW_404))
		error = arm_response_from(out, r);
	else if (r->status < 200 || r->status > 299)
		error = arm_error(r, arm->what);
	else if (flags & TCTL_ARM_WAIT)
		error = arm_follow(out, arm, method, url, r);
	else
		error = arm_response_from(out, r);
done:
	tctl_http_response_free(r);
	free(url);
	return error;
}

void tctl_arm_response_free(tctl_arm_response *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->request_id);
	free(r->location);
	free(r->async_operation);
	free(r);
}
