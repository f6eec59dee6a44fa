/* ledger_events.c: state transitions and their events, calibration ratios, and spend sums. */
#include "ledger_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tctl_ledger_event_add(tctl_ledger *l, const char *run_id, const char *state,
			  const char *detail)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = ledger_prepare(l, &st,
			"INSERT INTO events (run_id, at_ms, state, detail) VALUES (?1, ?2, ?3, ?4)")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, tctl_now_ms());
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	rc = ledger_step(l, st);
	ledger_finish(l, st);
	return rc < 0 ? rc : 0;
}

int tctl_ledger_run_transition(tctl_ledger *l, tctl_run *run, tctl_run_state state,
			       const char *reason)
{
	int rc;

	run->state = state;
	if (reason && reason != run->reason) {
		free(run->reason);
		run->reason = strdup(reason);
	}
	if ((rc = tctl_ledger_run_save(l, run)) < 0)
		return rc;
	return tctl_ledger_event_add(l, run->id, tctl_run_state_name(state), reason);
}

int tctl_ledger_events(tctl_ledger *l, tctl_run_event **out, size_t *out_len, const char *run_id)
{
	sqlite3_stmt *st = NULL;
	tctl_run_event *ev = NULL, *p;
	size_t len = 0, cap = 0;
	int rc;

	if ((rc = ledger_prepare(l, &st,
			"SELECT at_ms, state, detail FROM events WHERE run_id = ?1 ORDER BY seq")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	while ((rc = ledger_step(l, st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if (!(p = realloc(ev, cap * sizeof(*ev)))) {
				rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
				break;
			}
			ev = p;
		}
		ev[len].at_ms = sqlite3_column_int64(st, 0);
		ev[len].state = ledger_col_text(st, 1);
		ev[len].detail = ledger_col_text(st, 2);
		len++;
	}
	ledger_finish(l, st);
	if (rc < 0) {
		tctl_run_events_free(ev, len);
		return rc;
	}
	*out = ev;
	*out_len = len;
	return 0;
}

void tctl_run_events_free(tctl_run_event *events, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		free(events[i].state);
		free(events[i].detail);
	}
	free(events);
}

int tctl_ledger_calibration_add(tctl_ledger *l, const char *job_name, const char *target_class,
				double ratio)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!(ratio > 0) || !isfinite(ratio))
		return tctl_error_set(TCTL_EINVALID, "calibration ratio must be positive");
	if ((rc = ledger_prepare(l, &st,
			"INSERT INTO calibration (job_name, target_class, runs, log_ratio_sum)"
			" VALUES (?1, ?2, 1, ?3) ON CONFLICT (job_name, target_class) DO UPDATE"
			" SET runs = runs + 1, log_ratio_sum = log_ratio_sum + excluded.log_ratio_sum")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, job_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target_class, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, log(ratio));
	rc = ledger_step(l, st);
	ledger_finish(l, st);
	return rc < 0 ? rc : 0;
}

int tctl_ledger_calibration_get(tctl_ledger *l, double *out_ratio, int *out_n,
				const char *job_name, const char *target_class)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out_ratio = 1.0;
	*out_n = 0;
	if ((rc = ledger_prepare(l, &st, "SELECT runs, log_ratio_sum FROM calibration"
				 " WHERE job_name = ?1 AND target_class = ?2")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, job_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target_class, -1, SQLITE_STATIC);
	rc = ledger_step(l, st);
	if (rc == SQLITE_ROW) {
		*out_n = sqlite3_column_int(st, 0);
		if (*out_n > 0)
			*out_ratio = exp(sqlite3_column_double(st, 1) / *out_n);
	}
	ledger_finish(l, st);
	return rc < 0 ? rc : 0;
}

int tctl_ledger_spend(tctl_ledger *l, double *out, int64_t from_ms, int64_t to_ms,
		      const char *backend)
{
	char lo[TCTL_RUN_ID_SIZE], hi[TCTL_RUN_ID_SIZE];
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	tctl_run_id_floor(lo, from_ms);
	tctl_run_id_floor(hi, to_ms);
	if ((rc = ledger_prepare(l, &st, "SELECT COALESCE(SUM(cost), 0) FROM runs"
				 " WHERE id >= ?1 AND id < ?2 AND (?3 IS NULL OR backend = ?3)")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, backend, -1, SQLITE_STATIC);
	if ((rc = ledger_step(l, st)) == SQLITE_ROW)
		*out = sqlite3_column_double(st, 0);
	ledger_finish(l, st);
	return rc < 0 ? rc : 0;
}

int tctl_ledger_calibrations(tctl_ledger *l, struct tctl_ledger_calibration **out, size_t *out_len,
			     const char *job_name)
{
	struct tctl_ledger_calibration *c = NULL, *p;
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	if ((rc = ledger_prepare(l, &st, "SELECT target_class, runs, log_ratio_sum FROM calibration"
				 " WHERE job_name = ?1 ORDER BY target_class")) < 0)
		return rc;
	sqlite3_bind_text(st, 1, job_name, -1, SQLITE_STATIC);
	while ((rc = ledger_step(l, st)) == SQLITE_ROW) {
		if (!(p = realloc(c, (len + 1) * sizeof(*c)))) {
			rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
			break;
		}
		c = p;
		c[len].target_class = ledger_col_text(st, 0);
		c[len].runs = sqlite3_column_int(st, 1);
		c[len].ratio = c[len].runs > 0 ? exp(sqlite3_column_double(st, 2) / c[len].runs) : 1.0;
		len++;
	}
	ledger_finish(l, st);
	if (rc < 0) {
		tctl_ledger_calibrations_free(c, len);
		return rc;
	}
	*out = c;
	*out_len = len;
	return 0;
}

void tctl_ledger_calibrations_free(struct tctl_ledger_calibration *c, size_t len)
{
	for (size_t i = 0; i < len; i++)
		free(c[i].target_class);
	free(c);
}
