/* sim_local.c: the simulated local machine: capacity, running tasks, one strict FIFO queue. */
#include "simulate_internal.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

void sim_local_init(sim_local *m, int gpus, double cpus, uint64_t memory, tctl_sim_decision *dec)
{
	memset(m, 0, sizeof(*m));
	m->cap_gpus = m->free_gpus = gpus;
	m->cap_cpus = m->free_cpus = cpus;
	m->cap_memory = memory;
	m->free_memory = (int64_t)memory;
	m->dec = dec;
}

void sim_local_free(sim_local *m)
{
	free(m->running);
	free(m->queue);
	free(m->view);
	memset(m, 0, sizeof(*m));
}

bool sim_local_fits(const sim_local *m, int gpus, double cpus, uint64_t memory)
{
	return gpus <= m->cap_gpus && cpus <= m->cap_cpus + 1e-9 && memory <= m->cap_memory;
}

static bool room_for(const sim_local *m, const sim_task *t)
{
	return t->gpus <= m->free_gpus && t->cpus <= m->free_cpus + 1e-9 &&
	       (int64_t)t->memory <= m->free_memory;
}

/* ---- running tasks: a min-heap by actual end ---- */

static void heap_up(sim_task *h, size_t i)
{
	sim_task t = h[i];

	while (i > 0 && h[(i - 1) / 2].end > t.end) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = t;
}

static void heap_down(sim_task *h, size_t n, size_t i)
{
	sim_task t = h[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].end < h[c].end)
			c++;
		if (h[c].end >= t.end)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = t;
}

static int start(sim_local *m, sim_task t, int64_t now)
{
	if (m->nrunning == m->running_cap) {
		size_t n = m->running_cap ? m->running_cap * 2 : 64;
		sim_task *a = realloc(m->running, n * sizeof(*a));
		if (!a)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		m->running = a;
		m->running_cap = n;
	}
	t.start = now;
	t.end = now + t.runtime;
	m->free_gpus -= t.gpus;
	m->free_cpus -= t.cpus;
	m->free_memory -= (int64_t)t.memory;
	m->dec[t.job].start = t.start;
	m->dec[t.job].end = t.end;
	m->running[m->nrunning] = t;
	heap_up(m->running, m->nrunning++);
	return 0;
}

/* Starts queued tasks from the head while they fit. */
static int start_heads(sim_local *m, int64_t now)
{
	int error;

	while (m->qlen && room_for(m, &m->queue[m->qhead])) {
		sim_task t = m->queue[m->qhead];
		m->qhead = (m->qhead + 1) % m->qcap;
		m->qlen--;
		if ((error = start(m, t, now)) < 0)
			return error;
	}
	return 0;
}

int sim_local_advance(sim_local *m, int64_t t)
{
	int error;

	while (m->nrunning && m->running[0].end <= t) {
		sim_task done = m->running[0];
		m->running[0] = m->running[--m->nrunning];
		if (m->nrunning)
			heap_down(m->running, m->nrunning, 0);
		m->free_gpus += done.gpus;
		m->free_cpus += done.cpus;
		m->free_memory += (int64_t)done.memory;
		if ((error = start_heads(m, done.end)) < 0)
			return error;
	}
	return 0;
}

static int grow_queue(sim_local *m)
{
	size_t n = m->qcap ? m->qcap * 2 : 64;
	sim_task *q = malloc(n * sizeof(*q));

	if (!q)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->qlen; i++)
		q[i] = m->queue[(m->qhead + i) % m->qcap];
	free(m->queue);
	m->queue = q;
	m->qhead = 0;
	m->qcap = n;
	return 0;
}

int sim_local_enqueue(sim_local *m, const sim_task *task, int64_t t)
{
	int error;

	if (m->qlen == m->qcap && (error = grow_queue(m)) < 0)
		return error;
	m->queue[(m->qhead + m->qlen++) % m->qcap] = *task;
	return start_heads(m, t);
}

int sim_local_view(sim_local *m, tctl_local_state *out, int64_t t, int64_t origin)
{
	size_t n = m->nrunning + m->qlen, k = 0;

	if (n > m->view_cap) {
		size_t cap = n * 2;
		tctl_local_run *v = realloc(m->view, cap * sizeof(*v));
		if (!v)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		m->view = v;
		m->view_cap = cap;
	}
	for (size_t i = 0; i < m->nrunning; i++) {
		const sim_task *r = &m->running[i];
		int64_t end = r->start + r->estimate;
		m->view[k++] = (tctl_local_run){ r->gpus, r->cpus, r->memory, false,
						 origin + (end > t ? end : t), 0 };
	}
	for (size_t i = 0; i < m->qlen; i++) {
		const sim_task *q = &m->queue[(m->qhead + i) % m->qcap];
		m->view[k++] = (tctl_local_run){ q->gpus, q->cpus, q->memory, true, 0, q->estimate };
	}
	out->runs = m->view;
	out->runs_len = k;
	return 0;
}
