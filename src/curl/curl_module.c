/* curl_module.c: trainctl-curl.so: one HTTP attempt with libcurl, TLS verification always on. */
#include "ops.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
	CURL *easy;
	char *ca_blob;          /* system bundle + the extra CAs, or NULL */
	size_t ca_blob_len;
	long connect_timeout_ms;
	char *user_agent;
} session;

/* Where libcurl would read the system's CAs: its compiled-in default, else the usual places. */
static const char *system_ca_file(void)
{
	static const char *const known[] = {
		"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", NULL,
	};
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

#if LIBCURL_VERSION_NUM >= 0x074600
	if (v->cainfo && access(v->cainfo, R_OK) == 0)
		return v->cainfo;
#else
	(void)v;
#endif
	for (size_t i = 0; known[i]; i++)
		if (access(known[i], R_OK) == 0)
			return known[i];
	return NULL;
}

/* The system bundle followed by the extra CAs, so both are trusted. */
static int build_ca_blob(session *s, const char *extra)
{
	tctl_buf blob = TCTL_BUF_INIT;
	const char *sys = system_ca_file();
	char *text = NULL;
	size_t len;
	int error;

	if ((error = tctl_file_read(&text, &len, extra)) < 0) {
		tctl_error_prefix("cannot use the CA bundle (cloud.ca_bundle)");
		return error;
	}
	if (!strstr(text, "-----BEGIN CERTIFICATE-----")) {
		free(text);
		return tctl_error_set(TCTL_EINVALID, "CA bundle '%s' (cloud.ca_bundle) holds no PEM certificate", extra);
	}
	if (sys) {
		char *systext = NULL;
		size_t syslen;
		if (tctl_file_read(&systext, &syslen, sys) == 0) {
			error = tctl_buf_put(&blob, systext, syslen);
			free(systext);
		}
		tctl_error_clear();
	}
	if (error < 0 || (error = tctl_buf_puts(&blob, "\n")) < 0 ||
	    (error = tctl_buf_put(&blob, text, len)) < 0) {
		free(text);
		tctl_buf_free(&blob);
		return error;
	}
	free(text);
	s->ca_blob_len = blob.len;
	s->ca_blob = tctl_buf_detach(&blob);
	return 0;
}

static void session_free(void *p)
{
	session *s = p;

	if (!s)
		return;
	if (s->easy)
		curl_easy_cleanup(s->easy);
	free(s->ca_blob);
	free(s->user_agent);
	free(s);
}

static int session_new(void **out, const tctl_curl_session_opts *o)
{
	session *s = calloc(1, sizeof(*s));
	int error;

	if (!s)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	s->connect_timeout_ms = o->connect_timeout_ms;
	if (!(s->easy = curl_easy_init()) ||
	    (o->user_agent && !(s->user_agent = strdup(o->user_agent)))) {
		session_free(s);
		return tctl_error_set(TCTL_ENOMEM, "cannot start libcurl: out of memory");
	}
	if (o->ca_bundle && (error = build_ca_blob(s, o->ca_bundle)) < 0) {
		session_free(s);
		return error;
	}
	*out = s;
	return 0;
}

/* ---- callbacks ---- */

static size_t on_header(char *data, size_t size, size_t n, void *p)
{
	tctl_curl_exchange *x = p;
	size_t len = size * n, keep = len;

	if (len >= 5 && !strncmp(data, "HTTP/", 5))
		tctl_buf_clear(&x->head);  /* a new block (after 100 Continue): keep only the last */
	while (keep && (data[keep - 1] == '\n' || data[keep - 1] == '\r'))
		keep--;
	if (keep && (tctl_buf_put(&x->head, data, keep) < 0 || tctl_buf_puts(&x->head, "\n") < 0))
		return 0;
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *p)
{
	tctl_curl_exchange *x = p;
	size_t len = size * n;

	if (x->body_out.len + len > x->max_response) {
		x->failure = TCTL_CURL_TOO_BIG;
		return 0;
	}
	return tctl_buf_put(&x->body_out, data, len) < 0 ? 0 : len;
}

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	tctl_curl_exchange *x = p;
	tctl_http_progress pr = { (uint64_t)ulnow, (uint64_t)ultotal, (uint64_t)dlnow,
				  (uint64_t)dltotal, x->attempt };

	if (x->progress(&pr, x->progress_payload)) {
		x->failure = TCTL_CURL_ABORTED;
		return 1;
	}
	return 0;
}

/* ---- one attempt ---- */

static bool has_header(const tctl_curl_exchange *x, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < x->header_lines_len; i++)
		if (!strncasecmp(x->header_lines[i], name, n) && x->header_lines[i][n] == ':')
			return true;
	return false;
}

static int build_headers(struct curl_slist **out, const tctl_curl_exchange *x, bool body)
{
	struct curl_slist *list = NULL, *next;

	for (size_t i = 0; i < x->header_lines_len; i++) {
		if (!(next = curl_slist_append(list, x->header_lines[i])))
			goto nomem;
		list = next;
	}
	/* no 100-continue round trip; no form content type libcurl would invent */
	if (!(next = curl_slist_append(list, "Expect:")))
		goto nomem;
	list = next;
	if (body && !has_header(x, "Content-Type")) {
		if (!(next = curl_slist_append(list, "Content-Type:")))
			goto nomem;
		list = next;
	}
	*out = list;
	return 0;
nomem:
	curl_slist_free_all(list);
	return -1;
}

static void set_method(CURL *h, const tctl_curl_exchange *x, bool body)
{
	if (!strcmp(x->method, "GET") && !body) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(x->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body ? (const char *)x->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	}
}

static void set_tls(CURL *h, const session *s, bool allow_http)
{
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x074d00
	if (s->ca_blob) {
		struct curl_blob blob = { s->ca_blob, s->ca_blob_len, CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
#endif
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, allow_http ? "http,https" : "https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, allow_http ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)
						       : (long)CURLPROTO_HTTPS);
#endif
}

static void set_options(CURL *h, const session *s, tctl_curl_exchange *x, struct curl_slist *hl,
			char *errbuf)
{
	bool body = x->body != NULL || strcmp(x->method, "GET");

	curl_easy_setopt(h, CURLOPT_URL, x->url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	if (s->user_agent)
		curl_easy_setopt(h, CURLOPT_USERAGENT, s->user_agent);
	set_tls(h, s, x->allow_http);
	set_method(h, x, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (x->progress) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
}

static tctl_curl_failure classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT: return TCTL_CURL_CONNECT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return TCTL_CURL_RESOLVE;
	case CURLE_OPERATION_TIMEDOUT: return TCTL_CURL_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return TCTL_CURL_RESET;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE: return TCTL_CURL_TLS_VERIFY;
	case CURLE_SSL_CONNECT_ERROR: return TCTL_CURL_TLS;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT: return TCTL_CURL_URL;
	case CURLE_OUT_OF_MEMORY: return TCTL_CURL_NOMEM;
	default: return TCTL_CURL_OTHER;
	}
}

static int perform(void *p, tctl_curl_exchange *x)
{
	session *s = p;
	struct curl_slist *hl = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long status = 0;
	bool body = x->body != NULL || strcmp(x->method, "GET");

	x->failure = TCTL_CURL_OK;
	x->error[0] = '\0';
	tctl_buf_clear(&x->head);
	tctl_buf_clear(&x->body_out);
	if (build_headers(&hl, x, body) < 0) {
		x->failure = TCTL_CURL_NOMEM;
		snprintf(x->error, sizeof(x->error), "out of memory");
		return -1;
	}
	curl_easy_reset(s->easy);  /* options only: the connection cache stays */
	set_options(s->easy, s, x, hl, errbuf);
	rc = curl_easy_perform(s->easy);
	curl_slist_free_all(hl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		x->status = (int)status;
		return 0;
	}
	if (x->failure == TCTL_CURL_OK)  /* not already set by a callback */
		x->failure = classify(rc);
	snprintf(x->error, sizeof(x->error), "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
	return -1;
}

static const tctl_curl_ops ops = {
	.version = TCTL_CURL_OPS_VERSION,
	.session_new = session_new,
	.session_free = session_free,
	.perform = perform,
};

/* The module's one export. Initialises libcurl once; the core calls it under pthread_once. */
__attribute__((visibility("default"))) const tctl_curl_ops *tctl_curl_module(void);

const tctl_curl_ops *tctl_curl_module(void)
{
	static int initialised;

	if (!initialised) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		initialised = 1;
	}
	return &ops;
}
