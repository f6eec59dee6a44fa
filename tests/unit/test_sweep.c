/* test_sweep.c: metric lines, search-space sampling, trial jobs, and the early-termination
 * policies on scripted metric streams, with decisions worked out by hand from Azure ML's
 * definitions (docs/sweep.md), not from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/sweep.h"

/* ---- metric lines ---- */

static int parse(tctl_metric_line *m, const char *s)
{
	return tctl_metric_parse(m, s, strlen(s));
}

static void metric_line_parses(void **state)
{
	tctl_metric_line m;
	double v;
	(void)state;
	assert_int_equal(parse(&m, "TRAINCTL_METRIC step=10 loss=0.612304 accuracy=0.7415"), 1);
	assert_int_equal(m.step, 10);
	assert_int_equal(m.len, 2);
	assert_true(tctl_metric_get(&m, "loss", &v));
	assert_true(v == 0.612304);
	assert_true(tctl_metric_get(&m, "accuracy", &v));
	assert_true(v == 0.7415);
	assert_false(tctl_metric_get(&m, "f1", &v));
	assert_int_equal(parse(&m, "TRAINCTL_METRIC step=0 val.loss_2-x=-4e-3\r"), 1);
	assert_true(tctl_metric_get(&m, "val.loss_2-x", &v));
	assert_true(v == -4e-3);
}

static void other_lines_are_not_metric_lines(void **state)
{
	tctl_metric_line m;
	(void)state;
	assert_int_equal(parse(&m, "epoch 3: loss 0.2"), 0);
	assert_int_equal(parse(&m, " TRAINCTL_METRIC step=1 loss=1"), 0);   /* no leading spaces */
	assert_int_equal(parse(&m, ""), 0);
}

static void bad_metric_lines_say_why(void **state)
{
	static const struct { const char *line, *why; } cases[] = {
		{ "TRAINCTL_METRICS step=1 loss=1", "expected one space after TRAINCTL_METRIC" },
		{ "TRAINCTL_METRIC loss=0.5", "expected step=<integer> first, got 'loss=0.5'" },
		{ "TRAINCTL_METRIC step=-1 loss=1", "step: expected a non-negative integer, got '-1'" },
		{ "TRAINCTL_METRIC step=1.5 loss=1", "step: expected a non-negative integer, got '1.5'" },
		{ "TRAINCTL_METRIC step=1 loss=abc", "loss: expected a number, got 'abc'" },
		{ "TRAINCTL_METRIC step=1 loss=nan", "loss: expected a finite number, got 'nan'" },
		{ "TRAINCTL_METRIC step=1 loss=inf", "loss: expected a finite number, got 'inf'" },
		{ "TRAINCTL_METRIC step=1  loss=1", "pairs must be separated by one space" },
		{ "TRAINCTL_METRIC step=1 loss=1 ", "a space ends the line" },
		{ "TRAINCTL_METRIC step=1 1loss=2", "'1loss' is not a metric name" },
		{ "TRAINCTL_METRIC step=1 loss", "expected name=value, got 'loss'" },
		{ "TRAINCTL_METRIC step=1", "expected at least one metric after the step" },
		{ "TRAINCTL_METRIC step=1 a=1 a=2", "metric 'a' given twice" },
		{ "TRAINCTL_METRIC", "expected one space after TRAINCTL_METRIC" },
	};
	tctl_metric_line m;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(&m, cases[i].line);
		if (rc != TCTL_EINVALID || !strstr(tctl_error_last()->message, cases[i].why))
			fail_msg("'%s': rc %d, message '%s', expected '%s'", cases[i].line, rc,
				 tctl_error_last()->message, cases[i].why);
	}
}

/* ---- jobs ---- */

static tctl_job *job_of(const char *json)
{
	tctl_job *job = NULL;
	if (tctl_job_parse(&job, json, strlen(json), "test.json") < 0)
		fail_msg("job does not parse: %s", tctl_error_last()->message);
	return job;
}

static const char grid_job[] =
	"{\"name\": \"g\", \"command\": [\"train\"], \"sweep\": {"
	"\"search_space\": {\"a\": {\"type\": \"choice\", \"values\": [1, 2, 3]},"
	" \"b\": {\"type\": \"choice\", \"values\": [\"x\", \"y\"]}},"
	"\"sampling_algorithm\": \"grid\", \"objective\": {\"primary_metric\": \"m\", \"goal\": \"maximize\"}}}";

static void grid_takes_every_combination_in_order(void **state)
{
	static const char *const want[] = {
		"{\"a\": 1, \"b\": \"x\"}", "{\"a\": 1, \"b\": \"y\"}", "{\"a\": 2, \"b\": \"x\"}",
		"{\"a\": 2, \"b\": \"y\"}", "{\"a\": 3, \"b\": \"x\"}", "{\"a\": 3, \"b\": \"y\"}",
	};
	tctl_job *job = job_of(grid_job);
	tctl_sweep_sample_set set;
	(void)state;
	assert_int_equal(tctl_sweep_grid_size(&job->sweep), 6);
	assert_int_equal(job->sweep.limits.max_total_trials, 6);   /* the default for grid */
	assert_int_equal(tctl_sweep_sample(&set, &job->sweep, 0), 0);
	assert_int_equal(set.len, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(set.trials[i].json, want[i]);
	assert_string_equal(set.trials[3].values[0], "2");
	assert_string_equal(set.trials[3].values[1], "y");   /* strings without their quotes */
	tctl_sweep_sample_set_clear(&set);
	job->sweep.limits.max_total_trials = 4;
	assert_int_equal(tctl_sweep_sample(&set, &job->sweep, 0), 0);
	assert_int_equal(set.len, 4);
	tctl_sweep_sample_set_clear(&set);
	tctl_job_free(job);
}

static const char random_job[] =
	"{\"name\": \"r\", \"command\": [\"train\"], \"sweep\": {"
	"\"search_space\": {\"lr\": {\"type\": \"loguniform\", \"min_value\": -9.2, \"max_value\": -2.3},"
	" \"drop\": {\"type\": \"uniform\", \"min_value\": 0, \"max_value\": 0.2},"
	" \"seed\": {\"type\": \"randint\", \"upper\": 5},"
	" \"opt\": {\"type\": \"choice\", \"values\": [\"adam\", \"sgd\"]}},"
	"\"sampling_algorithm\": {\"type\": \"random\", \"seed\": 42},"
	"\"objective\": {\"primary_metric\": \"m\", \"goal\": \"minimize\"},"
	"\"limits\": {\"max_total_trials\": 400}}}";

static void random_sampling_is_deterministic_for_a_seed(void **state)
{
	tctl_job *job = job_of(random_job);
	tctl_sweep_sample_set a, b, c;
	size_t same = 0;
	(void)state;
	assert_int_equal(tctl_sweep_sample(&a, &job->sweep, 42), 0);
	assert_int_equal(tctl_sweep_sample(&b, &job->sweep, 42), 0);
	assert_int_equal(tctl_sweep_sample(&c, &job->sweep, 43), 0);
	assert_int_equal(a.len, 400);
	for (size_t i = 0; i < a.len; i++) {
		assert_string_equal(a.trials[i].json, b.trials[i].json);
		same += !strcmp(a.trials[i].json, c.trials[i].json);
	}
	assert_int_equal(same, 0);   /* continuous parameters: another seed, other trials */
	tctl_sweep_sample_set_clear(&a);
	tctl_sweep_sample_set_clear(&b);
	tctl_sweep_sample_set_clear(&c);
	tctl_job_free(job);
}

/* loguniform(-9.2, -2.3) = exp(uniform(-9.2, -2.3)): every value in [e^-9.2, e^-2.3), and
 * its logarithm uniform, so about half fall below e^-5.75 (the middle exponent). */
static void distributions_stay_in_their_ranges(void **state)
{
	tctl_job *job = job_of(random_job);
	tctl_sweep_sample_set s;
	size_t below = 0, seen[5] = { 0 }, adam = 0;
	(void)state;
	assert_int_equal(tctl_sweep_sample(&s, &job->sweep, 7), 0);
	for (size_t i = 0; i < s.len; i++) {
		double lr = strtod(s.trials[i].values[0], NULL), drop = strtod(s.trials[i].values[1], NULL);
		long k = strtol(s.trials[i].values[2], NULL, 10);
		assert_true(lr >= exp(-9.2) && lr < exp(-2.3));
		below += lr < exp(-5.75);
		assert_true(drop >= 0 && drop < 0.2);
		assert_true(k >= 0 && k < 5);
		seen[k]++;
		assert_true(!strcmp(s.trials[i].values[3], "adam") || !strcmp(s.trials[i].values[3], "sgd"));
		adam += !strcmp(s.trials[i].values[3], "adam");
	}
	assert_true(below > 140 && below < 260);
	for (int k = 0; k < 5; k++)
		assert_true(seen[k] > 40);
	assert_true(adam > 140 && adam < 260);
	tctl_sweep_sample_set_clear(&s);
	tctl_job_free(job);
}

static void trial_job_substitutes_parameters(void **state)
{
	tctl_job *job = job_of("{\"name\": \"t\", \"command\": [\"train\", \"--lr\", "
		"\"${{search_space.lr}}\", \"--opt=${{search_space.opt}}\"],"
		"\"limits\": {\"max_run_duration\": \"1h\"}, \"sweep\": {\"search_space\": {"
		"\"lr\": {\"type\": \"choice\", \"values\": [0.01]},"
		"\"opt\": {\"type\": \"choice\", \"values\": [\"adam w\"]}}, \"sampling_algorithm\": \"grid\","
		"\"objective\": {\"primary_metric\": \"m\", \"goal\": \"maximize\"},"
		"\"limits\": {\"trial_timeout\": \"1m\"}}}");
	tctl_sweep_sample_set s;
	tctl_job *t = NULL;
	bool lr = false, opt = false;
	(void)state;
	assert_int_equal(tctl_sweep_sample(&s, &job->sweep, 0), 0);
	assert_int_equal(tctl_sweep_trial_job(&t, job, &s.trials[0]), 0);
	assert_string_equal(t->command[2], "0.01");
	assert_string_equal(t->command[3], "--opt=adam w");
	assert_false(t->sweep.enabled);
	assert_int_equal(t->limits.max_run_duration, 60);   /* trial_timeout is shorter */
	for (size_t i = 0; i < t->env_len; i++) {
		lr |= !strcmp(t->env[i], "TRAINCTL_PARAM_lr=0.01");
		opt |= !strcmp(t->env[i], "TRAINCTL_PARAM_opt=adam w");
	}
	assert_true(lr && opt);
	tctl_job_free(t);
	tctl_sweep_sample_set_clear(&s);
	tctl_job_free(job);
}

static void trial_shell_quotes_what_is_not_a_word(void **state)
{
	tctl_job *job = job_of("{\"name\": \"t\", \"shell\": \"train --lr ${{search_space.lr}} "
		"--opt ${{search_space.opt}}\", \"sweep\": {\"search_space\": {"
		"\"lr\": {\"type\": \"choice\", \"values\": [0.01]},"
		"\"opt\": {\"type\": \"choice\", \"values\": [\"adam w\"]}}, \"sampling_algorithm\": \"grid\","
		"\"objective\": {\"primary_metric\": \"m\", \"goal\": \"maximize\"}}}");
	tctl_sweep_sample_set s;
	tctl_job *t = NULL;
	(void)state;
	assert_int_equal(tctl_sweep_sample(&s, &job->sweep, 0), 0);
	assert_int_equal(tctl_sweep_trial_job(&t, job, &s.trials[0]), 0);
	assert_string_equal(t->shell, "train --lr 0.01 --opt 'adam w'");
	tctl_job_free(t);
	tctl_sweep_sample_set_clear(&s);
	tctl_job_free(job);
}

/* ---- policies ---- */

typedef struct {
	size_t trial;   /* 0-based: A = 0 */
	double value;
	bool stop;      /* what the definition says */
} report;

static void run_script(const char *job_json, size_t trials, const report *script, size_t n)
{
	tctl_job *job = job_of(job_json);
	tctl_sweep_policy *p = NULL;
	tctl_sweep_decision d;

	assert_int_equal(tctl_sweep_policy_new(&p, &job->sweep, trials), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tctl_sweep_policy_report(&d, p, script[i].trial, script[i].value), 0);
		if (d.stop != script[i].stop)
			fail_msg("report %zu (trial %c, value %g, interval %d): expected %s, got %s (%s)",
				 i + 1, (char)('A' + script[i].trial), script[i].value, d.interval,
				 script[i].stop ? "stop" : "continue", d.stop ? "stop" : "continue",
				 d.reason);
	}
	tctl_sweep_policy_free(p);
	tctl_job_free(job);
}

#define SWEEP_JOB(goal, etp) \
	"{\"name\": \"p\", \"command\": [\"train\"], \"sweep\": {\"search_space\": {" \
	"\"x\": {\"type\": \"uniform\", \"min_value\": 0, \"max_value\": 1}}," \
	"\"objective\": {\"primary_metric\": \"m\", \"goal\": \"" goal "\"}," \
	"\"early_termination\": " etp "}}"

/* Bandit, maximize, slack_factor 0.2, every interval from the first. A trial is stopped when
 * its best so far is below (best trial's best at that interval) / (1 + 0.2).
 *  A 0.50 (i1): no other trial has an interval 1 yet: nothing to compare.
 *  B 0.40 (i1): best at i1 is A's 0.50; 0.50 / 1.2 = 0.41667 > 0.40: stop B.
 *  C 0.45 (i1): best at i1 is still A's 0.50 (B's 0.40 counts, lower); 0.45 >= 0.41667: go on.
 *  A 0.60 (i2): no other trial has reached i2.
 *  C 0.42 (i2): C's best of i1..i2 is 0.45; best at i2 is A's max(0.50, 0.60) = 0.60;
 *               0.60 / 1.2 = 0.5 > 0.45: stop C. */
static void bandit_slack_factor_maximize(void **state)
{
	static const report script[] = {
		{ 0, 0.50, false }, { 1, 0.40, true }, { 2, 0.45, false }, { 0, 0.60, false },
		{ 2, 0.42, true },
	};
	(void)state;
	run_script(SWEEP_JOB("maximize", "{\"type\": \"bandit\", \"slack_factor\": 0.2}"), 3,
		   script, 5);
}

/* Bandit, minimize, slack_amount 0.1, evaluation_interval 2, delay_evaluation 3: the policy
 * applies at intervals that are multiples of 2 and >= 3, i.e. 4, 6, ...; a trial is stopped
 * when its best (lowest) so far is above the best trial's best + 0.1.
 *  A 1.0 0.8 0.6 0.5 (i1..i4): no other trial: nothing to compare.
 *  B 1.2 (i1) 1.1 (i2): not evaluation points (i2 < delay 3), though 1.1 > A's 0.8 + 0.1.
 *  B 1.0 (i3): 3 is not a multiple of 2: not evaluated, though 1.0 > 0.6 + 0.1.
 *  B 0.9 (i4): evaluated: B's best of i1..i4 is 0.9; A's best of i1..i4 is 0.5;
 *              0.5 + 0.1 = 0.6 < 0.9: stop B. */
static void bandit_slack_amount_minimize_with_delay(void **state)
{
	static const report script[] = {
		{ 0, 1.0, false }, { 0, 0.8, false }, { 0, 0.6, false }, { 0, 0.5, false },
		{ 1, 1.2, false }, { 1, 1.1, false }, { 1, 1.0, false }, { 1, 0.9, true },
	};
	(void)state;
	run_script(SWEEP_JOB("minimize", "{\"type\": \"bandit\", \"slack_amount\": 0.1, "
			     "\"evaluation_interval\": 2, \"delay_evaluation\": 3}"), 2, script, 8);
}

/* Bandit, minimize, slack_factor 0.5: stopped when best > best trial's best x 1.5.
 *  A 0.4 (i1). B 0.7 (i1): 0.4 x 1.5 = 0.6 < 0.7: stop B.
 *  C 0.55 (i1): 0.6 >= 0.55: go on. C 0.59 (i2): C's best 0.55; nobody else at i2: go on. */
static void bandit_slack_factor_minimize(void **state)
{
	static const report script[] = {
		{ 0, 0.4, false }, { 1, 0.7, true }, { 2, 0.55, false }, { 2, 0.59, false },
	};
	(void)state;
	run_script(SWEEP_JOB("minimize", "{\"type\": \"bandit\", \"slack_factor\": 0.5}"), 3,
		   script, 4);
}

/* Median stopping, maximize, delay_evaluation 2: at interval n >= 2 a trial is stopped when
 * its best of i1..n is below the median of the other trials' running averages over i1..n.
 *  A 0.2 0.4 0.6: alone, nothing to compare (running averages 0.2, 0.3, 0.4).
 *  B 0.3 (i1): before the delay.
 *    0.5 (i2): others at i2: A's average 0.3 -> median 0.3; B's best 0.5: go on.
 *    0.7 (i3): A's average 0.4; B's best 0.7: go on.          (B's averages: 0.4 at i2, 0.5 at i3)
 *  C 0.1 (i1): before the delay.
 *    0.2 (i2): others at i2: A 0.3, B 0.4 -> median 0.35; C's best 0.2 < 0.35: stop C.
 *  D 0.25 (i1): before the delay.
 *    0.35 (i2): others at i2: A 0.3, B 0.4, C (0.1+0.2)/2 = 0.15 -> median 0.3; 0.35: go on.
 *    0.45 (i3): others at i3: A 0.4, B 0.5 (C stopped at i2) -> median 0.45; D's best 0.45 is
 *               not worse than 0.45: go on. */
static void median_stopping(void **state)
{
	static const report script[] = {
		{ 0, 0.2, false }, { 0, 0.4, false }, { 0, 0.6, false },
		{ 1, 0.3, false }, { 1, 0.5, false }, { 1, 0.7, false },
		{ 2, 0.1, false }, { 2, 0.2, true },
		{ 3, 0.25, false }, { 3, 0.35, false }, { 3, 0.45, false },
	};
	(void)state;
	run_script(SWEEP_JOB("maximize", "{\"type\": \"median_stopping\", \"delay_evaluation\": 2}"),
		   4, script, 11);
}

/* Truncation selection, minimize, truncation_percentage 50: at each interval n the trials
 * that reached n are ranked by their best of i1..n; the lowest floor(count x 50 / 100) are
 * stopped (a trial tied with others counts as better than them).
 *  A 1.0 (i1), 0.9 (i2): alone: nothing to compare.
 *  B 0.8 (i1): at i1: A 1.0, B 0.8: count 2, lowest 1 is A: B goes on.
 *    0.7 (i2): at i2: A 0.9, B 0.7: B goes on.
 *  C 1.2 (i1): at i1: A 1.0, B 0.8, C 1.2: lowest 1 (floor 1.5) is C: stop C.
 *  D 0.9 (i1): at i1: A 1.0, B 0.8, C 1.2, D 0.9: lowest 2 are C and A: D goes on.
 *    1.1 (i2): D's best 0.9; at i2: A 0.9, B 0.7, D 0.9 (C has no i2): lowest 1: A and D
 *              tie at 0.9, the tie goes D's way: D goes on.
 *    0.95 (i3): no other trial has an i3: nothing to compare. */
static void truncation_selection(void **state)
{
	static const report script[] = {
		{ 0, 1.0, false }, { 0, 0.9, false }, { 1, 0.8, false }, { 1, 0.7, false },
		{ 2, 1.2, true }, { 3, 0.9, false }, { 3, 1.1, false }, { 3, 0.95, false },
	};
	(void)state;
	run_script(SWEEP_JOB("minimize", "{\"type\": \"truncation_selection\", "
			     "\"truncation_percentage\": 50}"), 4, script, 8);
}

/* No policy: nothing is ever stopped, however bad. */
static void no_policy_never_stops(void **state)
{
	static const report script[] = { { 0, 1.0, false }, { 1, 0.0, false }, { 1, 0.0, false } };
	tctl_job *job = job_of(SWEEP_JOB("maximize", "{\"type\": \"bandit\", \"slack_amount\": 0.1}"));
	tctl_sweep_policy *p = NULL;
	tctl_sweep_decision d;
	double best;
	int n;
	(void)state;
	job->sweep.early_termination.type = TCTL_ETP_NONE;
	assert_int_equal(tctl_sweep_policy_new(&p, &job->sweep, 2), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(tctl_sweep_policy_report(&d, p, script[i].trial, script[i].value), 0);
		assert_false(d.stop);
	}
	assert_true(tctl_sweep_policy_best(p, 1, &best, &n));
	assert_true(best == 0.0 && n == 2);
	assert_int_equal(tctl_sweep_policy_report(&d, p, 2, 1.0), TCTL_EINVALID);
	tctl_sweep_policy_free(p);
	tctl_job_free(job);
}

static void policy_names_match_azure(void **state)
{
	(void)state;
	assert_string_equal(tctl_sweep_policy_azure_type(TCTL_ETP_BANDIT), "Bandit");
	assert_string_equal(tctl_sweep_policy_azure_type(TCTL_ETP_MEDIAN), "MedianStopping");
	assert_string_equal(tctl_sweep_policy_azure_type(TCTL_ETP_TRUNCATION), "TruncationSelection");
	assert_null(tctl_sweep_policy_azure_type(TCTL_ETP_NONE));
	assert_string_equal(tctl_sweep_policy_name(TCTL_ETP_MEDIAN), "median_stopping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metric_line_parses),
		cmocka_unit_test(other_lines_are_not_metric_lines),
		cmocka_unit_test(bad_metric_lines_say_why),
		cmocka_unit_test(grid_takes_every_combination_in_order),
		cmocka_unit_test(random_sampling_is_deterministic_for_a_seed),
		cmocka_unit_test(distributions_stay_in_their_ranges),
		cmocka_unit_test(trial_job_substitutes_parameters),
		cmocka_unit_test(trial_shell_quotes_what_is_not_a_word),
		cmocka_unit_test(bandit_slack_factor_maximize),
		cmocka_unit_test(bandit_slack_amount_minimize_with_delay),
		cmocka_unit_test(bandit_slack_factor_minimize),
		cmocka_unit_test(median_stopping),
		cmocka_unit_test(truncation_selection),
		cmocka_unit_test(no_policy_never_stops),
		cmocka_unit_test(policy_names_match_azure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
