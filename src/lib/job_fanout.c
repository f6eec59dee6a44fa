/* job_fanout.c: the sections that fan one job out into many runs: sweep and parallel. */
#include "job_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const param_types[] = {
	"choice", "uniform", "loguniform", "randint",
	/* Azure ML distributions trainctl's local sweeps do not sample */
	"normal", "lognormal", "quniform", "qloguniform", "qnormal", "qlognormal", NULL
};
#define SUPPORTED_PARAM_TYPES 4

static const char *const sampling_names[] = { "random", "grid", "bayesian", NULL };
static const char *const goal_names[] = { "maximize", "minimize", NULL };
static const char *const etp_names[] = {
	"bandit", "median_stopping", "truncation_selection", NULL
};

static bool param_name_valid(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static void read_choice(tctl_jc *jc, const json_t *o, tctl_param *p)
{
	json_t *arr = json_object_get(o, "values"), *v;
	size_t i;

	if (!arr) {
		tctl_jc_error_in(jc, "values", "required: a non-empty array of choices");
		return;
	}
	tctl_jc_push(jc, "values");
	if (!json_is_array(arr) || !json_array_size(arr)) {
		tctl_jc_expected(jc, "a non-empty array of choices", arr);
	} else if (!(p->values = calloc(json_array_size(arr) + 1, sizeof(char *)))) {
		jc->oom = true;
	} else {
		json_array_foreach(arr, i, v) {
			tctl_jc_push_index(jc, i);
			if (!json_is_number(v) && !json_is_string(v) && !json_is_boolean(v))
				tctl_jc_expected(jc, "a number, string or boolean", v);
			else if (!(p->values[p->values_len++] = json_dumps(v,
					JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15))))
				jc->oom = true;
			tctl_jc_pop(jc);
		}
	}
	tctl_jc_pop(jc);
}

static void read_range(tctl_jc *jc, const json_t *o, tctl_param *p)
{
	json_t *lo = json_object_get(o, "min_value"), *hi = json_object_get(o, "max_value");
	int a, b;

	if (!lo)
		tctl_jc_error_in(jc, "min_value", "required: a number");
	if (!hi)
		tctl_jc_error_in(jc, "max_value", "required: a number");
	a = tctl_jc_number(jc, o, "min_value", &p->min_value, -1e308, false);
	b = tctl_jc_number(jc, o, "max_value", &p->max_value, -1e308, false);
	if (a == 1 && b == 1 && p->min_value >= p->max_value)
		tctl_jc_error_in(jc, "max_value", "expected a number above min_value (%.15g), "
				 "got %.15g", p->min_value, p->max_value);
}

static void read_param(tctl_jc *jc, const char *name, const json_t *o, tctl_param *p)
{
	static const char *const keys[][4] = {
		{ "type", "values", NULL }, { "type", "min_value", "max_value", NULL },
		{ "type", "min_value", "max_value", NULL }, { "type", "upper", NULL },
	};
	int type = 0;

	if (!(p->name = strdup(name)))
		jc->oom = true;
	if (!json_is_object(o)) {
		tctl_jc_expected(jc, "an object such as {\"type\": \"choice\", \"values\": [...]}", o);
		return;
	}
	if (!json_object_get(o, "type")) {
		tctl_jc_error_in(jc, "type", "required: one of \"choice\", \"uniform\", "
				 "\"loguniform\" or \"randint\"");
		return;
	}
	if (tctl_jc_enum(jc, o, "type", param_types, &type) < 0)
		return;
	if (type >= SUPPORTED_PARAM_TYPES) {
		tctl_jc_error_in(jc, "type", "\"%s\" is not supported by trainctl's sweeps "
				 "(use \"choice\", \"uniform\", \"loguniform\" or \"randint\")",
				 param_types[type]);
		return;
	}
	p->type = (tctl_param_type)type;
	tctl_jc_keys(jc, o, keys[type], NULL);
	if (p->type == TCTL_PARAM_CHOICE)
		read_choice(jc, o, p);
	else if (p->type == TCTL_PARAM_RANDINT && !json_object_get(o, "upper"))
		tctl_jc_error_in(jc, "upper", "required: a positive integer (values are 0 to upper-1)");
	else if (p->type == TCTL_PARAM_RANDINT)
		tctl_jc_int64(jc, o, "upper", &p->upper, 1, INT_MAX);
	else
		read_range(jc, o, p);
}

static void read_search_space(tctl_jc *jc, const json_t *sw, tctl_sweep *s)
{
	json_t *o = json_object_get(sw, "search_space"), *v;
	const char *name;

	if (!o) {
		tctl_jc_error_in(jc, "search_space", "required: an object of parameters such as "
				 "{\"lr\": {\"type\": \"loguniform\", \"min_value\": -9, \"max_value\": -2}}");
		return;
	}
	tctl_jc_push(jc, "search_space");
	if (!json_is_object(o) || !json_object_size(o)) {
		tctl_jc_expected(jc, "a non-empty object of parameters", o);
	} else if (!(s->params = calloc(json_object_size(o), sizeof(*s->params)))) {
		jc->oom = true;
	} else {
		json_object_foreach(o, name, v) {
			tctl_param *p = &s->params[s->params_len++];
			if (!param_name_valid(name))
				tctl_jc_error_key(jc, name, "expected a parameter name of letters, "
						  "digits and '_', not starting with a digit");
			tctl_jc_push(jc, name);
			read_param(jc, name, v, p);
			tctl_jc_pop(jc);
		}
	}
	tctl_jc_pop(jc);
}

static void refuse_bayesian(tctl_jc *jc)
{
	tctl_jc_error(jc, "\"bayesian\" is not supported: trainctl's local sweeps do not "
		      "support Bayesian sampling (use \"random\" or \"grid\")");
}

static void read_sampling_object(tctl_jc *jc, const json_t *o, tctl_sweep *s)
{
	static const char *const keys[] = { "type", "seed", NULL };
	int alg = 0;

	tctl_jc_keys(jc, o, keys, NULL);
	if (!json_object_get(o, "type")) {
		tctl_jc_error_in(jc, "type", "required: \"random\" or \"grid\"");
		return;
	}
	if (tctl_jc_enum(jc, o, "type", sampling_names, &alg) < 0)
		return;
	tctl_jc_push(jc, "type");
	if (alg == 2)
		refuse_bayesian(jc);
	tctl_jc_pop(jc);
	s->sampling = alg == 1 ? TCTL_SAMPLING_GRID : TCTL_SAMPLING_RANDOM;
	if (alg == 1 && json_object_get(o, "seed"))
		tctl_jc_error_key(jc, "seed", "only random sampling takes a seed");
	else if (tctl_jc_int64(jc, o, "seed", &s->seed, 0, INT64_MAX) == 1)
		s->has_seed = true;
}

/* "random" | "grid" | {"type": "random", "seed": N}; default random. */
static void read_sampling(tctl_jc *jc, const json_t *sw, tctl_sweep *s)
{
	json_t *v = json_object_get(sw, "sampling_algorithm");
	int alg = 0;

	if (!v)
		return;
	tctl_jc_push(jc, "sampling_algorithm");
	if (json_is_object(v)) {
		read_sampling_object(jc, v, s);
	} else if (!json_is_string(v)) {
		tctl_jc_expected(jc, "\"random\", \"grid\" or {\"type\": \"random\", \"seed\": N}", v);
	} else if (tctl_jc_value_enum(jc, v, sampling_names, &alg) == 0) {
		if (alg == 2)
			refuse_bayesian(jc);
		s->sampling = alg == 1 ? TCTL_SAMPLING_GRID : TCTL_SAMPLING_RANDOM;
	}
	tctl_jc_pop(jc);
}

static void read_objective(tctl_jc *jc, const json_t *sw, tctl_sweep *s)
{
	static const char *const keys[] = { "primary_metric", "goal", NULL };
	json_t *o = NULL;
	int goal = 0;

	if (!json_object_get(sw, "objective")) {
		tctl_jc_error_in(jc, "objective", "required: {\"primary_metric\": NAME, "
				 "\"goal\": \"maximize\" or \"minimize\"}");
		return;
	}
	if (tctl_jc_object(jc, sw, "objective", &o) <= 0)
		return;
	tctl_jc_push(jc, "objective");
	tctl_jc_keys(jc, o, keys, NULL);
	if (!json_object_get(o, "primary_metric"))
		tctl_jc_error_in(jc, "primary_metric", "required: the metric the sweep optimises");
	tctl_jc_string(jc, o, "primary_metric", &s->primary_metric);
	if (!json_object_get(o, "goal"))
		tctl_jc_error_in(jc, "goal", "required: \"maximize\" or \"minimize\"");
	if (tctl_jc_enum(jc, o, "goal", goal_names, &goal) == 1)
		s->maximize = goal == 0;
	tctl_jc_pop(jc);
}

/* Keys that belong to one early-termination policy only. */
static void refuse_other_policy_keys(tctl_jc *jc, const json_t *o, tctl_etp_type type)
{
	static const struct { const char *key; tctl_etp_type owner; const char *policy; } own[] = {
		{ "slack_factor", TCTL_ETP_BANDIT, "bandit" },
		{ "slack_amount", TCTL_ETP_BANDIT, "bandit" },
		{ "truncation_percentage", TCTL_ETP_TRUNCATION, "truncation_selection" },
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i].owner != type && json_object_get(o, own[i].key))
			tctl_jc_error_key(jc, own[i].key, "only the %s policy takes this",
					  own[i].policy);
}

static void read_bandit(tctl_jc *jc, const json_t *o, tctl_sweep *s)
{
	int f = tctl_jc_number(jc, o, "slack_factor", &s->early_termination.slack_factor, 0, true);
	int a = tctl_jc_number(jc, o, "slack_amount", &s->early_termination.slack_amount, 0, true);

	if (f == 0 && a == 0)
		tctl_jc_error(jc, "the bandit policy needs slack_factor or slack_amount");
	else if (json_object_get(o, "slack_factor") && json_object_get(o, "slack_amount"))
		tctl_jc_error_key(jc, "slack_amount", "give slack_factor or slack_amount, not both");
}

static void read_early_termination(tctl_jc *jc, const json_t *sw, tctl_sweep *s)
{
	static const char *const keys[] = {
		"type", "slack_factor", "slack_amount", "evaluation_interval",
		"delay_evaluation", "truncation_percentage", NULL
	};
	json_t *o = NULL;
	int type = 0;

	if (tctl_jc_object(jc, sw, "early_termination", &o) <= 0)
		return;
	tctl_jc_push(jc, "early_termination");
	tctl_jc_keys(jc, o, keys, NULL);
	if (!json_object_get(o, "type"))
		tctl_jc_error_in(jc, "type", "required: \"bandit\", \"median_stopping\" or "
				 "\"truncation_selection\"");
	if (tctl_jc_enum(jc, o, "type", etp_names, &type) == 1) {
		s->early_termination.type = (tctl_etp_type)(type + 1);
		refuse_other_policy_keys(jc, o, s->early_termination.type);
		if (s->early_termination.type == TCTL_ETP_BANDIT)
			read_bandit(jc, o, s);
	}
	tctl_jc_int(jc, o, "evaluation_interval", &s->early_termination.evaluation_interval,
		    1, INT_MAX);
	tctl_jc_int(jc, o, "delay_evaluation", &s->early_termination.delay_evaluation, 0, INT_MAX);
	if (s->early_termination.type == TCTL_ETP_TRUNCATION)
		tctl_jc_int(jc, o, "truncation_percentage",
			    &s->early_termination.truncation_percentage, 1, 99);
	tctl_jc_pop(jc);
}

static void read_sweep_limits(tctl_jc *jc, const json_t *sw, tctl_sweep *s)
{
	static const char *const keys[] = {
		"max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout", NULL
	};
	json_t *o = NULL;

	if (tctl_jc_object(jc, sw, "limits", &o) <= 0)
		return;
	tctl_jc_push(jc, "limits");
	tctl_jc_keys(jc, o, keys, NULL);
	tctl_jc_int(jc, o, "max_total_trials", &s->limits.max_total_trials, 1, INT_MAX);
	tctl_jc_int(jc, o, "max_concurrent_trials", &s->limits.max_concurrent_trials, 1, INT_MAX);
	tctl_jc_duration(jc, o, "timeout", &s->limits.timeout, 1);
	tctl_jc_duration(jc, o, "trial_timeout", &s->limits.trial_timeout, 1);
	tctl_jc_pop(jc);
}

/* Grid search enumerates choices only. */
static void check_grid(tctl_jc *jc, const tctl_sweep *s)
{
	tctl_jc_push(jc, "search_space");
	for (size_t i = 0; i < s->params_len; i++) {
		if (!s->params[i].name || s->params[i].type == TCTL_PARAM_CHOICE)
			continue;
		tctl_jc_push(jc, s->params[i].name);
		tctl_jc_error_in(jc, "type", "grid sampling needs \"choice\" parameters only "
				 "(use random sampling for ranges)");
		tctl_jc_pop(jc);
	}
	tctl_jc_pop(jc);
}

void tctl_job_read_sweep(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = {
		"search_space", "sampling_algorithm", "objective", "early_termination", "limits", NULL
	};
	tctl_sweep *s = &job->sweep;
	json_t *sw = NULL;

	if (tctl_jc_object(jc, root, "sweep", &sw) <= 0)
		return;
	s->enabled = true;
	tctl_jc_push(jc, "sweep");
	tctl_jc_keys(jc, sw, keys, NULL);
	read_search_space(jc, sw, s);
	read_sampling(jc, sw, s);
	read_objective(jc, sw, s);
	read_early_termination(jc, sw, s);
	read_sweep_limits(jc, sw, s);
	if (s->sampling == TCTL_SAMPLING_GRID)
		check_grid(jc, s);
	tctl_jc_pop(jc);
}

static void read_item_source(tctl_jc *jc, const json_t *o, tctl_parallel *p)
{
	static const char *const sources[] = { "items", "items_file", "items_glob" };
	const char *first = NULL;

	tctl_jc_strings(jc, o, "items", &p->items, &p->items_len, true);
	tctl_jc_string(jc, o, "items_file", &p->items_file);
	tctl_jc_string(jc, o, "items_glob", &p->items_glob);
	for (size_t i = 0; i < 3; i++) {
		if (!json_object_get(o, sources[i]))
			continue;
		if (first)
			tctl_jc_error_key(jc, sources[i], "give only one of items, items_file or "
					  "items_glob (%s is already set)", first);
		else
			first = sources[i];
	}
	if (!first)
		tctl_jc_error(jc, "needs its items: one of items (a list), items_file (one item "
			      "per line) or items_glob (files matching a pattern)");
}

void tctl_job_read_parallel(tctl_jc *jc, const json_t *root, tctl_job *job)
{
	static const char *const keys[] = {
		"items", "items_file", "items_glob", "mini_batch_size", "instance_count",
		"max_concurrency_per_instance", "error_threshold", "retries", "item_placeholder", NULL
	};
	static const tctl_jc_alias aliases[] = {
		{ "mini_batch_error_threshold", "error_threshold" },
		{ "retry_settings", "retries" }, { "input_data", "items_file" }, { NULL, NULL }
	};
	tctl_parallel *p = &job->parallel;
	json_t *o = NULL;

	if (tctl_jc_object(jc, root, "parallel", &o) <= 0)
		return;
	p->enabled = true;
	tctl_jc_push(jc, "parallel");
	tctl_jc_keys(jc, o, keys, aliases);
	read_item_source(jc, o, p);
	tctl_jc_int(jc, o, "mini_batch_size", &p->mini_batch_size, 1, INT_MAX);
	tctl_jc_int(jc, o, "instance_count", &p->instance_count, 1, INT_MAX);
	tctl_jc_int(jc, o, "max_concurrency_per_instance", &p->max_concurrency_per_instance,
		    1, INT_MAX);
	tctl_jc_int(jc, o, "error_threshold", &p->error_threshold, -1, INT_MAX);
	tctl_jc_int(jc, o, "retries", &p->retries, 0, INT_MAX);
	tctl_jc_string(jc, o, "item_placeholder", &p->item_placeholder);
	tctl_jc_pop(jc);
}

int tctl_parallel_items_read(const char *path, int (*each)(void *ctx, const char *item), void *ctx)
{
	char *data = NULL, *line, *save = NULL;
	int rc;

	if ((rc = tctl_file_read(&data, NULL, path)) < 0) {
		tctl_error_prefix("parallel.items_file");
		return rc;
	}
	for (line = strtok_r(data, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (*line)
			rc = each(ctx, line);
	}
	free(data);
	return rc;
}
