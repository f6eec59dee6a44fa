/* auth_msi.c: managed identity tokens: the instance metadata service (IMDS) and App Service style. */
#include "trainctl/auth.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMDS_PATH "/metadata/identity/oauth2/token"
#define IMDS_API "2018-02-01"
#define APP_SERVICE_API "2019-08-01"

/* base?api-version=V&resource=R[&client_id=C] (or & when base has a query already). */
static int token_query(char **out, const char *base, const char *api, const char *scope,
		       const char *client_id)
{
	char *resource = NULL, *r = NULL, *c = NULL;
	int error;

	if ((error = auth_scope_resource(&resource, scope)) < 0 || (error = tctl_http_escape(&r, resource)) < 0 ||
	    (client_id && (error = tctl_http_escape(&c, client_id)) < 0))
		goto done;
	if (asprintf(out, "%s%capi-version=%s&resource=%s%s%s", base, strchr(base, '?') ? '&' : '?',
		     api, r, c ? "&client_id=" : "", c ? c : "") < 0)
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
done:
	free(resource);
	free(r);
	free(c);
	return error;
}

/*
 * Is a metadata service listening? As azure-identity does: a token request
 * without the Metadata header (IMDS refuses it at once), a 0.3 s connect
 * timeout, no retry; any HTTP answer means yes.
 */
int auth_imds_probe(bool *out_answered, tctl_credential *cred)
{
	tctl_http_options o = cred->http_opts;
	tctl_http_request req = TCTL_HTTP_REQUEST_INIT;
	tctl_http_response *r = NULL;
	tctl_http_client *probe = NULL;
	char *base = NULL, *url = NULL;
	int error;

	*out_answered = false;
	o.connect_timeout_ms = 300;
	o.timeout_ms = 1000;
	o.max_retries = 0;
	o.trace = NULL;
	if (asprintf(&base, "%s%s", cred->imds, IMDS_PATH) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = token_query(&url, base, IMDS_API, "https://management.azure.com/.default", NULL)) < 0 ||
	    (error = tctl_http_client_new(&probe, &o)) < 0)
		goto done;
	req.url = url;
	req.flags = TCTL_HTTP_ALLOW_HTTP | TCTL_HTTP_NO_RETRY;
	if (tctl_http_send(&r, probe, &req) == 0)
		*out_answered = true;
	else if (tctl_error_last()->code == TCTL_ENOMODULE || tctl_error_last()->code == TCTL_ENOMEM)
		error = tctl_error_last()->code;  /* not an answer about IMDS */
	else
		tctl_error_clear();
done:
	tctl_http_response_free(r);
	tctl_http_client_free(probe);
	free(base);
	free(url);
	return error;
}

/* GET url with one header; the answer's token, or the error as "what: HTTP 400: ...". */
static int get_token(char **token, int64_t *expires, tctl_http_response **out, tctl_credential *cred,
		     const char *url, const tctl_http_header *h)
{
	tctl_http_request req = TCTL_HTTP_REQUEST_INIT;
	tctl_http_client *http;
	char what[700];
	int error;

	req.url = url;
	req.headers = h;
	req.headers_len = 1;
	req.flags = TCTL_HTTP_ALLOW_HTTP;
	if ((error = auth_http(&http, cred)) < 0 || (error = tctl_http_send(out, http, &req)) < 0)
		return error;
	snprintf(what, sizeof(what), "GET %s", (*out)->url);
	if ((*out)->status < 200 || (*out)->status >= 300)
		return auth_http_error(*out, what);
	return auth_parse_token(token, expires, (*out)->body, what);
}

int auth_imds_fetch(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
		    const char *scope)
{
	tctl_http_header h = { "Metadata", "true" };
	tctl_http_response *r = NULL;
	char *base = NULL, *url = NULL;
	int error;

	if (asprintf(&base, "%s%s", link->endpoint, IMDS_PATH) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = token_query(&url, base, IMDS_API, scope, link->client_id)) < 0)
		goto done;
	error = get_token(token, expires, &r, cred, url, &h);
	/* 400: no identity, or not the one asked for (azure-identity: unavailable, the chain goes on) */
	if (error < 0 && r && r->status == 400) {
		if (link->client_id)
			tctl_error_set(TCTL_EAUTH, "managed identity: the identity with client ID %s "
				       "(AZURE_CLIENT_ID) is not assigned to this machine", link->client_id);
		else
			tctl_error_set(TCTL_EAUTH, "managed identity: no identity is assigned to this machine");
		error = AUTH_UNAVAILABLE;
	}
done:
	if (r)
		explicit_bzero(r->body, r->body_len);
	tctl_http_response_free(r);
	free(base);
	free(url);
	return error;
}

int auth_app_service_fetch(char **token, int64_t *expires, tctl_credential *cred,
			   auth_link *link, const char *scope)
{
	tctl_http_header h = { "X-IDENTITY-HEADER", link->secret };
	tctl_http_response *r = NULL;
	char *url = NULL;
	int error;

	if ((error = token_query(&url, link->endpoint, APP_SERVICE_API, scope, link->client_id)) < 0)
		return error;
	error = get_token(token, expires, &r, cred, url, &h);
	if (r)
		explicit_bzero(r->body, r->body_len);
	tctl_http_response_free(r);
	free(url);
	return error;
}
