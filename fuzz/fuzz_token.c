/* fuzz_token.c: token answers: the Entra ID token endpoint, IMDS and App Service (one JSON
 * shape), their error answers, and what 'az account get-access-token' prints. The first line
 * names which ("token", "cli", "error STATUS"); the rest is the answer. */
#include "fuzz.h"

#include "../src/lib/auth_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* An accepted answer gives a non-empty token and an expiry in the future of 1970. */
static void check_token(int rc, char *token, int64_t expires)
{
	if (rc == 0) {
		FUZZ_CHECK(token && token[0]);
		FUZZ_CHECK(expires > 0);
	} else {
		FUZZ_CHECK(token == NULL);
	}
	auth_wipe(token);
}

static void endpoint_answer(const char *body)
{
	char *token = NULL;
	int64_t expires = 0;
	int rc = auth_parse_token(&token, &expires, body, "token endpoint");

	fuzz_check_error(rc);
	check_token(rc, token, expires);
}

static void cli_answer(const char *body)
{
	auth_link link;
	char *token = NULL;
	int64_t expires = 0;
	int rc;

	memset(&link, 0, sizeof(link));
	rc = auth_cli_parse_output(&token, &expires, &link, body);
	fuzz_check_error(rc);
	check_token(rc, token, expires);
	free(link.reported_tenant);
}

/* An error answer always becomes an error with a message naming what was asked. */
static void error_answer(int status, char *body)
{
	tctl_http_response r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.body_len = strlen(body);
	r.attempts = 1 + (int)(r.body_len % 3);
	rc = auth_http_error(&r, "token endpoint");
	FUZZ_CHECK(rc < 0);
	FUZZ_CHECK(!strncmp(tctl_error_last()->message, "token endpoint: HTTP ", 21));
	fuzz_check_error(rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *kind = fuzz_cstr(data, size), *body = fuzz_split_line(kind);

	if (!strcmp(kind, "cli"))
		cli_answer(body);
	else if (!strncmp(kind, "error ", 6))
		error_answer(fuzz_status(kind + 6), body);
	else
		endpoint_answer(body);
	free(kind);
	return 0;
}
