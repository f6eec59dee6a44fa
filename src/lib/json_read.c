/* json_read.c: typed readers over a jansson tree that report what they expected and where. */
#include "json_check.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_WHAT "a duration with a unit, such as \"90s\", \"15m\", \"2h\", \"1d\" or \"PT2H\""
#define SIZE_WHAT "a size such as \"16GB\", \"512MiB\" or a number of bytes"

/* Looks up obj[key]; pushes the key when present. */
static json_t *enter(tctl_jc *jc, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v)
		tctl_jc_push(jc, key);
	return v;
}

static int leave(tctl_jc *jc, int rc)
{
	tctl_jc_pop(jc);
	return rc;
}

int tctl_jc_keys(tctl_jc *jc, const json_t *obj, const char *const *allowed,
		 const tctl_jc_alias *aliases)
{
	const char *key, *hint;
	json_t *v;
	size_t n = 0;
	int unknown = 0;

	while (allowed[n])
		n++;
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		for (i = 0; i < n && strcmp(allowed[i], key); i++)
			;
		if (i < n)
			continue;
		unknown++;
		for (hint = NULL; aliases && aliases->from && !hint; aliases++)
			if (!strcmp(aliases->from, key))
				hint = aliases->to;
		if (hint) {
			tctl_jc_error_key(jc, key, "unknown key (trainctl calls it '%s')", hint);
		} else if ((hint = tctl_suggest(key, allowed, n))) {
			tctl_jc_error_key(jc, key, "unknown key (did you mean '%s'?)", hint);
		} else {
			tctl_jc_error_key(jc, key, "unknown key");
		}
	}
	return unknown;
}

int tctl_jc_object(tctl_jc *jc, const json_t *obj, const char *key, json_t **out)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v)) {
		tctl_jc_expected(jc, "an object", v);
		return leave(jc, -1);
	}
	*out = v;
	return leave(jc, 1);
}

static char *dup_or_oom(tctl_jc *jc, const char *s)
{
	char *d = strdup(s);

	if (!d)
		jc->oom = true;
	return d;
}

int tctl_jc_value_string(tctl_jc *jc, const json_t *v, char **out)
{
	char *d;

	if (!json_is_string(v) || !json_string_length(v)) {
		tctl_jc_expected(jc, "a non-empty string", v);
		return -1;
	}
	if (!(d = dup_or_oom(jc, json_string_value(v))))
		return -1;
	free(*out);
	*out = d;
	return 0;
}

int tctl_jc_string(tctl_jc *jc, const json_t *obj, const char *key, char **out)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	return leave(jc, tctl_jc_value_string(jc, v, out) < 0 ? -1 : 1);
}

int tctl_jc_bool(tctl_jc *jc, const json_t *obj, const char *key, bool *out)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		tctl_jc_expected(jc, "true or false", v);
		return leave(jc, -1);
	}
	*out = json_is_true(v);
	return leave(jc, 1);
}

static void int_what(char *buf, size_t size, int64_t min, int64_t max, int64_t got)
{
	bool open_top = max >= INT_MAX;

	if (open_top && got > max)
		snprintf(buf, size, "an integer no larger than %" PRId64, max);
	else if (open_top && min == 0)
		snprintf(buf, size, "a non-negative integer");
	else if (open_top && min == 1)
		snprintf(buf, size, "a positive integer");
	else if (open_top)
		snprintf(buf, size, "an integer of at least %" PRId64, min);
	else
		snprintf(buf, size, "an integer from %" PRId64 " to %" PRId64, min, max);
}

int tctl_jc_int64(tctl_jc *jc, const json_t *obj, const char *key, int64_t *out,
		  int64_t min, int64_t max)
{
	json_t *v = enter(jc, obj, key);
	char what[96];
	int64_t n;

	if (!v)
		return 0;
	n = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
	if (!json_is_integer(v) || n < min || n > max) {
		int_what(what, sizeof(what), min, max, n);
		tctl_jc_expected(jc, what, v);
		return leave(jc, -1);
	}
	*out = n;
	return leave(jc, 1);
}

int tctl_jc_int(tctl_jc *jc, const json_t *obj, const char *key, int *out, int min, int max)
{
	int64_t n = 0;
	int rc = tctl_jc_int64(jc, obj, key, &n, min, max);

	if (rc == 1)
		*out = (int)n;
	return rc;
}

int tctl_jc_value_number(tctl_jc *jc, const json_t *v, double *out, double min, bool exclusive)
{
	double n = json_is_number(v) ? json_number_value(v) : 0;

	if (!json_is_number(v) || !isfinite(n) || n < min || (exclusive && n == min)) {
		char what[64];
		if (min == 0)
			snprintf(what, sizeof(what), exclusive ? "a positive number"
				 : "a non-negative number");
		else
			snprintf(what, sizeof(what), "a number %s %g", exclusive ? "above"
				 : "of at least", min);
		tctl_jc_expected(jc, what, v);
		return -1;
	}
	*out = n;
	return 0;
}

int tctl_jc_number(tctl_jc *jc, const json_t *obj, const char *key, double *out,
		   double min, bool exclusive)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	return leave(jc, tctl_jc_value_number(jc, v, out, min, exclusive) < 0 ? -1 : 1);
}

int tctl_jc_duration(tctl_jc *jc, const json_t *obj, const char *key, int64_t *out,
		     int64_t min)
{
	json_t *v = enter(jc, obj, key);
	int64_t secs = 0;

	if (!v)
		return 0;
	if (!json_is_string(v) || tctl_duration_parse(&secs, json_string_value(v)) < 0) {
		tctl_jc_expected(jc, DURATION_WHAT, v);
		return leave(jc, -1);
	}
	if (secs < min) {
		tctl_jc_expected(jc, min == 1 ? "a duration longer than zero"
				 : "a longer duration", v);
		return leave(jc, -1);
	}
	*out = secs;
	return leave(jc, 1);
}

int tctl_jc_size(tctl_jc *jc, const json_t *obj, const char *key, uint64_t *out)
{
	json_t *v = enter(jc, obj, key);
	uint64_t bytes = 0;
	bool ok;

	if (!v)
		return 0;
	if (json_is_integer(v))
		ok = json_integer_value(v) >= 0 && (bytes = (uint64_t)json_integer_value(v), 1);
	else
		ok = json_is_string(v) && tctl_size_parse(&bytes, json_string_value(v)) == 0;
	if (!ok) {
		tctl_jc_expected(jc, SIZE_WHAT, v);
		return leave(jc, -1);
	}
	if (!bytes) {
		tctl_jc_expected(jc, "a size larger than zero", v);
		return leave(jc, -1);
	}
	*out = bytes;
	return leave(jc, 1);
}

/* "one of 'a', 'b' or 'c'" */
static void enum_what(tctl_buf *b, const char *const *names)
{
	tctl_buf_puts(b, "one of ");
	for (size_t i = 0; names[i]; i++)
		tctl_buf_printf(b, "%s\"%s\"", i == 0 ? "" : names[i + 1] ? ", " : " or ",
				names[i]);
}

int tctl_jc_value_enum(tctl_jc *jc, const json_t *v, const char *const *names, int *out)
{
	tctl_buf what = TCTL_BUF_INIT;
	const char *hint = NULL;
	size_t n = 0;
	char desc[64];

	while (names[n])
		n++;
	for (size_t i = 0; json_is_string(v) && i < n; i++) {
		if (!strcmp(names[i], json_string_value(v))) {
			*out = (int)i;
			return 0;
		}
	}
	if (json_is_string(v))
		hint = tctl_suggest(json_string_value(v), names, n);
	enum_what(&what, names);
	tctl_jc_describe(desc, sizeof(desc), v);
	if (hint)
		tctl_jc_error(jc, "expected %s, got %s (did you mean \"%s\"?)",
			      what.ptr ? what.ptr : "", desc, hint);
	else
		tctl_jc_error(jc, "expected %s, got %s", what.ptr ? what.ptr : "", desc);
	tctl_buf_free(&what);
	return -1;
}

int tctl_jc_enum(tctl_jc *jc, const json_t *obj, const char *key, const char *const *names,
		 int *out)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	return leave(jc, tctl_jc_value_enum(jc, v, names, out) < 0 ? -1 : 1);
}

void tctl_jc_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* Copies the array's strings; problems are reported per element. */
static int read_strings(tctl_jc *jc, const json_t *arr, char ***out, size_t *out_len)
{
	size_t n = json_array_size(arr), i;
	char **v = calloc(n + 1, sizeof(*v));
	int bad = 0;

	if (!v) {
		jc->oom = true;
		return -1;
	}
	for (i = 0; i < n; i++) {
		tctl_jc_push_index(jc, i);
		if (tctl_jc_value_string(jc, json_array_get(arr, i), &v[i]) < 0)
			bad = 1;
		tctl_jc_pop(jc);
	}
	if (bad) {
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	tctl_jc_strv_free(*out);
	*out = v;
	*out_len = n;
	return 0;
}

int tctl_jc_strings(tctl_jc *jc, const json_t *obj, const char *key, char ***out,
		    size_t *out_len, bool nonempty)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	if (!json_is_array(v) || (nonempty && !json_array_size(v))) {
		tctl_jc_expected(jc, nonempty ? "a non-empty array of strings"
				 : "an array of strings", v);
		return leave(jc, -1);
	}
	return leave(jc, read_strings(jc, v, out, out_len) < 0 ? -1 : 1);
}

bool tctl_name_valid(const char *s)
{
	size_t n = 0;

	if (!isalnum((unsigned char)*s))
		return false;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && !strchr("._-", s[n]))
			return false;
	return n <= 255;
}

bool tctl_region_valid(const char *s)
{
	size_t n = 0;

	if (!islower((unsigned char)*s))
		return false;
	for (; s[n]; n++)
		if (!islower((unsigned char)s[n]) && !isdigit((unsigned char)s[n]))
			return false;
	return n <= 64;
}


int tctl_jc_string_check(tctl_jc *jc, const json_t *obj, const char *key, char **out,
			 bool (*valid)(const char *), const char *what)
{
	json_t *v = enter(jc, obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || !valid(json_string_value(v))) {
		tctl_jc_expected(jc, what, v);
		return leave(jc, -1);
	}
	return leave(jc, tctl_jc_value_string(jc, v, out) < 0 ? -1 : 1);
}

int tctl_jc_name(tctl_jc *jc, const json_t *obj, const char *key, char **out)
{
	return tctl_jc_string_check(jc, obj, key, out, tctl_name_valid,
			      "a name of letters, digits, '.', '_' and '-'");
}

int tctl_jc_region(tctl_jc *jc, const json_t *obj, const char *key, char **out)
{
	return tctl_jc_string_check(jc, obj, key, out, tctl_region_valid,
			      "an Azure region name such as \"westeurope\"");
}
