/* test_auth.c: the credential chain against the loopback fake: order, each kind, caching, refresh, az CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "fake.h"
#include "trainctl/auth.h"
#include "trainctl/config.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#define TENANT "contoso.onmicrosoft.com"
#define CLIENT "00000000-0000-0000-0000-0000000000aa"
#define SECRET "S3CRET-MARKER-7f1c"

static fake_server fake;
static char root[256], home[300], bin[300], closed_imds[64], az_args[320];
static const char *const vars[] = {
	"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE",
	"AZURE_CLIENT_CERTIFICATE_PATH", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
	"IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET",
	"AZURE_AUTHORITY_HOST", "TRAINCTL_IMDS_ENDPOINT", "TRAINCTL_CA_BUNDLE", "TRAINCTL_ARM_ENDPOINT",
	"TRAINCTL_TOKEN_CACHE", "AZURE_CONFIG_DIR", "https_proxy", "HTTPS_PROXY", "http_proxy",
	"ALL_PROXY", NULL
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* A fake `az` that records its arguments, environment and folder, then runs `body`. */
static void fake_az(const char *body)
{
	char path[400], script[4096];

	snprintf(path, sizeof(path), "%s/az", bin);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nprintf '%%s\\n' \"$*\" \"$AZURE_CORE_NO_COLOR\" \"$(pwd)\" > '%s'\n%s\n",
		 az_args, body);
	write_file(path, script, 0755);
}

static int closed_port(void)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/trainctl-test-auth.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(home, sizeof(home), "%s/home", root);
	snprintf(bin, sizeof(bin), "%s/bin", root);
	snprintf(az_args, sizeof(az_args), "%s/az-args", root);
	mkdir(home, 0700);
	mkdir(bin, 0700);
	snprintf(closed_imds, sizeof(closed_imds), "http://127.0.0.1:%d", closed_port());
	for (size_t i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	if (fake_start(&fake, "aad,echo", NULL) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	fake_stop(&fake);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test: a clean environment pointing at the fake; no file cache unless asked. */
static int before(void **state)
{
	char path[400];

	(void)state;
	for (size_t i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	setenv("TRAINCTL_HOME", home, 1);
	setenv("HOME", root, 1);
	setenv("AZURE_AUTHORITY_HOST", fake.https, 1);
	setenv("TRAINCTL_CA_BUNDLE", fake.ca, 1);
	setenv("TRAINCTL_IMDS_ENDPOINT", closed_imds, 1);
	setenv("TRAINCTL_TOKEN_CACHE", "0", 1);
	snprintf(path, sizeof(path), "%s:/usr/bin:/bin", bin);
	setenv("PATH", path, 1);
	snprintf(path, sizeof(path), "%s/az", bin);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cache/tokens.json", home);
	unlink(path);
	fake_reset(&fake);
	fake_knobs(&fake, "{\"token_lifetime\": 3600, \"client_secret\": null, \"federated_token\": null, "
		   "\"imds_identity\": true, \"imds_client_ids\": null, \"identity_header\": \"fake-identity-header\"}");
	return 0;
}

static tctl_config *config(void)
{
	tctl_config *cfg = NULL;

	assert_int_equal(tctl_config_load(&cfg, root), 0);
	return cfg;
}

static void set_secret_env(void)
{
	setenv("AZURE_TENANT_ID", TENANT, 1);
	setenv("AZURE_CLIENT_ID", CLIENT, 1);
	setenv("AZURE_CLIENT_SECRET", SECRET, 1);
}

/* The body of the n-th logged request matching `needle` (caller frees). */
static char *logged(const char *needle, size_t nth, const char *field)
{
	json_t *log = fake_requests(&fake), *e;
	char line[2048], *out = NULL;
	size_t i, seen = 0;

	json_array_foreach(log, i, e) {
		snprintf(line, sizeof(line), "%s %s", json_string_value(json_object_get(e, "method")),
			 json_string_value(json_object_get(e, "target")));
		if (strstr(line, needle) && seen++ == nth) {
			json_t *v = !strncmp(field, "header:", 7)
				? json_object_get(json_object_get(e, "headers"), field + 7)
				: json_object_get(e, field);
			out = v ? strdup(json_is_string(v) ? json_string_value(v) : "?") : NULL;
			break;
		}
	}
	json_decref(log);
	return out;
}

/* ---- finding a credential ---- */

static void test_nothing_found_says_why(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char want[600];

	(void)state;
	setenv("PATH", "/nonexistent", 1);
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), TCTL_EAUTH);
	assert_null(cred);
	snprintf(want, sizeof(want), "no Azure credential found: client secret: AZURE_CLIENT_SECRET not set; "
		 "workload identity: AZURE_FEDERATED_TOKEN_FILE not set; managed identity: no answer from "
		 "the instance metadata service at %s; Azure CLI: 'az' not found on PATH", closed_imds);
	assert_string_equal(tctl_error_last()->message, want);
	tctl_config_free(cfg);
}

static void test_client_secret_from_env(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	const tctl_credential_info *info;
	char *tok = NULL, *body, *path;
	int64_t exp = 0;

	(void)state;
	set_secret_env();
	fake_knobs(&fake, "{\"client_secret\": \"" SECRET "\"}");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_CLIENT_SECRET);
	info = tctl_credential_describe(cred);
	assert_string_equal(info->id, "client_secret");
	assert_string_equal(info->tenant_id, TENANT);
	assert_string_equal(info->client_id, CLIENT);
	assert_non_null(strstr(info->source, "AZURE_CLIENT_SECRET"));
	assert_int_equal(tctl_credential_token(&tok, &exp, cred, "https://management.azure.com/.default"), 0);
	assert_non_null(strstr(tok, "fake."));
	assert_true(exp > tctl_now() + 3500 && exp <= tctl_now() + 3600);
	path = logged("POST /" TENANT "/oauth2/v2.0/token", 0, "target");
	assert_non_null(path);
	free(path);
	body = logged("POST /" TENANT "/oauth2/v2.0/token", 0, "body");
	assert_string_equal(body, "client_id=" CLIENT "&client_secret=" SECRET "&grant_type=client_credentials"
			    "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
	free(body);
	body = logged("POST /", 0, "header:content-type");
	assert_string_equal(body, "application/x-www-form-urlencoded");
	free(body);
	tctl_token_free(tok);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_wrong_secret_is_a_clear_error_without_the_secret(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *tok = NULL, want[400];
	const char *msg;

	(void)state;
	set_secret_env();
	fake_knobs(&fake, "{\"client_secret\": \"another\"}");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), TCTL_EAUTH);
	assert_null(tok);
	msg = tctl_error_last()->message;
	snprintf(want, sizeof(want), "client secret from environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, "
		 "AZURE_CLIENT_SECRET): POST %s/" TENANT "/oauth2/v2.0/token: HTTP 401: invalid_client: "
		 "AADSTS7000215: Invalid client secret provided.", fake.https);
	assert_memory_equal(msg, want, strlen(want));
	assert_null(strstr(msg, SECRET));
	/* a refused secret is not passed over for the next link */
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_CLIENT_SECRET);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_bad_tenant_refused(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;

	(void)state;
	set_secret_env();
	setenv("AZURE_TENANT_ID", "../evil", 1);
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message,
			    "env AZURE_TENANT_ID: expected a tenant ID (a GUID or a domain), got \"../evil\"");
	tctl_config_free(cfg);
}

static void expect_kind(tctl_credential_type want, const char *skipped)
{
	tctl_config *cfg = config();
	tctl_credential *cred = NULL;

	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), want);
	if (skipped)
		assert_non_null(strstr(tctl_credential_describe(cred)->skipped, skipped));
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_chain_order(void **state)
{
	char file[400], ep[200];

	(void)state;
	snprintf(file, sizeof(file), "%s/federated-token", root);
	write_file(file, "FEDERATED-JWT\n", 0600);
	snprintf(ep, sizeof(ep), "%s/msi/token", fake.https);
	fake_az("echo '{}'");
	set_secret_env();
	setenv("AZURE_FEDERATED_TOKEN_FILE", file, 1);
	setenv("IDENTITY_ENDPOINT", ep, 1);
	setenv("IDENTITY_HEADER", "fake-identity-header", 1);
	setenv("TRAINCTL_IMDS_ENDPOINT", fake.http, 1);
	expect_kind(TCTL_CREDENTIAL_CLIENT_SECRET, NULL);
	unsetenv("AZURE_CLIENT_SECRET");
	expect_kind(TCTL_CREDENTIAL_WORKLOAD_IDENTITY, "client secret: AZURE_CLIENT_SECRET not set");
	unsetenv("AZURE_FEDERATED_TOKEN_FILE");
	expect_kind(TCTL_CREDENTIAL_APP_SERVICE, "workload identity: AZURE_FEDERATED_TOKEN_FILE not set");
	unsetenv("IDENTITY_ENDPOINT");
	expect_kind(TCTL_CREDENTIAL_MANAGED_IDENTITY, NULL);
	setenv("TRAINCTL_IMDS_ENDPOINT", closed_imds, 1);
	expect_kind(TCTL_CREDENTIAL_AZURE_CLI, "managed identity: no answer from the instance metadata service");
}

static void test_partial_settings_are_skipped_with_a_reason(void **state)
{
	(void)state;
	fake_az("echo '{}'");
	setenv("AZURE_CLIENT_SECRET", SECRET, 1);
	setenv("AZURE_CLIENT_ID", CLIENT, 1);
	expect_kind(TCTL_CREDENTIAL_AZURE_CLI, "client secret: AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID is not");
	unsetenv("AZURE_CLIENT_SECRET");
	setenv("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent", 1);
	unsetenv("AZURE_CLIENT_ID");
	setenv("AZURE_TENANT_ID", TENANT, 1);
	expect_kind(TCTL_CREDENTIAL_AZURE_CLI, "workload identity: AZURE_FEDERATED_TOKEN_FILE is set but "
		    "AZURE_CLIENT_ID is not");
	unsetenv("AZURE_FEDERATED_TOKEN_FILE");
	setenv("AZURE_CLIENT_CERTIFICATE_PATH", "/x.pem", 1);
	expect_kind(TCTL_CREDENTIAL_AZURE_CLI, "trainctl does not support certificate credentials");
}

static void test_config_credentials_after_the_environment(void **state)
{
	char cfgdir[400], cfgfile[450], text[600];
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *tok = NULL, *body;

	(void)state;
	snprintf(cfgdir, sizeof(cfgdir), "%s/config", home);
	mkdir(cfgdir, 0700);
	snprintf(cfgfile, sizeof(cfgfile), "%s/config.json", cfgdir);
	snprintf(text, sizeof(text), "{\"credentials\": {\"tenant_id\": \"fabrikam.example\", \"client_id\": "
		 "\"00000000-0000-0000-0000-0000000000bb\", \"client_secret\": \"CONFIG-SECRET\"}}");
	write_file(cfgfile, text, 0600);
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_CLIENT_SECRET);
	assert_non_null(strstr(tctl_credential_describe(cred)->source, cfgfile));
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), 0);
	body = logged("POST /fabrikam.example/oauth2/v2.0/token", 0, "body");
	assert_non_null(body);
	assert_non_null(strstr(body, "client_secret=CONFIG-SECRET"));
	free(body);
	tctl_token_free(tok);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
	/* the environment comes first */
	set_secret_env();
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_string_equal(tctl_credential_describe(cred)->tenant_id, TENANT);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
	unlink(cfgfile);
}

/* ---- caching ---- */

static int token_requests(void)
{
	return fake_count(&fake, "/oauth2/v2.0/token");
}

static void test_memory_cache_per_scope_and_fetch(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

	(void)state;
	set_secret_env();
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&a, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_int_equal(tctl_credential_token(&b, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_equal(a, b);
	assert_int_equal(token_requests(), 1);
	assert_int_equal(tctl_credential_token(&c, NULL, cred, TCTL_SCOPE_STORAGE), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(token_requests(), 2);
	{
		char *body = logged("/oauth2/v2.0/token", 1, "body");
		assert_non_null(strstr(body, "scope=https%3A%2F%2Fstorage.azure.com%2F.default"));
		free(body);
	}
	assert_int_equal(tctl_credential_fetch(&d, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_not_equal(a, d);
	assert_int_equal(token_requests(), 3);
	tctl_token_free(a);
	tctl_token_free(b);
	tctl_token_free(c);
	tctl_token_free(d);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_refreshed_shortly_before_expiry(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	set_secret_env();
	/* 302 s: 2 s before the 300 s refresh window starts */
	fake_knobs(&fake, "{\"token_lifetime\": 302}");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&a, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_int_equal(tctl_credential_token(&b, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_equal(a, b);
	assert_int_equal(token_requests(), 1);
	sleep(3);
	assert_int_equal(tctl_credential_token(&c, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(token_requests(), 2);
	tctl_token_free(a);
	tctl_token_free(b);
	tctl_token_free(c);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_failed_refresh_keeps_a_valid_token(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	set_secret_env();
	fake_knobs(&fake, "{\"token_lifetime\": 100}");  /* inside the refresh window from the start */
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&a, NULL, cred, "https://management.azure.com/.default"), 0);
	fake_knobs(&fake, "{\"client_secret\": \"rotated\"}");
	assert_int_equal(tctl_credential_token(&b, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_equal(a, b);
	assert_int_equal(token_requests(), 2);  /* it did try */
	assert_int_equal(tctl_credential_fetch(&c, NULL, cred, "https://management.azure.com/.default"), TCTL_EAUTH);
	tctl_token_free(a);
	tctl_token_free(b);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_file_cache_between_processes(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *a = NULL, *b = NULL, path[400], *text = NULL;
	struct stat st;
	size_t len;

	(void)state;
	set_secret_env();
	unsetenv("TRAINCTL_TOKEN_CACHE");
	snprintf(path, sizeof(path), "%s/cache/tokens.json", home);
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&a, NULL, cred, "https://management.azure.com/.default"), 0);
	tctl_credential_free(cred);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tctl_file_read(&text, &len, path), 0);
	assert_null(strstr(text, SECRET));
	{	/* keys are hashed: the file names no tenant, client or scope */
		json_t *doc = json_loads(text, 0, NULL), *v;
		const char *k;
		assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
		assert_int_equal(json_object_size(json_object_get(doc, "tokens")), 1);
		json_object_foreach(json_object_get(doc, "tokens"), k, v) {
			assert_int_equal(strlen(k), 64);
			assert_int_equal(strspn(k, "0123456789abcdef"), 64);
			assert_string_equal(json_string_value(json_object_get(v, "access_token")), a);
		}
		json_decref(doc);
	}
	free(text);
	/* a second "process": the file answers */
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&b, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_equal(a, b);
	assert_int_equal(token_requests(), 1);
	tctl_token_free(b);
	tctl_credential_free(cred);
	/* a file others can read is not trusted, and is replaced by a private one */
	chmod(path, 0644);
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&b, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(token_requests(), 2);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	tctl_token_free(a);
	tctl_token_free(b);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

/* ---- the other kinds ---- */

static void test_workload_identity(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char file[400], *tok = NULL, *body;

	(void)state;
	snprintf(file, sizeof(file), "%s/federated-token", root);
	write_file(file, "FEDERATED-JWT-1\n", 0600);
	setenv("AZURE_FEDERATED_TOKEN_FILE", file, 1);
	setenv("AZURE_TENANT_ID", TENANT, 1);
	setenv("AZURE_CLIENT_ID", CLIENT, 1);
	fake_knobs(&fake, "{\"federated_token\": \"FEDERATED-JWT-1\"}");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_WORKLOAD_IDENTITY);
	assert_int_equal(tctl_credential_fetch(&tok, NULL, cred, "https://management.azure.com/.default"), 0);
	tctl_token_free(tok);
	body = logged("POST /" TENANT "/oauth2/v2.0/token", 0, "body");
	assert_string_equal(body, "client_assertion=FEDERATED-JWT-1&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth"
			    "%3Aclient-assertion-type%3Ajwt-bearer&client_id=" CLIENT "&grant_type=client_credentials"
			    "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
	free(body);
	/* the file is read afresh: Kubernetes rotates it */
	write_file(file, "FEDERATED-JWT-2", 0600);
	fake_knobs(&fake, "{\"federated_token\": \"FEDERATED-JWT-2\"}");
	assert_int_equal(tctl_credential_fetch(&tok, NULL, cred, "https://management.azure.com/.default"), 0);
	tctl_token_free(tok);
	unlink(file);
	assert_true(tctl_credential_fetch(&tok, NULL, cred, "https://management.azure.com/.default") < 0);
	assert_non_null(strstr(tctl_error_last()->message, "AZURE_FEDERATED_TOKEN_FILE: '"));
	assert_non_null(strstr(tctl_error_last()->message, "' does not exist"));
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_imds(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *tok = NULL, *v;
	int64_t exp = 0;

	(void)state;
	setenv("TRAINCTL_IMDS_ENDPOINT", fake.http, 1);
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_MANAGED_IDENTITY);
	assert_null(tctl_credential_describe(cred)->client_id);
	/* the probe went without the Metadata header */
	v = logged("GET /metadata/identity/oauth2/token", 0, "header:metadata");
	assert_null(v);
	assert_int_equal(tctl_credential_token(&tok, &exp, cred, "https://management.azure.com/.default"), 0);
	assert_true(exp > tctl_now() + 3500);
	v = logged("GET /metadata/identity/oauth2/token", 1, "target");
	assert_string_equal(v, "/metadata/identity/oauth2/token?api-version=2018-02-01"
			    "&resource=https%3A%2F%2Fmanagement.azure.com%2F");
	free(v);
	v = logged("GET /metadata/identity/oauth2/token", 1, "header:metadata");
	assert_string_equal(v, "true");
	free(v);
	tctl_token_free(tok);
	tctl_credential_free(cred);
	/* AZURE_CLIENT_ID picks a user-assigned identity */
	setenv("AZURE_CLIENT_ID", CLIENT, 1);
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, TCTL_SCOPE_STORAGE), 0);
	v = logged("GET /metadata/identity/oauth2/token", 3, "query");
	assert_string_equal(v, "api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F&client_id=" CLIENT);
	free(v);
	tctl_token_free(tok);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_imds_without_identity_passes_on_to_the_cli(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *tok = NULL;

	(void)state;
	setenv("TRAINCTL_IMDS_ENDPOINT", fake.http, 1);
	fake_knobs(&fake, "{\"imds_identity\": false}");
	fake_az("echo '{\"accessToken\": \"CLI-TOKEN\", \"expires_on\": 4102444800, \"tenant\": \"t-cli\"}'");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_MANAGED_IDENTITY);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), 0);
	assert_string_equal(tok, "CLI-TOKEN");
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_AZURE_CLI);
	assert_non_null(strstr(tctl_credential_describe(cred)->skipped,
			       "managed identity: no identity is assigned to this machine"));
	assert_string_equal(tctl_credential_describe(cred)->tenant_id, "t-cli");
	tctl_token_free(tok);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_app_service(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char ep[200], *tok = NULL, *v;

	(void)state;
	snprintf(ep, sizeof(ep), "%s/msi/token", fake.https);
	setenv("IDENTITY_ENDPOINT", ep, 1);
	setenv("IDENTITY_HEADER", "HDR-SECRET", 1);
	fake_knobs(&fake, "{\"identity_header\": \"HDR-SECRET\"}");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_APP_SERVICE);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), 0);
	v = logged("GET /msi/token", 0, "query");
	assert_string_equal(v, "api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com%2F");
	free(v);
	v = logged("GET /msi/token", 0, "header:x-identity-header");
	assert_string_equal(v, "HDR-SECRET");
	free(v);
	tctl_token_free(tok);
	/* a wrong header: refused, the header never in the message */
	fake_knobs(&fake, "{\"identity_header\": \"other\"}");
	assert_int_equal(tctl_credential_fetch(&tok, NULL, cred, "https://management.azure.com/.default"), TCTL_EAUTH);
	assert_non_null(strstr(tctl_error_last()->message, "HTTP 401"));
	assert_null(strstr(tctl_error_last()->message, "HDR-SECRET"));
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

/* ---- the Azure CLI ---- */

static void test_cli_expires_on_local_time(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char body[512], when[64], *tok = NULL, *args = NULL;
	time_t t = time(NULL) + 3000;
	struct tm tm_buf;
	int64_t exp = 0;
	size_t len;

	(void)state;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S.123456", localtime_r(&t, &tm_buf));
	snprintf(body, sizeof(body), "echo '{\"accessToken\": \"CLI-1\", \"expiresOn\": \"%s\", "
		 "\"subscription\": \"s\", \"tenant\": \"t1\", \"tokenType\": \"Bearer\"}'", when);
	fake_az(body);
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_kind(cred), TCTL_CREDENTIAL_AZURE_CLI);
	assert_int_equal(tctl_credential_token(&tok, &exp, cred, "https://management.azure.com/.default"), 0);
	assert_string_equal(tok, "CLI-1");
	assert_int_equal(exp, (int64_t)t);
	assert_int_equal(tctl_file_read(&args, &len, az_args), 0);
	/* argv as azure-identity passes it, AZURE_CORE_NO_COLOR set, run from "/" */
	assert_string_equal(args, "account get-access-token --output json --resource https://management.azure.com/\ntrue\n/\n");
	free(args);
	tctl_token_free(tok);
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_cli_not_logged_in_and_failures(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *tok = NULL;
	const char *msg;

	(void)state;
	fake_az("echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1");
	cfg = config();
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), TCTL_EAUTH);
	assert_non_null(strstr(tctl_error_last()->message, "no Azure credential could get a token: "));
	assert_non_null(strstr(tctl_error_last()->message, "Azure CLI: not logged in (run 'az login')"));
	tctl_credential_free(cred);

	fake_az("echo 'ERROR: something broke, \"accessToken\": \"LEAKED-TOKEN\"' >&2; exit 3");
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), TCTL_EAUTH);
	msg = tctl_error_last()->message;
	assert_string_equal(msg, "Azure CLI: 'az account get-access-token' failed (exit 3): ERROR: something broke, \"accessToken\": \"***\"");
	assert_null(strstr(msg, "LEAKED-TOKEN"));
	tctl_credential_free(cred);

	fake_az("echo 'not json'");
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "https://management.azure.com/.default"), TCTL_EREMOTE);
	assert_string_equal(tctl_error_last()->message, "Azure CLI: 'az account get-access-token' printed no accessToken");
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

static void test_authority_as_the_sdks_write_it(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char value[2048], want[2100];

	(void)state;
	set_secret_env();
	for (size_t i = 0; i < 2; i++) {
		/* with a trailing slash (the workload identity webhook), and as a bare host (AzureAuthorityHosts) */
		if (i == 0)
			snprintf(value, sizeof(value), "%s/", fake.https);
		else
			snprintf(value, sizeof(value), "%s", fake.https + strlen("https://"));
		setenv("AZURE_AUTHORITY_HOST", value, 1);
		cfg = config();
		assert_int_equal(tctl_credential_default(&cred, cfg), 0);
		snprintf(want, sizeof(want), "%s/" TENANT "/oauth2/v2.0/token", fake.https);
		assert_string_equal(tctl_credential_describe(cred)->endpoint, want);
		tctl_credential_free(cred);
		tctl_config_free(cfg);
	}
}

static void test_arm_scope_and_bad_scope(void **state)
{
	tctl_config *cfg;
	tctl_credential *cred = NULL;
	char *scope = NULL, *tok = NULL;

	(void)state;
	setenv("TRAINCTL_ARM_ENDPOINT", "https://management.chinacloudapi.cn", 1);
	set_secret_env();
	cfg = config();
	assert_int_equal(tctl_credential_arm_scope(&scope, cfg), 0);
	assert_string_equal(scope, "https://management.chinacloudapi.cn/.default");
	free(scope);
	assert_int_equal(tctl_credential_default(&cred, cfg), 0);
	assert_int_equal(tctl_credential_token(&tok, NULL, cred, "management"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "token scope 'management': expected an https:// URI"));
	tctl_credential_free(cred);
	tctl_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_nothing_found_says_why, before),
		cmocka_unit_test_setup(test_client_secret_from_env, before),
		cmocka_unit_test_setup(test_wrong_secret_is_a_clear_error_without_the_secret, before),
		cmocka_unit_test_setup(test_bad_tenant_refused, before),
		cmocka_unit_test_setup(test_chain_order, before),
		cmocka_unit_test_setup(test_partial_settings_are_skipped_with_a_reason, before),
		cmocka_unit_test_setup(test_config_credentials_after_the_environment, before),
		cmocka_unit_test_setup(test_memory_cache_per_scope_and_fetch, before),
		cmocka_unit_test_setup(test_refreshed_shortly_before_expiry, before),
		cmocka_unit_test_setup(test_failed_refresh_keeps_a_valid_token, before),
		cmocka_unit_test_setup(test_file_cache_between_processes, before),
		cmocka_unit_test_setup(test_workload_identity, before),
		cmocka_unit_test_setup(test_imds, before),
		cmocka_unit_test_setup(test_imds_without_identity_passes_on_to_the_cli, before),
		cmocka_unit_test_setup(test_app_service, before),
		cmocka_unit_test_setup(test_cli_expires_on_local_time, before),
		cmocka_unit_test_setup(test_cli_not_logged_in_and_failures, before),
		cmocka_unit_test_setup(test_authority_as_the_sdks_write_it, before),
		cmocka_unit_test_setup(test_arm_scope_and_bad_scope, before),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
