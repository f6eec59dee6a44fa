/* ledger_record.c: a run row as one JSON object of its columns (runs waiting in the spool). */
#include "ledger_internal.h"
#include "json_check.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *column_json(const struct ledger_column *c, const tctl_run *r)
{
	const void *p = (const char *)r + c->offset;

	switch (c->type) {
	case C_TEXT: {
		const char *s = *(char *const *)p;
		return s ? json_string(s) : NULL;
	}
	case C_I64: return json_integer(*(const int64_t *)p);
	case C_INT: return json_integer(*(const int *)p);
	case C_U64: return json_integer((json_int_t)*(const uint64_t *)p);
	case C_REAL: return json_real(*(const double *)p);
	case C_BOOL: return json_boolean(*(const bool *)p);
	case C_STATE: return json_string(tctl_run_state_name(*(const tctl_run_state *)p));
	}
	return NULL;
}

int tctl_run_record_to_json(char **out, const tctl_run *r)
{
	size_t n;
	const struct ledger_column *cols = ledger_run_columns(&n);
	json_t *o = json_object();
	bool oom = !o || json_object_set_new(o, "id", json_string(r->id)) < 0;

	*out = NULL;
	for (size_t i = 0; i < n && !oom; i++) {
		json_t *v = column_json(&cols[i], r);
		if (!v && cols[i].type == C_REAL) {
			json_decref(o);
			return tctl_error_set(TCTL_EINVALID, "run '%s': %s is not a finite number",
					      r->id, cols[i].name);
		}
		oom = v ? json_object_set_new(o, cols[i].name, v) < 0 : cols[i].type != C_TEXT;
	}
	*out = oom ? NULL : json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

static void read_column(tctl_jc *jc, const json_t *o, const struct ledger_column *c, tctl_run *r)
{
	void *p = (char *)r + c->offset;
	int64_t v = 0;
	int state = 0;

	switch (c->type) {
	case C_TEXT: tctl_jc_string(jc, o, c->name, (char **)p); break;
	case C_I64: tctl_jc_int64(jc, o, c->name, (int64_t *)p, INT64_MIN, INT64_MAX); break;
	case C_INT: tctl_jc_int(jc, o, c->name, (int *)p, INT32_MIN, INT32_MAX); break;
	case C_U64:
		if (tctl_jc_int64(jc, o, c->name, &v, 0, INT64_MAX) == 1)
			*(uint64_t *)p = (uint64_t)v;
		break;
	case C_REAL: tctl_jc_number(jc, o, c->name, (double *)p, -1e300, false); break;
	case C_BOOL: tctl_jc_bool(jc, o, c->name, (bool *)p); break;
	case C_STATE: {
		static const char *names[TCTL_RUN_STATE_COUNT + 1];
		for (int i = 0; i < TCTL_RUN_STATE_COUNT; i++)
			names[i] = tctl_run_state_name((tctl_run_state)i);
		if (tctl_jc_enum(jc, o, c->name, names, &state) == 1)
			*(tctl_run_state *)p = (tctl_run_state)state;
		break;
	}
	}
}

/* Every key must be a column; the id must be a run id; the rest may be absent (zero, NULL). */
static void read_record(tctl_jc *jc, const json_t *o, tctl_run *r)
{
	size_t n;
	const struct ledger_column *cols = ledger_run_columns(&n);
	const char *allowed[100] = { "id" };
	char *id = NULL;

	for (size_t i = 0; i < n && i + 2 < sizeof(allowed) / sizeof(allowed[0]); i++)
		allowed[i + 1] = cols[i].name;
	tctl_jc_keys(jc, o, allowed, NULL);
	if (tctl_jc_string(jc, o, "id", &id) == 0)
		tctl_jc_error(jc, "'id' is missing: expected the run's id");
	else if (id && (strlen(id) != TCTL_RUN_ID_LEN || strspn(id, "0123456789abcdefghijklmnopqrstuvwxyz") != TCTL_RUN_ID_LEN))
		tctl_jc_error_in(jc, "id", "expected a run id (%d lower-case letters or digits)",
				 TCTL_RUN_ID_LEN);
	else if (id)
		memcpy(r->id, id, TCTL_RUN_ID_SIZE);
	free(id);
	r->exit_code = -1;
	for (size_t i = 0; i < n; i++)
		read_column(jc, o, &cols[i], r);
}

int tctl_run_record_from_json(tctl_run *out, const char *text, size_t len, const char *origin)
{
	json_t *root;
	tctl_jc jc;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = tctl_jc_load_object(&root, text, len, origin)) < 0)
		return rc;
	tctl_jc_init(&jc, origin, text, len);
	read_record(&jc, root, out);
	rc = tctl_jc_finish(&jc);
	tctl_jc_free(&jc);
	json_decref(root);
	if (rc < 0)
		tctl_run_clear(out);
	return rc;
}
