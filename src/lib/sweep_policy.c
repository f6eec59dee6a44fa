/* sweep_policy.c: Azure ML's early-termination policies over trials' metric streams (docs/sweep.md). */
#include "trainctl/sweep.h"
#include "trainctl/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One trial's history: after interval k (1-based) best[k-1] is its best value of
 * intervals 1..k and sum[k-1] the sum of those values (for running averages). */
typedef struct {
	double *best, *sum;
	size_t len, cap;
} history;

struct tctl_sweep_policy {
	tctl_etp_type type;
	bool maximize;
	double slack_factor, slack_amount;
	int evaluation_interval, delay_evaluation, truncation_percentage;
	char metric[TCTL_METRIC_NAME_MAX];
	history *trials;
	size_t ntrials;
};

const char *tctl_sweep_policy_name(tctl_etp_type type)
{
	static const char *const names[] = { "none", "bandit", "median_stopping",
					     "truncation_selection" };
	return (unsigned)type < 4 ? names[type] : "none";
}

const char *tctl_sweep_policy_azure_type(tctl_etp_type type)
{
	static const char *const names[] = { NULL, "Bandit", "MedianStopping", "TruncationSelection" };
	return (unsigned)type < 4 ? names[type] : NULL;
}

int tctl_sweep_policy_new(tctl_sweep_policy **out, const tctl_sweep *sw, size_t trials)
{
	tctl_sweep_policy *p = calloc(1, sizeof(*p));

	if (!p || !(p->trials = calloc(trials ? trials : 1, sizeof(*p->trials)))) {
		free(p);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	p->ntrials = trials;
	p->type = sw->early_termination.type;
	p->maximize = sw->maximize;
	p->slack_factor = sw->early_termination.slack_factor;
	p->slack_amount = sw->early_termination.slack_amount;
	p->evaluation_interval = sw->early_termination.evaluation_interval > 0
		? sw->early_termination.evaluation_interval : 1;
	p->delay_evaluation = sw->early_termination.delay_evaluation;
	p->truncation_percentage = sw->early_termination.truncation_percentage > 0
		? sw->early_termination.truncation_percentage : 5;
	snprintf(p->metric, sizeof(p->metric), "%s", sw->primary_metric ? sw->primary_metric : "metric");
	*out = p;
	return 0;
}

void tctl_sweep_policy_free(tctl_sweep_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntrials; i++) {
		free(p->trials[i].best);
		free(p->trials[i].sum);
	}
	free(p->trials);
	free(p);
}

/* Differences smaller than this share of the values are rounding (0.2+0.4+0.6 over 3 is
 * not quite 0.4 in binary), and count as ties. */
#define TIE 1e-9

/* a is better than b for the goal, by more than rounding */
static bool better(const tctl_sweep_policy *p, double a, double b)
{
	double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b), eps = TIE * (scale > 1 ? scale : 1);

	return p->maximize ? a > b + eps : a < b - eps;
}

static int append(tctl_sweep_policy *p, history *h, double v)
{
	if (h->len == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		double *b = realloc(h->best, cap * sizeof(*b)), *s;
		if (!b)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		h->best = b;
		if (!(s = realloc(h->sum, cap * sizeof(*s))))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		h->sum = s;
		h->cap = cap;
	}
	h->best[h->len] = h->len && !better(p, v, h->best[h->len - 1]) ? h->best[h->len - 1] : v;
	h->sum[h->len] = (h->len ? h->sum[h->len - 1] : 0) + v;
	h->len++;
	return 0;
}

/* Bandit: stop when the trial's best of intervals 1..n lies outside the slack of the best
 * trial's best of intervals 1..n (maximize: best_ref / (1 + slack_factor) or best_ref -
 * slack_amount; minimize: best_ref * (1 + slack_factor) or best_ref + slack_amount). */
static void bandit(tctl_sweep_decision *d, const tctl_sweep_policy *p, size_t t, size_t n)
{
	double mine = p->trials[t].best[n - 1], ref = mine, limit;
	size_t ref_trial = t, others = 0;
	char how[96];

	for (size_t j = 0; j < p->ntrials; j++) {
		if (j == t || p->trials[j].len < n)
			continue;
		others++;
		if (better(p, p->trials[j].best[n - 1], ref)) {
			ref = p->trials[j].best[n - 1];
			ref_trial = j;
		}
	}
	if (!(d->evaluated = others > 0))
		return;
	if (p->slack_factor > 0) {
		limit = p->maximize ? ref / (1 + p->slack_factor) : ref * (1 + p->slack_factor);
		snprintf(how, sizeof(how), "%s (1 + slack_factor %g)", p->maximize ? "/" : "x",
			 p->slack_factor);
	} else {
		limit = p->maximize ? ref - p->slack_amount : ref + p->slack_amount;
		snprintf(how, sizeof(how), "%s slack_amount %g", p->maximize ? "-" : "+", p->slack_amount);
	}
	if (!(d->stop = better(p, limit, mine)))
		return;
	snprintf(d->reason, sizeof(d->reason), "stopped by the bandit policy at interval %zu: best "
		 "%.64s %.6g is %s than %.6g (trial %zu's best %.6g %s)", n, p->metric, mine,
		 p->maximize ? "lower" : "higher", limit, ref_trial + 1, ref, how);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median stopping: stop when the trial's best of intervals 1..n is worse than the median of
 * the other trials' running averages over intervals 1..n. */
static int median(tctl_sweep_decision *d, const tctl_sweep_policy *p, size_t t, size_t n)
{
	double *avg = malloc((p->ntrials ? p->ntrials : 1) * sizeof(*avg)), mine, med;
	size_t k = 0;

	if (!avg)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t j = 0; j < p->ntrials; j++)
		if (j != t && p->trials[j].len >= n)
			avg[k++] = p->trials[j].sum[n - 1] / (double)n;
	if ((d->evaluated = k > 0)) {
		qsort(avg, k, sizeof(*avg), cmp_double);
		med = k % 2 ? avg[k / 2] : (avg[k / 2 - 1] + avg[k / 2]) / 2;
		mine = p->trials[t].best[n - 1];
		if ((d->stop = better(p, med, mine)))
			snprintf(d->reason, sizeof(d->reason), "stopped by the median stopping policy at "
				 "interval %zu: best %.64s %.6g is %s than %.6g, the median of %zu other "
				 "trial%s' running averages over intervals 1..%zu", n, p->metric, mine,
				 p->maximize ? "lower" : "higher", med, k, k == 1 ? "" : "s", n);
	}
	free(avg);
	return 0;
}

/* Truncation selection: rank the trials that reached interval n by their best of intervals
 * 1..n; stop this one when it is among the lowest floor(count x percentage / 100), ties
 * ranked in its favour. */
static void truncation(tctl_sweep_decision *d, const tctl_sweep_policy *p, size_t t, size_t n)
{
	double mine = p->trials[t].best[n - 1];
	size_t count = 1, not_better = 0, cut;

	for (size_t j = 0; j < p->ntrials; j++) {
		if (j == t || p->trials[j].len < n)
			continue;
		count++;
		not_better += !better(p, p->trials[j].best[n - 1], mine);
	}
	cut = count * (size_t)p->truncation_percentage / 100;
	if (!(d->evaluated = count > 1))
		return;
	if ((d->stop = not_better < cut))
		snprintf(d->reason, sizeof(d->reason), "stopped by the truncation selection policy at "
			 "interval %zu: best %.64s %.6g is number %zu from the bottom of %zu trials "
			 "(truncation_percentage %d: the lowest %zu)", n, p->metric, mine,
			 not_better + 1, count, p->truncation_percentage, cut);
}

static bool evaluation_point(const tctl_sweep_policy *p, size_t n)
{
	return n % (size_t)p->evaluation_interval == 0 && n >= (size_t)p->delay_evaluation;
}

int tctl_sweep_policy_report(tctl_sweep_decision *out, tctl_sweep_policy *p, size_t trial,
			     double value)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (trial >= p->ntrials)
		return tctl_error_set(TCTL_EINVALID, "sweep: no trial %zu", trial + 1);
	if ((rc = append(p, &p->trials[trial], value)) < 0)
		return rc;
	out->interval = (int)p->trials[trial].len;
	if (p->type == TCTL_ETP_NONE || !evaluation_point(p, p->trials[trial].len))
		return 0;
	if (p->type == TCTL_ETP_BANDIT)
		bandit(out, p, trial, p->trials[trial].len);
	else if (p->type == TCTL_ETP_MEDIAN)
		return median(out, p, trial, p->trials[trial].len);
	else
		truncation(out, p, trial, p->trials[trial].len);
	return 0;
}

bool tctl_sweep_policy_best(const tctl_sweep_policy *p, size_t trial, double *out_best,
			    int *out_intervals)
{
	if (trial >= p->ntrials || !p->trials[trial].len)
		return false;
	*out_best = p->trials[trial].best[p->trials[trial].len - 1];
	*out_intervals = (int)p->trials[trial].len;
	return true;
}
