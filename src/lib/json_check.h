/* json_check.h: typed readers for JSON documents that report "FILE:LINE: path: expected ..."
 * (library-internal: shared by the job spec, the config and any other JSON parser).
 *
 * A checker walks a parsed jansson tree while keeping the path it is at; every
 * problem is recorded with the line of the value (found in the raw text by
 * json_locate.c) and parsing goes on, so one run reports every problem.
 * tctl_jc_finish() turns them into one error message, a problem per line,
 * sorted by line, at most TCTL_JC_MAX_PROBLEMS.
 *
 * Readers take an object and a member name. They return 1 when the member is
 * present and valid (and store it), 0 when it is absent (nothing stored), and
 * -1 when it is present but wrong (reported; nothing stored). A JSON null is
 * wrong, not absent. Strings stored are malloc'd; the old value is freed. */
#ifndef TRAINCTL_JSON_CHECK_H
#define TRAINCTL_JSON_CHECK_H

#include "trainctl/jsonpos.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCTL_JC_MAX_DEPTH 16
#define TCTL_JC_MAX_PROBLEMS 20

struct tctl_jc_problem;

typedef struct {
	const char *file;       /* name in messages; borrowed */
	const char *text;       /* raw JSON text; borrowed; NULL: no line numbers */
	size_t len;
	tctl_jsonpos_step path[TCTL_JC_MAX_DEPTH];
	size_t depth;
	struct tctl_jc_problem *problems;
	size_t count, cap, total;
	bool oom;
} tctl_jc;

void tctl_jc_init(tctl_jc *jc, const char *file, const char *text, size_t len);
void tctl_jc_free(tctl_jc *jc);

/* Path steps: borrowed keys, which must outlive their use. */
void tctl_jc_push(tctl_jc *jc, const char *key);
void tctl_jc_push_index(tctl_jc *jc, size_t index);
void tctl_jc_pop(tctl_jc *jc);

/* Record a problem at the current path (the value's line). */
void tctl_jc_error(tctl_jc *jc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a problem at member `key` of the current path (the key's line). */
void tctl_jc_error_key(tctl_jc *jc, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record a problem at member `key` of the current path (its value's line). */
void tctl_jc_error_in(tctl_jc *jc, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "expected WHAT, got VALUE" at the current path. */
void tctl_jc_expected(tctl_jc *jc, const char *what, const json_t *got);

bool tctl_jc_failed(const tctl_jc *jc);
/* The current path as text ("resources.gpus", "command[0]"); "" at the top. */
void tctl_jc_path(const tctl_jc *jc, char *buf, size_t size);
/* Format "got" text for a value: a JSON literal (shortened) or "an object". */
void tctl_jc_describe(char *buf, size_t size, const json_t *v);

/* 0 when nothing was recorded; else TCTL_EINVALID (or TCTL_ENOMEM) with
 * every problem, one per line, in the thread's error message. */
int tctl_jc_finish(tctl_jc *jc);

/* "FILE:LINE:COL: invalid JSON: ..." (or "duplicate key") from jansson's error; TCTL_EINVALID. */
int tctl_jc_syntax_error(const char *label, const json_error_t *e);
/* "FILE:LINE: expected a JSON object at the top level, got ..."; returns TCTL_EINVALID. */
int tctl_jc_not_object(const char *label, const char *text, size_t len, const json_t *root);
/* Parses `text` (duplicate keys refused) into *out, which must be an object; else one of the
 * two errors above, and *out is NULL. */
int tctl_jc_load_object(json_t **out, const char *text, size_t len, const char *label);

/* A pair in an alias table: a key from another tool (`from`) and ours (`to`). */
typedef struct {
	const char *from, *to;
} tctl_jc_alias;

/* Report every member of `obj` not in `allowed` (NULL-terminated), with a
 * suggestion by edit distance or from `aliases` (may be NULL; ends with a
 * NULL `from`). Returns the number of unknown keys. */
int tctl_jc_keys(tctl_jc *jc, const json_t *obj, const char *const *allowed,
		 const tctl_jc_alias *aliases);

/* Readers (see above for the return contract). */
int tctl_jc_object(tctl_jc *jc, const json_t *obj, const char *key, json_t **out);
int tctl_jc_string(tctl_jc *jc, const json_t *obj, const char *key, char **out);
int tctl_jc_bool(tctl_jc *jc, const json_t *obj, const char *key, bool *out);
int tctl_jc_int64(tctl_jc *jc, const json_t *obj, const char *key, int64_t *out,
		  int64_t min, int64_t max);
int tctl_jc_int(tctl_jc *jc, const json_t *obj, const char *key, int *out, int min, int max);
/* A number >= min (> min when `exclusive`). */
int tctl_jc_number(tctl_jc *jc, const json_t *obj, const char *key, double *out,
		   double min, bool exclusive);
/* A duration string with a unit ("90s", "PT2H"); at least `min` seconds. */
int tctl_jc_duration(tctl_jc *jc, const json_t *obj, const char *key, int64_t *out,
		     int64_t min);
/* A positive size: a string with a unit ("16GB") or an integer of bytes. */
int tctl_jc_size(tctl_jc *jc, const json_t *obj, const char *key, uint64_t *out);
/* One of `names` (NULL-terminated); *out is its index. */
int tctl_jc_enum(tctl_jc *jc, const json_t *obj, const char *key, const char *const *names,
		 int *out);
/* An array of non-empty strings (non-empty when `nonempty`); *out is
 * NULL-terminated; the old array is freed. */
int tctl_jc_strings(tctl_jc *jc, const json_t *obj, const char *key, char ***out,
		    size_t *out_len, bool nonempty);

/* A name: letters, digits, '.', '_' and '-', starting with a letter or digit, at
 * most 255 characters (job names, workspace profiles, experiments). */
int tctl_jc_name(tctl_jc *jc, const json_t *obj, const char *key, char **out);
/* An Azure region name: lower-case letters and digits ("westeurope"). */
int tctl_jc_region(tctl_jc *jc, const json_t *obj, const char *key, char **out);
bool tctl_name_valid(const char *s);
/* An AmlCompute cluster name / an Azure VM size name ("Standard_NC6s_v3"). */
int tctl_jc_compute(tctl_jc *jc, const json_t *obj, const char *key, char **out);
int tctl_jc_vm_size(tctl_jc *jc, const json_t *obj, const char *key, char **out);
bool tctl_compute_name_valid(const char *s);
bool tctl_vm_size_valid(const char *s);
/* A non-empty string that must also pass `valid`; `what` names the form expected. */
int tctl_jc_string_check(tctl_jc *jc, const json_t *obj, const char *key, char **out,
			 bool (*valid)(const char *), const char *what);
bool tctl_region_valid(const char *s);

/* Value readers at the current path (the caller pushed it): 0 or -1. */
int tctl_jc_value_string(tctl_jc *jc, const json_t *v, char **out);
int tctl_jc_value_number(tctl_jc *jc, const json_t *v, double *out, double min, bool exclusive);
int tctl_jc_value_enum(tctl_jc *jc, const json_t *v, const char *const *names, int *out);

/* A number for output, as JSON_REAL_PRECISION(15) prints it: an integer when that is whole
 * (so 4.0 prints "4"), else a real; the text reads back to the same number. */
json_t *tctl_json_number(double x);

/* Free a NULL-terminated string array (NULL is fine). */
void tctl_jc_strv_free(char **v);

#endif
