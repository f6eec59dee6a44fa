/* json_check.c: the checker's path, its problem list and the final error message. */
#include "json_check.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What fits in the thread's error message (error.c keeps 8 KiB), leaving
 * room for the "N more problems" line. */
#define MESSAGE_ROOM 8000

struct tctl_jc_problem {
	int line;
	size_t seq;
	char *msg;
};

void tctl_jc_init(tctl_jc *jc, const char *file, const char *text, size_t len)
{
	memset(jc, 0, sizeof(*jc));
	jc->file = file;
	jc->text = text;
	jc->len = len;
}

void tctl_jc_free(tctl_jc *jc)
{
	if (!jc)
		return;
	for (size_t i = 0; i < jc->count; i++)
		free(jc->problems[i].msg);
	free(jc->problems);
	jc->problems = NULL;
	jc->count = jc->cap = jc->total = 0;
}

void tctl_jc_push(tctl_jc *jc, const char *key)
{
	if (jc->depth < TCTL_JC_MAX_DEPTH) {
		jc->path[jc->depth].key = key;
		jc->path[jc->depth].index = 0;
	}
	jc->depth++;
}

void tctl_jc_push_index(tctl_jc *jc, size_t index)
{
	if (jc->depth < TCTL_JC_MAX_DEPTH) {
		jc->path[jc->depth].key = NULL;
		jc->path[jc->depth].index = index;
	}
	jc->depth++;
}

void tctl_jc_pop(tctl_jc *jc)
{
	if (jc->depth)
		jc->depth--;
}

bool tctl_jc_failed(const tctl_jc *jc)
{
	return jc->total > 0 || jc->oom;
}

static bool plain_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-')
			return false;
	return true;
}

static void path_step(tctl_buf *b, const tctl_jsonpos_step *s, bool first)
{
	json_t *k;
	char *q;

	if (!s->key) {
		tctl_buf_printf(b, "[%zu]", s->index);
	} else if (plain_key(s->key)) {
		tctl_buf_printf(b, "%s%s", first ? "" : ".", s->key);
	} else if ((k = json_string(s->key))) {
		if ((q = json_dumps(k, JSON_ENCODE_ANY))) {
			tctl_buf_printf(b, "[%s]", q);
			free(q);
		}
		json_decref(k);
	}
}

void tctl_jc_path(const tctl_jc *jc, char *buf, size_t size)
{
	tctl_buf b = TCTL_BUF_INIT;
	size_t depth = jc->depth < TCTL_JC_MAX_DEPTH ? jc->depth : TCTL_JC_MAX_DEPTH;

	for (size_t i = 0; i < depth; i++)
		path_step(&b, &jc->path[i], i == 0);
	snprintf(buf, size, "%s", b.ptr ? b.ptr : "");
	tctl_buf_free(&b);
}

static int add_problem(tctl_jc *jc, int line, char *msg)
{
	if (jc->count == jc->cap) {
		size_t cap = jc->cap ? jc->cap * 2 : 8;
		struct tctl_jc_problem *p = realloc(jc->problems, cap * sizeof(*p));
		if (!p) {
			free(msg);
			jc->oom = true;
			return -1;
		}
		jc->problems = p;
		jc->cap = cap;
	}
	jc->problems[jc->count].line = line;
	jc->problems[jc->count].seq = jc->total;
	jc->problems[jc->count].msg = msg;
	jc->count++;
	return 0;
}

/* Formats "FILE:LINE: path: message" for the current path (plus `key`). */
static void record(tctl_jc *jc, const char *key, bool key_pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void record(tctl_jc *jc, const char *key, bool key_pos, const char *fmt, va_list ap)
{
	tctl_buf b = TCTL_BUF_INIT;
	tctl_jsonpos pos = { 0, 0, 0 };
	char path[512];
	size_t depth = jc->depth < TCTL_JC_MAX_DEPTH ? jc->depth : TCTL_JC_MAX_DEPTH;

	jc->total++;
	if (key)
		tctl_jc_push(jc, key);
	tctl_jc_path(jc, path, sizeof(path));
	if (tctl_json_locate_nearest(&pos, NULL, jc->text, jc->len, jc->path,
				     key ? depth + 1 : depth, key_pos) < 0)
		pos.line = 0;
	if (key)
		tctl_jc_pop(jc);
	if (jc->file && pos.line)
		tctl_buf_printf(&b, "%s:%d: ", jc->file, pos.line);
	else if (jc->file)
		tctl_buf_printf(&b, "%s: ", jc->file);
	if (*path)
		tctl_buf_printf(&b, "%s: ", path);
	tctl_buf_vprintf(&b, fmt, ap);
	if (!b.ptr) {
		jc->oom = true;
		return;
	}
	add_problem(jc, pos.line, tctl_buf_detach(&b));
}

void tctl_jc_error(tctl_jc *jc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(jc, NULL, false, fmt, ap);
	va_end(ap);
}

void tctl_jc_error_key(tctl_jc *jc, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(jc, key, true, fmt, ap);
	va_end(ap);
}

void tctl_jc_error_in(tctl_jc *jc, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(jc, key, false, fmt, ap);
	va_end(ap);
}

void tctl_jc_describe(char *buf, size_t size, const json_t *v)
{
	char *s;

	if (json_is_object(v)) {
		snprintf(buf, size, json_object_size(v) ? "an object" : "{}");
		return;
	}
	if (json_is_array(v)) {
		snprintf(buf, size, json_array_size(v) ? "an array" : "[]");
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (!s) {
		snprintf(buf, size, "a value");
		return;
	}
	if (strlen(s) > 48)
		snprintf(buf, size, "%.44s...%s", s, json_is_string(v) ? "\"" : "");
	else
		snprintf(buf, size, "%s", s);
	free(s);
}

void tctl_jc_expected(tctl_jc *jc, const char *what, const json_t *got)
{
	char desc[64];

	tctl_jc_describe(desc, sizeof(desc), got);
	tctl_jc_error(jc, "expected %s, got %s", what, desc);
}

static int by_line(const void *a, const void *b)
{
	const struct tctl_jc_problem *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int tctl_jc_finish(tctl_jc *jc)
{
	tctl_buf b = TCTL_BUF_INIT;
	size_t shown = 0;

	if (jc->oom)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (!jc->total)
		return 0;
	qsort(jc->problems, jc->count, sizeof(*jc->problems), by_line);
	for (size_t i = 0; i < jc->count && shown < TCTL_JC_MAX_PROBLEMS; i++, shown++) {
		if (b.len + strlen(jc->problems[i].msg) > MESSAGE_ROOM)
			break;
		tctl_buf_printf(&b, "%s%s", i ? "\n" : "", jc->problems[i].msg);
	}
	if (jc->total > shown)
		tctl_buf_printf(&b, "\n%zu more problem%s not shown", jc->total - shown,
				jc->total - shown == 1 ? "" : "s");
	tctl_error_set(TCTL_EINVALID, "%s", b.ptr ? b.ptr : "invalid input");
	tctl_buf_free(&b);
	return TCTL_EINVALID;
}

/* "near '\"a\"'" in jansson's text names the repeated key. */
int tctl_jc_syntax_error(const char *label, const json_error_t *e)
{
	const char *near = strstr(e->text, "near '");
	int col = e->column > 0 ? e->column : 1;

	if (json_error_code(e) == json_error_duplicate_key && near)
		return tctl_error_set(TCTL_EINVALID, "%s:%d:%d: duplicate key %.*s (each key may "
				      "appear once)", label, e->line, col,
				      (int)strlen(near + 6) - 1, near + 6);
	return tctl_error_set(TCTL_EINVALID, "%s:%d:%d: invalid JSON: %s", label,
			      e->line > 0 ? e->line : 1, col, e->text);
}

int tctl_jc_not_object(const char *label, const char *text, size_t len, const json_t *root)
{
	tctl_jsonpos pos = { 1, 1, 0 };
	char desc[64];

	tctl_json_locate(&pos, text, len, NULL, 0, false);
	tctl_jc_describe(desc, sizeof(desc), root);
	return tctl_error_set(TCTL_EINVALID, "%s:%d: expected a JSON object at the top level, "
			      "got %s", label, pos.line, desc);
}

int tctl_jc_load_object(json_t **out, const char *text, size_t len, const char *label)
{
	json_error_t e;
	int rc;

	if (!(*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e)))
		return tctl_jc_syntax_error(label, &e);
	if (json_is_object(*out))
		return 0;
	rc = tctl_jc_not_object(label, text, len, *out);
	json_decref(*out);
	*out = NULL;
	return rc;
}

json_t *tctl_json_number(double x)
{
	char text[32];
	double printed;

	/* as it will print (JSON_REAL_PRECISION(15)), so that the text reads back to itself:
	 * 277777777777888.885 prints as 277777777777889.0, which would read back as a whole
	 * number and print as 277777777777889 (fuzz_job) */
	snprintf(text, sizeof(text), "%.15g", x);
	printed = strtod(text, NULL);
	if (printed == floor(printed) && fabs(printed) < 9007199254740992.0)
		return json_integer((json_int_t)printed);
	return json_real(printed);
}
