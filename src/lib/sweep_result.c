/* sweep_result.c: a sweep's results: sweep.json in the parent's folder, and the table people read. */
#include "trainctl/sweep.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tctl_sweep_result_best(const tctl_sweep_result *r)
{
	int best = -1;

	for (size_t i = 0; i < r->len; i++) {
		const tctl_sweep_trial_result *t = &r->trials[i];
		if (!t->has_best)
			continue;
		if (best < 0 || (r->maximize ? t->best > r->trials[best].best
					     : t->best < r->trials[best].best))
			best = (int)i;
	}
	return best;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *params_json(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	return v ? v : json_object();
}

static json_t *trial_json(const tctl_sweep_trial_result *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "trial", json_integer(t->trial));
	json_object_set_new(o, "run_id", str_or_null(t->run_id));
	json_object_set_new(o, "params", params_json(t->params));
	json_object_set_new(o, "state", str_or_null(t->state));
	json_object_set_new(o, "best", t->has_best ? json_real(t->best) : json_null());
	json_object_set_new(o, "best_step", t->has_best ? json_integer(t->best_step) : json_null());
	json_object_set_new(o, "intervals", json_integer(t->intervals));
	json_object_set_new(o, "last_step", t->last_step >= 0 ? json_integer(t->last_step)
							      : json_null());
	json_object_set_new(o, "stop_reason", str_or_null(t->stop_reason));
	json_object_set_new(o, "reason", str_or_null(t->reason));
	json_object_set_new(o, "warning", str_or_null(t->warning));
	return o;
}

static json_t *result_json(const tctl_sweep_result *r)
{
	json_t *o = json_object(), *trials = json_array();
	int best = tctl_sweep_result_best(r);

	json_object_set_new(o, "sweep_id", str_or_null(r->sweep_id));
	json_object_set_new(o, "job", str_or_null(r->job));
	json_object_set_new(o, "state", str_or_null(r->state));
	json_object_set_new(o, "primary_metric", str_or_null(r->metric));
	json_object_set_new(o, "goal", json_string(r->maximize ? "maximize" : "minimize"));
	json_object_set_new(o, "sampling", str_or_null(r->sampling));
	json_object_set_new(o, "seed", r->has_seed ? json_integer((json_int_t)r->seed) : json_null());
	json_object_set_new(o, "early_termination", str_or_null(r->policy));
	for (size_t i = 0; i < r->len; i++)
		json_array_append_new(trials, trial_json(&r->trials[i]));
	json_object_set_new(o, "trials", trials);
	json_object_set_new(o, "best", best >= 0 ? trial_json(&r->trials[best]) : json_null());
	return o;
}

int tctl_sweep_result_to_json(char **out, const tctl_sweep_result *r)
{
	json_t *o = result_json(r);

	*out = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(o);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

int tctl_sweep_result_save(const tctl_sweep_result *r, const char *path)
{
	char *text = NULL;
	int rc;

	if ((rc = tctl_sweep_result_to_json(&text, r)) < 0)
		return rc;
	rc = tctl_file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

static char *get_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
}

static void trial_from(tctl_sweep_trial_result *t, const json_t *o)
{
	json_t *best = json_object_get(o, "best"), *last = json_object_get(o, "last_step");

	t->trial = (int)json_integer_value(json_object_get(o, "trial"));
	t->run_id = get_str(o, "run_id");
	t->params = json_dumps(json_object_get(o, "params"), JSON_COMPACT | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(15));
	t->state = get_str(o, "state");
	t->has_best = json_is_number(best);
	t->best = json_number_value(best);
	t->best_step = json_integer_value(json_object_get(o, "best_step"));
	t->intervals = (int)json_integer_value(json_object_get(o, "intervals"));
	t->last_step = json_is_integer(last) ? json_integer_value(last) : -1;
	t->stop_reason = get_str(o, "stop_reason");
	t->reason = get_str(o, "reason");
	t->warning = get_str(o, "warning");
}

static int result_from(tctl_sweep_result *r, const json_t *o, const char *path)
{
	json_t *trials = json_object_get(o, "trials"), *seed = json_object_get(o, "seed"), *t;
	const char *goal;
	size_t i;

	if (!json_is_array(trials))
		return tctl_error_set(TCTL_EINVALID, "'%s': trials: expected an array", path);
	r->sweep_id = get_str(o, "sweep_id");
	r->job = get_str(o, "job");
	r->state = get_str(o, "state");
	r->metric = get_str(o, "primary_metric");
	goal = json_string_value(json_object_get(o, "goal"));
	r->maximize = goal && !strcmp(goal, "maximize");
	r->sampling = get_str(o, "sampling");
	r->has_seed = json_is_integer(seed);
	r->seed = (uint64_t)json_integer_value(seed);
	r->policy = get_str(o, "early_termination");
	if (!(r->trials = calloc(json_array_size(trials) + 1, sizeof(*r->trials))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	json_array_foreach(trials, i, t)
		trial_from(&r->trials[r->len++], t);
	r->best = tctl_sweep_result_best(r);
	return 0;
}

int tctl_sweep_result_load(tctl_sweep_result *out, const char *path)
{
	json_error_t e;
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	out->best = -1;
	if (!(o = json_load_file(path, 0, &e)))
		return tctl_error_set(TCTL_EINVALID, "cannot read sweep results '%s': %s", path, e.text);
	rc = result_from(out, o, path);
	json_decref(o);
	if (rc < 0)
		tctl_sweep_result_clear(out);
	return rc;
}

void tctl_sweep_result_clear(tctl_sweep_result *r)
{
	for (size_t i = 0; r->trials && i < r->len; i++) {
		tctl_sweep_trial_result *t = &r->trials[i];
		free(t->run_id);
		free(t->params);
		free(t->state);
		free(t->stop_reason);
		free(t->reason);
		free(t->warning);
	}
	free(r->trials);
	free(r->sweep_id);
	free(r->job);
	free(r->metric);
	free(r->sampling);
	free(r->policy);
	free(r->state);
	memset(r, 0, sizeof(*r));
	r->best = -1;
}

/* {"lr":0.5,"opt":"adam"} as "lr=0.5 opt=adam". */
static void params_text(tctl_buf *b, const char *json)
{
	json_t *o = json ? json_loads(json, 0, NULL) : NULL, *v;
	const char *k;
	bool first = true;

	json_object_foreach(o, k, v) {
		char *s = json_is_string(v) ? strdup(json_string_value(v))
			: json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));
		tctl_buf_printf(b, "%s%s=%s", first ? "" : " ", k, s ? s : "?");
		free(s);
		first = false;
	}
	json_decref(o);
}

static void trial_row(tctl_buf *b, const tctl_sweep_trial_result *t, int width, bool is_best)
{
	tctl_buf p = TCTL_BUF_INIT;
	char best[32] = "-";

	params_text(&p, t->params);
	if (t->has_best)
		snprintf(best, sizeof(best), "%.6g", t->best);
	tctl_buf_printf(b, "%c%-5d  %-*s  %-12s  %-10s  %s\n", is_best ? '*' : ' ', t->trial, width,
			p.ptr ? p.ptr : "", best, t->state ? t->state : "-",
			t->stop_reason ? t->stop_reason : t->reason ? t->reason : "");
	if (t->warning)
		tctl_buf_printf(b, "       %*s  warning: %s\n", width, "", t->warning);
	tctl_buf_free(&p);
}

int tctl_sweep_result_to_text(char **out, const tctl_sweep_result *r)
{
	tctl_buf b = TCTL_BUF_INIT, p = TCTL_BUF_INIT;
	int best = tctl_sweep_result_best(r), width = 10;

	for (size_t i = 0; i < r->len; i++) {
		tctl_buf_clear(&p);
		params_text(&p, r->trials[i].params);
		if ((int)p.len > width)
			width = (int)p.len;
	}
	tctl_buf_printf(&b, "sweep %s (%s): %s %s, %s sampling, early termination: %s\n\n",
			r->sweep_id ? r->sweep_id : "?", r->state ? r->state : "?",
			r->maximize ? "maximize" : "minimize", r->metric ? r->metric : "?",
			r->sampling ? r->sampling : "?", r->policy ? r->policy : "none");
	tctl_buf_printf(&b, " %-5s  %-*s  %-12s  %-10s  %s\n", "trial", width, "parameters",
			r->metric ? r->metric : "best", "state", "stop reason / end");
	for (size_t i = 0; i < r->len; i++)
		trial_row(&b, &r->trials[i], width, (int)i == best);
	if (best >= 0) {
		tctl_buf_clear(&p);
		params_text(&p, r->trials[best].params);
		tctl_buf_printf(&b, "\nbest: trial %d (%s): %s %.6g at step %lld, run %s\n",
				r->trials[best].trial, p.ptr ? p.ptr : "", r->metric ? r->metric : "",
				r->trials[best].best, (long long)r->trials[best].best_step,
				r->trials[best].run_id ? r->trials[best].run_id : "-");
	} else {
		tctl_buf_printf(&b, "\nno trial reported %s\n", r->metric ? r->metric : "the metric");
	}
	tctl_buf_free(&p);
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}
