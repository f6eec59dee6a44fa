/* test_simulate.c: replay a small hand-made trace and check every total against arithmetic done by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/simulate.h"

#define GIB (1024ULL * 1024 * 1024)
#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)

static tctl_catalog *cat;
static tctl_trace *trace;

static int setup(void **state)
{
	char path[4096];
	tctl_trace_columns cols;
	const char *data = getenv("TESTS_DATA");
	(void)state;

	if (!data || tctl_catalog_load(&cat, NULL) < 0 || tctl_trace_columns_parse(&cols, NULL) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/trace/small.csv", data);
	if (tctl_trace_read(&trace, path, &cols) < 0)
		return -1;
	tctl_trace_columns_free(&cols);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tctl_trace_free(trace);
	tctl_catalog_free(cat);
	return 0;
}

/*
 * The trace (tests/data/trace/small.csv), on one T4 with 4 cores, deadline 3 x
 * runtime, no evictions, every job checkpointable:
 *   job 1: submit 0,   1 GPU, 1 h    deadline 10800
 *   job 2: submit 0,   1 GPU, 30 min deadline 5400
 *   job 3: submit 100, 1 GPU, 10 min deadline 1900
 * Local energy: 70 W (T4) + 10 W (1 core) = 80 W at $0.16/kWh = $0.0128 per hour.
 * Cloud: Standard_NC4as_T4_v3 in eastus, $0.526 dedicated, $0.068959 low priority,
 * billed for runtime + 5 min provisioning + 2 min idle tail.
 */
static tctl_sim_report *replay(void)
{
	tctl_gpu t4 = { 0 };
	tctl_profile m = { 0 };
	tctl_plan_options po = TCTL_PLAN_OPTIONS_INIT;
	tctl_sim_options so = TCTL_SIM_OPTIONS_INIT;
	tctl_sim_report *r = NULL;

	t4.model = "Tesla T4";
	t4.vendor = "nvidia";
	m.source = "live";
	m.cpus = 4;
	m.memory = 16 * GIB;
	m.gpus = &t4;
	m.gpus_len = 1;
	po.evictions_per_hour = 0;
	so.deadline_factor = 3;
	if (tctl_simulate(&r, trace, &m, cat, &po, &so) < 0)
		fail_msg("%s", tctl_error_last()->message);
	return r;
}

static void trainctl_runs_two_here_and_sends_the_urgent_one_out(void **state)
{
	tctl_sim_report *r = replay();
	const tctl_sim_result *t = &r->results[TCTL_SIM_TRAINCTL];
	const tctl_sim_decision *d = r->decisions[TCTL_SIM_TRAINCTL];
	(void)state;

	assert_string_equal(t->name, "trainctl");
	assert_true(d[0].local && d[0].start == 0 && d[0].end == 3600);
	assert_true(d[1].local && d[1].start == 3600 && d[1].end == 5400); /* queued, still in time */
	assert_false(d[2].local);                                          /* local would end at 6000 */
	assert_string_equal(d[2].vm_size, "Standard_NC4as_T4_v3");
	assert_int_equal(d[2].priority, TCTL_PRIORITY_LOW);
	assert_int_equal(d[2].start, 400);
	assert_int_equal(d[2].end, 1000);
	assert_true(NEAR(d[0].cost, 0.0128));
	assert_true(NEAR(d[1].cost, 0.0064));
	assert_true(NEAR(d[2].cost, 1020.0 / 3600 * 0.068959));
	assert_true(NEAR(t->local_cost, 0.0192));
	assert_true(NEAR(t->cloud_cost, 1020.0 / 3600 * 0.068959));
	assert_true(NEAR(t->cost, 0.0192 + 1020.0 / 3600 * 0.068959));
	assert_int_equal(t->misses, 0);
	assert_int_equal(t->local_jobs, 2);
	assert_int_equal(t->cloud_jobs, 1);
	assert_true(NEAR(t->mean_jct, (3600 + 5400 + 900) / 3.0));
	assert_true(NEAR(t->p95_jct, 5400));
	tctl_sim_report_free(r);
}

static void baselines(void **state)
{
	tctl_sim_report *r = replay();
	const tctl_sim_result *fifo = &r->results[TCTL_SIM_LOCAL_FIFO];
	const tctl_sim_result *ded = &r->results[TCTL_SIM_CLOUD_DEDICATED];
	const tctl_sim_result *low = &r->results[TCTL_SIM_CLOUD_LOW];
	const tctl_sim_decision *f = r->decisions[TCTL_SIM_LOCAL_FIFO];
	(void)state;

	/* all local: one queue, the 10-minute job ends at 6000 > 1900 */
	assert_true(f[2].start == 5400 && f[2].end == 6000 && f[2].missed);
	assert_true(NEAR(fifo->cost, (3600 + 1800 + 600) / 3600.0 * 0.0128));
	assert_int_equal(fifo->misses, 1);
	/* all cloud: T4 sizes, 3600+1800+600 s of runtime plus 3 x 7 min */
	assert_true(NEAR(ded->cost, 7260.0 / 3600 * 0.526));
	assert_true(NEAR(low->cost, 7260.0 / 3600 * 0.068959));
	assert_int_equal(ded->misses, 0);
	assert_int_equal(low->misses, 0);
	assert_int_equal(ded->cloud_jobs, 3);
	assert_true(NEAR(ded->mean_jct, (3900 + 2100 + 900) / 3.0));
	assert_int_equal(r->missed_where_fifo_met, 0);
	assert_int_equal(r->gpu_jobs, 3);
	assert_string_equal(r->reference_gpu, "T4");
	tctl_sim_report_free(r);
}

static void decisions_are_json_lines_with_the_documented_keys(void **state)
{
	static const char *const keys[] = { "id", "submit", "gpus", "placement", "vm_size", "nodes",
					    "priority", "start", "end", "cost" };
	tctl_sim_report *r = replay();
	char *text = NULL, *line, *save = NULL;
	double total = 0;
	int n = 0;
	(void)state;

	assert_int_equal(tctl_sim_decisions_jsonl(&text, r, trace, TCTL_SIM_TRAINCTL), 0);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);
		assert_non_null(o);
		assert_int_equal(json_object_size(o), 10);
		for (size_t k = 0; k < 10; k++)
			assert_non_null(json_object_get(o, keys[k]));
		total += json_real_value(json_object_get(o, "cost"));
		if (n == 2) {
			assert_string_equal(json_string_value(json_object_get(o, "placement")), "cloud");
			assert_string_equal(json_string_value(json_object_get(o, "priority")), "low");
			assert_int_equal(json_integer_value(json_object_get(o, "end")), 1000);
		}
		json_decref(o);
	}
	assert_int_equal(n, 3);
	assert_true(NEAR(total, r->results[TCTL_SIM_TRAINCTL].cost));
	free(text);
	tctl_sim_report_free(r);
}

static void unknown_reference_gpu_is_refused(void **state)
{
	tctl_plan_options po = TCTL_PLAN_OPTIONS_INIT;
	tctl_sim_options so = TCTL_SIM_OPTIONS_INIT;
	tctl_sim_report *r = NULL;
	(void)state;

	so.reference_gpu = "Z80";
	assert_int_equal(tctl_simulate(&r, trace, NULL, cat, &po, &so), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message, "--reference-gpu: unknown GPU model 'Z80'");
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trainctl_runs_two_here_and_sends_the_urgent_one_out),
		cmocka_unit_test(baselines),
		cmocka_unit_test(decisions_are_json_lines_with_the_documented_keys),
		cmocka_unit_test(unknown_reference_gpu_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
