/* job_json.c: a job as normalised JSON: defaults filled in, canonical units, fixed key order. */
#include "job_priv.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <stdlib.h>
#include <string.h>

/* Builders note an allocation failure in *bad instead of checking every call. */
static void put(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*bad = true;
}

static json_t *duration(int64_t secs)
{
	char buf[64];

	tctl_job_duration_str(buf, sizeof(buf), secs);
	return json_string(buf);
}

static json_t *strv(char *const *v, size_t n, bool *bad)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0)
			*bad = true;
	return a;
}

static json_t *env_json(const tctl_job *job, bool *bad)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < job->env_len; i++) {
		const char *eq = strchr(job->env[i], '=');
		char *key = eq ? strndup(job->env[i], (size_t)(eq - job->env[i])) : NULL;
		if (key)
			put(o, key, json_string(eq + 1), bad);
		else
			*bad = true;
		free(key);
	}
	return o;
}

static json_t *resources_json(const tctl_resources *r, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put(o, "cpus", tctl_json_number(r->cpus), bad);
	if (r->memory)
		put(o, "memory", json_integer((json_int_t)r->memory), bad);
	put(o, "gpus", json_integer(r->gpus), bad);
	if (r->gpu_memory)
		put(o, "gpu_memory", json_integer((json_int_t)r->gpu_memory), bad);
	if (r->disk)
		put(o, "disk", json_integer((json_int_t)r->disk), bad);
	put(o, "cpu_binding", json_string(r->bind_gpu_local ? "gpu-local" : "none"), bad);
	return o;
}

static json_t *estimate_json(const tctl_estimate *e, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (e->gpu_hours) {
		put(o, "gpu_hours", tctl_json_number(e->gpu_hours), bad);
		if (e->reference_gpu)
			put(o, "reference_gpu", json_string(e->reference_gpu), bad);
	}
	if (e->cpu_core_hours)
		put(o, "cpu_core_hours", tctl_json_number(e->cpu_core_hours), bad);
	if (e->local_duration)
		put(o, "local_duration", duration(e->local_duration), bad);
	return o;
}

static json_t *limits_json(const tctl_limits *l, bool *bad)
{
	json_t *o = json_object();
	char when[64];

	if (!o)
		return NULL;
	if (l->max_run_duration)
		put(o, "max_run_duration", duration(l->max_run_duration), bad);
	if (l->deadline_at) {
		tctl_time_format(when, sizeof(when), l->deadline_at);
		put(o, "deadline", json_string(when), bad);
	} else if (l->deadline) {
		put(o, "deadline", duration(l->deadline), bad);
	}
	if (l->max_cost)
		put(o, "max_cost", tctl_json_number(l->max_cost), bad);
	return o;
}

static json_t *data_json(const tctl_data *d, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (d->region)
		put(o, "region", json_string(d->region), bad);
	if (d->size)
		put(o, "size", json_integer((json_int_t)d->size), bad);
	return o;
}

static void put_str(json_t *o, const char *key, const char *s, bool *bad)
{
	if (s)
		put(o, key, json_string(s), bad);
}

static json_t *cloud_json(const tctl_cloud *c, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put_str(o, "workspace", c->workspace, bad);
	put_str(o, "compute", c->compute, bad);
	if (c->vm_sizes_len)
		put(o, "vm_sizes", strv(c->vm_sizes, c->vm_sizes_len, bad), bad);
	put(o, "priority", json_string(tctl_priority_name(c->priority)), bad);
	put(o, "max_nodes", json_integer(c->max_nodes), bad);
	put(o, "idle_time_before_scale_down", duration(c->idle_time_before_scale_down), bad);
	put_str(o, "environment", c->environment, bad);
	put_str(o, "region", c->region, bad);
	put_str(o, "experiment_name", c->experiment_name, bad);
	return o;
}

static json_t *parallel_json(const tctl_parallel *p, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (p->items)
		put(o, "items", strv(p->items, p->items_len, bad), bad);
	put_str(o, "items_file", p->items_file, bad);
	put_str(o, "items_glob", p->items_glob, bad);
	put(o, "mini_batch_size", json_integer(p->mini_batch_size), bad);
	put(o, "instance_count", json_integer(p->instance_count), bad);
	put(o, "max_concurrency_per_instance", json_integer(p->max_concurrency_per_instance), bad);
	put(o, "error_threshold", json_integer(p->error_threshold), bad);
	put(o, "retries", json_integer(p->retries), bad);
	put_str(o, "item_placeholder", p->item_placeholder, bad);
	return o;
}

static json_t *param_json(const tctl_param *p, bool *bad)
{
	static const char *const types[] = { "choice", "uniform", "loguniform", "randint" };
	json_t *o = json_object(), *vals;

	if (!o)
		return NULL;
	put(o, "type", json_string(types[p->type]), bad);
	if (p->type == TCTL_PARAM_CHOICE) {
		put(o, "values", vals = json_array(), bad);
		for (size_t i = 0; vals && i < p->values_len; i++)
			if (json_array_append_new(vals, json_loads(p->values[i], JSON_DECODE_ANY,
								   NULL)) < 0)
				*bad = true;
	} else if (p->type == TCTL_PARAM_RANDINT) {
		put(o, "upper", json_integer(p->upper), bad);
	} else {
		put(o, "min_value", tctl_json_number(p->min_value), bad);
		put(o, "max_value", tctl_json_number(p->max_value), bad);
	}
	return o;
}

static json_t *sampling_json(const tctl_sweep *s)
{
	if (s->sampling == TCTL_SAMPLING_GRID)
		return json_string("grid");
	if (!s->has_seed)
		return json_string("random");
	return json_pack("{s:s, s:I}", "type", "random", "seed", (json_int_t)s->seed);
}

static json_t *etp_json(const tctl_sweep *s, bool *bad)
{
	static const char *const types[] = {
		"none", "bandit", "median_stopping", "truncation_selection"
	};
	json_t *o = json_object();

	if (!o)
		return NULL;
	put(o, "type", json_string(types[s->early_termination.type]), bad);
	if (s->early_termination.type == TCTL_ETP_BANDIT && s->early_termination.slack_factor)
		put(o, "slack_factor", tctl_json_number(s->early_termination.slack_factor), bad);
	if (s->early_termination.type == TCTL_ETP_BANDIT && s->early_termination.slack_amount)
		put(o, "slack_amount", tctl_json_number(s->early_termination.slack_amount), bad);
	put(o, "evaluation_interval", json_integer(s->early_termination.evaluation_interval), bad);
	put(o, "delay_evaluation", json_integer(s->early_termination.delay_evaluation), bad);
	if (s->early_termination.type == TCTL_ETP_TRUNCATION)
		put(o, "truncation_percentage",
		    json_integer(s->early_termination.truncation_percentage), bad);
	return o;
}

static json_t *sweep_json(const tctl_sweep *s, bool *bad)
{
	json_t *o = json_object(), *space = json_object(), *lim = json_object();

	put(o, "search_space", space, bad);
	for (size_t i = 0; space && i < s->params_len; i++)
		put(space, s->params[i].name, param_json(&s->params[i], bad), bad);
	put(o, "sampling_algorithm", sampling_json(s), bad);
	put(o, "objective", json_pack("{s:s?, s:s}", "primary_metric", s->primary_metric,
				      "goal", s->maximize ? "maximize" : "minimize"), bad);
	if (s->early_termination.type != TCTL_ETP_NONE)
		put(o, "early_termination", etp_json(s, bad), bad);
	put(o, "limits", lim, bad);
	if (lim) {
		put(lim, "max_total_trials", json_integer(s->limits.max_total_trials), bad);
		put(lim, "max_concurrent_trials", json_integer(s->limits.max_concurrent_trials), bad);
		if (s->limits.timeout)
			put(lim, "timeout", duration(s->limits.timeout), bad);
		if (s->limits.trial_timeout)
			put(lim, "trial_timeout", duration(s->limits.trial_timeout), bad);
	}
	return o;
}

static json_t *trigger_json(const tctl_trigger *t, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put(o, "events", strv(t->events, t->events_len, bad), bad);
	if (t->branches_len)
		put(o, "branches", strv(t->branches, t->branches_len, bad), bad);
	if (t->paths_len)
		put(o, "paths", strv(t->paths, t->paths_len, bad), bad);
	put(o, "block_push", json_boolean(t->block_push), bad);
	return o;
}

/* Adds `sub` under `key` unless it is an empty object. */
static void put_section(json_t *o, const char *key, json_t *sub, bool *bad)
{
	if (json_is_object(sub) && !json_object_size(sub))
		json_decref(sub);
	else
		put(o, key, sub, bad);
}

static json_t *job_json(const tctl_job *job, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	put_str(o, "name", job->name, bad);
	if (job->command)
		put(o, "command", strv(job->command, job->command_len, bad), bad);
	put_str(o, "shell", job->shell, bad);
	put_str(o, "workdir", job->workdir, bad);
	put_section(o, "env", env_json(job, bad), bad);
	put(o, "resources", resources_json(&job->resources, bad), bad);
	put_section(o, "estimate", estimate_json(&job->estimate, bad), bad);
	put_section(o, "limits", limits_json(&job->limits, bad), bad);
	put(o, "checkpointable", json_boolean(job->checkpointable), bad);
	put_section(o, "data", data_json(&job->data, bad), bad);
	put(o, "placement", json_string(tctl_placement_name(job->placement)), bad);
	put(o, "cloud", cloud_json(&job->cloud, bad), bad);
	if (job->parallel.enabled)
		put(o, "parallel", parallel_json(&job->parallel, bad), bad);
	if (job->sweep.enabled)
		put(o, "sweep", sweep_json(&job->sweep, bad), bad);
	if (job->has_trigger)
		put(o, "trigger", trigger_json(&job->trigger, bad), bad);
	if (job->has_retention)
		put(o, "retention", tctl_retention_to_json(&job->retention), bad);
	return o;
}

int tctl_job_to_json(char **out, const tctl_job *job)
{
	bool bad = false;
	json_t *o = job_json(job, &bad);
	char *text = NULL;

	if (o && !bad)
		text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!text)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = text;
	return 0;
}
