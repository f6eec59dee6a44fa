/* queue.c: admission of queued local runs: FIFO, with backfill that never delays the head. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many queued runs one claim looks at (the head plus backfill candidates). */
#define QUEUE_SCAN 64

static void mark_gpus(held_resources *h, const char *ids, bool busy)
{
	const char *p = ids;

	while (p && *p) {
		char *end;
		long i = strtol(p, &end, 10);
		if (end == p)
			break;
		if (i >= 0 && i < TCTL_LOCAL_MAX_GPUS && h->gpu_busy[i] != busy) {
			h->gpu_busy[i] = busy;
			h->gpus_free += busy ? -1 : 1;
		}
		p = *end == ',' ? end + 1 : end;
	}
}

static void free_resources(held_resources *out, const tctl_local_capacity *cap,
			   const tctl_run_list *running)
{
	memset(out, 0, sizeof(*out));
	out->cpus = cap->cpus;
	out->memory = cap->memory;
	out->gpus_free = cap->gpus;
	for (size_t i = 0; i < running->len; i++) {
		const tctl_run *r = &running->runs[i];
		out->cpus -= r->cpus;
		out->memory = out->memory > r->memory ? out->memory - r->memory : 0;
		mark_gpus(out, r->gpu_ids, true);
	}
}

bool queue_fits(const tctl_run *r, const held_resources *f)
{
	return r->cpus <= f->cpus + 1e-9 && r->memory <= f->memory && r->gpus <= f->gpus_free;
}

static void take(held_resources *f, const tctl_run *r)
{
	f->cpus -= r->cpus;
	f->memory -= r->memory;
	f->gpus_free -= r->gpus;
}

/*
 * The time at which `head` could start if running runs end when their
 * estimates say; 0 when some running run has no estimate (unknown).
 */
static int64_t shadow_time(const tctl_run *head, held_resources f, const tctl_run_list *running)
{
	int64_t best = 0;
	bool used[256] = { false };

	for (size_t k = 0; k < running->len && k < 256; k++) {
		const tctl_run *next = NULL;
		size_t at = 0;
		for (size_t i = 0; i < running->len && i < 256; i++) {
			const tctl_run *r = &running->runs[i];
			if (used[i])
				continue;
			if (r->estimate_s <= 0)
				return 0;
			if (!next || r->started_ms + (int64_t)(r->estimate_s * 1000) <
				     next->started_ms + (int64_t)(next->estimate_s * 1000)) {
				next = r;
				at = i;
			}
		}
		if (!next)
			break;
		used[at] = true;
		f.cpus += next->cpus;
		f.memory += next->memory;
		f.gpus_free += next->gpus;
		best = next->started_ms + (int64_t)(next->estimate_s * 1000);
		if (queue_fits(head, &f))
			return best;
	}
	return 0;
}

/* May `r` start now, ahead of the blocked `head`, without delaying it? */
static bool may_backfill(const tctl_run *r, const tctl_run *head, const held_resources *f,
			 int64_t shadow, int64_t now)
{
	held_resources after = *f;

	if (!queue_fits(r, f))
		return false;
	if (shadow && r->estimate_s > 0 && now + (int64_t)(r->estimate_s * 1000) <= shadow)
		return true;
	take(&after, r);
	/* what the head is waiting for must not shrink; what it already has must stay enough */
	if (r->cpus > 0 && (head->cpus > f->cpus + 1e-9 || head->cpus > after.cpus + 1e-9))
		return false;
	if (r->memory > 0 && (head->memory > f->memory || head->memory > after.memory))
		return false;
	if (r->gpus > 0 && (head->gpus > f->gpus_free || head->gpus > after.gpus_free))
		return false;
	return true;
}

static int assign_gpus(tctl_run *r, held_resources *f)
{
	tctl_buf b = TCTL_BUF_INIT;
	int n = 0;

	for (int i = 0; i < TCTL_LOCAL_MAX_GPUS && n < r->gpus; i++) {
		if (f->gpu_busy[i])
			continue;
		tctl_buf_printf(&b, "%s%d", n ? "," : "", i);
		f->gpu_busy[i] = true;
		n++;
	}
	free(r->gpu_ids);
	r->gpu_ids = n ? tctl_buf_detach(&b) : NULL;
	tctl_buf_free(&b);
	return 0;
}

static int mark_claimed(tctl_ledger *l, tctl_run *r, held_resources *f)
{
	char detail[160];
	int64_t start = 0;

	assign_gpus(r, f);
	take(f, r);
	proc_start_time(getpid(), &start);
	r->started_ms = tctl_now_ms();
	r->supervisor_pid = getpid();
	r->supervisor_start = start;
	free(r->boot_id);
	r->boot_id = strdup(proc_boot_id());
	snprintf(detail, sizeof(detail), "started by supervisor %d%s%s", (int)getpid(),
		 r->gpu_ids ? " on GPUs " : "", r->gpu_ids ? r->gpu_ids : "");
	return tctl_ledger_run_transition(l, r, TCTL_RUN_RUNNING, detail);
}

/* Picks the index of the run to start in queued, or -1. */
static long pick(const tctl_run_list *queued, const tctl_run_list *running,
		 const held_resources *f)
{
	const tctl_run *head;
	int64_t now = tctl_now_ms(), shadow;

	if (!queued->len)
		return -1;
	head = &queued->runs[0];
	if (queue_fits(head, f))
		return 0;
	shadow = shadow_time(head, *f, running);
	for (size_t i = 1; i < queued->len; i++)
		if (may_backfill(&queued->runs[i], head, f, shadow, now))
			return (long)i;
	return -1;
}

static int load_queue(tctl_ledger *l, tctl_run_list *running, tctl_run_list *queued)
{
	tctl_run_filter fr = TCTL_RUN_FILTER_INIT, fq = TCTL_RUN_FILTER_INIT;
	int rc;

	fr.state = TCTL_RUN_RUNNING;
	fr.backend = "local";
	fr.brief = true;
	fq.state = TCTL_RUN_QUEUED;
	fq.backend = "local";
	fq.oldest_first = true;
	fq.limit = QUEUE_SCAN;
	fq.brief = true;   /* the one claimed is read whole */
	if ((rc = tctl_ledger_run_list(l, running, &fr)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_list(l, queued, &fq)) < 0)
		tctl_run_list_free(running);
	return rc;
}

int queue_startable(tctl_ledger *l, const tctl_local_capacity *cap, bool *out)
{
	tctl_run_list running = { 0 }, queued = { 0 };
	held_resources f;
	int rc;

	if ((rc = load_queue(l, &running, &queued)) < 0)
		return rc;
	free_resources(&f, cap, &running);
	*out = pick(&queued, &running, &f) >= 0;
	tctl_run_list_free(&running);
	tctl_run_list_free(&queued);
	return 0;
}

int queue_claim(tctl_ledger *l, const tctl_local_capacity *cap, tctl_run **out, bool *out_more)
{
	tctl_run_list running = { 0 }, queued = { 0 };
	held_resources f;
	long at;
	int rc;

	*out = NULL;
	*out_more = false;
	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = load_queue(l, &running, &queued)) < 0)
		goto fail;
	free_resources(&f, cap, &running);
	if ((at = pick(&queued, &running, &f)) >= 0) {
		tctl_run *r = NULL;
		if ((rc = tctl_ledger_run_get(l, &r, queued.runs[at].id)) < 0)
			goto fail;
		if ((rc = mark_claimed(l, r, &f)) < 0) {
			tctl_run_free(r);
			goto fail;
		}
		*out = r;
		for (size_t i = 0; i < queued.len && !*out_more; i++)
			*out_more = (long)i != at && queue_fits(&queued.runs[i], &f);
	}
	rc = tctl_ledger_commit(l);
	if (rc < 0 && *out) {
		tctl_run_free(*out);
		*out = NULL;
	}
	goto done;
fail:
	tctl_ledger_rollback(l);
done:
	tctl_run_list_free(&running);
	tctl_run_list_free(&queued);
	return rc;
}
