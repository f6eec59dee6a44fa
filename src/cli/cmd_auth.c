/* cmd_auth.c: `trainctl auth check`: which Azure credential is found, and whether it gets a token. */
#include "cli.h"
#include "trainctl/auth.h"
#include "trainctl/config.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trace_line(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "http: %s\n", line);
}

/* What auth check found, for either output form. */
typedef struct {
	const tctl_credential_info *info;  /* NULL when no credential was found */
	const char *scope;
	bool ok;
	int64_t expires;
	const char *error;
} check_result;

static void print_text(const check_result *c)
{
	const tctl_credential_info *i = c->info;
	char when[40], left[32];

	printf("credential: %s\n", i->name);
	printf("source:     %s\n", i->source);
	if (i->tenant_id)
		printf("tenant:     %s\n", i->tenant_id);
	if (i->client_id)
		printf("client id:  %s\n", i->client_id);
	printf("endpoint:   %s\n", i->endpoint);
	if (c->ok) {
		tctl_time_format(when, sizeof(when), c->expires);
		tctl_duration_format(left, sizeof(left), c->expires - tctl_now());
		printf("token:      ok, for %s, expires %s (in %s)\n", c->scope, when, left);
	} else {
		printf("token:      failed, for %s\n", c->scope);
	}
	if (*i->skipped && c->ok)  /* on failure the error line says it */
		printf("skipped:    %s\n", i->skipped);
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int print_json(const check_result *c)
{
	const tctl_credential_info *i = c->info;
	json_t *root = json_object(), *cred = json_null(), *tok = json_null();
	char when[40];
	char *text;

	if (i) {
		cred = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "type", i->id, "name", i->name,
				 "source", i->source, "tenant_id", nullable(i->tenant_id), "client_id",
				 nullable(i->client_id), "endpoint", i->endpoint, "skipped", i->skipped);
		tctl_time_format(when, sizeof(when), c->expires);
		tok = json_pack("{s:b, s:s, s:o}", "ok", c->ok, "scope", c->scope, "expires_on",
				c->ok ? json_string(when) : json_null());
	}
	json_object_set_new(root, "found", json_boolean(i != NULL));
	json_object_set_new(root, "credential", cred);
	json_object_set_new(root, "token", tok);
	json_object_set_new(root, "error", nullable(c->error));
	if (!(text = json_dumps(root, JSON_INDENT(2)))) {
		json_decref(root);
		return cli_failf("out of memory");
	}
	puts(text);
	free(text);
	json_decref(root);
	return 0;
}

/* The scope to test: "arm" (cfg's Resource Manager), "storage", or a URI as given. */
static int pick_scope(char **out, const char *opt, const tctl_config *cfg)
{
	if (!opt || !strcmp(opt, "arm"))
		return tctl_credential_arm_scope(out, cfg);
	*out = strdup(!strcmp(opt, "storage") ? TCTL_SCOPE_STORAGE : opt);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

static int report(const check_result *c, bool json)
{
	if (json)
		print_json(c);
	else if (c->info)
		print_text(c);
	if (c->error)
		fprintf(stderr, "error: %s\n", c->error);
	return c->ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int auth_check(int argc, char **argv)
{
	bool json = false, verbose = false;
	const char *scope_opt = NULL;
	const cli_option options[] = {
		{ "json", 0, CLI_OPT_FLAG, &json, NULL, "print JSON: {found, credential, token, error}" },
		{ "scope", 0, CLI_OPT_STRING, &scope_opt, "arm|storage|URI",
		  "the token to ask for (default: arm, cloud.arm + \"/.default\")" },
		{ "verbose", 'v', CLI_OPT_FLAG, &verbose, NULL, "trace the HTTP requests on stderr (secrets redacted)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"auth check", "[--json] [--scope arm|storage|URI] [--verbose]",
		"say which Azure credential is found and whether it gets a token",
		"Walks azure-identity's DefaultAzureCredential order: client secret\n"
		"(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, or the user config's\n"
		"credentials), workload identity (AZURE_FEDERATED_TOKEN_FILE), managed identity\n"
		"(IDENTITY_ENDPOINT, or the instance metadata service), then the Azure CLI.\n"
		"Prints the credential found (kind, source, tenant, client id) and asks it for a\n"
		"fresh token, which is never shown. See docs/azure.md.\n\n"
		"exit status: 0 a token was obtained, 1 none, 2 usage error",
		options
	};
	check_result c = { NULL, NULL, false, 0, NULL };
	tctl_config *cfg = NULL;
	tctl_credential *cred = NULL;
	char *scope = NULL, *token = NULL;
	int npos = 0, dashdash = -1, code = 0;

	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &code))
		return code;
	if (npos > 0)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if (tctl_config_load(&cfg, NULL) < 0 || pick_scope(&scope, scope_opt, cfg) < 0) {
		tctl_config_free(cfg);
		return cli_fail();
	}
	c.scope = scope;
	if (tctl_credential_default(&cred, cfg) < 0) {
		c.error = tctl_error_last()->message;
	} else {
		if (verbose)
			tctl_credential_set_trace(cred, trace_line, NULL);
		c.ok = tctl_credential_fetch(&token, &c.expires, cred, scope) == 0;
		c.error = c.ok ? NULL : tctl_error_last()->message;
		c.info = tctl_credential_describe(cred);
	}
	code = report(&c, json);
	tctl_token_free(token);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
	free(scope);
	return code;
}

int cmd_auth(int argc, char **argv)
{
	static const cli_subcommand subs[] = {
		{ "check", auth_check, "say which Azure credential is found and whether it gets a token" },
		{ NULL, NULL, NULL }
	};

	return cli_dispatch_sub("auth", subs, argc, argv);
}
