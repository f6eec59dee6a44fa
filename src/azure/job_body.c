/* job_body.c: the JobBase a run becomes in Azure ML: command, sweep or pipeline with a parallel step. */
#include "azure_internal.h"
#include "trainctl/error.h"
#include "trainctl/sweep.h"
#include "trainctl/units.h"
#include "trainctl/util.h"
#include "tctl_build_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Curated environments of the azureml registry (docs/azure.md says where they were seen). */
#define ENV_CPU "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"
#define ENV_GPU "azureml://registries/azureml/environments/acpt-pytorch-2.2-cuda12.1/labels/latest"

/* ---- the command line ---- */

static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_./=:,+-@%", *s))
			return false;
	return true;
}

/* argv as one /bin/sh command line: plain words as they are, others in single quotes. */
int azure_command_line(char **out, const tctl_job *job)
{
	tctl_buf b = TCTL_BUF_INIT;

	if (job->shell) {
		*out = strdup(job->shell);
		return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < job->command_len; i++) {
		const char *a = job->command[i];
		if (i)
			tctl_buf_puts(&b, " ");
		if (plain_word(a)) {
			tctl_buf_puts(&b, a);
			continue;
		}
		tctl_buf_puts(&b, "'");
		for (; *a; a++)
			tctl_buf_puts(&b, *a == '\'' ? "'\\''" : (char[2]){ *a, 0 });
		tctl_buf_puts(&b, "'");
	}
	if (!(*out = tctl_buf_detach(&b)) || !**out) {
		free(*out);
		*out = NULL;
		return tctl_error_set(TCTL_EINVALID, "job '%s' has no command to run", job->name);
	}
	return 0;
}

/* ---- pieces ---- */

/* cloud.environment as an ARM id or registry URI (docs/azure.md, "Environments"). */
static int environment_id(char **out, const tctl_workspace *ws, const tctl_job *job)
{
	const char *e = job->cloud.environment, *colon;

	if (!e || !*e)
		e = job->resources.gpus > 0 ? ENV_GPU : ENV_CPU;
	if (!strncmp(e, "azureml://", 10) || !strncmp(e, "/subscriptions/", 15)) {
		*out = strdup(e);
		return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (!strncmp(e, "azureml:", 8) && (colon = strchr(e + 8, ':')) && colon > e + 8 && colon[1])
		return azure_ws_path(out, ws, "/environments/%.*s/versions/%s", (int)(colon - e - 8),
				     e + 8, colon + 1);
	return tctl_error_set(TCTL_EINVALID, "%s: cloud.environment: expected 'azureml:NAME:VERSION', "
			      "an azureml:// registry URI or an ARM id, got '%s'",
			      job->path ? job->path : job->name, e);
}

static json_t *env_vars(const tctl_job *job)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < job->env_len; i++) {
		const char *eq = strchr(job->env[i], '=');
		char key[256];
		if (!eq || (size_t)(eq - job->env[i]) >= sizeof(key))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - job->env[i]), job->env[i]);
		json_object_set_new(o, key, json_string(eq + 1));
	}
	return o;
}

static json_t *tags(const tctl_azure_job_input *in)
{
	json_t *t = json_pack("{s:s, s:s, s:s}", "trainctl.run", in->run_id, "trainctl.version",
			      TCTL_VERSION, "trainctl.job", in->job->name);

	if (t && in->commit)
		json_object_set_new(t, "trainctl.commit", json_string(in->commit));
	if (t && in->branch)
		json_object_set_new(t, "trainctl.branch", json_string(in->branch));
	if (t && in->commit)
		json_object_set_new(t, "trainctl.dirty", json_string(in->dirty ? "true" : "false"));
	return t;
}

static void experiment(char *buf, size_t size, const tctl_azure_job_input *in)
{
	const char *e = in->experiment ? in->experiment : in->job->cloud.experiment_name
					 ? in->job->cloud.experiment_name : in->job->name;
	size_t n = 0;

	for (; *e && n + 1 < size; e++)
		buf[n++] = isalnum((unsigned char)*e) || *e == '-' || *e == '_' ? *e : '-';
	buf[n] = '\0';
	if (!n)
		snprintf(buf, size, "trainctl");
}

static json_t *distribution(const tctl_job *job, int nodes)
{
	int per_node = job->resources.gpus > 1 ? job->resources.gpus : 1;

	if (nodes <= 1 && per_node <= 1)
		return NULL;
	return json_pack("{s:s, s:i}", "distributionType", "PyTorch", "processCountPerInstance", per_node);
}

static json_t *duration(int64_t seconds)
{
	char iso[48];

	tctl_duration_format_iso(iso, sizeof(iso), seconds);
	return json_string(iso);
}

/* displayName, description, experimentName, tags, computeId: every job type has them. */
static int common(json_t *p, const tctl_workspace *ws, const tctl_azure_job_input *in)
{
	char exp[128], desc[256], *compute = NULL;
	int error;

	if ((error = azure_ws_path(&compute, ws, "/computes/%s", in->compute)) < 0)
		return error;
	experiment(exp, sizeof(exp), in);
	snprintf(desc, sizeof(desc), "trainctl run %s of job '%s'", in->run_id, in->job->name);
	json_object_set_new(p, "displayName", json_string(in->display_name ? in->display_name
										: in->job->name));
	json_object_set_new(p, "description", json_string(desc));
	json_object_set_new(p, "experimentName", json_string(exp));
	json_object_set_new(p, "tags", tags(in));
	json_object_set_new(p, "computeId", json_string(compute));
	free(compute);
	return 0;
}

/* command, codeId, environmentId, environmentVariables, resources, distribution: a command job
 * and a sweep's trial share them. */
static int runnable(json_t *p, const tctl_workspace *ws, const tctl_azure_job_input *in)
{
	char *cmd = NULL, *env = NULL;
	json_t *dist;
	int error;

	if ((error = azure_command_line(&cmd, in->job)) < 0 ||
	    (error = environment_id(&env, ws, in->job)) < 0)
		goto done;
	json_object_set_new(p, "command", json_string(cmd));
	if (in->code_id)
		json_object_set_new(p, "codeId", json_string(in->code_id));
	json_object_set_new(p, "environmentId", json_string(env));
	json_object_set_new(p, "environmentVariables", env_vars(in->job));
	json_object_set_new(p, "resources", json_pack("{s:i}", "instanceCount",
						      in->nodes > 0 ? in->nodes : 1));
	if ((dist = distribution(in->job, in->nodes)))
		json_object_set_new(p, "distribution", dist);
done:
	free(cmd);
	free(env);
	return error;
}

/* ---- command ---- */

static int command_job(json_t *p, const tctl_workspace *ws, const tctl_azure_job_input *in)
{
	int error;

	json_object_set_new(p, "jobType", json_string("Command"));
	if ((error = common(p, ws, in)) < 0 || (error = runnable(p, ws, in)) < 0)
		return error;
	if (in->job->limits.max_run_duration > 0)
		json_object_set_new(p, "limits", json_pack("{s:s, s:o}", "jobLimitsType", "Command",
							   "timeout",
							   duration(in->job->limits.max_run_duration)));
	return 0;
}

/* ---- sweep ---- */

/* One parameter as Azure ML's search space writes it: ["choice", [[v...]]], ["uniform", [a, b]],
 * ["loguniform", [a, b]], ["randint", [n]] (hyperdrive parameter expressions). */
static json_t *search_param(const tctl_param *p)
{
	json_t *values;

	switch (p->type) {
	case TCTL_PARAM_CHOICE:
		values = json_array();
		for (size_t i = 0; values && i < p->values_len; i++) {
			json_t *v = json_loads(p->values[i], JSON_DECODE_ANY, NULL);
			json_array_append_new(values, v ? v : json_string(p->values[i]));
		}
		return json_pack("[s, [o]]", "choice", values);
	case TCTL_PARAM_UNIFORM:
		return json_pack("[s, [f, f]]", "uniform", p->min_value, p->max_value);
	case TCTL_PARAM_LOGUNIFORM:
		return json_pack("[s, [f, f]]", "loguniform", p->min_value, p->max_value);
	case TCTL_PARAM_RANDINT:
		return json_pack("[s, [I]]", "randint", (json_int_t)p->upper);
	}
	return NULL;
}

/* The policy as Azure ML names it: the same definitions the local sweep applies (sweep.h). */
static json_t *early_termination(const tctl_sweep *sw)
{
	const char *type = tctl_sweep_policy_azure_type(sw->early_termination.type);
	json_t *e;

	if (!type)
		return NULL;
	e = json_pack("{s:s, s:i, s:i}", "policyType", type,
		      "evaluationInterval", sw->early_termination.evaluation_interval,
		      "delayEvaluation", sw->early_termination.delay_evaluation);
	if (!e)
		return NULL;
	if (sw->early_termination.type == TCTL_ETP_BANDIT) {
		if (sw->early_termination.slack_factor > 0)
			json_object_set_new(e, "slackFactor", json_real(sw->early_termination.slack_factor));
		else
			json_object_set_new(e, "slackAmount", json_real(sw->early_termination.slack_amount));
	} else if (sw->early_termination.type == TCTL_ETP_TRUNCATION) {
		json_object_set_new(e, "truncationPercentage",
				    json_integer(sw->early_termination.truncation_percentage));
	}
	return e;
}

static json_t *sweep_limits(const tctl_sweep *sw)
{
	json_t *l = json_pack("{s:s}", "jobLimitsType", "Sweep");

	if (!l)
		return NULL;
	if (sw->limits.max_total_trials > 0)
		json_object_set_new(l, "maxTotalTrials", json_integer(sw->limits.max_total_trials));
	if (sw->limits.max_concurrent_trials > 0)
		json_object_set_new(l, "maxConcurrentTrials",
				    json_integer(sw->limits.max_concurrent_trials));
	if (sw->limits.timeout > 0)
		json_object_set_new(l, "timeout", duration(sw->limits.timeout));
	if (sw->limits.trial_timeout > 0)
		json_object_set_new(l, "trialTimeout", duration(sw->limits.trial_timeout));
	return l;
}

static int sweep_job(json_t *p, const tctl_workspace *ws, const tctl_azure_job_input *in)
{
	const tctl_sweep *sw = &in->job->sweep;
	json_t *space = json_object(), *trial = json_object(), *sampling, *et;
	int error;

	json_object_set_new(p, "jobType", json_string("Sweep"));
	if ((error = common(p, ws, in)) < 0 || (error = runnable(trial, ws, in)) < 0) {
		json_decref(space);
		json_decref(trial);
		return error;
	}
	for (size_t i = 0; i < sw->params_len; i++)
		json_object_set_new(space, sw->params[i].name, search_param(&sw->params[i]));
	sampling = json_pack("{s:s}", "samplingAlgorithmType",
			     sw->sampling == TCTL_SAMPLING_GRID ? "Grid" : "Random");
	if (sampling && sw->sampling == TCTL_SAMPLING_RANDOM && sw->has_seed)
		json_object_set_new(sampling, "seed", json_integer(sw->seed));
	json_object_set_new(p, "objective", json_pack("{s:s, s:s}", "goal", sw->maximize ? "Maximize"
						      : "Minimize", "primaryMetric", sw->primary_metric));
	json_object_set_new(p, "samplingAlgorithm", sampling);
	json_object_set_new(p, "searchSpace", space);
	json_object_set_new(p, "trial", trial);
	if ((et = early_termination(sw)))
		json_object_set_new(p, "earlyTermination", et);
	json_object_set_new(p, "limits", sweep_limits(sw));
	return 0;
}

/* ---- pipeline with a parallel step ---- */

/*
 * The node is what azure-ai-ml's Parallel._to_rest_object() writes (entities/_builders/parallel.py
 * and base_node.py; docs/azure.md lists each field and its source): snake_case keys, resources
 * and retry_settings as dicts, the task inline. Its entry script is trainctl's PRS driver, which
 * the code upload adds (azure_parallel_files).
 */
static json_t *parallel_node(const tctl_workspace *ws, const tctl_azure_job_input *in,
			     const char *compute, const char *env, const char *cmd)
{
	const tctl_parallel *pa = &in->job->parallel;
	char items_uri[1024], args[2048];
	json_t *node, *task;

	snprintf(items_uri, sizeof(items_uri), "%s/%s", in->code_uri ? in->code_uri
		 : "https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH", AZURE_PARALLEL_ITEMS_DIR);
	snprintf(args, sizeof(args), "--placeholder %s", pa->item_placeholder ? pa->item_placeholder
									 : "{items}");
	task = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "run_function", "code",
			 in->code_id ? in->code_id : "", "entry_script", AZURE_PARALLEL_ENTRY,
			 "program_arguments", args, "environment", env);
	node = json_pack("{s:s, s:s, s:s, s:o, s:s, s:{s:{s:s, s:s, s:s}}, s:{}, s:{}, s:s}",
			 "name", "items", "type", "parallel", "display_name",
			 in->display_name ? in->display_name : in->job->name, "tags", tags(in),
			 "computeId", compute, "inputs", "items", "job_input_type", "uri_folder",
			 "uri", items_uri, "mode", "ReadOnlyMount", "outputs", "properties",
			 "_source", "BUILDER");
	if (!node || !task) {
		json_decref(node);
		json_decref(task);
		return NULL;
	}
	(void)ws;
	json_object_set_new(node, "resources", json_pack("{s:i}", "instance_count",
		pa->instance_count > 0 ? pa->instance_count : in->nodes > 0 ? in->nodes : 1));
	json_object_set_new(node, "mini_batch_size", json_integer(pa->mini_batch_size > 0
								   ? pa->mini_batch_size : 1));
	json_object_set_new(node, "max_concurrency_per_instance",
			    json_integer(pa->max_concurrency_per_instance > 0
					 ? pa->max_concurrency_per_instance : 1));
	json_object_set_new(node, "error_threshold", json_integer(pa->error_threshold));
	json_object_set_new(node, "retry_settings", json_pack("{s:i, s:i}", "max_retries",
		pa->retries, "timeout", in->job->limits.max_run_duration > 0
		? (int)in->job->limits.max_run_duration : 3600));
	json_object_set_new(node, "logging_level", json_string("INFO"));
	json_object_set_new(node, "environment_variables", env_vars(in->job));
	json_object_set_new(node, "input_data", json_string("${{inputs.items}}"));
	json_object_set_new(task, "append_row_to", json_null());
	json_object_set_new(node, "task", task);
	json_object_set_new(json_object_get(node, "environment_variables"), "TRAINCTL_COMMAND",
			    json_string(cmd));
	return node;
}

static int pipeline_job(json_t *p, const tctl_workspace *ws, const tctl_azure_job_input *in)
{
	char *compute = NULL, *env = NULL, *cmd = NULL;
	json_t *node;
	int error;

	json_object_set_new(p, "jobType", json_string("Pipeline"));
	if ((error = common(p, ws, in)) < 0 ||
	    (error = azure_ws_path(&compute, ws, "/computes/%s", in->compute)) < 0 ||
	    (error = environment_id(&env, ws, in->job)) < 0 ||
	    (error = azure_command_line(&cmd, in->job)) < 0)
		goto done;
	if (!(node = parallel_node(ws, in, compute, env, cmd))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	json_object_set_new(p, "jobs", json_pack("{s:o}", "items", node));
	json_object_set_new(p, "settings", json_pack("{s:s, s:b}", "default_compute", compute,
						     "continue_on_step_failure", 0));
done:
	free(compute);
	free(env);
	free(cmd);
	return error;
}

int tctl_azure_job_body(char **out, const tctl_workspace *ws, const tctl_azure_job_input *in)
{
	json_t *props = json_object(), *root;
	int error;

	if (!props)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (in->job->sweep.enabled)
		error = sweep_job(props, ws, in);
	else if (in->job->parallel.enabled)
		error = pipeline_job(props, ws, in);
	else
		error = command_job(props, ws, in);
	if (error < 0) {
		json_decref(props);
		return error;
	}
	root = json_pack("{s:o}", "properties", props);
	*out = root ? json_dumps(root, AZURE_JSON_FLAGS) : NULL;
	json_decref(root);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

int tctl_azure_job_path(char **out, const tctl_workspace *ws, const char *name)
{
	return azure_ws_path(out, ws, "/jobs/%s", name);
}

int tctl_azure_studio_url(char **out, const tctl_workspace *ws, const char *job_name)
{
	if (asprintf(out, "https://ml.azure.com/runs/%s?wsid=/subscriptions/%s/resourcegroups/%s/"
		     "workspaces/%s", job_name, ws->subscription_id, ws->resource_group,
		     ws->workspace) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}
