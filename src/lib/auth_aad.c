/* auth_aad.c: tokens from the Entra ID token endpoint: client secret and workload identity. */
#include "trainctl/auth.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "auth_internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* ---- answers ---- */

/* A whole number, or a string holding one (IMDS sends "3599"). */
static bool json_whole(int64_t *out, json_t *v)
{
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {   /* only what an int64_t holds: a cast of more is undefined */
		double d = json_real_value(v);
		if (!(d > -9.2e18 && d < 9.2e18))
			return false;
		*out = (int64_t)d;
		return true;
	}
	if (!json_is_string(v) || !*(s = json_string_value(v)))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !errno && !*end;
}

int auth_parse_token(char **token, int64_t *expires, const char *body, const char *what)
{
	json_t *root = json_loads(body, 0, NULL), *tok, *v;
	int64_t n;
	int error = 0;

	if (!json_is_object(root)) {
		error = tctl_error_set(TCTL_EREMOTE, "%s: the answer is not a JSON object", what);
		goto done;
	}
	tok = json_object_get(root, "access_token");
	if (!json_is_string(tok) || !*json_string_value(tok)) {
		error = tctl_error_set(TCTL_EREMOTE, "%s: the answer has no access_token", what);
		goto done;
	}
	if ((v = json_object_get(root, "expires_on")) && json_whole(&n, v) && n > 0) {
		*expires = n;
	} else if ((v = json_object_get(root, "expires_in")) && json_whole(&n, v) && n > 0 &&
		   n <= INT64_MAX - tctl_now()) {
		*expires = tctl_now() + n;
	} else {
		error = tctl_error_set(TCTL_EREMOTE, "%s: the answer has neither expires_on nor expires_in "
				       "(expected seconds)", what);
		goto done;
	}
	if (!(*token = strdup(json_string_value(tok))))
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
done:
	if (root) {
		/* the answer held the token: wipe jansson's copy too */
		if (json_is_object(root) && json_is_string(tok = json_object_get(root, "access_token")))
			explicit_bzero((char *)json_string_value(tok), strlen(json_string_value(tok)));
		json_decref(root);
	}
	return error;
}

static const char *str_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int auth_http_error(const tctl_http_response *r, const char *what)
{
	json_t *root = json_loads(r->body, 0, NULL), *err;
	const char *code = NULL, *desc = NULL;
	char line[600] = "", *clean = NULL;
	int rc = (r->status == 400 || r->status == 401 || r->status == 403) ? TCTL_EAUTH : TCTL_EREMOTE;

	if (json_is_object(root)) {
		err = json_object_get(root, "error");
		if (json_is_object(err)) {          /* ARM style {"error": {code, message}} */
			code = str_field(err, "code");
			desc = str_field(err, "message");
		} else {                            /* OAuth style {error, error_description} */
			code = str_field(root, "error");
			desc = str_field(root, "error_description");
			if (!desc)
				desc = str_field(root, "message");  /* App Service */
		}
	}
	if (code || desc)
		snprintf(line, sizeof(line), "%s%s%s", code ? code : "", code && desc ? ": " : "",
			 desc ? desc : "");
	else
		snprintf(line, sizeof(line), "%.200s", r->body);
	line[strcspn(line, "\r\n")] = '\0';  /* Entra ID adds trace and correlation lines */
	json_decref(root);
	if (tctl_http_redact_text(&clean, line) < 0)
		return TCTL_ENOMEM;
	if (r->attempts > 1)
		tctl_error_set(rc, "%s: HTTP %d%s%s (after %d attempts)", what, r->status, *clean ? ": " : "",
			       clean, r->attempts);
	else
		tctl_error_set(rc, "%s: HTTP %d%s%s", what, r->status, *clean ? ": " : "", clean);
	free(clean);
	return rc;
}

int auth_scope_resource(char **out, const char *scope)
{
	size_t n = strlen(scope);

	if (n > 8 && !strcmp(scope + n - 8, ".default"))
		n -= 8;
	if (!(*out = strndup(scope, n)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* ---- requests ---- */

/* Appends "&name=value" (escaped) to a form body. */
static int form_add(tctl_buf *b, const char *name, const char *value)
{
	char *e = NULL;
	int error;

	if ((error = tctl_http_escape(&e, value)) < 0)
		return error;
	error = tctl_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, e);
	explicit_bzero(e, strlen(e));
	free(e);
	return error;
}

/* POST the form to the link's token endpoint; the body is wiped afterwards. */
static int post_form(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
		     tctl_buf *form)
{
	tctl_http_header h[] = { { "Content-Type", "application/x-www-form-urlencoded" },
				 { "Accept", "application/json" } };
	tctl_http_request req = TCTL_HTTP_REQUEST_INIT;
	tctl_http_response *r = NULL;
	tctl_http_client *http;
	char what[700];
	int error;

	req.method = "POST";
	req.url = link->endpoint;
	req.headers = h;
	req.headers_len = 2;
	req.body = form->ptr;
	req.body_len = form->len;
	if ((error = auth_http(&http, cred)) < 0 || (error = tctl_http_send(&r, http, &req)) < 0)
		goto done;
	snprintf(what, sizeof(what), "POST %s", r->url);
	if (r->status < 200 || r->status >= 300)
		error = auth_http_error(r, what);
	else
		error = auth_parse_token(token, expires, r->body, what);
done:
	if (r && r->body)
		explicit_bzero(r->body, r->body_len);
	tctl_http_response_free(r);
	return error;
}

int auth_client_secret_fetch(char **token, int64_t *expires, tctl_credential *cred,
			     auth_link *link, const char *scope)
{
	tctl_buf form = TCTL_BUF_INIT;
	int error;

	if ((error = form_add(&form, "client_id", link->client_id)) == 0 &&
	    (error = form_add(&form, "client_secret", link->secret)) == 0 &&
	    (error = form_add(&form, "grant_type", "client_credentials")) == 0 &&
	    (error = form_add(&form, "scope", scope)) == 0)
		error = post_form(token, expires, cred, link, &form);
	if (form.ptr)
		explicit_bzero(form.ptr, form.len);
	tctl_buf_free(&form);
	return error;
}

/* The federated token, read afresh each time (Kubernetes rotates the file). */
static int read_assertion(char **out, const auth_link *link)
{
	size_t len;
	int error;

	if ((error = tctl_file_read(out, &len, link->path)) < 0) {
		tctl_error_prefix("AZURE_FEDERATED_TOKEN_FILE");
		return error;
	}
	while (len && isspace((unsigned char)(*out)[len - 1]))
		(*out)[--len] = '\0';
	if (!len) {
		free(*out);
		*out = NULL;
		return tctl_error_set(TCTL_EAUTH, "AZURE_FEDERATED_TOKEN_FILE '%s' is empty", link->path);
	}
	return 0;
}

int auth_workload_fetch(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
			const char *scope)
{
	tctl_buf form = TCTL_BUF_INIT;
	char *assertion = NULL;
	int error;

	if ((error = read_assertion(&assertion, link)) < 0)
		return error;
	if ((error = form_add(&form, "client_assertion", assertion)) == 0 &&
	    (error = form_add(&form, "client_assertion_type", JWT_BEARER)) == 0 &&
	    (error = form_add(&form, "client_id", link->client_id)) == 0 &&
	    (error = form_add(&form, "grant_type", "client_credentials")) == 0 &&
	    (error = form_add(&form, "scope", scope)) == 0)
		error = post_form(token, expires, cred, link, &form);
	auth_wipe(assertion);
	if (form.ptr)
		explicit_bzero(form.ptr, form.len);
	tctl_buf_free(&form);
	return error;
}
