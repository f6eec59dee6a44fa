/* test_azure.c: job bodies (command, sweep, parallel), status mapping, cluster names, the workspace, dry-run requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "trainctl/arm.h"
#include "trainctl/azure.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <unistd.h>

static tctl_workspace ws = { "dev", "00000000-0000-0000-0000-000000000001", "rg-ml", "ws-dev",
			     "eastus", NULL, NULL };

#define WS "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml/" \
	   "providers/Microsoft.MachineLearningServices/workspaces/ws-dev"

static tctl_job *job_of(const char *text)
{
	tctl_job *job = NULL;

	if (tctl_job_parse(&job, text, strlen(text), "test.json") < 0)
		fail_msg("job: %s", tctl_error_last()->message);
	return job;
}

/* The body for `text` as JSON (its "properties"). */
static json_t *body_of(const char *text, int nodes, const char *code_id)
{
	tctl_job *job = job_of(text);
	tctl_azure_job_input in = { job, "1abcdefghjk", "run-name", "tctl-d4s-v3-d", code_id,
				    "https://acct.blob.core.windows.net/c/LocalUpload/x", nodes,
				    "my-repo", "0123456789abcdef0123456789abcdef01234567", "main", false };
	char *out = NULL;
	json_t *root;

	assert_int_equal(tctl_azure_job_body(&out, &ws, &in), 0);
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	free(out);
	tctl_job_free(job);
	json_incref(json_object_get(root, "properties"));
	json_t *props = json_object_get(root, "properties");
	json_decref(root);
	return props;
}

static const char *str(json_t *o, const char *dotted)
{
	char key[64];
	const char *p = dotted, *dot;

	while (o && *p) {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - p) : (int)strlen(p), p);
		o = json_object_get(o, key);
		p = dot ? dot + 1 : p + strlen(p);
	}
	return json_string_value(o);
}

static json_int_t num(json_t *o, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(o, a), b));
}

static void a_command_job_maps_every_field(void **state)
{
	json_t *p = body_of("{\"name\": \"train\", \"command\": [\"python3\", \"train.py\", "
			    "\"--msg\", \"it's ok\"], \"env\": {\"SEED\": \"7\"}, \"resources\": "
			    "{\"gpus\": 2}, \"limits\": {\"max_run_duration\": \"90m\"}}", 2,
			    WS "/codes/trainctl-x/versions/abc");

	(void)state;
	assert_string_equal(str(p, "jobType"), "Command");
	assert_string_equal(str(p, "command"), "python3 train.py --msg 'it'\\''s ok'");
	assert_string_equal(str(p, "displayName"), "run-name");
	assert_string_equal(str(p, "experimentName"), "my-repo");
	assert_string_equal(str(p, "computeId"), WS "/computes/tctl-d4s-v3-d");
	assert_string_equal(str(p, "codeId"), WS "/codes/trainctl-x/versions/abc");
	assert_string_equal(str(p, "environmentId"),
			    "azureml://registries/azureml/environments/acpt-pytorch-2.2-cuda12.1/labels/latest");
	assert_string_equal(str(p, "environmentVariables.SEED"), "7");
	assert_int_equal(num(p, "resources", "instanceCount"), 2);
	assert_string_equal(str(p, "distribution.distributionType"), "PyTorch");
	assert_int_equal(num(p, "distribution", "processCountPerInstance"), 2);
	assert_string_equal(str(p, "limits.jobLimitsType"), "Command");
	assert_string_equal(str(p, "limits.timeout"), "PT1H30M");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "tags"),
							      "trainctl.commit")),
			    "0123456789abcdef0123456789abcdef01234567");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "tags"),
							      "trainctl.version")), "0.1.0");
	json_decref(p);
}

static void one_node_cpu_job_has_no_distribution_or_limit(void **state)
{
	json_t *p = body_of("{\"shell\": \"make train\"}", 1, NULL);

	(void)state;
	assert_string_equal(str(p, "command"), "make train");
	assert_null(json_object_get(p, "distribution"));
	assert_null(json_object_get(p, "limits"));
	assert_null(json_object_get(p, "codeId"));
	assert_string_equal(str(p, "environmentId"),
			    "azureml://registries/azureml/environments/sklearn-1.5/labels/latest");
	json_decref(p);
}

static void environments_become_arm_ids(void **state)
{
	json_t *p = body_of("{\"command\": [\"x\"], \"cloud\": {\"environment\": \"azureml:my-env:3\"}}",
			    1, NULL);
	tctl_job *job = job_of("{\"command\": [\"x\"], \"cloud\": {\"environment\": \"ubuntu:22.04\"}}");
	tctl_azure_job_input in = { job, "1abcdefghjk", NULL, "c", NULL, NULL, 1, NULL, NULL, NULL, false };
	char *out = NULL;

	(void)state;
	assert_string_equal(str(p, "environmentId"), WS "/environments/my-env/versions/3");
	json_decref(p);
	assert_int_equal(tctl_azure_job_body(&out, &ws, &in), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "cloud.environment: expected "
			       "'azureml:NAME:VERSION', an azureml:// registry URI or an ARM id, got "
			       "'ubuntu:22.04'"));
	assert_null(out);
	tctl_job_free(job);
}

static void a_sweep_becomes_a_sweep_job(void **state)
{
	json_t *p = body_of("{\"command\": [\"python3\", \"t.py\", \"--lr\", \"${{search_space.lr}}\"],"
		" \"sweep\": {\"search_space\": {\"lr\": {\"type\": \"loguniform\", \"min_value\": -6,"
		" \"max_value\": -1}, \"opt\": {\"type\": \"choice\", \"values\": [\"adam\", \"sgd\"]},"
		" \"n\": {\"type\": \"randint\", \"upper\": 5}, \"m\": {\"type\": \"uniform\","
		" \"min_value\": 0.5, \"max_value\": 0.9}},"
		" \"sampling_algorithm\": {\"type\": \"random\", \"seed\": 7},"
		" \"objective\": {\"primary_metric\": \"acc\", \"goal\": \"maximize\"},"
		" \"early_termination\": {\"type\": \"truncation_selection\", \"truncation_percentage\": 20,"
		" \"delay_evaluation\": 2}, \"limits\": {\"max_total_trials\": 9,"
		" \"max_concurrent_trials\": 3, \"timeout\": \"2h\", \"trial_timeout\": \"10m\"}}}", 1, NULL);
	json_t *space;
	char *s;

	(void)state;
	assert_string_equal(str(p, "jobType"), "Sweep");
	assert_string_equal(str(p, "objective.goal"), "Maximize");
	assert_string_equal(str(p, "objective.primaryMetric"), "acc");
	assert_string_equal(str(p, "samplingAlgorithm.samplingAlgorithmType"), "Random");
	assert_int_equal(num(p, "samplingAlgorithm", "seed"), 7);
	assert_string_equal(str(p, "earlyTermination.policyType"), "TruncationSelection");
	assert_int_equal(num(p, "earlyTermination", "truncationPercentage"), 20);
	assert_int_equal(num(p, "earlyTermination", "delayEvaluation"), 2);
	assert_string_equal(str(p, "limits.jobLimitsType"), "Sweep");
	assert_int_equal(num(p, "limits", "maxTotalTrials"), 9);
	assert_int_equal(num(p, "limits", "maxConcurrentTrials"), 3);
	assert_string_equal(str(p, "limits.timeout"), "PT2H");
	assert_string_equal(str(p, "limits.trialTimeout"), "PT10M");
	assert_string_equal(str(p, "trial.command"), "python3 t.py --lr '${{search_space.lr}}'");
	space = json_object_get(p, "searchSpace");
	s = json_dumps(space, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	assert_string_equal(s, "{\"lr\":[\"loguniform\",[-6.0,-1.0]],\"m\":[\"uniform\",[0.5,0.9]],"
			    "\"n\":[\"randint\",[5]],\"opt\":[\"choice\",[[\"adam\",\"sgd\"]]]}");
	free(s);
	json_decref(p);
}

#define SWEEP_WITH(policy) "{\"command\": [\"x\"], \"sweep\": {\"search_space\": {\"a\": " \
	"{\"type\": \"choice\", \"values\": [1, 2]}}, \"sampling_algorithm\": \"grid\", " \
	"\"objective\": {\"primary_metric\": \"loss\", \"goal\": \"minimize\"}, " \
	"\"early_termination\": " policy "}}"

static void bandit_and_median_policies(void **state)
{
	json_t *p;

	(void)state;
	p = body_of(SWEEP_WITH("{\"type\": \"bandit\", \"slack_amount\": 0.2, "
			       "\"evaluation_interval\": 3}"), 1, NULL);
	assert_string_equal(str(p, "samplingAlgorithm.samplingAlgorithmType"), "Grid");
	assert_string_equal(str(p, "earlyTermination.policyType"), "Bandit");
	assert_true(json_real_value(json_object_get(json_object_get(p, "earlyTermination"),
						    "slackAmount")) > 0.19);
	assert_null(json_object_get(json_object_get(p, "earlyTermination"), "slackFactor"));
	assert_int_equal(num(p, "earlyTermination", "evaluationInterval"), 3);
	json_decref(p);
	p = body_of(SWEEP_WITH("{\"type\": \"median_stopping\"}"), 1, NULL);
	assert_string_equal(str(p, "earlyTermination.policyType"), "MedianStopping");
	assert_null(json_object_get(json_object_get(p, "earlyTermination"), "truncationPercentage"));
	json_decref(p);
}

static void a_parallel_job_becomes_a_pipeline_with_one_parallel_node(void **state)
{
	json_t *p = body_of("{\"command\": [\"python3\", \"t.py\", \"{items}\"], \"parallel\": "
		"{\"items\": [\"a\", \"b\"], \"mini_batch_size\": 2, \"instance_count\": 3, "
		"\"max_concurrency_per_instance\": 4, \"error_threshold\": 5, \"retries\": 1}}", 1,
		WS "/codes/c/versions/v");
	json_t *node = json_object_get(json_object_get(p, "jobs"), "items");

	(void)state;
	assert_string_equal(str(p, "jobType"), "Pipeline");
	assert_non_null(node);
	assert_string_equal(str(node, "type"), "parallel");
	assert_int_equal(num(node, "resources", "instance_count"), 3);
	assert_int_equal(json_integer_value(json_object_get(node, "mini_batch_size")), 2);
	assert_int_equal(json_integer_value(json_object_get(node, "max_concurrency_per_instance")), 4);
	assert_int_equal(json_integer_value(json_object_get(node, "error_threshold")), 5);
	assert_int_equal(num(node, "retry_settings", "max_retries"), 1);
	assert_string_equal(str(node, "input_data"), "${{inputs.items}}");
	assert_string_equal(str(node, "inputs.items.job_input_type"), "uri_folder");
	assert_string_equal(str(node, "inputs.items.uri"),
			    "https://acct.blob.core.windows.net/c/LocalUpload/x/.trainctl-items");
	assert_string_equal(str(node, "task.type"), "run_function");
	assert_string_equal(str(node, "task.entry_script"), "trainctl_parallel_entry.py");
	assert_string_equal(str(node, "task.code"), WS "/codes/c/versions/v");
	assert_string_equal(str(node, "environment_variables.TRAINCTL_COMMAND"), "python3 t.py '{items}'");
	assert_string_equal(str(p, "settings.default_compute"), WS "/computes/tctl-d4s-v3-d");
	json_decref(p);
}

static void parallel_files_carry_the_driver_and_one_file_per_item(void **state)
{
	tctl_job *job = job_of("{\"command\": [\"x\", \"{items}\"], \"parallel\": {\"items\": "
			       "[\"one\", \"two words\"]}}");
	tctl_code_file *f = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(tctl_azure_parallel_files(&f, &n, job), 0);
	assert_int_equal(n, 3);
	assert_string_equal(f[0].path, "trainctl_parallel_entry.py");
	assert_non_null(strstr(f[0].data, "def run(mini_batch):"));
	assert_string_equal(f[1].path, ".trainctl-items/000001");
	assert_int_equal(f[2].len, 9);
	assert_memory_equal(f[2].data, "two words", 9);
	tctl_code_files_free(f, n);
	tctl_job_free(job);
}

static void azure_statuses_map_onto_run_states(void **state)
{
	static const struct { const char *s; tctl_run_state st; bool terminal; } cases[] = {
		{ "NotStarted", TCTL_RUN_QUEUED, false }, { "Queued", TCTL_RUN_QUEUED, false },
		{ "Preparing", TCTL_RUN_QUEUED, false }, { "Provisioning", TCTL_RUN_QUEUED, false },
		{ "Running", TCTL_RUN_RUNNING, false }, { "Finalizing", TCTL_RUN_RUNNING, false },
		{ "CancelRequested", TCTL_RUN_RUNNING, false }, { "Completed", TCTL_RUN_SUCCEEDED, true },
		{ "Failed", TCTL_RUN_FAILED, true }, { "Canceled", TCTL_RUN_CANCELLED, true },
		{ "NotResponding", TCTL_RUN_RUNNING, false }, { "Unknown", TCTL_RUN_QUEUED, false },
	};
	bool terminal;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tctl_azure_job_state(cases[i].s, &terminal), cases[i].st);
		assert_int_equal(terminal, cases[i].terminal);
	}
}

static void cluster_names_follow_amlcompute_rules(void **state)
{
	char name[64];

	(void)state;
	tctl_cluster_auto_name(name, sizeof(name), "Standard_NC6s_v3", TCTL_PRIORITY_LOW);
	assert_string_equal(name, "tctl-nc6s-v3-lp");
	tctl_cluster_auto_name(name, sizeof(name), "Standard_D4s_v3", TCTL_PRIORITY_DEDICATED);
	assert_string_equal(name, "tctl-d4s-v3-d");
	tctl_cluster_auto_name(name, sizeof(name), "Standard_ND96amsr_A100_v4", TCTL_PRIORITY_LOW);
	assert_true(strlen(name) <= 24);
	assert_string_equal(name, "tctl-nd96amsr-a100-v4-lp");
}

static void a_named_workspace_takes_the_azure_variables_too(void **state)
{
	static const char cfg_text[] = "{\"workspaces\": {\"dev\": {\"subscription_id\": "
		"\"00000000-0000-0000-0000-000000000001\", \"resource_group\": \"rg\", \"workspace\": "
		"\"ws-a\", \"region\": \"westeurope\"}, \"prod\": {\"subscription_id\": "
		"\"00000000-0000-0000-0000-000000000002\", \"resource_group\": \"rg2\", \"workspace\": "
		"\"ws-b\"}}, \"default_workspace\": \"dev\"}";
	char dir[] = "/tmp/trainctl-azure-XXXXXX", path[128];
	tctl_config *cfg = NULL;
	tctl_workspace w;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("TRAINCTL_HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_int_equal(tctl_mkdir_p(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/config/config.json", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(cfg_text, f);
	fclose(f);
	setenv("AZURE_LOCATION", "northeurope", 1);
	assert_int_equal(tctl_config_load(&cfg, dir), 0);
	assert_int_equal(tctl_azure_workspace(&w, cfg, "prod"), 0);
	assert_string_equal(w.workspace, "ws-b");
	assert_string_equal(w.region, "northeurope");
	tctl_azure_workspace_clear(&w);
	assert_int_equal(tctl_azure_workspace(&w, cfg, NULL), 0);
	assert_string_equal(w.workspace, "ws-a");
	assert_string_equal(w.region, "northeurope");
	tctl_azure_workspace_clear(&w);
	assert_int_equal(tctl_azure_workspace(&w, cfg, "nope"), TCTL_ENOTFOUND);
	unsetenv("AZURE_LOCATION");
	tctl_config_free(cfg);
	remove(path);
	snprintf(path, sizeof(path), "%s/config", dir);
	remove(path);
	rmdir(dir);
}

typedef struct {
	char urls[8][512];
	char notes[8][128];
	int n;
} seen;

static void on_request(const tctl_arm_request_info *r, void *payload)
{
	seen *s = payload;

	if (s->n < 8) {
		snprintf(s->urls[s->n], sizeof(s->urls[0]), "%s %s", r->method, r->url);
		snprintf(s->notes[s->n], sizeof(s->notes[0]), "%s", r->note ? r->note : "");
		s->n++;
	}
}

static void a_dry_run_sends_nothing_and_shows_each_request(void **state)
{
	tctl_arm_options o = TCTL_ARM_OPTIONS_INIT;
	tctl_arm_response *r = NULL;
	tctl_arm *arm = NULL;
	char *list = NULL;
	seen s = { .n = 0 };

	(void)state;
	o.dry_run = true;
	o.on_request = on_request;
	o.request_payload = &s;
	unsetenv("TRAINCTL_ARM_ENDPOINT");
	assert_int_equal(tctl_arm_new(&arm, NULL, &o), 0);
	assert_int_equal(tctl_arm_call(&r, arm, "PUT", WS "/jobs/x", "{\"a\": 1}", 0, "why"), 0);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->body, "");
	tctl_arm_response_free(r);
	assert_int_equal(tctl_arm_list(&list, arm, WS "/computes?$skip=2", NULL), 0);
	assert_string_equal(list, "[]");
	free(list);
	assert_int_equal(tctl_arm_call(&r, arm, "GET", "https://evil.example.com/x", NULL, 0, NULL),
			 TCTL_ESECURITY);
	assert_non_null(strstr(tctl_error_last()->message, "refusing to send an Azure token to "
			       "'https://evil.example.com'"));
	assert_int_equal(s.n, 2);
	assert_string_equal(s.urls[0], "PUT https://management.azure.com" WS "/jobs/x?api-version=2026-09-01");
	assert_string_equal(s.notes[0], "why");
	assert_string_equal(s.urls[1], "GET https://management.azure.com" WS "/computes?$skip=2&api-version=2026-09-01");
	tctl_arm_free(arm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_command_job_maps_every_field),
		cmocka_unit_test(one_node_cpu_job_has_no_distribution_or_limit),
		cmocka_unit_test(environments_become_arm_ids),
		cmocka_unit_test(a_sweep_becomes_a_sweep_job),
		cmocka_unit_test(bandit_and_median_policies),
		cmocka_unit_test(a_parallel_job_becomes_a_pipeline_with_one_parallel_node),
		cmocka_unit_test(parallel_files_carry_the_driver_and_one_file_per_item),
		cmocka_unit_test(azure_statuses_map_onto_run_states),
		cmocka_unit_test(cluster_names_follow_amlcompute_rules),
		cmocka_unit_test(a_named_workspace_takes_the_azure_variables_too),
		cmocka_unit_test(a_dry_run_sends_nothing_and_shows_each_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
