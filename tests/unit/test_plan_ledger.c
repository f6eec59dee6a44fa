/* test_plan_ledger.c: the planner's view of the ledger, and its cache checked against the ledger
 * files' identity: used while they are unchanged, written only when they were left alone, and a
 * miss (never a wrong plan) when it is absent, stale, for another ledger or job, or malformed. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "fixture.h"
#include "trainctl/error.h"
#include "trainctl/plan_ledger.h"
#include "trainctl/util.h"

static char *dir;
static char path[300];
static char cache[300];

static int setup(void **state)
{
	(void)state;
	dir = fx_tmpdir();
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	snprintf(cache, sizeof(cache), "%s/cache/plan-ledger.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_rmrf(dir);
	return 0;
}

static void add_run(tctl_ledger *l, const char *backend, tctl_run_state state, double cpus,
		    int gpus, double estimate_s, int64_t started_ms)
{
	static int64_t submitted_ms = 1795856400000LL;   /* one ms apart: ids sort in this order */
	tctl_run r;

	memset(&r, 0, sizeof(r));
	r.name = strdup("job");
	r.spec = strdup("{}");
	r.placement = strdup(backend);
	r.backend = strdup(backend);
	r.exit_code = -1;
	r.submitted_ms = submitted_ms++;
	r.state = state;
	r.cpus = cpus;
	r.gpus = gpus;
	r.memory = gpus ? 1ULL << 30 : 0;
	r.estimate_s = estimate_s;
	r.started_ms = started_ms;
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	tctl_run_clear(&r);
}

/* A ledger with a running and a queued local run, a coordinator holding nothing, a finished local
 * run and a running cloud run; "job" calibrated twice locally (2.0, 2.0), "other" once (3.0). */
static void make_ledger(const char *at)
{
	tctl_ledger *l = NULL;

	assert_int_equal(tctl_ledger_open(&l, at), 0);
	add_run(l, "local", TCTL_RUN_RUNNING, 2, 1, 600, 1795856460000LL);
	add_run(l, "local", TCTL_RUN_QUEUED, 1, 2, 0, 0);
	add_run(l, "local", TCTL_RUN_RUNNING, 0, 0, 0, 1795856460000LL);
	add_run(l, "local", TCTL_RUN_SUCCEEDED, 4, 4, 60, 1795856400000LL);
	add_run(l, "azureml", TCTL_RUN_RUNNING, 8, 8, 60, 1795856400000LL);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", 2.0), 0);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", 2.0), 0);
	assert_int_equal(tctl_ledger_calibration_add(l, "other", "local", 3.0), 0);
	tctl_ledger_free(l);
}

/* Sets the modification time of the ledger and its WAL `secs` seconds back. */
static void age(const char *at, int secs)
{
	struct timespec t[2];
	char wal[320];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= secs;
	t[1] = t[0];
	snprintf(wal, sizeof(wal), "%s-wal", at);
	assert_int_equal(utimensat(AT_FDCWD, at, t, 0), 0);
	if (access(wal, F_OK) == 0)
		assert_int_equal(utimensat(AT_FDCWD, wal, t, 0), 0);
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void expect_view(const tctl_plan_ledger *v, size_t runs, double ratio, int cal_runs)
{
	assert_int_equal(v->runs_len, runs);
	assert_int_equal(v->cal_len, 1);
	assert_string_equal(v->cal[0].target_class, "local");
	assert_true(v->cal[0].ratio > ratio - 1e-9 && v->cal[0].ratio < ratio + 1e-9);
	assert_int_equal(v->cal[0].runs, cal_runs);
}

static void view_holds_the_local_queue_and_the_jobs_calibration(void **state)
{
	tctl_plan_ledger v;
	tctl_ledger *l = NULL;
	(void)state;

	make_ledger(path);
	assert_int_equal(tctl_ledger_open(&l, path), 0);
	assert_int_equal(tctl_plan_ledger_read(&v, l, "job"), 0);
	expect_view(&v, 2, 2.0, 2);
	assert_false(v.runs[0].queued);
	assert_true(v.runs[0].gpus == 1 && v.runs[0].cpus == 2 && v.runs[0].estimate_s == 600);
	assert_true(v.runs[0].started_ms == 1795856460000LL && v.runs[0].memory == 1ULL << 30);
	assert_true(v.runs[1].queued && v.runs[1].gpus == 2 && v.runs[1].estimate_s == 0);
	assert_false(v.from_cache);
	tctl_plan_ledger_clear(&v);
	tctl_ledger_free(l);
}

static void cache_is_written_for_a_quiet_ledger_and_used_while_unchanged(void **state)
{
	tctl_plan_ledger v, again;
	struct stat st;
	(void)state;

	make_ledger(path);
	/* just written: it could change again within its timestamp's granularity */
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	expect_view(&v, 2, 2.0, 2);
	assert_false(v.from_cache);
	assert_false(exists(cache));
	tctl_plan_ledger_clear(&v);

	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	assert_false(v.from_cache);
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(tctl_plan_ledger_cached(&again, path, cache, "job"), 0);
	assert_true(again.from_cache);
	expect_view(&again, 2, 2.0, 2);
	assert_int_equal(again.runs_len, v.runs_len);
	for (size_t i = 0; i < v.runs_len; i++)
		assert_memory_equal(&again.runs[i], &v.runs[i], sizeof(v.runs[i]));
	tctl_plan_ledger_clear(&v);
	tctl_plan_ledger_clear(&again);
}

static void a_changed_ledger_is_read_again(void **state)
{
	tctl_plan_ledger v;
	tctl_ledger *l = NULL;
	(void)state;

	make_ledger(path);
	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	tctl_plan_ledger_clear(&v);
	assert_true(exists(cache));

	assert_int_equal(tctl_ledger_open(&l, path), 0);
	add_run(l, "local", TCTL_RUN_QUEUED, 1, 0, 30, 0);
	assert_int_equal(tctl_ledger_calibration_add(l, "job", "local", 0.5), 0);
	tctl_ledger_free(l);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	assert_false(v.from_cache);
	assert_int_equal(v.runs_len, 3);
	assert_int_equal(v.cal[0].runs, 3);
	tctl_plan_ledger_clear(&v);

	/* left alone again: cached again, with the new run */
	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	tctl_plan_ledger_clear(&v);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	assert_true(v.from_cache);
	assert_int_equal(v.runs_len, 3);
	tctl_plan_ledger_clear(&v);
}

static void another_job_or_ledger_is_a_miss(void **state)
{
	char other[320];
	tctl_plan_ledger v;
	(void)state;

	make_ledger(path);
	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	tctl_plan_ledger_clear(&v);

	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "other"), 0);
	assert_false(v.from_cache);
	expect_view(&v, 2, 3.0, 1);
	tctl_plan_ledger_clear(&v);

	/* a second ledger with the same history: same view, but never the first one's cache */
	snprintf(other, sizeof(other), "%s/second.db", dir);
	make_ledger(other);
	age(other, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, other, cache, "other"), 0);
	assert_false(v.from_cache);
	expect_view(&v, 2, 3.0, 1);
	tctl_plan_ledger_clear(&v);
	assert_int_equal(tctl_plan_ledger_cached(&v, other, cache, "other"), 0);
	assert_true(v.from_cache);
	tctl_plan_ledger_clear(&v);
}

static char *slurp(const char *p)
{
	char *text = NULL;

	assert_int_equal(tctl_file_read(&text, NULL, p), 0);
	return text;
}

/* `text` with its first `from` replaced by `to` (the caller frees). */
__attribute__((noinline)) static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t off = at ? (size_t)(at - text) : 0;
	char *out = malloc(strlen(text) + strlen(to) + 1);

	if (!at || !out)
		fail_msg("'%s' is not in %s", from, text);
	sprintf(out, "%.*s%s%s", (int)off, text, to, text + off + strlen(from));
	return out;
}

/* Each damaged cache is a miss: the view comes from the ledger, and the cache is rewritten. */
static void malformed_caches_are_misses(void **state)
{
	static const char *const whole[] = { "", "not json", "[]", "{\"format\": 1}", "{\"a\": 1, \"a\": 1}" };
	static const char *const edits[][2] = {
		{ "\"gpus\":1", "\"gpus\":-1" },
		{ "\"gpus\":1", "\"gpus\":\"1\"" },
		{ "\"cpus\":2.0", "\"cpus\":null" },
		{ "\"queued\":false", "\"queued\":0" },
		{ "\"queued\":false,", "" },
		{ "\"ratio\":2.0", "\"ratio\":0" },
		{ "\"runs\":2,", "\"runs\":2,\"extra\":1," },
		{ "\"calibration\":[", "\"calibration\":{},\"c\":[" },
		{ "\"runs\":[", "\"runs\":[7," },
		{ "\"format\":1", "\"format\":2" },
		{ "\"ledger_schema\":", "\"ledger_schema\":1" },
		{ "\"job\":\"job\"", "\"job\":7" },
	};
	tctl_plan_ledger v;
	char *good;
	(void)state;

	make_ledger(path);
	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	tctl_plan_ledger_clear(&v);
	good = slurp(cache);
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]) + sizeof(edits) / sizeof(edits[0]); i++) {
		size_t e = i - sizeof(whole) / sizeof(whole[0]);
		char *bad = i < sizeof(whole) / sizeof(whole[0]) ? strdup(whole[i])
			: replace(good, edits[e][0], edits[e][1]);
		char *now;

		fx_write(dir, "cache/plan-ledger.json", bad);
		assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
		if (v.from_cache)
			fail_msg("damaged cache %zu used: %s", i, bad);
		expect_view(&v, 2, 2.0, 2);
		tctl_plan_ledger_clear(&v);
		now = slurp(cache);
		assert_string_equal(now, good);
		assert_null(tctl_error_last()->message[0] ? "error left set" : NULL);
		free(now);
		free(bad);
	}
	free(good);
}

static void no_ledger_is_an_empty_view_and_creates_nothing(void **state)
{
	tctl_plan_ledger v;
	(void)state;

	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	assert_int_equal(v.runs_len, 0);
	assert_int_equal(v.cal_len, 0);
	assert_false(exists(path));
	assert_false(exists(cache));
}

static void newer_ledger_is_planned_without_and_not_cached(void **state)
{
	tctl_plan_ledger v;
	sqlite3 *db = NULL;
	(void)state;

	make_ledger(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, cache, "job"), 0);
	assert_int_equal(v.runs_len, 0);
	assert_int_equal(v.cal_len, 0);
	assert_false(exists(cache));
}

static void no_cache_folder_still_reads_the_ledger(void **state)
{
	tctl_plan_ledger v;
	(void)state;

	make_ledger(path);
	age(path, 10);
	assert_int_equal(tctl_plan_ledger_cached(&v, path, NULL, "job"), 0);
	expect_view(&v, 2, 2.0, 2);
	tctl_plan_ledger_clear(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(view_holds_the_local_queue_and_the_jobs_calibration,
						setup, teardown),
		cmocka_unit_test_setup_teardown(cache_is_written_for_a_quiet_ledger_and_used_while_unchanged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_changed_ledger_is_read_again, setup, teardown),
		cmocka_unit_test_setup_teardown(another_job_or_ledger_is_a_miss, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_caches_are_misses, setup, teardown),
		cmocka_unit_test_setup_teardown(no_ledger_is_an_empty_view_and_creates_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(newer_ledger_is_planned_without_and_not_cached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(no_cache_folder_still_reads_the_ledger, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
