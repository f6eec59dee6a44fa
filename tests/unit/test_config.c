/* test_config.c: config merge order, origins, environment overrides, secrets and malformed files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "trainctl/config.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "src/lib/config_priv.h"   /* tctl_config_from_text */

/* A scratch tree: ROOT/home (TRAINCTL_HOME), ROOT/repo/.git, ROOT/repo/sub. */
static char root[256], user_cfg[320], repo_cfg[320], repo_sub[320], repo_dir[320];

static const char *const env_vars[] = {
	"AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE", "AZURE_LOCATION",
	"TRAINCTL_WORKSPACE", "TRAINCTL_ARM_ENDPOINT", "AZURE_AUTHORITY_HOST",
	"TRAINCTL_IMDS_ENDPOINT", "TRAINCTL_PRICES_ENDPOINT", "TRAINCTL_STORAGE_SUFFIX",
	"TRAINCTL_CA_BUNDLE", "XDG_CONFIG_HOME", NULL
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char path[400];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/trainctl-test-config.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(user_cfg, sizeof(user_cfg), "%s/home/config/config.json", root);
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", root);
	snprintf(repo_cfg, sizeof(repo_cfg), "%s/repo/.trainctl/config.json", root);
	snprintf(repo_sub, sizeof(repo_sub), "%s/repo/sub", root);
	snprintf(path, sizeof(path), "%s/home/config", root);
	if (tctl_mkdir_p(path, 0700) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/repo/.git", root);
	if (tctl_mkdir_p(path, 0700) < 0 || tctl_mkdir_p(repo_sub, 0700) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/repo/.trainctl", root);
	if (tctl_mkdir_p(path, 0700) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/home", root);
	setenv("TRAINCTL_HOME", path, 1);
	for (size_t i = 0; env_vars[i]; i++)
		unsetenv(env_vars[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	assert_int_equal(tctl_file_write_atomic(path, text, strlen(text), mode), 0);
}

static tctl_config *load_ok(const char *start)
{
	tctl_config *cfg = NULL;

	if (tctl_config_load(&cfg, start) < 0)
		fail_msg("config load failed: %s", tctl_error_last()->message);
	return cfg;
}

static void missing_files_give_the_defaults(void **state)
{
	tctl_config *cfg = load_ok(repo_sub);

	(void)state;
	assert_null(cfg->user_path);
	assert_null(cfg->repo_path);
	assert_string_equal(cfg->cloud.arm, "https://management.azure.com");
	assert_string_equal(cfg->cloud.authority, "https://login.microsoftonline.com");
	assert_string_equal(cfg->cloud.imds, "http://169.254.169.254");
	assert_string_equal(cfg->cloud.prices, "https://prices.azure.com/api/retail/prices");
	assert_string_equal(cfg->cloud.storage_suffix, "core.windows.net");
	assert_null(cfg->cloud.ca_bundle);
	assert_true(cfg->local.electricity_usd_per_kwh == 0.30);
	assert_true(cfg->local.gpu_watts == 300 && cfg->local.cpu_watts == 65);
	assert_true(cfg->local.base_watts == 30);
	assert_int_equal(cfg->workspaces_len, 0);
	assert_string_equal(tctl_config_origin(cfg, "cloud.arm"), "default");
	assert_null(tctl_config_origin(cfg, "budgets.monthly_usd"));
	tctl_config_free(cfg);
}

static void merge_order_is_defaults_user_repo_env(void **state)
{
	char where[400];
	tctl_config *cfg;

	(void)state;
	write_file(user_cfg, "{\n\"local\": {\"gpu_watts\": 250, \"cpu_watts\": 90},\n"
		   "\"budgets\": {\"per_repo_usd\": {\"a\": 1, \"b\": 2}},\n"
		   "\"reservations\": [{\"vm_size\": \"Standard_NC6\", \"region\": \"eastus\", "
		   "\"count\": 1}, {\"vm_size\": \"Standard_NC12\", \"region\": \"eastus\", "
		   "\"count\": 2}],\n"
		   "\"cloud\": {\"arm\": \"https://arm.example.test/\"}\n}", 0600);
	write_file(repo_cfg, "{\n\"local\": {\"gpu_watts\": 200},\n"
		   "\"budgets\": {\"per_repo_usd\": {\"b\": 20, \"c\": 30}},\n"
		   "\"reservations\": [{\"vm_size\": \"Standard_ND40rs_v2\", \"region\": \"westus2\","
		   " \"count\": 3}]\n}", 0644);
	setenv("TRAINCTL_ARM_ENDPOINT", "https://127.0.0.1:8443", 1);
	cfg = load_ok(repo_sub);
	assert_string_equal(cfg->user_path, user_cfg);
	assert_string_equal(cfg->repo_path, repo_cfg);
	assert_true(cfg->local.gpu_watts == 200);          /* repo over user */
	assert_true(cfg->local.cpu_watts == 90);           /* user over default */
	assert_true(cfg->local.base_watts == 30);          /* default */
	assert_string_equal(cfg->cloud.arm, "https://127.0.0.1:8443");  /* env over user */
	assert_true(tctl_config_repo_budget(cfg, "a") == 1);   /* maps merge key by key */
	assert_true(tctl_config_repo_budget(cfg, "b") == 20);
	assert_true(tctl_config_repo_budget(cfg, "c") == 30);
	assert_true(tctl_config_repo_budget(cfg, "zzz") == 0);
	assert_int_equal(cfg->reservations_len, 1);        /* lists are replaced */
	assert_string_equal(cfg->reservations[0].vm_size, "Standard_ND40rs_v2");
	snprintf(where, sizeof(where), "%s:2", repo_cfg);
	assert_string_equal(tctl_config_origin(cfg, "local.gpu_watts"), where);
	snprintf(where, sizeof(where), "%s:2", user_cfg);
	assert_string_equal(tctl_config_origin(cfg, "local.cpu_watts"), where);
	assert_string_equal(tctl_config_origin(cfg, "local.base_watts"), "default");
	assert_string_equal(tctl_config_origin(cfg, "cloud.arm"), "env TRAINCTL_ARM_ENDPOINT");
	snprintf(where, sizeof(where), "%s:3", user_cfg);
	assert_string_equal(tctl_config_origin(cfg, "budgets.per_repo_usd.a"), where);
	snprintf(where, sizeof(where), "%s:4", repo_cfg);
	assert_string_equal(tctl_config_origin(cfg, "reservations[0].count"), where);
	assert_null(tctl_config_origin(cfg, "reservations[1].count"));
	tctl_config_free(cfg);

	unsetenv("TRAINCTL_ARM_ENDPOINT");
	cfg = load_ok(repo_sub);
	assert_string_equal(cfg->cloud.arm, "https://arm.example.test");   /* trailing '/' dropped */
	tctl_config_free(cfg);
}

static void repo_config_is_found_only_inside_the_repository(void **state)
{
	char outside[400];
	tctl_config *cfg;

	(void)state;
	write_file(repo_cfg, "{\"budgets\": {\"monthly_usd\": 7}}", 0644);
	cfg = load_ok(repo_sub);
	assert_true(cfg->budgets.monthly_usd == 7);
	tctl_config_free(cfg);
	cfg = load_ok(repo_dir);
	assert_true(cfg->budgets.monthly_usd == 7);
	tctl_config_free(cfg);
	/* a .trainctl folder with no .git above it is not a repository config */
	snprintf(outside, sizeof(outside), "%s/loose/.trainctl", root);
	assert_int_equal(tctl_mkdir_p(outside, 0700), 0);
	snprintf(outside, sizeof(outside), "%s/loose/.trainctl/config.json", root);
	write_file(outside, "{\"budgets\": {\"monthly_usd\": 9}}", 0644);
	snprintf(outside, sizeof(outside), "%s/loose", root);
	cfg = load_ok(outside);
	assert_null(cfg->repo_path);
	assert_true(cfg->budgets.monthly_usd == 0);
	tctl_config_free(cfg);
}

static const char profiles[] =
	"{\n"
	"  \"default_workspace\": \"dev\",\n"
	"  \"workspaces\": {\n"
	"    \"dev\": {\"subscription_id\": \"00000000-0000-0000-0000-000000000001\",\n"
	"            \"resource_group\": \"rg-dev\", \"workspace\": \"ws-dev\", \"region\": \"westeurope\"},\n"
	"    \"prod\": {\"subscription_id\": \"00000000-0000-0000-0000-000000000002\",\n"
	"             \"resource_group\": \"rg-prod\", \"workspace\": \"ws-prod\"}\n"
	"  }\n"
	"}\n";

static void workspaces_are_selected_by_name_default_and_env(void **state)
{
	const tctl_workspace *w = NULL;
	tctl_config *cfg;

	(void)state;
	write_file(user_cfg, profiles, 0600);
	setenv("AZURE_LOCATION", "northeurope", 1);
	cfg = load_ok(repo_sub);
	assert_int_equal(tctl_config_workspace(&w, cfg, NULL), 0);
	assert_string_equal(w->name, "dev");
	assert_string_equal(w->region, "northeurope");           /* env overrides the default */
	assert_string_equal(tctl_config_origin(cfg, "workspaces.dev.region"), "env AZURE_LOCATION");
	assert_int_equal(tctl_config_workspace(&w, cfg, "prod"), 0);
	assert_string_equal(w->workspace, "ws-prod");
	assert_null(w->region);                                   /* ...not the others */
	assert_int_equal(tctl_config_workspace(&w, cfg, "prd"), TCTL_ENOTFOUND);
	assert_string_equal(tctl_error_last()->message,
			    "no workspace profile named 'prd' (did you mean 'prod'?)");
	tctl_config_free(cfg);

	setenv("TRAINCTL_WORKSPACE", "prod", 1);
	cfg = load_ok(repo_sub);
	assert_int_equal(tctl_config_workspace(&w, cfg, NULL), 0);
	assert_string_equal(w->name, "prod");
	assert_string_equal(w->region, "northeurope");
	assert_string_equal(tctl_config_origin(cfg, "default_workspace"), "env TRAINCTL_WORKSPACE");
	tctl_config_free(cfg);
}

static void environment_alone_defines_a_workspace(void **state)
{
	const tctl_workspace *w = NULL;
	tctl_config *cfg;

	(void)state;
	cfg = load_ok(repo_sub);
	assert_int_equal(tctl_config_workspace(&w, cfg, NULL), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "no Azure ML workspace is configured"));
	tctl_config_free(cfg);

	setenv("AZURE_SUBSCRIPTION_ID", "11111111-2222-3333-4444-555555555555", 1);
	setenv("AZURE_RESOURCE_GROUP", "rg", 1);
	cfg = load_ok(repo_sub);
	assert_int_equal(tctl_config_workspace(&w, cfg, NULL), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message, "workspace profile 'env' lacks workspace "
			    "(set it in the config or AZUREML_WORKSPACE)");
	tctl_config_free(cfg);

	setenv("AZUREML_WORKSPACE", "my-ws", 1);
	cfg = load_ok(repo_sub);
	assert_int_equal(tctl_config_workspace(&w, cfg, NULL), 0);
	assert_string_equal(w->name, "env");
	assert_string_equal(w->subscription_id, "11111111-2222-3333-4444-555555555555");
	assert_string_equal(w->resource_group, "rg");
	assert_string_equal(w->workspace, "my-ws");
	assert_string_equal(tctl_config_origin(cfg, "workspaces.env.workspace"),
			    "env AZUREML_WORKSPACE");
	tctl_config_free(cfg);
}

static void bad_environment_values_are_refused(void **state)
{
	tctl_config *cfg = NULL;

	(void)state;
	setenv("AZURE_SUBSCRIPTION_ID", "not-a-guid", 1);
	setenv("TRAINCTL_ARM_ENDPOINT", "http://arm.example", 1);
	assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_EINVALID);
	assert_null(cfg);
	assert_string_equal(tctl_error_last()->message,
			    "env TRAINCTL_ARM_ENDPOINT: expected an https:// URL, got \"http://arm.example\"\n"
			    "env AZURE_SUBSCRIPTION_ID: expected a subscription ID (a GUID), got \"not-a-guid\"");
}

static const char with_secret[] =
	"{\"credentials\": {\"tenant_id\": \"00000000-0000-0000-0000-0000000000aa\",\n"
	" \"client_id\": \"00000000-0000-0000-0000-0000000000bb\", \"client_secret\": \"hunter2\"}}";

static void a_secret_needs_a_private_file(void **state)
{
	char expected[1024];
	tctl_config *cfg = NULL;
	char *json = NULL;

	(void)state;
	write_file(user_cfg, with_secret, 0644);
	assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_ESECURITY);
	assert_null(cfg);
	snprintf(expected, sizeof(expected), "'%s' holds a secret and is readable by others; "
		 "run: chmod 600 %s", user_cfg, user_cfg);
	assert_string_equal(tctl_error_last()->message, expected);
	write_file(user_cfg, with_secret, 0640);
	assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_ESECURITY);

	write_file(user_cfg, with_secret, 0600);
	cfg = load_ok(repo_sub);
	assert_string_equal(cfg->credentials.client_secret, "hunter2");
	assert_int_equal(tctl_config_to_json(&json, cfg, true), 0);
	assert_non_null(strstr(json, "\"client_secret\": \"***\""));
	assert_null(strstr(json, "hunter2"));
	free(json);
	assert_int_equal(tctl_config_to_json(&json, cfg, false), 0);
	assert_non_null(strstr(json, "\"client_secret\": \"hunter2\""));
	free(json);
	assert_int_equal(tctl_config_show(&json, cfg, false), 0);
	assert_non_null(strstr(json, "credentials.client_secret = \"***\"  ("));
	assert_null(strstr(json, "hunter2"));
	free(json);
	tctl_config_free(cfg);

	/* no secret: any mode will do */
	write_file(user_cfg, "{\"budgets\": {\"monthly_usd\": 10}}", 0644);
	cfg = load_ok(repo_sub);
	tctl_config_free(cfg);
}

static void a_secret_shaped_unknown_key_counts_too(void **state)
{
	tctl_config *cfg = NULL;

	(void)state;
	write_file(user_cfg, "{\"cloud\": {\"storage_account_key\": \"abc\"}}", 0604);
	assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_ESECURITY);
	assert_true(tctl_config_key_is_secret("client_secret"));
	assert_true(tctl_config_key_is_secret("api_token"));
	assert_true(tctl_config_key_is_secret("Password"));
	assert_true(tctl_config_key_is_secret("storage_key"));
	assert_false(tctl_config_key_is_secret("keep_days"));
	assert_false(tctl_config_key_is_secret("client_id"));
	/* names the user chose (profiles, repositories) are not fields */
	write_file(user_cfg, "{\"budgets\": {\"per_repo_usd\": {\"token-service\": 5}}}", 0644);
	cfg = load_ok(repo_sub);
	assert_true(tctl_config_repo_budget(cfg, "token-service") == 5);
	tctl_config_free(cfg);
}

static void a_repository_config_never_holds_secrets(void **state)
{
	char expected[1024];
	tctl_config *cfg = NULL;

	(void)state;
	write_file(repo_cfg, with_secret, 0600);
	assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_ESECURITY);
	assert_null(cfg);
	snprintf(expected, sizeof(expected), "'%s' is a repository config, committed with the "
		 "code: it must not hold secrets (credentials.client_secret); keep them in the "
		 "user config or the environment", repo_cfg);
	assert_string_equal(tctl_error_last()->message, expected);
}

static void a_repository_config_may_not_redirect_endpoints(void **state)
{
	char expected[1024];
	tctl_config *cfg = NULL;

	(void)state;
	write_file(repo_cfg, "{\n\"budgets\": {\"monthly_usd\": 5},\n"
		   "\"cloud\": {\"arm\": \"https://evil.example\"}\n}", 0644);
	assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_EINVALID);
	snprintf(expected, sizeof(expected), "%s:3: cloud: not allowed in a repository config (a "
		 "cloned repository could send your Azure tokens elsewhere); set it in the user "
		 "config or the environment", repo_cfg);
	assert_string_equal(tctl_error_last()->message, expected);
}

/* Malformed user configs: each message is exact ("@" stands for the file). */
static const struct {
	const char *text, *message;
} bad_configs[] = {
	{ "{\"local\": {\"gpu_watts\": 300,}}",
	  "@:1:29: invalid JSON: string or '}' expected near '}'" },
	{ "{\"local\": {},\n \"local\": {}}",
	  "@:2:8: duplicate key \"local\" (each key may appear once)" },
	{ "\n[\"workspaces\"]", "@:2: expected a JSON object at the top level, got an array" },
	{ "{\n\"budget\": {\"monthly_usd\": 5}\n}",
	  "@:2: budget: unknown key (did you mean 'budgets'?)" },
	{ "{\"workspaces\": {\n\"dev\": {\"subscription_id\": \"1234\"}}}",
	  "@:2: workspaces.dev.subscription_id: expected a subscription ID (a GUID), got \"1234\"" },
	{ "{\"workspaces\": {\"dev\": {\n\"region\": \"West Europe\"}}}",
	  "@:2: workspaces.dev.region: expected an Azure region name such as \"westeurope\", "
	  "got \"West Europe\"" },
	{ "{\"workspaces\": {\n\"dev\": \"ws-dev\"}}",
	  "@:2: workspaces.dev: expected an object (a workspace profile), got \"ws-dev\"" },
	{ "{\"workspaces\": {\n\"my profile\": {}}}",
	  "@:2: workspaces[\"my profile\"]: expected a profile name of letters, digits, '.', '_' "
	  "and '-'" },
	{ "{\"workspaces\": {\"dev\": {\n\"subscription\": \"x\"}}}",
	  "@:2: workspaces.dev.subscription: unknown key (did you mean 'subscription_id'?)" },
	{ "{\"workspaces\": {\"dev\": {\n\"workspace\": \"ws\"}}}",
	  "@:2: workspaces.dev.workspace: expected an Azure ML workspace name (3 to 33 letters, "
	  "digits, '_' and '-'), got \"ws\"" },
	{ "{\"cloud\": {\n\"arm\": \"http://management.azure.com\"}}",
	  "@:2: cloud.arm: expected an https:// URL, got \"http://management.azure.com\"" },
	{ "{\"cloud\": {\n\"imds\": \"ftp://169.254.169.254\"}}",
	  "@:2: cloud.imds: expected an http:// or https:// URL, got \"ftp://169.254.169.254\"" },
	{ "{\"local\": {\n\"gpu_watts\": -300}}",
	  "@:2: local.gpu_watts: expected a non-negative number, got -300" },
	{ "{\"local\": {\n\"electricity_usd_per_kwh\": \"0.30\"}}",
	  "@:2: local.electricity_usd_per_kwh: expected a non-negative number, got \"0.30\"" },
	{ "{\"budgets\": {\n\"monthly_usd\": 0}}",
	  "@:2: budgets.monthly_usd: expected a positive number, got 0" },
	{ "{\"budgets\": {\"per_repo_usd\": {\n\"my.repo\": -5}}}",
	  "@:2: budgets.per_repo_usd[\"my.repo\"]: expected a positive number, got -5" },
	{ "{\n\"reservations\": {\"vm_size\": \"Standard_NC6\"}}",
	  "@:2: reservations: expected an array of objects, got an object" },
	{ "{\"reservations\": [\n{\"vm_size\": \"Standard_NC6\", \"region\": \"eastus\"}]}",
	  "@:2: reservations[0].count: required: the number of VMs reserved" },
	{ "{\"reservations\": [{\"vm_size\": \"Standard NC6\",\n\"region\": \"eastus\", \"count\": 1}]}",
	  "@:1: reservations[0].vm_size: expected a VM size such as \"Standard_NC6s_v3\", "
	  "got \"Standard NC6\"" },
	{ "{\"quotas\": [{\"family\": \"standardNCFamily\", \"region\": \"eastus\", \"vcpus\": 24,\n"
	  "\"priority\": \"spot\"}]}",
	  "@:2: quotas[0].priority: expected one of \"dedicated\", \"low_priority\", \"Dedicated\" "
	  "or \"LowPriority\", got \"spot\"" },
	{ "{\"quotas\": [{\"family\": \"standardNCFamily\", \"region\": \"eastus\",\n"
	  "\"vcpus\": -1}]}",
	  "@:2: quotas[0].vcpus: expected a non-negative integer, got -1" },
	{ "{\"retention\": {\n\"keep_last\": 0}}",
	  "@:2: retention.keep_last: 0 would delete every run's outputs; give a positive number "
	  "or leave keep_last out to keep everything" },
	{ "{\"credentials\": {\n\"client_id\": \"app\"}}",
	  "@:2: credentials.client_id: expected a client ID (a GUID), got \"app\"" },
	{ "{\n\"catalog\": \"\"}", "@:2: catalog: expected a non-empty string, got \"\"" },
	{ "{\n\"default_workspace\": \"prd\",\n\"workspaces\": {\"prod\": {}}}",
	  "@:2: default_workspace: no workspace profile named 'prd' (did you mean 'prod'?)" },
	{ "{\"local\": {\"gpu_watts\": \"lots\"},\n\"budgets\": {\"monthly_usd\": \"5\"},\n"
	  "\"retention\": {\"keep_dayz\": 3}}",
	  "@:1: local.gpu_watts: expected a non-negative number, got \"lots\"\n"
	  "@:2: budgets.monthly_usd: expected a positive number, got \"5\"\n"
	  "@:3: retention.keep_dayz: unknown key (did you mean 'keep_days'?)" },
	{ "{\"retention\": {}}",
	  "@:1: retention: give at least one of keep_days, keep_last or max_total_size" },
};

static void replace_at(char *out, size_t size, const char *fmt, const char *path)
{
	size_t n = 0;

	for (; *fmt && n + 1 < size; fmt++) {
		if (*fmt == '@')
			n += (size_t)snprintf(out + n, size - n, "%s", path);
		else
			out[n++] = *fmt;
	}
	out[n < size ? n : size - 1] = '\0';
}

static void malformed_configs_are_reported_exactly(void **state)
{
	char expected[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		tctl_config *cfg = NULL;
		write_file(user_cfg, bad_configs[i].text, 0600);
		replace_at(expected, sizeof(expected), bad_configs[i].message, user_cfg);
		assert_int_equal(tctl_config_load(&cfg, repo_sub), TCTL_EINVALID);
		assert_null(cfg);
		if (strcmp(tctl_error_last()->message, expected))
			fail_msg("config %zu:\nexpected: %s\n     got: %s", i, expected,
				 tctl_error_last()->message);
	}
}

/* The fuzzer's entry point: one text, no files or environment, the same rules and messages. */
static void a_text_alone_is_read_as_a_file_would_be(void **state)
{
	tctl_config *cfg = NULL;
	const char *bad = "{\"default_workspace\": \"dve\", \"workspaces\": {\"dev\": {}}}";

	(void)state;
	assert_int_equal(tctl_config_from_text(&cfg, profiles, strlen(profiles), "mem.json",
					       TCTL_CONFIG_USER), 0);
	assert_string_equal(cfg->default_workspace, "dev");
	assert_int_equal(cfg->workspaces_len, 2);
	assert_true(cfg->local.gpu_watts == 300);   /* the defaults are there */
	assert_string_equal(tctl_config_origin(cfg, "default_workspace"), "mem.json:2");
	tctl_config_free(cfg);
	cfg = NULL;
	assert_int_equal(tctl_config_from_text(&cfg, bad, strlen(bad), "mem.json", TCTL_CONFIG_USER),
			 TCTL_EINVALID);
	assert_null(cfg);
	assert_string_equal(tctl_error_last()->message, "mem.json:1: default_workspace: no workspace "
			    "profile named 'dve' (did you mean 'dev'?)");
	assert_int_equal(tctl_config_from_text(&cfg, "{\"credentials\": {\"client_secret\": \"x\"}}",
					       39, "repo.json", TCTL_CONFIG_REPO), TCTL_ESECURITY);
	assert_null(cfg);
}

static void show_lists_every_value_with_its_origin(void **state)
{
	char line[600];
	tctl_config *cfg;
	char *text = NULL;

	(void)state;
	write_file(user_cfg, profiles, 0600);
	cfg = load_ok(repo_sub);
	assert_int_equal(tctl_config_show(&text, cfg, false), 0);
	snprintf(line, sizeof(line), "# user config: %s\n# repository config: (none)\n", user_cfg);
	assert_memory_equal(text, line, strlen(line));
	snprintf(line, sizeof(line), "\nworkspaces.prod.workspace = \"ws-prod\"  (%s:7)\n", user_cfg);
	assert_non_null(strstr(text, line));
	assert_non_null(strstr(text, "\ncloud.arm = \"https://management.azure.com\"  (default)\n"));
	assert_non_null(strstr(text, "\nlocal.electricity_usd_per_kwh = 0.3  (default)\n"));
	free(text);
	assert_int_equal(tctl_config_show(&text, cfg, true), 0);
	snprintf(line, sizeof(line), "\"workspaces.dev.region\": {\n      \"value\": \"westeurope\",\n"
		 "      \"origin\": \"%s:5\"\n    }", user_cfg);
	assert_non_null(strstr(text, line));
	free(text);
	tctl_config_free(cfg);
}

static double load_microseconds(int n)
{
	struct timespec a, b;
	tctl_config *cfg;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		cfg = load_ok(repo_sub);
		tctl_config_free(cfg);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n / 1e3;
}

static void loading_is_fast(void **state)
{
	double missing, small;

	(void)state;
	if (getenv("TRAINCTL_SKIP_TIMING")) {
		skip();
		return;
	}
	missing = load_microseconds(200);
	write_file(user_cfg, profiles, 0600);
	write_file(repo_cfg, "{\"budgets\": {\"per_job_usd\": {\"nightly\": 20}}}", 0644);
	small = load_microseconds(200);
	/* a figure to read, not a verdict: tests never fail on timing (bench/ compares) */
	print_message("# config load: %.1f us without files, %.1f us with two small files\n",
		      missing, small);
	assert_true(missing > 0 && small > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(missing_files_give_the_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(merge_order_is_defaults_user_repo_env, setup, teardown),
		cmocka_unit_test_setup_teardown(repo_config_is_found_only_inside_the_repository,
						setup, teardown),
		cmocka_unit_test_setup_teardown(workspaces_are_selected_by_name_default_and_env,
						setup, teardown),
		cmocka_unit_test_setup_teardown(environment_alone_defines_a_workspace, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_environment_values_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_secret_needs_a_private_file, setup, teardown),
		cmocka_unit_test_setup_teardown(a_secret_shaped_unknown_key_counts_too, setup, teardown),
		cmocka_unit_test_setup_teardown(a_repository_config_never_holds_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(a_repository_config_may_not_redirect_endpoints,
						setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_configs_are_reported_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(show_lists_every_value_with_its_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(loading_is_fast, setup, teardown),
		cmocka_unit_test(a_text_alone_is_read_as_a_file_would_be),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
