/* job_parse.c: read a job spec's JSON into a tctl_job, field by field, reporting every problem. */
#include "job_priv.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {
	"name", "command", "shell", "workdir", "env", "resources", "estimate", "limits",
	"checkpointable", "data", "placement", "cloud", "parallel", "sweep", "trigger",
	"retention", NULL
};

/* Azure ML v2 YAML names people will reach for, and where trainctl keeps them. */
static const tctl_jc_alias top_aliases[] = {
	{ "environment_variables", "env" }, { "code", "workdir" },
	{ "display_name", "name" }, { "compute", "cloud.compute" },
	{ "environment", "cloud.environment" }, { "experiment_name", "cloud.experiment_name" },
	{ "search_space", "sweep.search_space" }, { "objective", "sweep.objective" },
	{ "sampling_algorithm", "sweep.sampling_algorithm" },
	{ "early_termination", "sweep.early_termination" }, { "timeout", "limits.max_run_duration" },
	{ NULL, NULL }
};

static const char *const placement_names[] = { "auto", "local", "cloud", NULL };

/* Accepted priorities; Azure's spelling maps onto ours. */
static const char *const priority_names[] = {
	"auto", "dedicated", "low_priority", "Dedicated", "LowPriority", NULL
};
static const tctl_priority priority_values[] = {
	TCTL_PRIORITY_ANY, TCTL_PRIORITY_DEDICATED, TCTL_PRIORITY_LOW,
	TCTL_PRIORITY_DEDICATED, TCTL_PRIORITY_LOW
};

static const char *const event_names[] = { "post-commit", "post-merge", "pre-push", NULL };

void tctl_job_init_defaults(tctl_job *job)
{
	job->resources.cpus = 1;
	job->placement = TCTL_PLACEMENT_AUTO;
	job->cloud.max_nodes = 1;
	job->cloud.idle_time_before_scale_down = 120;
	job->parallel.mini_batch_size = 1;
	job->parallel.instance_count = 1;
	job->parallel.max_concurrency_per_instance = 1;
	job->parallel.error_threshold = -1;
	job->parallel.retries = 3;
	job->sweep.early_termination.evaluation_interval = 1;
	job->sweep.early_termination.delay_evaluation = 0;
	job->sweep.early_termination.truncation_percentage = 5;
	job->sweep.limits.max_concurrent_trials = 1;
}

static void read_command(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	json_t *v = json_object_get(root, "command");

	if (json_is_string(v)) {
		tctl_jc_push(jc, "command");
		tctl_jc_expected(jc, "an array of strings (argv; use \"shell\" for a command line)", v);
		tctl_jc_pop(jc);
		return;
	}
	tctl_jc_strings(jc, root, "command", &job->command, &job->command_len, true);
	tctl_jc_string(jc, root, "shell", &job->shell);
}

static bool env_name_valid(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int env_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* env: an object of strings, stored as "KEY=VALUE" sorted by key. */
static void read_env(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	json_t *obj = NULL, *v;
	const char *key;
	size_t n = 0;

	if (tctl_jc_object(jc, root, "env", &obj) <= 0)
		return;
	if (!(job->env = calloc(json_object_size(obj) + 1, sizeof(char *)))) {
		jc->oom = true;
		return;
	}
	tctl_jc_push(jc, "env");
	json_object_foreach(obj, key, v) {
		if (!env_name_valid(key)) {
			tctl_jc_error_key(jc, key, "expected an environment variable name "
					  "(letters, digits and '_', not starting with a digit)");
		} else if (!json_is_string(v)) {
			tctl_jc_push(jc, key);
			tctl_jc_expected(jc, "a string", v);
			tctl_jc_pop(jc);
		} else if (asprintf(&job->env[n], "%s=%s", key, json_string_value(v)) < 0) {
			job->env[n] = NULL;
			jc->oom = true;
		} else {
			n++;
		}
	}
	tctl_jc_pop(jc);
	job->env_len = n;
	qsort(job->env, n, sizeof(char *), env_compare);
}

static void read_resources(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = {
		"cpus", "memory", "gpus", "gpu_memory", "disk", "cpu_binding", NULL
	};
	static const char *const bindings[] = { "none", "gpu-local", NULL };
	int binding = 0;
	static const tctl_jc_alias aliases[] = {
		{ "cpu", "cpus" }, { "gpu", "gpus" }, { "instance_count", "cloud.max_nodes" },
		{ "instance_type", "cloud.vm_sizes" }, { NULL, NULL }
	};
	tctl_resources *r = &job->resources;
	json_t *o = NULL;

	if (tctl_jc_object(jc, root, "resources", &o) <= 0)
		return;
	tctl_jc_push(jc, "resources");
	tctl_jc_keys(jc, o, keys, aliases);
	tctl_jc_number(jc, o, "cpus", &r->cpus, 0, true);
	tctl_jc_size(jc, o, "memory", &r->memory);
	tctl_jc_int(jc, o, "gpus", &r->gpus, 0, INT_MAX);
	tctl_jc_size(jc, o, "gpu_memory", &r->gpu_memory);
	tctl_jc_size(jc, o, "disk", &r->disk);
	if (tctl_jc_enum(jc, o, "cpu_binding", bindings, &binding) == 1)
		r->bind_gpu_local = binding == 1;
	tctl_jc_pop(jc);
}

static void read_estimate(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = {
		"gpu_hours", "reference_gpu", "cpu_core_hours", "local_duration", NULL
	};
	tctl_estimate *e = &job->estimate;
	json_t *o = NULL;

	if (tctl_jc_object(jc, root, "estimate", &o) <= 0)
		return;
	tctl_jc_push(jc, "estimate");
	tctl_jc_keys(jc, o, keys, NULL);
	tctl_jc_number(jc, o, "gpu_hours", &e->gpu_hours, 0, true);
	tctl_jc_string(jc, o, "reference_gpu", &e->reference_gpu);
	tctl_jc_number(jc, o, "cpu_core_hours", &e->cpu_core_hours, 0, true);
	tctl_jc_duration(jc, o, "local_duration", &e->local_duration, 1);
	tctl_jc_pop(jc);
}

static bool looks_like_time(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return s[4] == '-';
}

/* deadline: a duration after submission, or an RFC 3339 time. */
static void read_deadline(tctl_jc *jc, const json_t *o, tctl_limits *l)
{
	json_t *v = json_object_get(o, "deadline");
	const char *s = json_string_value(v);
	int64_t t = 0;
	int rc;

	if (!v)
		return;
	tctl_jc_push(jc, "deadline");
	if (s && looks_like_time(s))
		rc = tctl_time_parse(&t, s);
	else
		rc = s ? tctl_duration_parse(&t, s) : -1;
	if (rc < 0 || t <= 0)
		tctl_jc_expected(jc, "a duration such as \"6h\" or an RFC 3339 time such as "
				 "\"2026-11-28T09:00:00Z\"", v);
	else if (looks_like_time(s))
		l->deadline_at = t;
	else
		l->deadline = t;
	tctl_jc_pop(jc);
}

static void read_limits(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = { "max_run_duration", "deadline", "max_cost", NULL };
	static const tctl_jc_alias aliases[] = { { "timeout", "max_run_duration" }, { NULL, NULL } };
	json_t *o = NULL;

	if (tctl_jc_object(jc, root, "limits", &o) <= 0)
		return;
	tctl_jc_push(jc, "limits");
	tctl_jc_keys(jc, o, keys, aliases);
	tctl_jc_duration(jc, o, "max_run_duration", &job->limits.max_run_duration, 1);
	read_deadline(jc, o, &job->limits);
	tctl_jc_number(jc, o, "max_cost", &job->limits.max_cost, 0, true);
	tctl_jc_pop(jc);
}

static void read_data(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = { "region", "size", NULL };
	json_t *o = NULL;

	if (tctl_jc_object(jc, root, "data", &o) <= 0)
		return;
	tctl_jc_push(jc, "data");
	tctl_jc_keys(jc, o, keys, NULL);
	tctl_jc_region(jc, o, "region", &job->data.region);
	tctl_jc_size(jc, o, "size", &job->data.size);
	tctl_jc_pop(jc);
}

static void read_vm_sizes(tctl_jc *jc, const json_t *o, tctl_cloud *c)
{
	if (tctl_jc_strings(jc, o, "vm_sizes", &c->vm_sizes, &c->vm_sizes_len, false) <= 0)
		return;
	tctl_jc_push(jc, "vm_sizes");
	for (size_t i = 0; i < c->vm_sizes_len; i++) {
		if (tctl_vm_size_valid(c->vm_sizes[i]))
			continue;
		tctl_jc_push_index(jc, i);
		tctl_jc_error(jc, "expected a VM size such as \"Standard_NC6s_v3\", got \"%s\"",
			      c->vm_sizes[i]);
		tctl_jc_pop(jc);
	}
	tctl_jc_pop(jc);
}

static void read_cloud(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = {
		"workspace", "compute", "vm_sizes", "priority", "max_nodes",
		"idle_time_before_scale_down", "environment", "region", "experiment_name", NULL
	};
	static const tctl_jc_alias aliases[] = {
		{ "tier", "priority" }, { "size", "vm_sizes" }, { "max_instances", "max_nodes" },
		{ "instance_count", "max_nodes" }, { "location", "region" }, { NULL, NULL }
	};
	tctl_cloud *c = &job->cloud;
	json_t *o = NULL;
	int prio = 0;

	if (tctl_jc_object(jc, root, "cloud", &o) <= 0)
		return;
	tctl_jc_push(jc, "cloud");
	tctl_jc_keys(jc, o, keys, aliases);
	tctl_jc_name(jc, o, "workspace", &c->workspace);
	tctl_jc_compute(jc, o, "compute", &c->compute);
	read_vm_sizes(jc, o, c);
	if (tctl_jc_enum(jc, o, "priority", priority_names, &prio) == 1)
		c->priority = priority_values[prio];
	tctl_jc_int(jc, o, "max_nodes", &c->max_nodes, 1, INT_MAX);
	tctl_jc_duration(jc, o, "idle_time_before_scale_down",
			 &c->idle_time_before_scale_down, 0);
	tctl_jc_string(jc, o, "environment", &c->environment);
	tctl_jc_region(jc, o, "region", &c->region);
	tctl_jc_name(jc, o, "experiment_name", &c->experiment_name);
	tctl_jc_pop(jc);
}

static void read_events(tctl_jc *jc, const json_t *o, tctl_trigger *t)
{
	json_t *arr = json_object_get(o, "events");
	int seen[3] = { 0, 0, 0 }, ev;

	if (!arr) {
		tctl_jc_error_in(jc, "events", "required: a list of git events "
				 "(\"post-commit\", \"post-merge\", \"pre-push\")");
		return;
	}
	if (tctl_jc_strings(jc, o, "events", &t->events, &t->events_len, true) <= 0)
		return;
	tctl_jc_push(jc, "events");
	for (size_t i = 0; i < t->events_len; i++) {
		tctl_jc_push_index(jc, i);
		if (tctl_jc_value_enum(jc, json_array_get(arr, i), event_names, &ev) == 0 &&
		    seen[ev]++)
			tctl_jc_error(jc, "\"%s\" is listed twice", event_names[ev]);
		tctl_jc_pop(jc);
	}
	tctl_jc_pop(jc);
}

static void read_trigger(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = { "events", "branches", "paths", "block_push", NULL };
	tctl_trigger *t = &job->trigger;
	json_t *o = NULL;

	if (tctl_jc_object(jc, root, "trigger", &o) <= 0)
		return;
	job->has_trigger = true;
	tctl_jc_push(jc, "trigger");
	tctl_jc_keys(jc, o, keys, NULL);
	read_events(jc, o, t);
	tctl_jc_strings(jc, o, "branches", &t->branches, &t->branches_len, false);
	tctl_jc_strings(jc, o, "paths", &t->paths, &t->paths_len, false);
	tctl_jc_bool(jc, o, "block_push", &t->block_push);
	tctl_jc_pop(jc);
}

void tctl_job_read(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	int placement = 0;

	tctl_jc_keys(jc, root, top_keys, top_aliases);
	tctl_jc_name(jc, root, "name", &job->name);
	read_command(jc, root, job);
	tctl_jc_string(jc, root, "workdir", &job->workdir);
	read_env(jc, root, job);
	read_resources(jc, root, job);
	read_estimate(jc, root, job);
	read_limits(jc, root, job);
	tctl_jc_bool(jc, root, "checkpointable", &job->checkpointable);
	read_data(jc, root, job);
	if (tctl_jc_enum(jc, root, "placement", placement_names, &placement) == 1)
		job->placement = (tctl_placement)placement;
	read_cloud(jc, root, job);
	tctl_job_read_parallel(jc, root, job);
	tctl_job_read_sweep(jc, root, job);
	read_trigger(jc, root, job);
	if (tctl_retention_read(jc, root, "retention", &job->retention) == 1)
		job->has_retention = true;
}
