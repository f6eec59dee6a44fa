/* test_budget.c: repository names, budget verdicts exact to the cent, and this month's spend from the ledger. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "trainctl/budget.h"
#include "trainctl/error.h"
#include "trainctl/ledger.h"
#include "trainctl/util.h"

static void repo_names(void **state)
{
	char n[64];
	(void)state;
	tctl_repo_name(n, sizeof(n), "git@github.com:ada/bert.git", "/home/ada/src/other");
	assert_string_equal(n, "bert");
	tctl_repo_name(n, sizeof(n), "https://dev.azure.com/org/proj/_git/vision-models", NULL);
	assert_string_equal(n, "vision-models");
	tctl_repo_name(n, sizeof(n), "ssh://git@host:22/team/nlp.git/", NULL);
	assert_string_equal(n, "nlp");
	tctl_repo_name(n, sizeof(n), NULL, "/home/ada/src/bert-v2");
	assert_string_equal(n, "bert-v2");
	tctl_repo_name(n, sizeof(n), "", "/home/ada/src/bert-v2/");
	assert_string_equal(n, "bert-v2");
	tctl_repo_name(n, sizeof(n), NULL, NULL);
	assert_string_equal(n, "");
}

static tctl_budget per_job[] = { { "nightly", 20.0 } };
static tctl_budget per_repo[] = { { "bert", 50.0 } };

static void config(tctl_config *cfg, double monthly, double per_run)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->budgets.monthly_usd = monthly;
	cfg->budgets.per_run_usd = per_run;
	cfg->budgets.per_job = per_job;
	cfg->budgets.per_job_len = 1;
	cfg->budgets.per_repo = per_repo;
	cfg->budgets.per_repo_len = 1;
}

/* Reaching a budget exactly is allowed; one cent more crosses it. */
static void exact_to_the_cent(void **state)
{
	tctl_budget_spend spend[TCTL_BUDGET_SCOPES];
	tctl_budget_verdict v;
	tctl_config cfg;
	(void)state;
	config(&cfg, 10.0, 0);
	memset(spend, 0, sizeof(spend));
	spend[TCTL_BUDGET_MONTHLY].recorded = 8.00;
	tctl_budget_evaluate(&v, &cfg, "other", "", spend, 2.00);
	assert_int_equal(v.len, 0);                 /* 8.00 + 2.00 = 10.00: reaches, does not cross */
	tctl_budget_evaluate(&v, &cfg, "other", "", spend, 2.01);
	assert_int_equal(v.len, 1);                 /* 10.01 > 10.00 */
	assert_int_equal(v.breaches[0].scope, TCTL_BUDGET_MONTHLY);
	spend[TCTL_BUDGET_MONTHLY].recorded = 7.996; /* rounds to 8.00 */
	tctl_budget_evaluate(&v, &cfg, "other", "", spend, 2.004);   /* rounds to 2.00 */
	assert_int_equal(v.len, 0);
	spend[TCTL_BUDGET_MONTHLY].recorded = 7.50;
	spend[TCTL_BUDGET_MONTHLY].planned = 0.51;  /* queued and running runs count */
	tctl_budget_evaluate(&v, &cfg, "other", "", spend, 2.00);
	assert_int_equal(v.len, 1);
}

static void every_scope_and_its_message(void **state)
{
	tctl_budget_spend spend[TCTL_BUDGET_SCOPES];
	tctl_budget_verdict v;
	tctl_config cfg;
	char *msg = NULL;
	(void)state;
	config(&cfg, 1000.0, 5.0);
	memset(spend, 0, sizeof(spend));
	spend[TCTL_BUDGET_JOB].recorded = 19.50;
	spend[TCTL_BUDGET_REPO].recorded = 44.00;
	spend[TCTL_BUDGET_REPO].planned = 1.20;
	spend[TCTL_BUDGET_REPO].active = 2;
	spend[TCTL_BUDGET_MONTHLY].recorded = 100.0;
	tctl_budget_evaluate(&v, &cfg, "nightly", "bert", spend, 5.01);
	assert_int_equal(v.len, 3);
	assert_int_equal(v.breaches[0].scope, TCTL_BUDGET_RUN);
	assert_int_equal(v.breaches[1].scope, TCTL_BUDGET_JOB);
	assert_int_equal(v.breaches[2].scope, TCTL_BUDGET_REPO);
	assert_int_equal(tctl_budget_message(&msg, &v, "nightly"), 0);
	assert_string_equal(msg,
		"run 'nightly' would cross budgets.per_run_usd ($5.00): this run's estimate is $5.01\n"
		"run 'nightly' would cross budgets.per_job_usd.nightly ($20.00): $19.50 spent this "
		"month + $5.01 this run's estimate = $24.51\n"
		"run 'nightly' would cross budgets.per_repo_usd.bert ($50.00): $45.20 spent this month "
		"($44.00 recorded + $1.20 planned for 2 queued or running runs) + $5.01 this run's "
		"estimate = $50.21");
	free(msg);
	/* another job and repository: their budgets do not apply */
	tctl_budget_evaluate(&v, &cfg, "weekly", "vision", spend, 4.99);
	assert_int_equal(v.len, 0);
}

static char dir[64], path[128];

static void add_run(tctl_ledger *l, const char *job, const char *remote, tctl_run_state st,
		    double cost, double estimate, const char *parent, char out_id[TCTL_RUN_ID_SIZE])
{
	tctl_run r;
	char spec[128];

	memset(&r, 0, sizeof(r));
	snprintf(spec, sizeof(spec), "{\"name\": \"%s\"}", job);
	r.name = strdup(job);
	r.spec = strdup(spec);
	r.placement = strdup("local");
	r.backend = strdup("local");
	r.state = st;
	r.cost = cost;
	r.cost_estimate = estimate;
	r.exit_code = -1;
	r.parent_id = parent ? strdup(parent) : NULL;
	r.prov.in_repo = remote != NULL;
	r.prov.remote_url = remote ? strdup(remote) : NULL;
	assert_int_equal(tctl_ledger_run_insert(l, &r), 0);
	if (out_id)
		memcpy(out_id, r.id, TCTL_RUN_ID_SIZE);
	tctl_run_clear(&r);
}

/* Recorded costs of this month, plus what queued and running runs may still cost. */
static void spend_from_the_ledger(void **state)
{
	tctl_budget_spend s[TCTL_BUDGET_SCOPES];
	tctl_ledger *l = NULL;
	char sweep[TCTL_RUN_ID_SIZE];
	char cmd[160];
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tctl-budget-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	assert_int_equal(tctl_ledger_open(&l, path), 0);
	add_run(l, "nightly", "git@github.com:ada/bert.git", TCTL_RUN_SUCCEEDED, 1.25, 2.0, NULL, NULL);
	add_run(l, "nightly", NULL, TCTL_RUN_FAILED, 0.75, 0, NULL, NULL);
	add_run(l, "weekly", "https://x/ada/bert", TCTL_RUN_RUNNING, 0.10, 3.00, NULL, NULL);
	/* a running sweep planned at 4.00 whose two trials recorded 1.50: 2.50 still planned */
	add_run(l, "search", NULL, TCTL_RUN_RUNNING, 0, 4.00, NULL, sweep);
	add_run(l, "search", NULL, TCTL_RUN_SUCCEEDED, 1.00, 0.5, sweep, NULL);
	add_run(l, "search", NULL, TCTL_RUN_CANCELLED, 0.50, 0.5, sweep, NULL);
	assert_int_equal(tctl_budget_spend_gather(s, l, "nightly", "bert", tctl_now_ms()), 0);
	assert_true(s[TCTL_BUDGET_JOB].recorded == 2.00 && s[TCTL_BUDGET_JOB].planned == 0);
	assert_int_equal(tctl_usd_cents(s[TCTL_BUDGET_REPO].recorded), 135);
	assert_int_equal(tctl_usd_cents(s[TCTL_BUDGET_REPO].planned), 290);   /* 3.00 - 0.10 */
	assert_int_equal(s[TCTL_BUDGET_REPO].active, 1);
	assert_int_equal(tctl_usd_cents(s[TCTL_BUDGET_MONTHLY].recorded), 360);
	assert_int_equal(tctl_usd_cents(s[TCTL_BUDGET_MONTHLY].planned), 540);   /* 2.90 + 2.50 */
	assert_int_equal(s[TCTL_BUDGET_MONTHLY].active, 2);
	/* this month's spend does not count next month */
	assert_int_equal(tctl_budget_spend_gather(s, l, "nightly", "bert",
						  tctl_now_ms() + 40LL * 86400 * 1000), 0);
	assert_true(s[TCTL_BUDGET_MONTHLY].recorded == 0);
	tctl_ledger_free(l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repo_names),
		cmocka_unit_test(exact_to_the_cent),
		cmocka_unit_test(every_scope_and_its_message),
		cmocka_unit_test(spend_from_the_ledger),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
