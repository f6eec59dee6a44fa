/* ledger_costs.c: the ledger's money rows (budgets, cost report) and gc's collection marks. */
#include "ledger_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The job name is the spec's "name": `submit --name` renames a run, not its job, and a
 * sweep trial or a mini-batch carries its parent job's name in its own spec. */
#define COST_ROWS_SQL \
	"SELECT id, COALESCE(json_extract(spec, '$.name'), name), backend, parent_id," \
	" repo_root, repo_remote, state, submitted_ms, COALESCE(started_ms, 0)," \
	" COALESCE(ended_ms, 0), COALESCE(cost, 0), COALESCE(cost_estimate, 0)," \
	" COALESCE(cloud_equiv_cost, 0), over_budget_allowed" \
	" FROM runs WHERE id >= ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id"

static void read_cost_row(sqlite3_stmt *st, tctl_cost_row *r)
{
	const unsigned char *id = sqlite3_column_text(st, 0);
	const char *state = (const char *)sqlite3_column_text(st, 6);
	int s = state ? tctl_run_state_parse(state) : -1;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id ? (const char *)id : "");
	r->job = ledger_col_text(st, 1);
	r->backend = ledger_col_text(st, 2);
	r->parent_id = ledger_col_text(st, 3);
	r->repo_root = ledger_col_text(st, 4);
	r->repo_remote = ledger_col_text(st, 5);
	r->state = s < 0 ? TCTL_RUN_LOST : (tctl_run_state)s;
	r->submitted_ms = sqlite3_column_int64(st, 7);
	r->started_ms = sqlite3_column_int64(st, 8);
	r->ended_ms = sqlite3_column_int64(st, 9);
	r->cost = sqlite3_column_double(st, 10);
	r->cost_estimate = sqlite3_column_double(st, 11);
	r->cloud_equiv_cost = sqlite3_column_double(st, 12);
	r->over_budget_allowed = sqlite3_column_int(st, 13) != 0;
}

static int push_row(tctl_cost_row **rows, size_t *len, size_t *cap, sqlite3_stmt *st)
{
	tctl_cost_row *p;

	if (*len == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if (!(p = realloc(*rows, *cap * sizeof(*p))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		*rows = p;
	}
	read_cost_row(st, &(*rows)[(*len)++]);
	return 0;
}

int tctl_ledger_cost_rows(tctl_ledger *l, tctl_cost_row **out, size_t *out_len, int64_t from_ms,
			  int64_t to_ms)
{
	char lo[TCTL_RUN_ID_SIZE], hi[TCTL_RUN_ID_SIZE];
	tctl_cost_row *rows = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*out_len = 0;
	tctl_run_id_floor(lo, from_ms > 0 ? from_ms : 0);
	tctl_run_id_floor(hi, to_ms);
	if ((rc = ledger_prepare(l, &st, COST_ROWS_SQL)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	if (to_ms > 0)
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	while ((rc = ledger_step(l, st)) == SQLITE_ROW)
		if ((rc = push_row(&rows, &len, &cap, st)) < 0)
			break;
	ledger_finish(l, st);
	if (rc < 0) {
		tctl_cost_rows_free(rows, len);
		return rc;
	}
	*out = rows;
	*out_len = len;
	return 0;
}

void tctl_cost_rows_free(tctl_cost_row *rows, size_t len)
{
	for (size_t i = 0; rows && i < len; i++) {
		free(rows[i].job);
		free(rows[i].backend);
		free(rows[i].parent_id);
		free(rows[i].repo_root);
		free(rows[i].repo_remote);
	}
	free(rows);
}

int tctl_ledger_run_collected(tctl_ledger *l, const char *run_id, int64_t at_ms,
			      const char *detail)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = ledger_prepare(l, &st, "UPDATE runs SET collected_ms = ?2 WHERE id = ?1")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at_ms);
	rc = ledger_step(l, st);
	ledger_finish(l, st);
	if (rc < 0)
		goto fail;
	if (sqlite3_changes(l->db) == 0) {
		rc = tctl_error_set(TCTL_ENOTFOUND, "no run '%s' in the ledger", run_id);
		goto fail;
	}
	if ((rc = tctl_ledger_event_add(l, run_id, "collected", detail)) < 0)
		goto fail;
	return tctl_ledger_commit(l);
fail:
	tctl_ledger_rollback(l);
	return rc;
}
