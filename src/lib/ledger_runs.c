/* ledger_runs.c: reading and writing run rows through one table of columns. */
#include "ledger_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COL(n, t, f) { n, t, offsetof(tctl_run, f), false }
#define BRIEF(n, t, f) { n, t, offsetof(tctl_run, f), true }

/* Every column after the id, in schema order. */
static const struct ledger_column columns[] = {
	BRIEF("name", C_TEXT, name), COL("spec", C_TEXT, spec), COL("spec_path", C_TEXT, spec_path),
	BRIEF("placement", C_TEXT, placement), BRIEF("backend", C_TEXT, backend),
	COL("backend_id", C_TEXT, backend_id), BRIEF("parent_id", C_TEXT, parent_id),
	BRIEF("state", C_STATE, state), COL("reason", C_TEXT, reason),
	BRIEF("submitted_ms", C_I64, submitted_ms), BRIEF("started_ms", C_I64, started_ms),
	COL("ended_ms", C_I64, ended_ms), COL("exit_code", C_INT, exit_code),
	COL("term_signal", C_INT, term_signal), BRIEF("cpus", C_REAL, cpus),
	BRIEF("memory", C_U64, memory), BRIEF("gpus", C_INT, gpus), BRIEF("gpu_ids", C_TEXT, gpu_ids),
	BRIEF("supervisor_pid", C_I64, supervisor_pid), BRIEF("supervisor_start", C_I64, supervisor_start),
	BRIEF("job_pid", C_I64, job_pid), BRIEF("job_start", C_I64, job_start),
	BRIEF("boot_id", C_TEXT, boot_id), COL("peak_rss", C_U64, peak_rss),
	COL("user_s", C_REAL, user_s), COL("sys_s", C_REAL, sys_s), COL("run_dir", C_TEXT, run_dir),
	BRIEF("estimate_s", C_REAL, estimate_s), BRIEF("target", C_TEXT, target),
	COL("priority", C_TEXT, priority), COL("nodes", C_INT, nodes), COL("region", C_TEXT, region),
	COL("price_per_hour", C_REAL, price_per_hour), COL("price_source", C_TEXT, price_source),
	COL("cost_estimate", C_REAL, cost_estimate), COL("cost", C_REAL, cost),
	COL("cancel_requested", C_BOOL, cancel_requested),
	COL("over_budget_allowed", C_BOOL, over_budget_allowed), COL("attempt", C_INT, attempt),
	COL("repo_in", C_BOOL, prov.in_repo), COL("repo_root", C_TEXT, prov.repo_root),
	COL("repo_commit", C_TEXT, prov.commit), COL("repo_branch", C_TEXT, prov.branch),
	COL("repo_dirty", C_BOOL, prov.dirty), COL("repo_changed", C_TEXT, prov.changed_files),
	COL("repo_diff_hash", C_TEXT, prov.diff_hash), COL("repo_remote", C_TEXT, prov.remote_url),
	COL("cloud_equiv_per_hour", C_REAL, cloud_equiv_per_hour),
	COL("cloud_equiv_cost", C_REAL, cloud_equiv_cost),
	COL("cloud_equiv_target", C_TEXT, cloud_equiv_target), COL("params", C_TEXT, params),
	COL("collected_ms", C_I64, collected_ms),
};

#define NCOLS (sizeof(columns) / sizeof(columns[0]))
_Static_assert(NCOLS + 1 < 100, "write_row numbers parameters with two digits");

const struct ledger_column *ledger_run_columns(size_t *out_n)
{
	*out_n = NCOLS;
	return columns;
}

static char *select_sql(const char *tail, bool brief)
{
	tctl_buf b = TCTL_BUF_INIT;

	/* puts, not printf: this runs for every query, and formatting 50 names costs more
	 * than the query (callgrind) */
	tctl_buf_puts(&b, "SELECT id");
	for (size_t i = 0; i < NCOLS; i++) {
		if (brief && !columns[i].brief)
			continue;
		tctl_buf_puts(&b, ", ");
		tctl_buf_puts(&b, columns[i].name);
	}
	tctl_buf_puts(&b, " FROM runs ");
	tctl_buf_puts(&b, tail);
	return tctl_buf_detach(&b);
}

static void bind_column(sqlite3_stmt *st, int idx, const struct ledger_column *c, const tctl_run *r)
{
	const char *base = (const char *)r;
	const void *p = base + c->offset;

	switch (c->type) {
	case C_TEXT: {
		const char *s = *(char *const *)p;
		if (s)
			sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, idx);
		break;
	}
	case C_I64: sqlite3_bind_int64(st, idx, *(const int64_t *)p); break;
	case C_INT: sqlite3_bind_int(st, idx, *(const int *)p); break;
	case C_U64: sqlite3_bind_int64(st, idx, (sqlite3_int64)*(const uint64_t *)p); break;
	case C_REAL: sqlite3_bind_double(st, idx, *(const double *)p); break;
	case C_BOOL: sqlite3_bind_int(st, idx, *(const bool *)p ? 1 : 0); break;
	case C_STATE:
		sqlite3_bind_text(st, idx, tctl_run_state_name(*(const tctl_run_state *)p), -1,
				  SQLITE_STATIC);
		break;
	}
}

static void read_column(sqlite3_stmt *st, int idx, const struct ledger_column *c, tctl_run *r)
{
	void *p = (char *)r + c->offset;
	int null = sqlite3_column_type(st, idx) == SQLITE_NULL;

	switch (c->type) {
	case C_TEXT: *(char **)p = ledger_col_text(st, idx); break;
	case C_I64: *(int64_t *)p = sqlite3_column_int64(st, idx); break;
	case C_INT: *(int *)p = null && c->offset == offsetof(tctl_run, exit_code)
			? -1 : sqlite3_column_int(st, idx); break;
	case C_U64: *(uint64_t *)p = (uint64_t)sqlite3_column_int64(st, idx); break;
	case C_REAL: *(double *)p = sqlite3_column_double(st, idx); break;
	case C_BOOL: *(bool *)p = sqlite3_column_int(st, idx) != 0; break;
	case C_STATE: {
		const char *s = (const char *)sqlite3_column_text(st, idx);
		int v = s ? tctl_run_state_parse(s) : -1;
		*(tctl_run_state *)p = v < 0 ? TCTL_RUN_LOST : (tctl_run_state)v;
		break;
	}
	}
}

static void read_row(sqlite3_stmt *st, tctl_run *r, bool brief)
{
	const unsigned char *id = sqlite3_column_text(st, 0);
	int at = 1;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id ? (const char *)id : "");
	r->brief = brief;
	r->exit_code = -1;
	for (size_t i = 0; i < NCOLS; i++)
		if (!brief || columns[i].brief)
			read_column(st, at++, &columns[i], r);
}

static int write_row(tctl_ledger *l, const tctl_run *r, bool insert)
{
	tctl_buf b = TCTL_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc;

	if (insert) {
		/* parameters without numbers take the next index: id is ?1, column i is ?(i + 2) */
		tctl_buf_puts(&b, "INSERT INTO runs (id");
		for (size_t i = 0; i < NCOLS; i++) {
			tctl_buf_puts(&b, ", ");
			tctl_buf_puts(&b, columns[i].name);
		}
		tctl_buf_puts(&b, ") VALUES (?");
		for (size_t i = 0; i < NCOLS; i++)
			tctl_buf_puts(&b, ", ?");
		tctl_buf_puts(&b, ")");
	} else {
		tctl_buf_puts(&b, "UPDATE runs SET ");
		for (size_t i = 0; i < NCOLS; i++) {
			char num[4] = "?";
			size_t n = i + 2;   /* < 100: checked below NCOLS */
			if (n >= 10)
				num[strlen(num)] = (char)('0' + n / 10);
			num[strlen(num)] = (char)('0' + n % 10);
			tctl_buf_puts(&b, i ? ", " : "");
			tctl_buf_puts(&b, columns[i].name);
			tctl_buf_puts(&b, " = ");
			tctl_buf_puts(&b, num);
		}
		tctl_buf_puts(&b, " WHERE id = ?1");
	}
	if (!b.ptr)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	rc = ledger_prepare(l, &st, b.ptr);
	tctl_buf_free(&b);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	for (size_t i = 0; i < NCOLS; i++)
		bind_column(st, (int)i + 2, &columns[i], r);
	rc = ledger_step(l, st);
	if (rc == SQLITE_DONE && !insert && sqlite3_changes(l->db) == 0)
		rc = tctl_error_set(TCTL_ENOTFOUND, "no run '%s' in the ledger", r->id);
	else if (rc == SQLITE_DONE)
		rc = 0;
	ledger_finish(l, st);
	return rc;
}

static int id_taken(tctl_ledger *l, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = ledger_prepare(l, &st, "SELECT 1 FROM runs WHERE id = ?1")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = ledger_step(l, st);
	ledger_finish(l, st);
	return rc < 0 ? rc : rc == SQLITE_ROW;
}

int tctl_ledger_run_insert(tctl_ledger *l, tctl_run *run)
{
	int taken;

	if (!run->submitted_ms)
		run->submitted_ms = tctl_now_ms();
	if (!run->id[0]) {
		do {
			tctl_run_id_new(run->id, run->submitted_ms);
			if ((taken = id_taken(l, run->id)) < 0)
				return taken;
		} while (taken);
	}
	return write_row(l, run, true);
}

int tctl_ledger_run_save(tctl_ledger *l, const tctl_run *run)
{
	/* a brief row would write its missing columns back as empty */
	if (run->brief)
		return tctl_error_set(TCTL_EINVALID, "run '%s' was read in brief and cannot be saved",
				      run->id);
	return write_row(l, run, false);
}

static int fetch_one(tctl_ledger *l, tctl_run **out, const char *tail, const char *arg)
{
	char *sql = select_sql(tail, false);
	sqlite3_stmt *st = NULL;
	tctl_run *r;
	int rc;

	if (!sql)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	rc = ledger_prepare(l, &st, sql);
	free(sql);
	if (rc < 0)
		return rc;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = ledger_step(l, st);
	if (rc == SQLITE_ROW) {
		if (!(r = malloc(sizeof(*r)))) {
			rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
		} else {
			read_row(st, r, false);
			*out = r;
			rc = 0;
		}
	} else if (rc == SQLITE_DONE) {
		rc = TCTL_ENOTFOUND;
	}
	ledger_finish(l, st);
	return rc;
}

/* Counts ids starting with `prefix` and lists up to 5 of them in `list`. */
static int prefix_matches(tctl_ledger *l, const char *prefix, tctl_buf *list)
{
	sqlite3_stmt *st = NULL;
	char hi[TCTL_RUN_ID_SIZE + 1];
	int rc, n = 0;

	snprintf(hi, sizeof(hi), "%s~", prefix);
	if ((rc = ledger_prepare(l, &st,
			"SELECT id FROM runs WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	while ((rc = ledger_step(l, st)) == SQLITE_ROW) {
		if (n++ < 5)
			tctl_buf_printf(list, "%s%s", n > 1 ? ", " : "", sqlite3_column_text(st, 0));
	}
	ledger_finish(l, st);
	return rc < 0 ? rc : n;
}

int tctl_ledger_run_get(tctl_ledger *l, tctl_run **out, const char *ref)
{
	tctl_buf list = TCTL_BUF_INIT;
	int rc, n;

	if (!strcmp(ref, "last") || !strcmp(ref, "@"))
		rc = fetch_one(l, out, "ORDER BY id DESC LIMIT 1", NULL);
	else
		rc = fetch_one(l, out, "WHERE id = ?1", ref);
	if (rc != TCTL_ENOTFOUND)
		return rc;
	if (strlen(ref) < 4 || strlen(ref) >= TCTL_RUN_ID_SIZE)
		return tctl_error_set(TCTL_ENOTFOUND, "no run '%s' in the ledger", ref);
	if ((n = prefix_matches(l, ref, &list)) < 0)
		return n;
	if (n == 1) {
		char id[TCTL_RUN_ID_SIZE];
		snprintf(id, sizeof(id), "%s", list.ptr);
		tctl_buf_free(&list);
		return fetch_one(l, out, "WHERE id = ?1", id);
	}
	if (n == 0)
		rc = tctl_error_set(TCTL_ENOTFOUND, "no run '%s' in the ledger", ref);
	else
		rc = tctl_error_set(TCTL_EINVALID, "run prefix '%s' is ambiguous: %s%s", ref,
				    list.ptr, n > 5 ? ", ..." : "");
	tctl_buf_free(&list);
	return rc;
}

/* Matches of a name pattern past which walking runs newest first beats the name index. */
#define COMMON_MATCHES 1000   /* also in the probe query below */

/* Does `pattern` match at least COMMON_MATCHES run names? (A bounded walk of the name index.) */
static bool pattern_is_common(tctl_ledger *l, const char *pattern)
{
	sqlite3_stmt *st = NULL;
	bool common = false;

	if (ledger_prepare(l, &st, "SELECT count(*) FROM (SELECT 1 FROM runs WHERE name GLOB ?1"
			   " LIMIT 1000)") < 0) {
		tctl_error_clear();
		return false;
	}
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	if (ledger_step(l, st) == SQLITE_ROW)
		common = sqlite3_column_int(st, 0) >= COMMON_MATCHES;
	ledger_finish(l, st);
	return common;
}

static void list_where(tctl_buf *b, const tctl_run_filter *f, bool walk_newest)
{
	const char *sep = " WHERE ";

#define AND(cond) do { tctl_buf_printf(b, "%s%s", sep, cond); sep = " AND "; } while (0)
	if (f->active)
		AND("state IN ('queued','running')");
	if (f->state >= 0)
		AND("state = ?1");
	/* A name without wildcards is an equality: the (name, id) index gives the order too. A
	 * pattern that many runs match, with a limit: walking runs newest first and stopping at
	 * the limit beats sorting every match ("+" keeps SQLite off the name index); a rare one:
	 * the index range, sorted. */
	if (f->name && !strpbrk(f->name, "*?["))
		AND("name = ?2");
	else if (f->name)
		AND(walk_newest ? "+name GLOB ?2" : "name GLOB ?2");
	if (f->backend)
		AND("backend = ?3");
	if (f->parent_id)
		AND("parent_id = ?4");
	if (f->since_ms)
		AND("id >= ?5");
#undef AND
	tctl_buf_printf(b, " ORDER BY id %s", f->oldest_first ? "ASC" : "DESC");
	if (f->limit > 0)
		tctl_buf_printf(b, " LIMIT %d", f->limit);
}

static int grow_list(tctl_run_list *out, size_t *cap)
{
	tctl_run *p;

	if (out->len < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	if (!(p = realloc(out->runs, *cap * sizeof(*p))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	out->runs = p;
	return 0;
}

int tctl_ledger_run_list(tctl_ledger *l, tctl_run_list *out, const tctl_run_filter *f)
{
	tctl_buf tail = TCTL_BUF_INIT;
	char floor_id[TCTL_RUN_ID_SIZE];
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	char *sql;
	int rc;

	memset(out, 0, sizeof(*out));
	list_where(&tail, f, f->name && f->limit > 0 && strpbrk(f->name, "*?[") &&
			     pattern_is_common(l, f->name));
	sql = select_sql(tail.ptr, f->brief);
	tctl_buf_free(&tail);
	if (!sql)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	rc = ledger_prepare(l, &st, sql);
	free(sql);
	if (rc < 0)
		return rc;
	if (f->state >= 0)
		sqlite3_bind_text(st, 1, tctl_run_state_name(f->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->backend, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->parent_id, -1, SQLITE_STATIC);
	tctl_run_id_floor(floor_id, f->since_ms);
	sqlite3_bind_text(st, 5, floor_id, -1, SQLITE_TRANSIENT);
	while ((rc = ledger_step(l, st)) == SQLITE_ROW) {
		if ((rc = grow_list(out, &cap)) < 0)
			break;
		read_row(st, &out->runs[out->len++], f->brief);
	}
	ledger_finish(l, st);
	if (rc < 0) {
		tctl_run_list_free(out);
		return rc;
	}
	return 0;
}
