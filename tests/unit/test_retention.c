/* test_retention.c: the retention policy by hand, the storage lifecycle rule, and gc's plan and removal
 * in a scratch data folder: live runs untouched, symbolic links never followed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/retention.h"
#include "trainctl/util.h"

#define DAY (86400LL * 1000)
#define NOW (1800000000000LL)

/* Four runs of one job, newest first: ended 1, 5, 11 and 20 days ago, 100 bytes each. */
static void units(tctl_retention_unit *u)
{
	static const int days[] = { 1, 5, 11, 20 };
	memset(u, 0, 4 * sizeof(*u));
	for (int i = 0; i < 4; i++) {
		u[i].ended_ms = NOW - days[i] * DAY;
		u[i].bytes = 100;
	}
}

static void expect(const tctl_retention_unit *u, int a, int b, int c, int d)
{
	int want[4] = { a, b, c, d };
	for (int i = 0; i < 4; i++)
		if (u[i].collect != (want[i] != 0))
			fail_msg("unit %d: expected %s", i, want[i] ? "collected" : "kept");
}

static void keep_last_and_keep_days(void **state)
{
	tctl_retention_unit u[4];
	tctl_retention p;
	(void)state;
	memset(&p, 0, sizeof(p));
	units(u);
	tctl_retention_apply(u, 4, &p, NOW);            /* no rule: keep everything */
	expect(u, 0, 0, 0, 0);
	p.keep_last = 2;                                 /* the two newest stay */
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 0, 1, 1);
	assert_string_equal(u[2].why, "not among the last 2 runs (keep_last)");
	p.keep_last = 0;
	p.keep_days = 10;                                /* 11 and 20 days are older than 10 */
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 0, 1, 1);
	assert_string_equal(u[3].why, "ended more than 10 days ago (keep_days)");
	p.keep_last = 3;                                 /* kept by either rule: 11 days is in the last 3 */
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 0, 0, 1);
	p.keep_last = 0;
	p.keep_days = 1;                                 /* all older than a day... */
	u[0].ended_ms = NOW - 3 * DAY;
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 1, 1, 1);                           /* ...but the newest always stays */
}

static void max_total_size(void **state)
{
	tctl_retention_unit u[4];
	tctl_retention p;
	(void)state;
	memset(&p, 0, sizeof(p));
	units(u);
	p.max_total_size = 250;   /* 400 bytes: drop the oldest (300), then the next (200 <= 250) */
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 0, 1, 1);
	p.max_total_size = 50;    /* smaller than the newest alone: the newest still stays */
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 1, 1, 1);
	p.max_total_size = 250;
	p.keep_last = 3;          /* keep_last keeps three, the size cap then drops the oldest kept */
	tctl_retention_apply(u, 4, &p, NOW);
	expect(u, 0, 0, 1, 1);
}

static void lifecycle_rule(void **state)
{
	tctl_retention p = { 30, 10, 0 };
	char *json = NULL;
	(void)state;
	assert_int_equal(tctl_retention_lifecycle_rule(&json, &p, NULL, NULL), 0);
	assert_string_equal(json,
		"{\n  \"rules\": [\n    {\n      \"enabled\": true,\n      \"name\": \"trainctlRetention\",\n"
		"      \"type\": \"Lifecycle\",\n      \"definition\": {\n        \"actions\": {\n"
		"          \"baseBlob\": {\n            \"delete\": {\n"
		"              \"daysAfterModificationGreaterThan\": 30\n            }\n          }\n"
		"        },\n        \"filters\": {\n          \"blobTypes\": [\n            \"blockBlob\"\n"
		"          ],\n          \"prefixMatch\": [\n            \"<container>/azureml/\"\n"
		"          ]\n        }\n      }\n    }\n  ]\n}");
	free(json);
	assert_int_equal(tctl_retention_lifecycle_rule(&json, &p, "azureml-blobstore-1234", "/runs/"), 0);
	assert_non_null(strstr(json, "\"azureml-blobstore-1234/runs/\""));
	free(json);
	p.keep_days = 0;
	assert_int_equal(tctl_retention_lifecycle_rule(&json, &p, NULL, NULL), TCTL_ENOTSUPPORTED);
	assert_null(json);
	assert_non_null(strstr(tctl_error_last()->message, "keep_days only"));
}

/* ---- gc in a scratch data folder ---- */

static char root[64], data[96], outside[96];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void add_run(tctl_ledger *l, const char *name, tctl_run_state st, int64_t ended,
		    char out[TCTL_RUN_ID_SIZE])
{
	tctl_run r;
	char dir[200];

	memset(&r, 0, sizeof(r));
	r.name = strdup(name);
	r.spec = strdup("{\"name\": \"train\", \"retention\": {\"keep_last\": 1}}");
	r.placement = strdup("local");
	r.backend = strdup("local");
	r.state = st;
	r.exit_code = -1;
	r.ended_ms = ended;
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	snprintf(dir, sizeof(dir), "%s/runs/%s", data, r.id);
	sh("mkdir -p '%s' && head -c 1000 /dev/zero > '%s/stdout'", dir, dir);
	memcpy(out, r.id, TCTL_RUN_ID_SIZE);
	tctl_run_clear(&r);
}

static bool exists(const char *a, const char *b)
{
	char p[300];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", a, b);
	return lstat(p, &st) == 0;
}

static void gc_removes_what_it_planned_and_nothing_live(void **state)
{
	char old1[TCTL_RUN_ID_SIZE], old2[TCTL_RUN_ID_SIZE], newest[TCTL_RUN_ID_SIZE];
	char live[TCTL_RUN_ID_SIZE], path[200], rel[64];
	tctl_gc_plan *plan = NULL;
	tctl_ledger *l = NULL;
	tctl_run *r = NULL;
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tctl-gc-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(data, sizeof(data), "%s/data", root);
	snprintf(outside, sizeof(outside), "%s/outside", root);
	sh("mkdir -p '%s' '%s'", data, outside);
	sh("echo keep > '%s/precious'", outside);
	snprintf(path, sizeof(path), "%s/ledger.db", data);
	assert_int_equal(tctl_ledger_open(&l, path), 0);
	add_run(l, "train", TCTL_RUN_SUCCEEDED, NOW - 9 * DAY, old1);
	add_run(l, "train", TCTL_RUN_FAILED, NOW - 8 * DAY, old2);
	add_run(l, "train", TCTL_RUN_RUNNING, 0, live);
	add_run(l, "train", TCTL_RUN_SUCCEEDED, NOW - 1 * DAY, newest);
	/* a link out of the data folder inside a run that goes: the link goes, not its target */
	snprintf(path, sizeof(path), "%s/runs/%s", data, old1);
	sh("ln -s '%s' '%s/escape'", outside, path);
	sh("ln -s '%s/precious' '%s/escape-file'", outside, path);

	assert_int_equal(tctl_gc_plan_make(&plan, l, NULL, NOW), 0);
	assert_int_equal(plan->len, 2);
	assert_string_equal(plan->items[0].run_id, old2);   /* newest first */
	assert_string_equal(plan->items[1].run_id, old1);
	assert_int_equal(plan->items[1].files, 3);          /* stdout and two links */
	assert_int_equal(plan->items[1].bytes, 1000);       /* links count nothing */
	assert_int_equal(plan->bytes, 2000);
	assert_int_equal(tctl_gc_execute(plan, l), 0);
	assert_true(plan->items[0].removed && plan->items[1].removed);
	snprintf(rel, sizeof(rel), "runs/%s", old1);
	assert_false(exists(data, rel));
	snprintf(rel, sizeof(rel), "runs/%s", live);
	assert_true(exists(data, rel));                     /* running: untouched */
	snprintf(rel, sizeof(rel), "runs/%s", newest);
	assert_true(exists(data, rel));
	assert_true(exists(outside, "precious"));           /* the links' target is intact */
	assert_int_equal(tctl_ledger_run_get(l, &r, old1), 0);
	assert_true(r->collected_ms > 0);                   /* the row stays, marked collected */
	tctl_run_free(r);
	tctl_gc_plan_free(plan);

	/* nothing more to do; and a 'runs' folder replaced by a link is never entered */
	assert_int_equal(tctl_gc_plan_make(&plan, l, NULL, NOW), 0);
	assert_int_equal(plan->len, 0);
	tctl_gc_plan_free(plan);
	sh("mv '%s/runs' '%s/runs-real'", data, data);
	sh("ln -s '%s' '%s/runs'", outside, data);
	assert_int_equal(tctl_gc_plan_make(&plan, l, NULL, NOW + 30 * DAY), 0);
	assert_int_equal(plan->len, 0);
	assert_true(exists(outside, "precious"));
	tctl_gc_plan_free(plan);
	tctl_ledger_free(l);
	sh("rm -rf '%s'", root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keep_last_and_keep_days),
		cmocka_unit_test(max_total_size),
		cmocka_unit_test(lifecycle_rule),
		cmocka_unit_test(gc_removes_what_it_planned_and_nothing_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
