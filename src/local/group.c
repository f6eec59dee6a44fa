/* group.c: a parent run whose coordinator process submits child runs and watches them (parallel, sweeps). */
#include "group.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Insert the parent as running under the (already forked, waiting) coordinator `pid`. */
static int insert_parent(tctl_ledger *l, tctl_run *parent, pid_t pid)
{
	int rc;

	parent->state = TCTL_RUN_RUNNING;
	parent->submitted_ms = parent->started_ms = tctl_now_ms();
	parent->supervisor_pid = pid;
	proc_start_time(pid, &parent->supervisor_start);
	parent->boot_id = strdup(proc_boot_id());
	if (!parent->backend)
		parent->backend = strdup("local");
	if (!parent->placement)
		parent->placement = strdup("local");
	if (!parent->target)
		parent->target = strdup("local");
	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_insert(l, parent)) < 0 ||
	    (rc = tctl_ledger_event_add(l, parent->id, "running", "coordinator started")) < 0) {
		tctl_ledger_rollback(l);
		return rc;
	}
	return tctl_ledger_commit(l);
}

int group_start(tctl_ledger **l, tctl_run *parent, const tctl_local_capacity *cap,
		group_main_fn main_fn, void *arg)
{
	char *path = strdup(tctl_ledger_path(*l)), go = 0;
	int pipefd[2], rc = 0;
	pid_t pid;

	if (!path)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (!parent->id[0])   /* the coordinator learns its parent's id through the fork */
		tctl_run_id_new(parent->id, tctl_now_ms());
	if (pipe(pipefd) < 0) {
		free(path);
		return tctl_error_set_os("cannot create a pipe");
	}
	tctl_ledger_free(*l);   /* no SQLite connection crosses a fork */
	*l = NULL;
	if ((pid = fork()) < 0) {
		rc = tctl_error_set_os("cannot start a coordinator");
	} else if (pid == 0) {
		close(pipefd[1]);
		setsid();
		while (read(pipefd[0], &go, 1) < 0 && errno == EINTR)
			;
		if (go != 'g')
			_exit(0);
		group_detach();
		main_fn(path, cap, parent->id, arg);
	} else {
		close(pipefd[0]);
		pipefd[0] = -1;
		if ((rc = tctl_ledger_open(l, path)) == 0)
			rc = insert_parent(*l, parent, pid);
		go = rc == 0 ? 'g' : 'n';
		if (write(pipefd[1], &go, 1) < 0 && rc == 0)
			rc = tctl_error_set_os("cannot start the coordinator");
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	close(pipefd[1]);
	free(path);
	return rc;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A child ran the parent's code at the parent's prices: it records both (budgets and the
 * cost report count children by repository, and price them as their parent was). */
static void inherit(tctl_run *child, const tctl_run *p, double estimate)
{
	child->prov.in_repo = p->prov.in_repo;
	child->prov.repo_root = dup_or_null(p->prov.repo_root);
	child->prov.commit = dup_or_null(p->prov.commit);
	child->prov.branch = dup_or_null(p->prov.branch);
	child->prov.dirty = p->prov.dirty;
	child->prov.diff_hash = dup_or_null(p->prov.diff_hash);
	child->prov.remote_url = dup_or_null(p->prov.remote_url);
	child->price_per_hour = p->price_per_hour;
	child->price_source = dup_or_null(p->price_source);
	child->cloud_equiv_per_hour = p->cloud_equiv_per_hour;
	child->cloud_equiv_target = dup_or_null(p->cloud_equiv_target);
	child->cost_estimate = estimate;
	child->over_budget_allowed = p->over_budget_allowed;
}

int group_attach(group *g, const char *path, const tctl_local_capacity *cap, const char *parent_id,
		 tctl_run **out_parent)
{
	int rc;

	g->cap = *cap;
	snprintf(g->parent_id, sizeof(g->parent_id), "%s", parent_id);
	snprintf(g->path, sizeof(g->path), "%s", path);
	if ((rc = tctl_ledger_open(&g->l, path)) < 0 ||
	    (rc = tctl_ledger_run_get(g->l, out_parent, parent_id)) < 0)
		return rc;
	g->parent = *out_parent;
	return 0;
}

int group_submit_child(group *g, const tctl_job *job, const char *name, int attempt,
		       const char *params, char out_id[TCTL_RUN_ID_SIZE])
{
	tctl_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	run.exit_code = -1;
	run.attempt = attempt;
	run.name = strdup(name);
	run.parent_id = strdup(g->parent_id);
	run.params = params ? strdup(params) : NULL;
	if (g->parent)
		inherit(&run, g->parent, g->child_estimate);
	if (!run.name || !run.parent_id || tctl_job_to_json(&run.spec, job) < 0) {
		tctl_run_clear(&run);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (!g->l && (rc = tctl_ledger_open(&g->l, g->path)) < 0) {
		tctl_run_clear(&run);
		return rc;
	}
	rc = tctl_local_submit(&g->l, job, &g->cap, &run);
	if (!g->l && rc == 0)
		rc = tctl_ledger_open(&g->l, g->path);
	if (rc == 0)
		memcpy(out_id, run.id, TCTL_RUN_ID_SIZE);
	tctl_run_clear(&run);
	return rc;
}

int group_children(group *g, tctl_run_list *out)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;

	f.parent_id = g->parent_id;
	f.oldest_first = true;
	return tctl_ledger_run_list(g->l, out, &f);
}

void group_cancel_children(group *g)
{
	tctl_run_list kids = { 0 };

	if (group_children(g, &kids) < 0)
		return;
	for (size_t i = 0; i < kids.len; i++)
		if (!tctl_run_state_terminal(kids.runs[i].state))
			tctl_local_cancel(g->l, &kids.runs[i]);
	tctl_run_list_free(&kids);
}

int group_finish(group *g, tctl_run_state state, const char *reason)
{
	tctl_run *parent = NULL;
	int rc;

	if ((rc = tctl_ledger_begin(g->l)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_get(g->l, &parent, g->parent_id)) == 0) {
		parent->ended_ms = tctl_now_ms();
		parent->exit_code = state == TCTL_RUN_SUCCEEDED ? 0 : 1;
		rc = tctl_ledger_run_transition(g->l, parent, state, reason);
	}
	tctl_run_free(parent);
	if (rc < 0) {
		tctl_ledger_rollback(g->l);
		return rc;
	}
	return tctl_ledger_commit(g->l);
}

bool group_cancel_requested(group *g)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };
	int sig;

	local_stop_signals(&set, true);
	while ((sig = sigtimedwait(&set, NULL, &zero)) > 0) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (sig != SIGCHLD)
			g->cancelled = true;
	}
	return g->cancelled;
}

void group_detach(void)
{
	sigset_t set;

	local_stop_signals(&set, true);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	dispatcher_detach_stdio();
}

void group_nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
