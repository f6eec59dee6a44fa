/* job_check.c: the job spec's checks across fields, and the retention policy reader. */
#include "job_priv.h"
#include "trainctl/error.h"

#include <limits.h>
#include <string.h>

static void check_command(tctl_jc *jc, const json_t *root)
{
	bool cmd = json_object_get(root, "command"), sh = json_object_get(root, "shell");

	if (cmd && sh)
		tctl_jc_error_key(jc, "shell", "give either command or shell, not both");
	else if (!cmd && !sh)
		tctl_jc_error_in(jc, "command", "required: an argv array such as "
				 "[\"python\", \"train.py\"] (or \"shell\": a command line)");
}

static void check_estimate(tctl_jc *jc, const json_t *root)
{
	const json_t *o = json_object_get(root, "estimate");
	int forms = 0;

	if (!json_is_object(o))
		return;
	forms = !!json_object_get(o, "gpu_hours") + !!json_object_get(o, "cpu_core_hours") +
		!!json_object_get(o, "local_duration");
	tctl_jc_push(jc, "estimate");
	if (forms > 1)
		tctl_jc_error(jc, "give one of gpu_hours (with reference_gpu), cpu_core_hours "
			      "or local_duration, not several");
	else if (forms == 0 && !json_object_get(o, "reference_gpu"))
		tctl_jc_error(jc, "give one of gpu_hours (with reference_gpu), cpu_core_hours "
			      "or local_duration");
	else if (json_object_get(o, "gpu_hours") && !json_object_get(o, "reference_gpu"))
		tctl_jc_error_in(jc, "reference_gpu", "required with gpu_hours: the GPU model "
				 "the estimate is for, such as \"V100\"");
	else if (!json_object_get(o, "gpu_hours") && json_object_get(o, "reference_gpu"))
		tctl_jc_error_key(jc, "reference_gpu", "only applies with gpu_hours");
	tctl_jc_pop(jc);
}

static void check_resources(tctl_jc *jc, const tctl_job *job)
{
	if (job->resources.bind_gpu_local && job->resources.gpus <= 0) {
		tctl_jc_push(jc, "resources");
		tctl_jc_error_in(jc, "cpu_binding", "\"gpu-local\" needs resources.gpus above 0");
		tctl_jc_pop(jc);
	}
	if (job->resources.gpu_memory && job->resources.gpus <= 0) {
		tctl_jc_push(jc, "resources");
		tctl_jc_error_in(jc, "gpu_memory", "needs resources.gpus above 0");
		tctl_jc_pop(jc);
	}
}

static bool command_mentions(const tctl_job *job, const char *token)
{
	if (job->shell)
		return strstr(job->shell, token) != NULL;
	for (size_t i = 0; i < job->command_len; i++)
		if (job->command[i] && strstr(job->command[i], token))
			return true;
	return false;
}

static void check_parallel(tctl_jc *jc, const tctl_job *job)
{
	const char *token = job->parallel.item_placeholder ? job->parallel.item_placeholder
		: TCTL_JOB_DEFAULT_PLACEHOLDER;

	if (!job->parallel.enabled)
		return;
	if (job->sweep.enabled)
		tctl_jc_error_key(jc, "parallel", "a job may not have both sweep and parallel");
	if (!job->command && !job->shell)
		return;
	if (command_mentions(job, token))
		return;
	tctl_jc_push(jc, "parallel");
	tctl_jc_error_in(jc, "item_placeholder", "\"%s\" does not appear in %s (trainctl "
			 "puts each mini-batch's items there)", token,
			 job->shell ? "shell" : "command");
	tctl_jc_pop(jc);
}

static void check_trigger(tctl_jc *jc, const tctl_job *job)
{
	if (!job->trigger.block_push)
		return;
	for (size_t i = 0; i < job->trigger.events_len; i++)
		if (!strcmp(job->trigger.events[i], "pre-push"))
			return;
	tctl_jc_push(jc, "trigger");
	tctl_jc_error_in(jc, "block_push", "only applies with the \"pre-push\" event");
	tctl_jc_pop(jc);
}

/* The first "${{search_space.NAME}}" of `s` whose NAME the search space lacks, or NULL. */
static const char *unknown_placeholder(const char *s, const tctl_sweep *sw, size_t *out_len)
{
	static const char open[] = "${{search_space.";
	const char *hit, *name, *close;

	for (; (hit = strstr(s, open)); s = close ? close + 2 : hit + 1) {
		bool known = false;
		name = hit + sizeof(open) - 1;
		close = strstr(name, "}}");
		for (size_t i = 0; close && sw->enabled && i < sw->params_len; i++)
			known |= sw->params[i].name && strlen(sw->params[i].name) == (size_t)(close - name) &&
				 !strncmp(sw->params[i].name, name, (size_t)(close - name));
		if (!known) {
			*out_len = close ? (size_t)(close + 2 - hit) : strlen(hit);
			return hit;
		}
	}
	return NULL;
}

static void placeholder_error(tctl_jc *jc, const tctl_job *job, const char *hit, size_t n)
{
	if (!job->sweep.enabled)
		tctl_jc_error(jc, "'%.*s' needs a sweep section with that parameter in its "
			      "search_space", (int)n, hit);
	else
		tctl_jc_error(jc, "'%.*s' names no parameter of sweep.search_space", (int)n, hit);
}

/* Each ${{search_space.NAME}} (Azure ML's syntax, replaced per trial) must name a parameter. */
static void check_placeholders(tctl_jc *jc, const tctl_job *job)
{
	const char *hit;
	size_t n;

	if (job->shell && (hit = unknown_placeholder(job->shell, &job->sweep, &n))) {
		tctl_jc_push(jc, "shell");
		placeholder_error(jc, job, hit, n);
		tctl_jc_pop(jc);
	}
	for (size_t i = 0; job->command && i < job->command_len; i++) {
		if (!job->command[i] || !(hit = unknown_placeholder(job->command[i], &job->sweep, &n)))
			continue;
		tctl_jc_push(jc, "command");
		tctl_jc_push_index(jc, i);
		placeholder_error(jc, job, hit, n);
		tctl_jc_pop(jc);
		tctl_jc_pop(jc);
	}
}

void tctl_job_check(tctl_jc *jc, const json_t *root, const tctl_job *job)
{
	check_command(jc, root);
	check_estimate(jc, root);
	check_resources(jc, job);
	check_parallel(jc, job);
	check_trigger(jc, job);
	check_placeholders(jc, job);
}

/* keep_days / keep_last of 0 would delete everything: say so rather than "expected". */
static void retention_count(tctl_jc *jc, const json_t *o, const char *key, int *out)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) == 0) {
		tctl_jc_error_in(jc, key, "0 would delete every run's outputs; give a positive "
				 "number or leave %s out to keep everything", key);
		return;
	}
	tctl_jc_int(jc, o, key, out, 1, INT_MAX);
}

int tctl_retention_read(tctl_jc *jc, const json_t *obj, const char *key, tctl_retention *out)
{
	static const char *const keys[] = { "keep_days", "keep_last", "max_total_size", NULL };
	json_t *o = NULL;
	size_t before = jc->total;
	int rc;

	if ((rc = tctl_jc_object(jc, obj, key, &o)) <= 0)
		return rc;
	tctl_jc_push(jc, key);
	tctl_jc_keys(jc, o, keys, NULL);
	if (!json_object_size(o))
		tctl_jc_error(jc, "give at least one of keep_days, keep_last or max_total_size");
	retention_count(jc, o, "keep_days", &out->keep_days);
	retention_count(jc, o, "keep_last", &out->keep_last);
	tctl_jc_size(jc, o, "max_total_size", &out->max_total_size);
	tctl_jc_pop(jc);
	return jc->total == before ? 1 : -1;
}

json_t *tctl_retention_to_json(const tctl_retention *r)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (r->keep_days)
		json_object_set_new(o, "keep_days", json_integer(r->keep_days));
	if (r->keep_last)
		json_object_set_new(o, "keep_last", json_integer(r->keep_last));
	if (r->max_total_size)
		json_object_set_new(o, "max_total_size", json_integer((json_int_t)r->max_total_size));
	return o;
}
