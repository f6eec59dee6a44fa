/* test_ledger.c: the run ledger: ids, insert/get/list, transitions, versions, concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "trainctl/error.h"
#include "trainctl/ledger.h"
#include "trainctl/util.h"

static char dir[256];
static char path[300];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tctl-ledger-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void new_run(tctl_run *r, const char *name, int64_t ms)
{
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->spec = strdup("{}");
	r->placement = strdup("local");
	r->backend = strdup("local");
	r->exit_code = -1;
	r->submitted_ms = ms;
	r->cpus = 1;
}

static void ids_are_short_unique_and_time_sorted(void **state)
{
	char a[TCTL_RUN_ID_SIZE], b[TCTL_RUN_ID_SIZE], floor_id[TCTL_RUN_ID_SIZE];
	(void)state;
	tctl_run_id_new(a, 1795856400000LL);
	tctl_run_id_new(b, 1795856400001LL);
	assert_int_equal(strlen(a), TCTL_RUN_ID_LEN);
	assert_true(strcmp(a, b) < 0);
	assert_int_equal(tctl_run_id_time(a), 1795856400000LL);
	tctl_run_id_floor(floor_id, 1795856400001LL);
	assert_true(strcmp(a, floor_id) < 0 && strcmp(floor_id, b) <= 0);
	assert_int_equal(tctl_run_id_time("not-an-id"), -1);
	assert_int_equal(tctl_run_id_time("0123456789u"), -1);
}

static void runs_insert_get_and_prefix(void **state)
{
	tctl_ledger *l = NULL;
	tctl_run r, *got = NULL;
	char prefix[8];
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	new_run(&r, "train", 1795856400000LL);
	r.memory = 1ULL << 33;
	r.prov.in_repo = true;
	r.prov.commit = strdup("abc123");
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	assert_int_equal(strlen(r.id), TCTL_RUN_ID_LEN);
	assert_int_equal(tctl_ledger_run_get(l, &got, r.id), 0);
	assert_string_equal(got->name, "train");
	assert_true(got->memory == 1ULL << 33);
	assert_int_equal(got->state, TCTL_RUN_QUEUED);
	assert_int_equal(got->exit_code, -1);
	assert_true(got->prov.in_repo);
	assert_string_equal(got->prov.commit, "abc123");
	tctl_run_free(got);
	snprintf(prefix, sizeof(prefix), "%.6s", r.id + 5);
	memcpy(prefix, r.id, 6);
	prefix[6] = '\0';
	assert_int_equal(tctl_ledger_run_get(l, &got, prefix), 0);
	assert_string_equal(got->id, r.id);
	tctl_run_free(got);
	assert_int_equal(tctl_ledger_run_get(l, &got, "last"), 0);
	assert_string_equal(got->id, r.id);
	tctl_run_free(got);
	assert_int_equal(tctl_ledger_run_get(l, &got, "zzzzzz"), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "no run 'zzzzzz'"));
	tctl_run_clear(&r);
	tctl_ledger_free(l);
}

static void ambiguous_prefix_lists_candidates(void **state)
{
	tctl_ledger *l = NULL;
	tctl_run r1, r2, *got = NULL;
	char prefix[8];
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	new_run(&r1, "a", 1795856400000LL);
	new_run(&r2, "b", 1795856400000LL);
	assert_int_equal(tctl_ledger_run_insert(l, &r1), 0);
	assert_int_equal(tctl_ledger_run_insert(l, &r2), 0);
	memcpy(prefix, r1.id, 7);
	prefix[7] = '\0';
	assert_int_equal(tctl_ledger_run_get(l, &got, prefix), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "ambiguous"));
	assert_non_null(strstr(tctl_error_last()->message, r1.id));
	assert_non_null(strstr(tctl_error_last()->message, r2.id));
	tctl_run_clear(&r1);
	tctl_run_clear(&r2);
	tctl_ledger_free(l);
}

static void transitions_record_events(void **state)
{
	tctl_ledger *l = NULL;
	tctl_run r, *got = NULL;
	tctl_run_event *ev = NULL;
	size_t n = 0;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	new_run(&r, "t", 1795856400000LL);
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	assert_int_equal(tctl_ledger_run_transition(l, &r, TCTL_RUN_RUNNING, "started"), 0);
	r.exit_code = 2;
	assert_int_equal(tctl_ledger_run_transition(l, &r, TCTL_RUN_FAILED, "exit 2"), 0);
	assert_int_equal(tctl_ledger_run_get(l, &got, r.id), 0);
	assert_int_equal(got->state, TCTL_RUN_FAILED);
	assert_int_equal(got->exit_code, 2);
	assert_string_equal(got->reason, "exit 2");
	assert_int_equal(tctl_ledger_events(l, &ev, &n, r.id), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].state, "running");
	assert_string_equal(ev[1].detail, "exit 2");
	tctl_run_events_free(ev, n);
	tctl_run_free(got);
	tctl_run_clear(&r);
	tctl_ledger_free(l);
}

static void list_filters_by_state_name_and_since(void **state)
{
	tctl_ledger *l = NULL;
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list out;
	tctl_run r;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	for (int i = 0; i < 10; i++) {
		new_run(&r, i % 2 ? "odd" : "even", 1795856400000LL + i * 1000);
		r.state = i < 3 ? TCTL_RUN_RUNNING : TCTL_RUN_SUCCEEDED;
		assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
		tctl_run_clear(&r);
	}
	assert_int_equal(tctl_ledger_run_list(l, &out, &f), 0);
	assert_int_equal(out.len, 10);
	assert_true(strcmp(out.runs[0].id, out.runs[9].id) > 0); /* newest first */
	tctl_run_list_free(&out);
	f.state = TCTL_RUN_RUNNING;
	assert_int_equal(tctl_ledger_run_list(l, &out, &f), 0);
	assert_int_equal(out.len, 3);
	tctl_run_list_free(&out);
	f.state = -1;
	f.name = "od*";
	assert_int_equal(tctl_ledger_run_list(l, &out, &f), 0);
	assert_int_equal(out.len, 5);
	tctl_run_list_free(&out);
	f.name = NULL;
	f.since_ms = 1795856400000LL + 7000;
	assert_int_equal(tctl_ledger_run_list(l, &out, &f), 0);
	assert_int_equal(out.len, 3);
	tctl_run_list_free(&out);
	f.since_ms = 0;
	f.limit = 4;
	f.oldest_first = true;
	assert_int_equal(tctl_ledger_run_list(l, &out, &f), 0);
	assert_int_equal(out.len, 4);
	assert_int_equal(out.runs[0].submitted_ms, 1795856400000LL);
	tctl_run_list_free(&out);
	tctl_ledger_free(l);
}

static void calibration_is_a_geometric_mean(void **state)
{
	tctl_ledger *l = NULL;
	double ratio;
	int n;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	assert_int_equal(tctl_ledger_calibration_get(l, &ratio, &n, "job", "local"), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", 2.0), 0);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", 0.5), 0);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", 1.0), 0);
	assert_int_equal(tctl_ledger_calibration_get(l, &ratio, &n, "job", "local"), 0);
	assert_int_equal(n, 3);
	assert_true(ratio > 0.9999 && ratio < 1.0001);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", -1), TCTL_EINVALID);
	tctl_ledger_free(l);
}

static void spend_sums_recorded_costs(void **state)
{
	tctl_ledger *l = NULL;
	tctl_run r;
	double sum;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	for (int i = 0; i < 4; i++) {
		new_run(&r, "c", 1795856400000LL + i * 86400000LL);
		r.cost = 1.25 * (i + 1);
		free(r.backend);
		r.backend = strdup(i == 3 ? "local" : "azureml");
		assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
		tctl_run_clear(&r);
	}
	assert_int_equal(tctl_ledger_spend(l, &sum, 1795856400000LL, 1795856400000LL + 3 * 86400000LL, NULL), 0);
	assert_true(sum > 7.4999 && sum < 7.5001);
	assert_int_equal(tctl_ledger_spend(l, &sum, 0, INT64_C(4000000000000), "local"), 0);
	assert_true(sum > 4.9999 && sum < 5.0001);
	tctl_ledger_free(l);
}

/* A ledger of schema 1 (before the cloud equivalent, params and collected columns) is
 * migrated in place: its runs stay, the new columns read as unset, and they can be written. */
static void schema_1_ledger_is_migrated(void **state)
{
	static const char *const drop[] = { "cloud_equiv_per_hour", "cloud_equiv_cost",
					     "cloud_equiv_target", "params", "collected_ms" };
	tctl_ledger *l = NULL;
	tctl_run r, *got = NULL;
	sqlite3 *db;
	char sql[128];
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	new_run(&r, "old", 1795856400000LL);
	r.cost = 1.5;
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	tctl_ledger_free(l);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (size_t i = 0; i < 5; i++) {
		snprintf(sql, sizeof(sql), "ALTER TABLE runs DROP COLUMN %s", drop[i]);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	assert_int_equal(tctl_ledger_run_get(l, &got, r.id), 0);
	assert_string_equal(got->name, "old");
	assert_true(got->cost == 1.5);
	assert_true(got->cloud_equiv_per_hour == 0 && got->collected_ms == 0);
	assert_null(got->params);
	got->params = strdup("{\"lr\": 0.1}");
	got->cloud_equiv_cost = 2.25;
	assert_int_equal(tctl_ledger_run_save(l, got), 0);
	tctl_run_free(got);
	assert_int_equal(tctl_ledger_run_get(l, &got, r.id), 0);
	assert_string_equal(got->params, "{\"lr\": 0.1}");
	assert_true(got->cloud_equiv_cost == 2.25);
	tctl_run_free(got);
	tctl_run_clear(&r);
	tctl_ledger_free(l);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "SELECT 1 FROM runs WHERE collected_ms IS NULL", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void newer_schema_is_refused_untouched(void **state)
{
	tctl_ledger *l = NULL;
	sqlite3 *db;
	char *before = NULL, *after = NULL;
	size_t n1, n2;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	tctl_ledger_free(l);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE)",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tctl_file_read(&before, &n1, path), 0);
	assert_int_equal(tctl_ledger_open(&l, path), TCTL_EVERSION);
	assert_non_null(strstr(tctl_error_last()->message, "newer trainctl (schema 99"));
	assert_int_equal(tctl_file_read(&after, &n2, path), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
}

static void unwritable_data_folder_is_one_clear_error(void **state)
{
	tctl_ledger *l = NULL;
	char p[400];
	(void)state;

	if (geteuid() == 0) {
		/* root writes anywhere: use a path under a regular file instead */
		char f[320];
		snprintf(f, sizeof(f), "%s/file", dir);
		assert_int_equal(tctl_file_write_atomic(f, "x", 1, 0600), 0);
		snprintf(p, sizeof(p), "%s/sub/ledger.db", f);
	} else {
		snprintf(p, sizeof(p), "/proc/ledger-here/ledger.db");
	}
	assert_true(tctl_ledger_open(&l, p) < 0);
	assert_null(l);
	assert_non_null(strstr(tctl_error_last()->message, "cannot create"));
}

/* Many processes writing at once: none fails, none is lost. */
static void concurrent_writers_never_fail(void **state)
{
	enum { PROCS = 16, EACH = 25 };
	tctl_ledger *l = NULL;
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list out;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	tctl_ledger_free(l);
	for (int p = 0; p < PROCS; p++) {
		if (fork() == 0) {
			tctl_ledger *cl = NULL;
			int bad = tctl_ledger_open(&cl, path) < 0;
			for (int i = 0; i < EACH && !bad; i++) {
				tctl_run r;
				new_run(&r, "c", tctl_now_ms());
				bad = tctl_ledger_begin(cl) < 0 || tctl_ledger_run_insert(cl, &r) < 0 ||
				      tctl_ledger_commit(cl) < 0;
				tctl_run_clear(&r);
			}
			if (bad)
				fprintf(stderr, "child: %s\n", tctl_error_last()->message);
			tctl_ledger_free(cl);
			_exit(bad);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st;
		wait(&st);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(tctl_ledger_open(&l, path), 0);
	assert_int_equal(tctl_ledger_run_list(l, &out, &f), 0);
	assert_int_equal(out.len, PROCS * EACH);
	tctl_run_list_free(&out);
	tctl_ledger_free(l);
}

/* A brief listing reads what a run holds and who supervises it, and such a row is never saved. */
/* A bare file name's folder is "."; "" has no folder either (ASan checks the copy). */
static void bare_ledger_names_open_in_the_current_folder(void **state)
{
	char here[4096];
	tctl_ledger *l = NULL;
	(void)state;

	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(tctl_ledger_open(&l, "bare.db"), 0);
	tctl_ledger_free(l);
	assert_int_equal(access("bare.db", F_OK), 0);
	l = NULL;
	assert_int_equal(tctl_ledger_open(&l, ""), 0);
	tctl_ledger_free(l);
	assert_int_equal(chdir(here), 0);
}

static void brief_rows_hold_resources_and_are_never_saved(void **state)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list list = { 0 };
	tctl_ledger *l = NULL;
	tctl_run r;
	(void)state;

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	new_run(&r, "train", 1795856400000LL);
	r.gpus = 2;
	r.gpu_ids = strdup("0,1");
	r.memory = 1ULL << 30;
	r.supervisor_pid = 42;
	r.estimate_s = 90;
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	f.brief = true;
	assert_int_equal(tctl_ledger_run_list(l, &list, &f), 0);
	assert_int_equal(list.len, 1);
	assert_true(list.runs[0].brief);
	assert_string_equal(list.runs[0].name, "train");
	assert_string_equal(list.runs[0].gpu_ids, "0,1");
	assert_true(list.runs[0].memory == 1ULL << 30 && list.runs[0].cpus == 1);
	assert_true(list.runs[0].supervisor_pid == 42 && list.runs[0].estimate_s == 90);
	assert_null(list.runs[0].spec);
	assert_int_equal(list.runs[0].exit_code, -1);
	assert_int_equal(tctl_ledger_run_save(l, &list.runs[0]), TCTL_EINVALID);
	tctl_error_clear();
	tctl_run_list_free(&list);
	tctl_run_clear(&r);
	tctl_ledger_free(l);
}

/* A run as a spool record reads back field for field, and again into the same text. */
static void record_round_trips_every_column(void **state)
{
	tctl_run r, back;
	char *json = NULL, *again = NULL;
	(void)state;

	new_run(&r, "train", 1795856400000LL);
	tctl_run_id_new(r.id, r.submitted_ms);
	r.state = TCTL_RUN_RUNNING;
	r.memory = 1ULL << 40;
	r.gpus = 2;
	r.gpu_ids = strdup("0,1");
	r.price_per_hour = 0.125;
	r.cost_estimate = 3.5;
	r.over_budget_allowed = true;
	r.prov.in_repo = true;
	r.prov.commit = strdup("abc123");
	r.prov.changed_files = strdup(" M a \"quoted\".py\n?? new\n");
	r.job_start = -7;
	assert_int_equal(tctl_run_record_to_json(&json, &r), 0);
	assert_int_equal(tctl_run_record_from_json(&back, json, strlen(json), "run.json"), 0);
	assert_string_equal(back.id, r.id);
	assert_string_equal(back.name, "train");
	assert_int_equal(back.state, TCTL_RUN_RUNNING);
	assert_true(back.memory == 1ULL << 40);
	assert_int_equal(back.gpus, 2);
	assert_string_equal(back.gpu_ids, "0,1");
	assert_true(back.price_per_hour == 0.125 && back.cost_estimate == 3.5);
	assert_true(back.over_budget_allowed && back.prov.in_repo);
	assert_string_equal(back.prov.changed_files, r.prov.changed_files);
	assert_int_equal(back.exit_code, -1);
	assert_true(back.job_start == -7);
	assert_null(back.reason);
	assert_int_equal(tctl_run_record_to_json(&again, &back), 0);
	assert_string_equal(again, json);
	free(json);
	free(again);
	tctl_run_clear(&r);
	tctl_run_clear(&back);
}

/* A record that is not one: one clear error naming the file and the field, nothing kept. */
static void record_rejects_malformed_input(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "{\"id\": \"1m8es7a12fv\"", "spool/run.json:1:" },
		{ "[1, 2]", "expected a JSON object" },
		{ "{\"name\": \"x\"}", "'id' is missing" },
		{ "{\"id\": \"1M8ES7A12FV\"}", "id: expected a run id" },
		{ "{\"id\": \"1m8es7a12fv\", \"colour\": 1}", "colour" },
		{ "{\"id\": \"1m8es7a12fv\", \"state\": \"asleep\"}", "state" },
		{ "{\"id\": \"1m8es7a12fv\", \"gpus\": \"two\"}", "gpus" },
		{ "{\"id\": \"1m8es7a12fv\", \"memory\": -1}", "memory" },
		{ "{\"id\": \"1m8es7a12fv\", \"name\": null}", "name" },
		{ "{\"id\": \"1m8es7a12fv\", \"id\": \"1m8es7a12fw\"}", "duplicate" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tctl_run r;
		int rc = tctl_run_record_from_json(&r, bad[i].text, strlen(bad[i].text),
						   "spool/run.json");
		if (rc != TCTL_EINVALID || !strstr(tctl_error_last()->message, bad[i].want) ||
		    !strstr(tctl_error_last()->message, "spool/run.json"))
			fail_msg("'%s': rc %d, message '%s', want '%s'", bad[i].text, rc,
				 tctl_error_last()->message, bad[i].want);
		assert_null(r.name);
		assert_int_equal(r.id[0], '\0');
		tctl_error_clear();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_are_short_unique_and_time_sorted),
		cmocka_unit_test(record_round_trips_every_column),
		cmocka_unit_test_setup_teardown(bare_ledger_names_open_in_the_current_folder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(brief_rows_hold_resources_and_are_never_saved, setup,
						teardown),
		cmocka_unit_test(record_rejects_malformed_input),
		cmocka_unit_test_setup_teardown(runs_insert_get_and_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(ambiguous_prefix_lists_candidates, setup, teardown),
		cmocka_unit_test_setup_teardown(transitions_record_events, setup, teardown),
		cmocka_unit_test_setup_teardown(list_filters_by_state_name_and_since, setup, teardown),
		cmocka_unit_test_setup_teardown(calibration_is_a_geometric_mean, setup, teardown),
		cmocka_unit_test_setup_teardown(spend_sums_recorded_costs, setup, teardown),
		cmocka_unit_test_setup_teardown(schema_1_ledger_is_migrated, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(unwritable_data_folder_is_one_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_writers_never_fail, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
