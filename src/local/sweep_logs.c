/* sweep_logs.c: a sweep trial's metric lines, read live from its stdout log, fed to the policy. */
#include "sweep_internal.h"
#include "trainctl/error.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A line longer than this is no metric line: it is skipped, not buffered without end. */
#define MAX_LINE (64 * 1024)

void sweep_stop_trial(sweeper *sw, size_t i, const char *reason)
{
	trial *t = &sw->trials[i];
	tctl_run *run = NULL;
	char detail[480];

	t->stopping = true;
	free(t->res->stop_reason);
	t->res->stop_reason = strdup(reason);
	sw->dirty = true;
	snprintf(detail, sizeof(detail), "trial %d (run %s) %s", t->res->trial,
		 t->res->run_id ? t->res->run_id : "-", reason);
	tctl_ledger_event_add(sw->g.l, sw->g.parent_id, "running", detail);
	if (t->res->run_id && tctl_ledger_run_get(sw->g.l, &run, t->res->run_id) == 0 &&
	    !tctl_run_state_terminal(run->state))
		tctl_local_cancel_reason(sw->g.l, run, reason);
	tctl_error_clear();
	tctl_run_free(run);
}

/* The first line that does not parse is reported (result and the trial's history); it
 * never stops the trial. */
static void bad_line(sweeper *sw, trial *t, const char *why)
{
	char msg[400];

	if (t->res->warning)
		return;
	snprintf(msg, sizeof(msg), "stdout line %ld: metric line ignored: %s", t->line_no, why);
	t->res->warning = strdup(msg);
	sw->dirty = true;
	if (t->res->run_id)
		tctl_ledger_event_add(sw->g.l, t->res->run_id, "running", msg);
}

static void primary(sweeper *sw, size_t i, int64_t step, double value)
{
	trial *t = &sw->trials[i];
	tctl_sweep_decision d;

	if (t->stopping)
		return;
	if (tctl_sweep_policy_report(&d, sw->policy, i, value) < 0) {
		tctl_error_clear();
		return;
	}
	t->res->intervals = d.interval;
	if (!t->res->has_best || (sw->job->sweep.maximize ? value > t->res->best : value < t->res->best)) {
		t->res->has_best = true;
		t->res->best = value;
		t->res->best_step = step;
	}
	sw->dirty = true;
	if (d.stop)
		sweep_stop_trial(sw, i, d.reason);
}

static void line(sweeper *sw, size_t i, const char *s, size_t n)
{
	trial *t = &sw->trials[i];
	tctl_metric_line m;
	double v;
	int rc;

	t->line_no++;
	if ((rc = tctl_metric_parse(&m, s, n)) < 0) {
		bad_line(sw, t, tctl_error_last()->message);
		tctl_error_clear();
		return;
	}
	if (rc == 0 || t->stopping)
		return;
	t->res->last_step = m.step;
	sw->dirty = true;
	if (tctl_metric_get(&m, sw->job->sweep.primary_metric, &v))
		primary(sw, i, m.step, v);
}

/* Split what was read into lines; a partial last line waits for more (or for the end). */
static void feed(sweeper *sw, size_t i, const char *buf, size_t n)
{
	trial *t = &sw->trials[i];
	const char *nl;

	while (n && (nl = memchr(buf, '\n', n))) {
		size_t k = (size_t)(nl - buf);
		if (t->partial.len) {
			if (t->partial.len + k <= MAX_LINE) {
				tctl_buf_put(&t->partial, buf, k);
				line(sw, i, t->partial.ptr, t->partial.len);
			} else {
				t->line_no++;   /* too long to be a metric line */
			}
			tctl_buf_clear(&t->partial);
		} else {
			line(sw, i, buf, k);
		}
		buf += k + 1;
		n -= k + 1;
	}
	if (n && t->partial.len <= MAX_LINE)
		tctl_buf_put(&t->partial, buf, n);
}

void sweep_read_trial(sweeper *sw, size_t i, bool final)
{
	trial *t = &sw->trials[i];
	char path[4096], buf[16384];
	ssize_t n;
	int fd;

	if (!t->res->run_id)
		return;
	snprintf(path, sizeof(path), "%s/runs/%s/stdout", tctl_ledger_dir(sw->g.l), t->res->run_id);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;   /* not started yet */
	while ((n = pread(fd, buf, sizeof(buf), t->offset)) > 0) {
		t->offset += n;
		feed(sw, i, buf, (size_t)n);
	}
	close(fd);
	if (final && t->partial.len) {
		if (t->partial.len <= MAX_LINE)
			line(sw, i, t->partial.ptr, t->partial.len);
		tctl_buf_clear(&t->partial);
	}
}
