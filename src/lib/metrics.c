/* metrics.c: the TRAINCTL_METRIC line format of docs/metrics.md. */
#include "trainctl/sweep.h"
#include "trainctl/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "TRAINCTL_METRIC"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

static bool name_char(char c, bool first)
{
	if (isalpha((unsigned char)c) || c == '_')
		return true;
	return !first && (isdigit((unsigned char)c) || c == '.' || c == '-');
}

/* The step: a non-negative decimal integer. */
static int parse_step(int64_t *out, const char *v, size_t n)
{
	long long x = 0;

	if (!n)
		return tctl_error_set(TCTL_EINVALID, "step: expected a non-negative integer, got nothing");
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]) || x > (INT64_MAX - 9) / 10)
			return tctl_error_set(TCTL_EINVALID, "step: expected a non-negative integer, "
					      "got '%.*s'", (int)n, v);
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

static int parse_value(double *out, const char *name, const char *v, size_t n)
{
	char buf[64], *end;

	if (!n || n >= sizeof(buf))
		return tctl_error_set(TCTL_EINVALID, "%s: expected a number, got '%.*s'", name,
				      (int)(n > 40 ? 40 : n), v);
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end || end == buf || isspace((unsigned char)buf[0]))
		return tctl_error_set(TCTL_EINVALID, "%s: expected a number, got '%s'", name, buf);
	if (!isfinite(*out) || errno == ERANGE)
		return tctl_error_set(TCTL_EINVALID, "%s: expected a finite number, got '%s'", name,
				      buf);
	return 0;
}

/* One "name=value" pair (the token is [tok, tok + n)). */
static int parse_pair(tctl_metric_line *out, const char *tok, size_t n)
{
	const char *eq = memchr(tok, '=', n);
	size_t nl = eq ? (size_t)(eq - tok) : n;
	tctl_metric_value *mv;

	if (!eq)
		return tctl_error_set(TCTL_EINVALID, "expected name=value, got '%.*s'", (int)n, tok);
	if (!nl || nl >= TCTL_METRIC_NAME_MAX)
		return tctl_error_set(TCTL_EINVALID, "expected a metric name of 1 to %d characters "
				      "before '='", TCTL_METRIC_NAME_MAX - 1);
	for (size_t i = 0; i < nl; i++)
		if (!name_char(tok[i], i == 0))
			return tctl_error_set(TCTL_EINVALID, "'%.*s' is not a metric name (letters, "
					      "digits, '_', '.', '-', not starting with a digit)",
					      (int)nl, tok);
	if (nl == 4 && !memcmp(tok, "step", 4))
		return parse_step(&out->step, eq + 1, n - nl - 1);
	for (size_t i = 0; i < out->len; i++)
		if (strlen(out->values[i].name) == nl && !memcmp(out->values[i].name, tok, nl))
			return tctl_error_set(TCTL_EINVALID, "metric '%.*s' given twice", (int)nl, tok);
	if (out->len == TCTL_METRIC_MAX)
		return tctl_error_set(TCTL_EINVALID, "more than %d metrics on one line", TCTL_METRIC_MAX);
	mv = &out->values[out->len++];
	memcpy(mv->name, tok, nl);
	mv->name[nl] = '\0';
	return parse_value(&mv->value, mv->name, eq + 1, n - nl - 1);
}

/* The pairs after the prefix; `p` points at the first one, `end` at the line's end. */
static int parse_pairs(tctl_metric_line *out, const char *p, const char *end)
{
	bool first = true;
	int rc;

	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t n = sp ? (size_t)(sp - p) : (size_t)(end - p);
		if (!n)
			return tctl_error_set(TCTL_EINVALID, "pairs must be separated by one space");
		if (first && (n < 5 || memcmp(p, "step=", 5)))
			return tctl_error_set(TCTL_EINVALID, "expected step=<integer> first, got '%.*s'",
					      (int)n, p);
		if ((rc = parse_pair(out, p, n)) < 0)
			return rc;
		first = false;
		p += n + (sp ? 1 : 0);
		if (sp && p == end)
			return tctl_error_set(TCTL_EINVALID, "a space ends the line");
	}
	if (first)
		return tctl_error_set(TCTL_EINVALID, "expected step=<integer> and a metric");
	if (!out->len)
		return tctl_error_set(TCTL_EINVALID, "expected at least one metric after the step");
	return 1;
}

int tctl_metric_parse(tctl_metric_line *out, const char *line, size_t len)
{
	const char *end = line + len;

	if (len && end[-1] == '\r')
		end--;
	if ((size_t)(end - line) < PREFIX_LEN || memcmp(line, PREFIX, PREFIX_LEN))
		return 0;
	memset(out, 0, sizeof(*out));
	out->step = -1;
	line += PREFIX_LEN;
	if (line == end || *line != ' ')
		return tctl_error_set(TCTL_EINVALID, "expected one space after TRAINCTL_METRIC");
	return parse_pairs(out, line + 1, end);
}

bool tctl_metric_get(const tctl_metric_line *m, const char *name, double *out)
{
	for (size_t i = 0; i < m->len; i++)
		if (!strcmp(m->values[i].name, name)) {
			*out = m->values[i].value;
			return true;
		}
	return false;
}
