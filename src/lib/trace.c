/* trace.c: read a job trace from CSV with column expressions; every error names line and field. */
#include "trainctl/trace.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FACTORS 8
#define MAX_TERMS 8
#define MAX_FIELDS 256

/* ---- column specs ---- */

static const char *const keys[] = { "submit", "gpus", "duration", "cpus", "memory", "id" };

static char **slot_of(tctl_trace_columns *c, size_t k)
{
	char **slots[] = { &c->submit, &c->gpus, &c->duration, &c->cpus, &c->memory, &c->id };
	return slots[k];
}

void tctl_trace_columns_free(tctl_trace_columns *c)
{
	if (!c)
		return;
	for (size_t k = 0; k < 6; k++) {
		free(*slot_of(c, k));
		*slot_of(c, k) = NULL;
	}
}

static int set_column(tctl_trace_columns *c, const char *key, size_t klen, const char *val,
		      size_t vlen)
{
	for (size_t k = 0; k < 6; k++) {
		if (strlen(keys[k]) != klen || strncmp(keys[k], key, klen))
			continue;
		if (!vlen)
			return tctl_error_set(TCTL_EINVALID, "--columns: '%s' has no column", keys[k]);
		free(*slot_of(c, k));
		if (!(*slot_of(c, k) = strndup(val, vlen)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		return 0;
	}
	return tctl_error_set(TCTL_EINVALID, "--columns: unknown key '%.*s' (expected submit, gpus, duration, cpus, memory or id)",
			      (int)klen, key);
}

int tctl_trace_columns_parse(tctl_trace_columns *out, const char *spec)
{
	tctl_trace_columns c = { 0 };
	const char *p = spec;
	int error = 0;

	if ((error = set_column(&c, "submit", 6, "submit_time", 11)) < 0 ||
	    (error = set_column(&c, "gpus", 4, "gpus", 4)) < 0 ||
	    (error = set_column(&c, "duration", 8, "duration", 8)) < 0)
		goto done;
	while (p && *p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (!eq) {
			error = tctl_error_set(TCTL_EINVALID, "--columns: expected KEY=COLUMN, got '%.*s'",
					       (int)(end - p), p);
			goto done;
		}
		if ((error = set_column(&c, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1))) < 0)
			goto done;
		p = comma ? comma + 1 : end;
	}
done:
	if (error < 0) {
		tctl_trace_columns_free(&c);
		return error;
	}
	*out = c;
	return 0;
}

/* ---- expressions: sums of products of columns and numbers ---- */

typedef struct {
	int col;        /* -1 for a number */
	double num;
	bool divide;
} factor;

typedef struct {
	double sign;
	factor f[MAX_FACTORS];
	int nf;
} term;

typedef struct {
	const char *text;
	term t[MAX_TERMS];
	int nt;
} expr;

typedef struct {
	const char *path;
	char *names[MAX_FIELDS];
	size_t nnames;
} header;

static int unknown_column(const header *h, const char *what, const char *name, size_t len)
{
	char word[128], list[512] = "";
	const char *hint;
	size_t n = 0;

	snprintf(word, sizeof(word), "%.*s", (int)len, name);
	for (size_t i = 0; i < h->nnames && n + 2 < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", h->names[i]);
	hint = tctl_suggest(word, (const char *const *)h->names, h->nnames);
	if (hint)
		return tctl_error_set(TCTL_EINVALID, "%s: %s: no column '%s' (did you mean '%s'?)", h->path, what, word, hint);
	return tctl_error_set(TCTL_EINVALID, "%s: %s: no column '%s' (the header has: %s)", h->path, what, word, list);
}

static int find_column(const header *h, const char *name, size_t len)
{
	for (size_t i = 0; i < h->nnames; i++)
		if (strlen(h->names[i]) == len && !strncmp(h->names[i], name, len))
			return (int)i;
	return -1;
}

/* Reads a column name or a number at *p into *f. */
static int parse_factor(factor *f, const char **p, const header *h, const char *what)
{
	const char *s = *p;
	char *end;

	if (isdigit((unsigned char)*s) || *s == '.') {
		f->col = -1;
		f->num = strtod(s, &end);
		*p = end;
		return 0;
	}
	while (isalnum((unsigned char)**p) || **p == '_' || **p == '.')
		(*p)++;
	if (*p == s)
		return tctl_error_set(TCTL_EINVALID, "%s: %s: expected a column or a number at '%s'",
				      h->path, what, s);
	if ((f->col = find_column(h, s, (size_t)(*p - s))) < 0)
		return unknown_column(h, what, s, (size_t)(*p - s));
	return 0;
}

static void skip_spaces(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

static int compile(expr *e, const char *text, const header *h, const char *what)
{
	const char *p = text;
	int error;

	e->text = text;
	e->nt = 0;
	while (*p) {
		term *t;
		if (e->nt == MAX_TERMS)
			return tctl_error_set(TCTL_EINVALID, "%s: %s: too many terms", h->path, what);
		t = &e->t[e->nt++];
		t->sign = 1;
		t->nf = 0;
		if (e->nt > 1)
			t->sign = *p++ == '-' ? -1 : 1;
		for (bool divide = false;;) {
			if (t->nf == MAX_FACTORS)
				return tctl_error_set(TCTL_EINVALID, "%s: %s: too many factors", h->path, what);
			skip_spaces(&p);
			t->f[t->nf].divide = divide;
			if ((error = parse_factor(&t->f[t->nf++], &p, h, what)) < 0)
				return error;
			skip_spaces(&p);
			if (*p != '*' && *p != '/')
				break;
			divide = *p++ == '/';
		}
		if (*p && *p != '+' && *p != '-')
			return tctl_error_set(TCTL_EINVALID, "%s: %s: unexpected '%c' in '%s'", h->path,
					      what, *p, text);
	}
	return 0;
}

/* ---- rows ---- */

typedef struct {
	const char *path;
	size_t line;
	char *fields[MAX_FIELDS];
	size_t nfields;
} row;

/* Splits one CSV record in place (quotes with "" escapes); *p moves past its newline. */
static void split_row(row *r, char **p)
{
	char *s = *p, *w;

	r->nfields = 0;
	for (;;) {
		bool quoted = *s == '"';
		if (quoted)
			s++;
		w = s;
		if (r->nfields < MAX_FIELDS)
			r->fields[r->nfields++] = w;
		while (*s && (quoted || (*s != ',' && *s != '\n' && *s != '\r'))) {
			if (quoted && *s == '"') {
				if (s[1] != '"') {
					quoted = false;
					s++;
					continue;
				}
				s++;
			}
			*w++ = *s++;
		}
		if (*s != ',') {
			char *eol = s;
			if (*s == '\r')
				s++;
			if (*s == '\n')
				s++;
			*w = '\0';
			(void)eol;
			break;
		}
		*w = '\0';
		s++;
	}
	*p = s;
}

/* 1: the cell is empty; 0 with *out; < 0 on a bad number. */
static int cell(double *out, const row *r, const header *h, int col)
{
	const char *s = r->fields[col];
	char *end;

	while (*s == ' ')
		s++;
	if (!*s)
		return 1;
	errno = 0;
	*out = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (errno || *end || !isfinite(*out))
		return tctl_error_set(TCTL_EINVALID, "%s:%zu: field '%s': expected a number, got '%s'",
				      r->path, r->line, h->names[col], r->fields[col]);
	return 0;
}

/* Evaluates `e` on row `r`; 1 (and *empty_col) when a cell it needs is empty. */
static int eval(double *out, const expr *e, const row *r, const header *h, int *empty_col)
{
	double sum = 0;
	int rc;

	for (int i = 0; i < e->nt; i++) {
		double v = 1;
		for (int j = 0; j < e->t[i].nf; j++) {
			const factor *f = &e->t[i].f[j];
			double x = f->num;
			if (f->col >= 0 && (rc = cell(&x, r, h, f->col)) != 0) {
				*empty_col = f->col;
				return rc;
			}
			v = f->divide ? v / x : v * x;
		}
		sum += e->t[i].sign * v;
	}
	if (!isfinite(sum))
		return tctl_error_set(TCTL_EINVALID, "%s:%zu: %s is not a finite number (division by zero?)",
				      r->path, r->line, e->text);
	*out = sum;
	return 0;
}

/* ---- the file ---- */

typedef struct {
	expr submit, gpus, duration, cpus, memory;
	int id_col;            /* -1: none */
	bool has_cpus, has_memory;
} compiled;

static int read_header(header *h, char **p, const char *path)
{
	row r = { path, 1, { 0 }, 0 };

	h->path = path;
	if (!**p)
		return tctl_error_set(TCTL_EINVALID, "%s: the file is empty (expected a CSV header line)", path);
	split_row(&r, p);
	if (r.nfields >= MAX_FIELDS)
		return tctl_error_set(TCTL_EINVALID, "%s:1: more than %d columns", path, MAX_FIELDS - 1);
	for (size_t i = 0; i < r.nfields; i++)
		h->names[i] = r.fields[i];
	h->nnames = r.nfields;
	return 0;
}

static int compile_all(compiled *c, const tctl_trace_columns *cols, const header *h)
{
	int error;

	c->has_cpus = cols->cpus != NULL;
	c->has_memory = cols->memory != NULL;
	c->id_col = -1;
	if ((error = compile(&c->submit, cols->submit, h, "submit")) < 0 ||
	    (error = compile(&c->gpus, cols->gpus, h, "gpus")) < 0 ||
	    (error = compile(&c->duration, cols->duration, h, "duration")) < 0 ||
	    (cols->cpus && (error = compile(&c->cpus, cols->cpus, h, "cpus")) < 0) ||
	    (cols->memory && (error = compile(&c->memory, cols->memory, h, "memory")) < 0))
		return error;
	if (cols->id && (c->id_col = find_column(h, cols->id, strlen(cols->id))) < 0)
		return unknown_column(h, "id", cols->id, strlen(cols->id));
	return 0;
}

/* One value of a row: evaluated, then checked >= 0 and < 9e18. 1 when a needed cell is empty. */
static int value(double *out, const expr *e, const char *what, const row *r, const header *h,
		 int *empty)
{
	int rc = eval(out, e, r, h, empty);

	if (rc != 0)
		return rc;
	if (*out < 0) {
		char v[32];
		snprintf(v, sizeof(v), *out == floor(*out) && *out > -1e15 ? "%.0f" : "%g", *out);
		if (strcmp(e->text, what))
			return tctl_error_set(TCTL_EINVALID, "%s:%zu: %s (%s) is %s, expected >= 0",
					      r->path, r->line, what, e->text, v);
		return tctl_error_set(TCTL_EINVALID, "%s:%zu: field '%s' is %s, expected >= 0",
				      r->path, r->line, what, v);
	}
	if (*out >= 9e18)   /* seconds and bytes are whole int64_t numbers: no more than that */
		return tctl_error_set(TCTL_EINVALID, "%s:%zu: %s (%s) is %g, expected at most 9e18",
				      r->path, r->line, what, e->text, *out);
	return 0;
}

static int row_values(tctl_trace_job *j, const compiled *c, const row *r, const header *h,
		      int *empty)
{
	double submit, gpus, duration, cpus = 0, memory = 0;
	int rc;

	if ((rc = value(&submit, &c->submit, "submit", r, h, empty)) != 0 ||
	    (rc = value(&gpus, &c->gpus, "gpus", r, h, empty)) != 0 ||
	    (rc = value(&duration, &c->duration, "duration", r, h, empty)) != 0 ||
	    (c->has_cpus && (rc = value(&cpus, &c->cpus, "cpus", r, h, empty)) != 0) ||
	    (c->has_memory && (rc = value(&memory, &c->memory, "memory", r, h, empty)) != 0))
		return rc;
	j->submit = (int64_t)llround(submit);
	j->gpus = gpus;
	j->duration = (int64_t)llround(duration);
	j->cpus = cpus;
	j->memory = (uint64_t)llround(memory);
	return 0;
}

static int add_job(tctl_trace *t, size_t *cap, const tctl_trace_job *j)
{
	if (t->jobs_len == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		tctl_trace_job *a = realloc(t->jobs, n * sizeof(*a));
		if (!a)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		t->jobs = a;
		*cap = n;
	}
	t->jobs[t->jobs_len++] = *j;
	return 0;
}

static int job_id(tctl_trace_job *j, const compiled *c, const row *r)
{
	char buf[32];

	if (c->id_col >= 0 && *r->fields[c->id_col])
		j->id = strdup(r->fields[c->id_col]);
	else {
		snprintf(buf, sizeof(buf), "line %zu", r->line);
		j->id = strdup(buf);
	}
	return j->id ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* Reads one data row into the trace: checks, skips or appends. */
static int read_row(tctl_trace *t, size_t *cap, const compiled *c, row *r, const header *h,
		    const tctl_trace_columns *cols)
{
	tctl_trace_job j = { 0 };
	int empty = -1, rc;

	t->rows++;
	if (r->nfields != h->nnames)
		return tctl_error_set(TCTL_EINVALID, "%s:%zu: %zu fields, the header has %zu",
				      r->path, r->line, r->nfields, h->nnames);
	if ((rc = row_values(&j, c, r, h, &empty)) < 0)
		return rc;
	if (rc == 1) {
		if (!cols->skip_incomplete)
			return tctl_error_set(TCTL_EINVALID, "%s:%zu: field '%s' is empty (use --skip-incomplete to skip such rows)",
					      r->path, r->line, h->names[empty]);
		if (!t->skipped_incomplete++)
			snprintf(t->skipped_example, sizeof(t->skipped_example), "line %zu: '%s' is empty",
				 r->line, h->names[empty]);
		return 0;
	}
	if (t->jobs_len && j.submit < t->jobs[t->jobs_len - 1].submit)
		return tctl_error_set(TCTL_EINVALID, "%s:%zu: submit time %lld is before the previous row's %lld (the trace must be sorted by submit time)",
				      r->path, r->line, (long long)j.submit,
				      (long long)t->jobs[t->jobs_len - 1].submit);
	j.line = r->line;
	if ((rc = job_id(&j, c, r)) < 0)
		return rc;
	if ((rc = add_job(t, cap, &j)) < 0)
		free(j.id);
	return rc;
}

/* The 1-based line of the first NUL byte in text. */
static size_t nul_line(const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	size_t line = 1;

	for (const char *c = text; c < nul; c++)
		line += *c == '\n';
	return line;
}

static bool blank(const char *p)
{
	while (*p == ' ' || *p == '\r' || *p == '\t')
		p++;
	return *p == '\n' || !*p;
}

/* Reads the trace in `text` (NUL-terminated, modified in place while split into cells). */
static int parse_text(tctl_trace *t, char *text, const char *path, const tctl_trace_columns *cols)
{
	char *p = text;
	header h = { 0 };
	compiled c;
	size_t cap = 0, line = 1;
	int error;

	if ((error = read_header(&h, &p, path)) < 0 || (error = compile_all(&c, cols, &h)) < 0)
		return error;
	while (*p) {
		row r = { path, ++line, { 0 }, 0 };
		if (blank(p)) {
			p += strcspn(p, "\n");
			p += *p == '\n';
			continue;
		}
		split_row(&r, &p);
		if ((error = read_row(t, &cap, &c, &r, &h, cols)) < 0)
			return error;
	}
	return 0;
}

int tctl_trace_parse(tctl_trace **out, const char *text, size_t len, const char *path,
		     const tctl_trace_columns *cols)
{
	tctl_trace *t = calloc(1, sizeof(*t));
	char *copy = NULL;
	int error;

	if (!t || !(copy = malloc(len + 1))) {
		free(t);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len))
		error = tctl_error_set(TCTL_EINVALID, "%s: line %zu: a NUL byte (not a CSV text file)",
				       path, nul_line(text, len));
	else
		error = parse_text(t, copy, path, cols);
	free(copy);
	if (error < 0) {
		tctl_trace_free(t);
		return error;
	}
	*out = t;
	return 0;
}

int tctl_trace_read(tctl_trace **out, const char *path, const tctl_trace_columns *cols)
{
	char *text = NULL;
	size_t len;
	int error;

	if ((error = tctl_file_read(&text, &len, path)) < 0)
		return error;
	error = tctl_trace_parse(out, text, len, path, cols);
	free(text);
	return error;
}

void tctl_trace_free(tctl_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->jobs_len; i++)
		free(t->jobs[i].id);
	free(t->jobs);
	free(t);
}
