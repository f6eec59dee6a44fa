/* test_cost.c: the cost report: months, totals equal to the recorded costs, groups, savings, JSON, HTML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "trainctl/cost.h"
#include "trainctl/error.h"

static void month_ranges(void **state)
{
	int64_t a, b;
	(void)state;
	assert_int_equal(tctl_month_range(&a, &b, "2026-05"), 0);
	assert_int_equal(a, 1777593600000LL);   /* 2026-05-01T00:00:00Z */
	assert_int_equal(b, 1780272000000LL);   /* 2026-06-01T00:00:00Z */
	assert_int_equal(tctl_month_range(&a, &b, "2026-12"), 0);
	assert_int_equal(b, 1798761600000LL);   /* 2027-01-01T00:00:00Z */
	assert_int_equal(tctl_month_range(&a, &b, "2026-13"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "expected YYYY-MM (such as 2026-05), got '2026-13'"));
	assert_int_equal(tctl_month_range(&a, &b, "2026-5"), TCTL_EINVALID);
	assert_int_equal(tctl_month_range(&a, &b, "2026-05-01"), TCTL_EINVALID);
	assert_int_equal(tctl_month_range(&a, &b, "May"), TCTL_EINVALID);
}

typedef struct {
	const char *id, *job, *backend, *parent, *remote;
	int64_t ms;
	double cost, equiv;
} row_spec;

#define MAY3 1777766400000LL   /* 2026-05-03 */
#define MAY20 1779235200000LL  /* 2026-05-20 */
#define JUN2 1780358400000LL   /* 2026-06-02 */

static const row_spec rows_spec[] = {
	{ "1m0000000a1", "bert", "local", NULL, "git@x:ada/bert.git", MAY3, 0.25, 4.00 },
	{ "1m0000000a2", "bert", "azureml", NULL, "git@x:ada/bert.git", MAY3, 10.50, 0 },
	{ "1m0000000a3", "sweep", "local", NULL, NULL, MAY20, 0, 0 },         /* a sweep's parent */
	{ "1m0000000a4", "sweep", "local", "1m0000000a3", NULL, MAY20, 0.125, 1.5 },
	{ "1m0000000a5", "sweep", "local", "1m0000000a3", NULL, MAY20, 0.125, 0 },
	{ "1m0000000a6", "eval", "azureml", NULL, "https://x/ada/vision", JUN2, 3.00, 0 },
};
#define NROWS (sizeof(rows_spec) / sizeof(rows_spec[0]))

static tctl_cost_row *make_rows(void)
{
	tctl_cost_row *rows = calloc(NROWS, sizeof(*rows));

	for (size_t i = 0; i < NROWS; i++) {
		const row_spec *s = &rows_spec[i];
		snprintf(rows[i].id, sizeof(rows[i].id), "%s", s->id);
		rows[i].job = strdup(s->job);
		rows[i].backend = strdup(s->backend);
		rows[i].parent_id = s->parent ? strdup(s->parent) : NULL;
		rows[i].repo_remote = s->remote ? strdup(s->remote) : NULL;
		rows[i].submitted_ms = s->ms;
		rows[i].cost = s->cost;
		rows[i].cloud_equiv_cost = s->equiv;
		rows[i].state = TCTL_RUN_SUCCEEDED;
	}
	return rows;
}

static const tctl_cost_group *find(const tctl_cost_group *g, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].key, key))
			return &g[i];
	fail_msg("no group '%s'", key);
	return NULL;
}

static void totals_are_the_recorded_costs(void **state)
{
	tctl_cost_report *r = NULL;
	double sum = 0;
	(void)state;
	for (size_t i = 0; i < NROWS; i++)
		sum += rows_spec[i].cost;
	assert_int_equal(tctl_cost_report_from_rows(&r, make_rows(), NROWS, NULL), 0);
	assert_true(r->total == sum);                       /* 14.00 */
	assert_true(r->local == 0.5 && r->cloud == 13.5);
	assert_int_equal(r->runs, 6);
	assert_int_equal(r->by_month_len, 2);
	assert_string_equal(r->by_month[0].key, "2026-05");
	assert_true(r->by_month[0].cost == 11.0 && r->by_month[1].cost == 3.0);
	assert_true(find(r->by_repo, r->by_repo_len, "bert")->cost == 10.75);
	assert_true(find(r->by_repo, r->by_repo_len, "vision")->cost == 3.0);
	assert_true(find(r->by_repo, r->by_repo_len, "(no repository)")->cost == 0.25);
	assert_true(find(r->by_job, r->by_job_len, "sweep")->runs == 3);
	assert_true(find(r->by_backend, r->by_backend_len, "azureml")->cost == 13.5);
	/* savings: local runs with a cloud price cost 0.25 + 0.125 here and 4.00 + 1.50 in the
	 * cloud: 5.125 saved; one local run has no cloud price (the parent is no run of its own) */
	assert_true(r->cloud_equiv == 5.5 && r->equiv_local == 0.375 && r->saved == 5.125);
	assert_int_equal(r->equiv_runs, 2);
	assert_int_equal(r->local_runs - r->equiv_runs, 1);
	assert_string_equal(r->series_unit, "month");
	tctl_cost_report_free(r);
}

static void one_month_by_day(void **state)
{
	tctl_cost_report *r = NULL;
	tctl_cost_row *rows = make_rows();
	(void)state;
	free(rows[5].job);                  /* as the ledger would: June is not asked for */
	free(rows[5].backend);
	free(rows[5].repo_remote);
	assert_int_equal(tctl_cost_report_from_rows(&r, rows, 5, "2026-05"), 0);
	assert_true(r->total == 11.0);
	assert_string_equal(r->series_unit, "day");
	assert_int_equal(r->series_len, 2);
	assert_string_equal(r->series[0].key, "2026-05-03");
	assert_true(r->series[0].local == 0.25 && r->series[0].cloud == 10.5);
	assert_string_equal(r->series[1].key, "2026-05-20");
	tctl_cost_report_free(r);
}

static void json_has_the_documented_keys(void **state)
{
	tctl_cost_report *r = NULL;
	char *text = NULL;
	json_t *o;
	(void)state;
	assert_int_equal(tctl_cost_report_from_rows(&r, make_rows(), NROWS, NULL), 0);
	assert_int_equal(tctl_cost_report_to_json(&text, r), 0);
	assert_non_null(o = json_loads(text, 0, NULL));
	assert_true(json_real_value(json_object_get(o, "total")) == 14.0);
	assert_true(json_is_null(json_object_get(o, "month")));
	assert_string_equal(json_string_value(json_object_get(o, "currency")), "USD");
	assert_true(json_real_value(json_object_get(json_object_get(o, "savings"), "saved")) == 5.125);
	assert_int_equal(json_array_size(json_object_get(o, "by_repository")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "series"), "unit")),
			    "month");
	json_decref(o);
	free(text);
	tctl_cost_report_free(r);
}

/* Self-contained: no resource is loaded from anywhere, and no string in the data can end
 * the script element it is embedded in. */
static void html_is_self_contained(void **state)
{
	tctl_cost_report *r = NULL;
	tctl_cost_row *rows = make_rows();
	char *page = NULL, *start, *end;
	(void)state;
	free(rows[0].job);
	rows[0].job = strdup("</script><img src=x onerror=alert(1)>");
	assert_int_equal(tctl_cost_report_from_rows(&r, rows, NROWS, NULL), 0);
	assert_int_equal(tctl_cost_report_to_html(&page, r), 0);
	assert_non_null(start = strstr(page, "<script type=\"application/json\" id=\"data\">"));
	assert_non_null(strstr(start, "\\u003c/script>\\u003cimg"));
	assert_non_null(strstr(start, "\"cost\":10.5"));
	assert_non_null(end = strstr(start, "</script>"));
	memmove(start, end, strlen(end) + 1);   /* what is left is markup and code */
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, " src="));
	assert_null(strstr(page, "href="));
	assert_null(strstr(page, "<link"));
	assert_non_null(strstr(page, "default-src 'none'"));
	free(page);
	tctl_cost_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(month_ranges),
		cmocka_unit_test(totals_are_the_recorded_costs),
		cmocka_unit_test(one_month_by_day),
		cmocka_unit_test(json_has_the_documented_keys),
		cmocka_unit_test(html_is_self_contained),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
