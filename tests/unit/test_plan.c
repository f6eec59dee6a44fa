/* test_plan.c: every cost term, constraint and rejection reason of the planner; the choice; golden plans. */
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
#include "trainctl/plan.h"
#include "trainctl/util.h"

#define NOW 1795000000            /* 2026-11-18T11:06:40Z */
#define GIB (1024ULL * 1024 * 1024)
#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static tctl_catalog *cat;
static tctl_gpu gpus[8];

static int setup(void **state)
{
	(void)state;
	return tctl_catalog_load(&cat, NULL);
}

static int teardown(void **state)
{
	(void)state;
	tctl_catalog_free(cat);
	return 0;
}

static tctl_profile machine(int ngpus, const char *model, double cpus, uint64_t memory)
{
	tctl_profile p = { 0 };

	for (int i = 0; i < ngpus; i++) {
		memset(&gpus[i], 0, sizeof(gpus[i]));
		gpus[i].index = i;
		gpus[i].vendor = "nvidia";
		gpus[i].model = (char *)model;
	}
	p.source = "live";
	p.cpus = cpus;
	p.memory = memory;
	p.gpus = gpus;
	p.gpus_len = (size_t)ngpus;
	return p;
}

static tctl_job gpu_job(int ngpus, double gpu_hours, const char *ref)
{
	tctl_job j = { 0 };

	j.name = "train";
	j.resources.gpus = ngpus;
	j.resources.cpus = 4;
	j.estimate.gpu_hours = gpu_hours;
	j.estimate.reference_gpu = (char *)ref;
	j.cloud.region = "eastus";
	return j;
}

static tctl_plan_options options(void)
{
	tctl_plan_options o = TCTL_PLAN_OPTIONS_INIT;
	o.now = NOW;
	return o;
}

static tctl_plan *make(const tctl_job *job, const tctl_profile *p, const tctl_plan_options *o,
		       const tctl_local_state *local)
{
	tctl_plan *plan = NULL;

	if (tctl_plan_make(&plan, job, p, cat, o, local, NULL, 0) < 0)
		fail_msg("plan: %s", tctl_error_last()->message);
	return plan;
}

/* The candidate for `size` (NULL: local) at `prio` and `nodes`; fails the test when absent. */
static const tctl_candidate *find(const tctl_plan *p, const char *size, tctl_priority prio, int nodes)
{
	for (size_t i = 0; i < p->candidates_len; i++) {
		const tctl_candidate *c = &p->candidates[i];
		if (!size && c->local)
			return c;
		if (size && !c->local && !strcmp(c->size_name, size) && c->priority == prio &&
		    c->nodes == nodes)
			return c;
	}
	fail_msg("no candidate %s", size ? size : "local");
	return NULL;
}

#define T4_1 "Standard_NC4as_T4_v3"
#define DED TCTL_PRIORITY_DEDICATED
#define LOW TCTL_PRIORITY_LOW

static void expect_reason(const tctl_candidate *c, const char *reason)
{
	assert_false(c->feasible);
	if (strcmp(c->reason, reason))
		fail_msg("reason '%s', expected '%s'", c->reason, reason);
}

/* ---- cost terms ---- */

static void local_energy_term(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p = make(&j, &m, &o, NULL);
	const tctl_candidate *c = find(p, NULL, 0, 1);
	(void)state;

	/* 2 h x (70 W T4 + 4 cores x 10 W) = 0.22 kWh x $0.16 */
	assert_true(c->feasible);
	assert_true(NEAR(c->costs.energy, 0.22 * 0.16));
	assert_true(NEAR(c->cost, 0.22 * 0.16));
	assert_int_equal(c->start, NOW);
	assert_int_equal(c->finish, NOW + 7200);
	o.watts_per_gpu = 100;
	o.usd_per_kwh = 0.30;
	tctl_plan_free(p);
	p = make(&j, &m, &o, NULL);
	assert_true(NEAR(find(p, NULL, 0, 1)->costs.energy, 2 * 0.140 * 0.30));
	tctl_plan_free(p);
}

static void cloud_compute_provisioning_and_idle_terms(void **state)
{
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p = make(&j, NULL, &o, NULL);
	const tctl_candidate *c = find(p, T4_1, DED, 1);
	(void)state;

	assert_true(c->feasible);
	assert_true(NEAR(c->price_per_node_hour, 0.526));
	assert_true(NEAR(c->costs.compute, 2 * 0.526));
	assert_true(NEAR(c->costs.provisioning, 300.0 / 3600 * 0.526));
	assert_true(NEAR(c->costs.idle, 120.0 / 3600 * 0.526));
	assert_true(NEAR(c->costs.rework, 0));
	assert_true(NEAR(c->cost, (7200.0 + 300 + 120) / 3600 * 0.526));
	assert_int_equal(c->start, NOW + 300);
	assert_int_equal(c->finish, NOW + 300 + 7200);
	tctl_plan_free(p);
	/* a longer idle tail from the job */
	j.cloud.idle_time_before_scale_down = 600;
	p = make(&j, NULL, &o, NULL);
	assert_true(NEAR(find(p, T4_1, DED, 1)->costs.idle, 600.0 / 3600 * 0.526));
	tctl_plan_free(p);
}

static void rework_term_of_low_priority(void **state)
{
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	const tctl_candidate *c;
	double rate = 0.05 / 3600, expect;
	(void)state;

	j.checkpointable = true;
	p = make(&j, NULL, &o, NULL);
	c = find(p, T4_1, LOW, 1);
	/* 0.05/h x 2 h = 0.1 evictions, each losing half a 30 min checkpoint interval + 5 min */
	assert_int_equal(c->rework, 120);
	assert_true(NEAR(c->costs.rework, 120.0 / 3600 * 0.068959));
	assert_int_equal(c->finish, NOW + 300 + 7200 + 120);
	tctl_plan_free(p);
	/* not checkpointable but short: restarts from zero */
	j.checkpointable = false;
	j.estimate.gpu_hours = 0.5;
	p = make(&j, NULL, &o, NULL);
	c = find(p, T4_1, LOW, 1);
	expect = (1 / rate + 300) * expm1(rate * 1800) - 1800;
	assert_int_equal(c->rework, (int64_t)ceil(expect));
	assert_true(c->feasible);
	tctl_plan_free(p);
}

static void egress_term(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	j.data.region = "westus2";
	j.data.size = 100000000000ULL;
	p = make(&j, &m, &o, NULL);
	assert_true(NEAR(find(p, T4_1, DED, 1)->costs.egress, 2.0));
	assert_true(NEAR(find(p, NULL, 0, 1)->costs.egress, 8.7));
	tctl_plan_free(p);
	j.data.region = "eastus";
	p = make(&j, &m, &o, NULL);
	assert_true(NEAR(find(p, T4_1, DED, 1)->costs.egress, 0));
	tctl_plan_free(p);
	j.data.region = "westeurope";
	p = make(&j, &m, &o, NULL);
	expect_reason(find(p, T4_1, DED, 1), "no egress price westeurope -> eastus");
	assert_true(find(p, NULL, 0, 1)->feasible);
	tctl_plan_free(p);
}

static void reserved_nodes_cost_nothing_at_the_margin(void **state)
{
	tctl_plan_reservation r[] = { { T4_1, "eastus", 1 } };
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	const tctl_candidate *one, *two;
	(void)state;

	o.reservations = r;
	o.reservations_len = 1;
	j.cloud.max_nodes = 2;
	p = make(&j, NULL, &o, NULL);
	one = find(p, T4_1, DED, 1);
	two = find(p, T4_1, DED, 2);
	assert_int_equal(one->reserved_nodes, 1);
	assert_true(NEAR(one->cost, 0));
	assert_int_equal(two->reserved_nodes, 1);
	assert_true(NEAR(two->costs.compute, two->estimate.runtime / 3600.0 * 0.526));
	assert_int_equal(find(p, T4_1, LOW, 1)->reserved_nodes, 0);
	assert_ptr_equal(tctl_plan_choice(p), one);
	tctl_plan_free(p);
}

/* ---- constraints and their reasons ---- */

static void deadline_constraint(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	j.limits.deadline = 3600;
	p = make(&j, &m, &o, NULL);
	expect_reason(find(p, NULL, 0, 1), "misses deadline by 1h");
	expect_reason(find(p, T4_1, DED, 1), "misses deadline by 1h5m");
	assert_true(find(p, "Standard_NC24ads_A100_v4", DED, 1)->feasible);
	assert_int_equal(p->deadline, NOW + 3600);
	tctl_plan_free(p);
	/* an absolute deadline works the same */
	j.limits.deadline = 0;
	j.limits.deadline_at = NOW + 7200;
	p = make(&j, &m, &o, NULL);
	assert_true(find(p, NULL, 0, 1)->feasible);
	tctl_plan_free(p);
}

static void low_priority_must_survive_one_more_eviction(void **state)
{
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	j.checkpointable = true;
	j.limits.deadline = 300 + 7200 + 120 + 300; /* room for the expected rework, not one more eviction */
	p = make(&j, NULL, &o, NULL);
	expect_reason(find(p, T4_1, LOW, 1), "misses deadline by 30m (with one more eviction)");
	assert_true(find(p, T4_1, DED, 1)->feasible);
	tctl_plan_free(p);
}

static void max_cost_constraint(void **state)
{
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	j.limits.max_cost = 1.00;
	p = make(&j, NULL, &o, NULL);
	expect_reason(find(p, T4_1, DED, 1), "over max_cost $1.11 > $1.00");
	assert_true(tctl_plan_choice(p)->cost <= 1.00);
	tctl_plan_free(p);
}

static void monthly_budget_constraint(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_local_state spent = { NULL, 0, 99.50 };
	tctl_plan *p;
	(void)state;

	o.monthly_budget = 100;
	p = make(&j, &m, &o, &spent);
	expect_reason(find(p, T4_1, DED, 1), "over monthly budget: $99.50 spent + $1.11 > $100.00");
	assert_true(find(p, NULL, 0, 1)->feasible); /* the budget is for cloud spend */
	tctl_plan_free(p);
}

static void quota_constraint(void **state)
{
	tctl_plan_quota q[] = { { "standardncasv3_t4family", "eastus", 2 }, { "lowPriorityCores", NULL, 100 } };
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	o.quotas = q;
	o.quotas_len = 2;
	p = make(&j, NULL, &o, NULL);
	expect_reason(find(p, T4_1, DED, 1), "quota: 4 vCPUs needed, 2 free (standardNCASv3_T4Family)");
	assert_true(p->quota_checked);
	tctl_plan_free(p);
	q[1].free_vcpus = 3;
	j.checkpointable = true;
	p = make(&j, NULL, &o, NULL);
	expect_reason(find(p, T4_1, LOW, 1), "quota: 4 vCPUs needed, 3 free (lowPriorityCores)");
	tctl_plan_free(p);
}

static void fit_constraints(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(4, 8, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	p = make(&j, &m, &o, NULL);
	expect_reason(find(p, NULL, 0, 1), "needs 4 GPUs, machine has 1");
	assert_false(find(p, NULL, 0, 1)->has_estimate);
	tctl_plan_free(p);
	j = gpu_job(1, 2, "T4");
	j.resources.memory = 64 * GIB;
	j.cloud.vm_sizes = (char *[]){ T4_1 };
	j.cloud.vm_sizes_len = 1;
	p = make(&j, &m, &o, NULL);
	expect_reason(find(p, NULL, 0, 1), "needs 64 GiB memory, machine has 32 GiB");
	expect_reason(find(p, T4_1, DED, 1), "needs 64 GiB memory, size has 28 GiB");
	tctl_plan_free(p);
}

static void retired_sizes_are_priced_but_never_chosen(void **state)
{
	tctl_job j = gpu_job(1, 2, "V100");
	tctl_plan_options o = options();
	tctl_plan *p;
	const tctl_candidate *c;
	(void)state;

	j.cloud.vm_sizes = (char *[]){ "Standard_NC6s_v3" };
	j.cloud.vm_sizes_len = 1;
	p = make(&j, NULL, &o, NULL);
	c = find(p, "Standard_NC6s_v3", DED, 1);
	expect_reason(c, "retired 2025-09-30");
	assert_true(c->has_estimate);
	assert_true(NEAR(c->cost, (7200.0 + 420) / 3600 * 3.06));
	assert_null(tctl_plan_choice(p));
	assert_non_null(strstr(p->why, "no candidate fits"));
	tctl_plan_free(p);
}

static void low_priority_needs_checkpoints_or_a_short_job(void **state)
{
	tctl_job j = gpu_job(1, 4, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	p = make(&j, NULL, &o, NULL);
	expect_reason(find(p, T4_1, LOW, 1), "not checkpointable (runtime 4h > 1h)");
	tctl_plan_free(p);
	j.checkpointable = true;
	p = make(&j, NULL, &o, NULL);
	assert_true(find(p, T4_1, LOW, 1)->feasible);
	assert_ptr_equal(tctl_plan_choice(p), find(p, T4_1, LOW, 1));
	tctl_plan_free(p);
}

static void region_without_prices_or_unknown(void **state)
{
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	j.cloud.region = "westeurope";
	p = make(&j, NULL, &o, NULL);
	expect_reason(find(p, T4_1, DED, 1), "no dedicated price for westeurope in the catalog");
	expect_reason(find(p, T4_1, LOW, 1), "no low priority price for westeurope in the catalog");
	tctl_plan_free(p);
	j.cloud.region = "atlantis";
	p = make(&j, NULL, &o, NULL);
	assert_int_equal(p->candidates_len, 0);
	assert_string_equal(p->cloud_note, "cloud not considered: region 'atlantis' is not in the catalog");
	tctl_plan_free(p);
	j.cloud.region = NULL;
	p = make(&j, NULL, &o, NULL);
	assert_non_null(strstr(p->cloud_note, "no region"));
	assert_non_null(strstr(p->why, "no candidate fits"));
	tctl_plan_free(p);
	o.region = "eastus"; /* the workspace's region */
	p = make(&j, NULL, &o, NULL);
	assert_string_equal(p->region, "eastus");
	assert_non_null(tctl_plan_choice(p));
	tctl_plan_free(p);
}

static void unknown_size_and_run_limits(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	j.cloud.vm_sizes = (char *[]){ "Standard_Nope" };
	j.cloud.vm_sizes_len = 1;
	j.limits.max_run_duration = 3600;
	p = make(&j, &m, &o, NULL);
	expect_reason(find(p, "Standard_Nope", DED, 1), "not in the catalog");
	expect_reason(find(p, NULL, 0, 1), "runtime 2h over limits.max_run_duration 1h");
	tctl_plan_free(p);
	j.limits.max_run_duration = 0;
	o.local_max_runtime = 1800;
	p = make(&j, &m, &o, NULL);
	expect_reason(find(p, NULL, 0, 1), "runtime 2h over the local limit 30m");
	tctl_plan_free(p);
}

static void local_reserve_keeps_room_for_urgent_jobs(void **state)
{
	tctl_profile m = machine(4, "Tesla T4", 16, 64 * GIB);
	tctl_local_run runs[] = { { 2, 4, 0, false, NOW + 36000, 0 } };
	tctl_local_state busy = { runs, 1, 0 };
	tctl_job j = gpu_job(2, 4, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	o.local_reserve = 0.25;
	j.checkpointable = true;
	p = make(&j, &m, &o, &busy); /* 2 held + 2 > 75% of 4 GPUs, and the cloud can run it */
	expect_reason(find(p, NULL, 0, 1), "25% of this machine is kept for jobs only it can finish in time");
	tctl_plan_free(p);
	j.limits.deadline = 300; /* only this machine can finish it in time: the reserve is for it */
	j.estimate.gpu_hours = 0.1;
	p = make(&j, &m, &o, &busy);
	assert_true(find(p, NULL, 0, 1)->feasible);
	assert_true(tctl_plan_choice(p)->local);
	tctl_plan_free(p);
}

/* ---- the local queue ---- */

static void local_queue_wait(void **state)
{
	tctl_local_run runs[] = {
		{ 1, 2, 0, false, NOW + 3600, 0 },   /* running, ends in 1 h */
		{ 1, 2, 0, true, 0, 1800 },          /* queued, 30 min */
	};
	tctl_local_state st = { runs, 2, 0 };
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 1, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	assert_int_equal(tctl_plan_local_start(&st, NOW, 1, 8, 32 * GIB, 1, 2, 0), NOW + 5400);
	/* strict FIFO: a CPU job does not overtake the queued one, even with cores free now */
	assert_int_equal(tctl_plan_local_start(&st, NOW, 1, 8, 32 * GIB, 0, 2, 0), NOW + 3600);
	st.runs_len = 1; /* no queue: it starts at once */
	assert_int_equal(tctl_plan_local_start(&st, NOW, 1, 8, 32 * GIB, 0, 6, 0), NOW);
	assert_int_equal(tctl_plan_local_start(&st, NOW, 1, 8, 32 * GIB, 0, 7, 0), NOW + 3600);
	st.runs_len = 2;
	assert_int_equal(tctl_plan_local_start(&st, NOW, 1, 8, 32 * GIB, 2, 1, 0), -1);
	assert_int_equal(tctl_plan_local_start(NULL, NOW, 1, 8, 32 * GIB, 1, 1, 0), NOW);
	runs[0].end = NOW - 100; /* overdue: expected any moment */
	assert_int_equal(tctl_plan_local_start(&st, NOW, 1, 8, 32 * GIB, 1, 2, 0), NOW + 1800);
	runs[0].end = NOW + 3600;
	p = make(&j, &m, &o, &st);
	assert_int_equal(find(p, NULL, 0, 1)->start, NOW + 5400);
	assert_int_equal(find(p, NULL, 0, 1)->finish, NOW + 5400 + 3600);
	tctl_plan_free(p);
}

/* ---- the choice ---- */

static void cheapest_that_meets_the_deadline_wins(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p = make(&j, &m, &o, NULL);
	const tctl_candidate *c = tctl_plan_choice(p);
	(void)state;

	assert_true(c->local);
	for (size_t i = 0; i < p->candidates_len; i++)
		if (p->candidates[i].feasible)
			assert_true(c->cost <= p->candidates[i].cost);
	assert_non_null(strstr(p->why, "cheapest (no deadline set)"));
	tctl_plan_free(p);
}

static void ties_go_local(void **state)
{
	tctl_plan_reservation r[] = { { T4_1, NULL, 1 } };
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	o.usd_per_kwh = 0; /* local costs nothing; so does the reserved node */
	o.reservations = r;
	o.reservations_len = 1;
	p = make(&j, &m, &o, NULL);
	assert_true(NEAR(find(p, T4_1, DED, 1)->cost, 0));
	assert_true(tctl_plan_choice(p)->local);
	assert_non_null(strstr(p->why, "a tie on cost goes local"));
	tctl_plan_free(p);
}

static void prefer_time_takes_the_earliest_finish_within_budget(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 8, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	const tctl_candidate *c;
	(void)state;

	o.prefer = TCTL_PREFER_TIME;
	j.limits.max_cost = 6;
	p = make(&j, &m, &o, NULL);
	c = tctl_plan_choice(p);
	for (size_t i = 0; i < p->candidates_len; i++)
		if (p->candidates[i].feasible)
			assert_true(c->finish <= p->candidates[i].finish);
	assert_true(c->cost <= 6);
	assert_false(c->local);
	assert_false(find(p, "Standard_NC40ads_H100_v5", DED, 1)->feasible); /* faster, over max_cost */
	assert_non_null(strstr(p->why, "earliest finish within max_cost and budget"));
	tctl_plan_free(p);
}

static void nothing_fits_says_why(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(16, 100, "T4");
	tctl_plan_options o = options();
	tctl_plan *p = make(&j, &m, &o, NULL);
	(void)state;

	assert_int_equal(p->chosen, -1);
	assert_string_equal(p->why, "no candidate fits: local: needs 16 GPUs, machine has 1; "
				    "cloud: no VM size in the catalog has 16 GPUs per node");
	tctl_plan_free(p);
	j = gpu_job(1, 100, "T4");
	j.limits.max_cost = 0.5;
	j.limits.deadline = 3600;
	p = make(&j, &m, &o, NULL);
	assert_int_equal(p->chosen, -1);
	assert_non_null(strstr(p->why, "no candidate fits: local: misses deadline by 4d3h; cloud:"));
	assert_non_null(strstr(p->why, "misses deadline"));
	tctl_plan_free(p);
}

static void placement_can_be_forced(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p;
	(void)state;

	o.placement = TCTL_PLACEMENT_CLOUD;
	p = make(&j, &m, &o, NULL);
	assert_false(tctl_plan_choice(p)->local);
	assert_string_equal(p->local_note, "local not considered: placement is cloud");
	tctl_plan_free(p);
	o.placement = TCTL_PLACEMENT_AUTO;
	j.placement = TCTL_PLACEMENT_LOCAL;
	p = make(&j, &m, &o, NULL);
	assert_int_equal(p->candidates_len, 1);
	assert_string_equal(p->cloud_note, "cloud not considered: placement is local");
	tctl_plan_free(p);
	j.placement = TCTL_PLACEMENT_AUTO;
	j.cloud.priority = TCTL_PRIORITY_DEDICATED;
	p = make(&j, &m, &o, NULL);
	for (size_t i = 0; i < p->candidates_len; i++)
		assert_int_not_equal(p->candidates[i].priority, TCTL_PRIORITY_LOW);
	tctl_plan_free(p);
}

static void unknown_local_gpu_is_said_and_planned_conservatively(void **state)
{
	tctl_profile m = machine(1, "Matrox G200eR2", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p = make(&j, &m, &o, NULL);
	(void)state;

	assert_string_equal(p->local_note,
			    "unknown GPU model 'Matrox G200eR2': planned as speed 0.18, 300 W (conservative default)");
	assert_string_equal(p->local_name, "this machine (1x unknown)");
	/* 2 T4-hours at 0.18 / 0.35 of a T4's speed */
	assert_int_equal(find(p, NULL, 0, 1)->estimate.runtime, (int64_t)ceil(7200 * 0.35 / 0.18 - 1e-6));
	tctl_plan_free(p);
}

static void calibration_and_json(void **state)
{
	tctl_calibration cal[] = { { "local", 1.25, 4 } };
	tctl_profile m = machine(1, "Tesla T4", 8, 32 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	tctl_plan *p = NULL;
	char *text = NULL;
	json_t *root;
	json_error_t jerr;
	(void)state;

	assert_int_equal(tctl_plan_make(&p, &j, &m, cat, &o, NULL, cal, 1), 0);
	assert_int_equal(find(p, NULL, 0, 1)->estimate.runtime, 9000);
	assert_non_null(strstr(find(p, NULL, 0, 1)->estimate.source, "calibrated from 4 runs"));
	assert_int_equal(tctl_plan_to_json(&text, p), 0);
	root = json_loads(text, 0, &jerr);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "choice")), p->chosen);
	assert_string_equal(json_string_value(json_object_get(root, "now")), "2026-11-18T11:06:40Z");
	assert_int_equal(json_array_size(json_object_get(root, "candidates")), p->candidates_len);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(root, "candidates"), 0), "calibration_runs")), 4);
	json_decref(root);
	free(text);
	tctl_plan_free(p);
}

/* ---- golden plans ---- */

static void golden(const char *name, const tctl_job *j, const tctl_profile *m, const tctl_plan_options *o)
{
	const char *data = getenv("TESTS_DATA");
	char path[4096], *text = NULL, *want = NULL;
	tctl_plan *p = make(j, m, o, NULL);

	assert_non_null(data);
	snprintf(path, sizeof(path), "%s/plan/%s.txt", data, name);
	assert_int_equal(tctl_plan_to_text(&text, p), 0);
	if (getenv("UPDATE_GOLDEN"))
		assert_int_equal(tctl_file_write_atomic(path, text, strlen(text), 0644), 0);
	if (tctl_file_read(&want, NULL, path) < 0)
		fail_msg("%s", tctl_error_last()->message);
	if (strcmp(text, want))
		fail_msg("%s differs from the plan:\n%s", path, text);
	free(text);
	free(want);
	tctl_plan_free(p);
}

static void golden_small_job(void **state)
{
	tctl_profile m = machine(1, "NVIDIA GeForce RTX 3070", 20, 30 * GIB);
	tctl_job j = gpu_job(1, 2, "T4");
	tctl_plan_options o = options();
	(void)state;

	j.limits.deadline = 8 * 3600;
	golden("small", &j, &m, &o);
}

static void golden_large_job(void **state)
{
	tctl_profile m = machine(1, "NVIDIA GeForce RTX 3070", 20, 30 * GIB);
	tctl_job j = gpu_job(8, 200, "V100");
	tctl_plan_options o = options();
	(void)state;

	j.resources.cpus = 32;
	j.resources.memory = 256 * GIB;
	j.resources.gpu_memory = 32000000000ULL;
	j.checkpointable = true;
	j.limits.deadline = 24 * 3600;
	j.cloud.max_nodes = 2;
	golden("large", &j, &m, &o);
}

static void golden_over_budget_job(void **state)
{
	tctl_profile m = machine(1, "NVIDIA GeForce RTX 3070", 20, 30 * GIB);
	tctl_job j = gpu_job(4, 64, "V100");
	tctl_plan_options o = options();
	(void)state;

	j.checkpointable = true;
	j.limits.max_cost = 5;
	golden("over-budget", &j, &m, &o);
}

static void golden_not_checkpointable_job(void **state)
{
	tctl_profile m = machine(0, NULL, 16, 64 * GIB);
	tctl_job j = gpu_job(1, 20, "V100");
	tctl_plan_options o = options();
	(void)state;

	j.limits.deadline = 2 * 86400;
	golden("not-checkpointable", &j, &m, &o);
}

static void golden_other_region_job(void **state)
{
	tctl_profile m = machine(1, "Tesla T4", 16, 64 * GIB);
	tctl_job j = gpu_job(1, 6, "T4");
	tctl_plan_options o = options();
	(void)state;

	j.checkpointable = true;
	j.data.region = "westus2";
	j.data.size = 500000000000ULL;
	j.limits.deadline = 12 * 3600;
	golden("other-region", &j, &m, &o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_energy_term),
		cmocka_unit_test(cloud_compute_provisioning_and_idle_terms),
		cmocka_unit_test(rework_term_of_low_priority),
		cmocka_unit_test(egress_term),
		cmocka_unit_test(reserved_nodes_cost_nothing_at_the_margin),
		cmocka_unit_test(deadline_constraint),
		cmocka_unit_test(low_priority_must_survive_one_more_eviction),
		cmocka_unit_test(max_cost_constraint),
		cmocka_unit_test(monthly_budget_constraint),
		cmocka_unit_test(quota_constraint),
		cmocka_unit_test(fit_constraints),
		cmocka_unit_test(retired_sizes_are_priced_but_never_chosen),
		cmocka_unit_test(low_priority_needs_checkpoints_or_a_short_job),
		cmocka_unit_test(region_without_prices_or_unknown),
		cmocka_unit_test(unknown_size_and_run_limits),
		cmocka_unit_test(local_reserve_keeps_room_for_urgent_jobs),
		cmocka_unit_test(local_queue_wait),
		cmocka_unit_test(cheapest_that_meets_the_deadline_wins),
		cmocka_unit_test(ties_go_local),
		cmocka_unit_test(prefer_time_takes_the_earliest_finish_within_budget),
		cmocka_unit_test(nothing_fits_says_why),
		cmocka_unit_test(placement_can_be_forced),
		cmocka_unit_test(unknown_local_gpu_is_said_and_planned_conservatively),
		cmocka_unit_test(calibration_and_json),
		cmocka_unit_test(golden_small_job),
		cmocka_unit_test(golden_large_job),
		cmocka_unit_test(golden_over_budget_job),
		cmocka_unit_test(golden_not_checkpointable_job),
		cmocka_unit_test(golden_other_region_job),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
