/* sweep_sample.c: a sweep's trials (grid or seeded random) and the job each trial runs. */
#include "trainctl/sweep.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLACEHOLDER_OPEN "${{search_space."
#define PLACEHOLDER_CLOSE "}}"

/* splitmix64: small, fast, and the same sequence on every platform for a seed. */
static uint64_t next_u64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double next_unit(uint64_t *state)
{
	return (double)(next_u64(state) >> 11) * (1.0 / 9007199254740992.0);
}

size_t tctl_sweep_grid_size(const tctl_sweep *sw)
{
	size_t total = 1;

	for (size_t i = 0; i < sw->params_len; i++) {
		if (sw->params[i].type != TCTL_PARAM_CHOICE || !sw->params[i].values_len)
			return 0;
		if (total > SIZE_MAX / sw->params[i].values_len)
			return SIZE_MAX;
		total *= sw->params[i].values_len;
	}
	return sw->params_len ? total : 0;
}

/* The shortest text that reads back as `v` exactly. */
static void number_text(char *buf, size_t size, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A choice value (JSON text) as the command sees it: strings without their quotes. */
static char *choice_text(const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	char *s = NULL;

	if (json_is_string(v))
		s = strdup(json_string_value(v));
	else
		s = strdup(json);
	json_decref(v);
	return s;
}

typedef struct {
	char *text;     /* as the command sees it */
	char *json;     /* as JSON */
} value;

static int draw(value *out, const tctl_param *p, uint64_t *rng)
{
	char buf[64];
	double u = next_unit(rng), x;

	switch (p->type) {
	case TCTL_PARAM_CHOICE: {
		const char *j = p->values[(size_t)(u * (double)p->values_len) % p->values_len];
		out->text = choice_text(j);
		out->json = strdup(j);
		break;
	}
	case TCTL_PARAM_RANDINT:
		snprintf(buf, sizeof(buf), "%lld", (long long)(u * (double)p->upper));
		out->text = strdup(buf);
		out->json = strdup(buf);
		break;
	default:
		x = p->min_value + u * (p->max_value - p->min_value);
		if (p->type == TCTL_PARAM_LOGUNIFORM)
			x = exp(x);
		number_text(buf, sizeof(buf), x);
		out->text = strdup(buf);
		out->json = strdup(buf);
	}
	return out->text && out->json ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

static int grid_value(value *out, const tctl_param *p, size_t index)
{
	out->text = choice_text(p->values[index]);
	out->json = strdup(p->values[index]);
	return out->text && out->json ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* Grid position `t` as one value index per parameter; the last parameter varies fastest. */
static void grid_indices(size_t *idx, const tctl_sweep *sw, size_t t)
{
	for (size_t i = sw->params_len; i-- > 0;) {
		idx[i] = t % sw->params[i].values_len;
		t /= sw->params[i].values_len;
	}
}

/* Trial `t` of the sweep: grid position `t`, or the next random draws. */
static int make_trial(tctl_trial_params *out, const tctl_sweep *sw, size_t t, uint64_t *rng)
{
	tctl_buf obj = TCTL_BUF_INIT;
	size_t *idx = calloc(sw->params_len, sizeof(*idx));
	int rc = 0;

	if (!idx || !(out->values = calloc(sw->params_len, sizeof(char *))))
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
	else if (sw->sampling == TCTL_SAMPLING_GRID)
		grid_indices(idx, sw, t);
	tctl_buf_puts(&obj, "{");
	for (size_t i = 0; rc == 0 && i < sw->params_len; i++) {
		value v = { NULL, NULL };
		rc = sw->sampling == TCTL_SAMPLING_GRID ? grid_value(&v, &sw->params[i], idx[i])
							: draw(&v, &sw->params[i], rng);
		out->values[i] = v.text;
		out->len = i + 1;
		/* parameter names are letters, digits and '_': nothing to escape */
		tctl_buf_printf(&obj, "%s\"%s\": %s", i ? ", " : "", sw->params[i].name,
				v.json ? v.json : "null");
		free(v.json);
	}
	tctl_buf_puts(&obj, "}");
	if (rc == 0 && !(out->json = tctl_buf_detach(&obj)))
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
	tctl_buf_free(&obj);
	free(idx);
	return rc;
}

int tctl_sweep_sample(tctl_sweep_sample_set *out, const tctl_sweep *sw, uint64_t seed)
{
	size_t n = sw->limits.max_total_trials > 0 ? (size_t)sw->limits.max_total_trials : 20;
	uint64_t rng = seed;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->seed = seed;
	if (!sw->params_len)
		return tctl_error_set(TCTL_EINVALID, "sweep: the search space is empty");
	if (sw->sampling == TCTL_SAMPLING_GRID) {
		size_t g = tctl_sweep_grid_size(sw);
		if (!g)
			return tctl_error_set(TCTL_EINVALID, "sweep: grid sampling needs choice parameters "
					      "with values");
		n = g < n ? g : n;
	}
	if (!(out->trials = calloc(n, sizeof(*out->trials))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t t = 0; t < n && rc == 0; t++, out->len++)
		rc = make_trial(&out->trials[t], sw, t, &rng);
	if (rc < 0)
		tctl_sweep_sample_set_clear(out);
	return rc;
}

void tctl_sweep_sample_set_clear(tctl_sweep_sample_set *s)
{
	for (size_t t = 0; s->trials && t < s->len; t++) {
		for (size_t i = 0; s->trials[t].values && i < s->trials[t].len; i++)
			free(s->trials[t].values[i]);
		free(s->trials[t].values);
		free(s->trials[t].json);
	}
	free(s->trials);
	memset(s, 0, sizeof(*s));
}
