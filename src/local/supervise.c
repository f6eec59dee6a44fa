/* supervise.c: one run from start to recorded end: time limit, cancellation, the whole process tree. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds leftover processes get after the main process ended, before SIGKILL. */
#define LEFTOVER_GRACE_MS 2000

typedef struct {
	pid_t pid;
	int status;
	struct rusage ru;
	bool exited;
	tctl_run_state verdict;     /* set when we decided to stop it */
	const char *why;
	int64_t kill_at_ms;         /* SIGKILL due (0: not yet asked to stop) */
} job_proc;

int tctl_local_kill_grace(void)
{
	int64_t g;

	/* seconds; unset or not a whole number from 0 to a day: the default, 10 */
	return tctl_parse_i64(getenv("TRAINCTL_KILL_GRACE"), 0, 86400, &g) ? (int)g : 10;
}

/* SIGTERM or SIGKILL to the job's process group and to any orphan we adopted as subreaper. */
static void signal_tree(pid_t pgid, int sig)
{
	pid_t kids[256];
	int n;

	kill(-pgid, sig);
	n = proc_children(getpid(), kids, 256);
	for (int i = 0; i < n; i++) {
		if (dispatcher_is_ours(kids[i]))
			continue;
		kill(kids[i], sig);
	}
}

static void reap(job_proc *j)
{
	struct rusage ru;
	int status;
	pid_t p;

	while ((p = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		if (p == j->pid) {
			j->status = status;
			j->ru = ru;
			j->exited = true;
		}
	}
}

static void ask_stop(job_proc *j, tctl_run_state verdict, const char *why)
{
	if (j->kill_at_ms)
		return;
	j->verdict = verdict;
	j->why = why;
	j->kill_at_ms = tctl_mono_ms() + (int64_t)tctl_local_kill_grace() * 1000;
	signal_tree(j->pid, SIGTERM);
}

static void on_stop_signal(tctl_ledger *l, const tctl_run *run, job_proc *j, int sig);

/* A stop signal: a `trainctl cancel` (recorded in the ledger) or someone stopping the supervisor. */
static void on_stop_signal(tctl_ledger *l, const tctl_run *run, job_proc *j, int sig)
{
	tctl_run *now = NULL;
	static char why[320];

	if (tctl_ledger_run_get(l, &now, run->id) == 0 && now->cancel_requested)
		snprintf(why, sizeof(why), "%s", now->reason ? now->reason : "cancelled on request");
	else
		snprintf(why, sizeof(why), "cancelled: supervisor received %s", strsignal(sig));
	tctl_run_free(now);
	ask_stop(j, TCTL_RUN_CANCELLED, why);
}

static int stop_signal_fd(void)
{
	sigset_t set;

	local_stop_signals(&set, true);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* When the run must stop on its own limits: time, and cost (accrued at the price recorded
 * at launch: price_per_hour x elapsed, checked like a time limit). */
typedef struct {
	int64_t time_ms;          /* 0: none */
	int64_t cost_ms;          /* elapsed time at which the cost passes max_cost; 0: none */
	double price_per_hour, max_cost;
	char why[160];
} run_limits;

static void set_limits(run_limits *lim, const tctl_job *job, const tctl_run *run)
{
	memset(lim, 0, sizeof(*lim));
	lim->time_ms = job->limits.max_run_duration * 1000;
	lim->max_cost = job->limits.max_cost;
	lim->price_per_hour = run->price_per_hour;
	if (lim->max_cost > 0 && lim->price_per_hour > 0)
		lim->cost_ms = (int64_t)(lim->max_cost / lim->price_per_hour * 3.6e6) + 1;
}

/* Stops the job when one of its limits is reached. */
static void check_limits(job_proc *j, run_limits *lim, int64_t start, int64_t now)
{
	if (j->kill_at_ms)
		return;
	if (lim->time_ms && now - start >= lim->time_ms) {
		ask_stop(j, TCTL_RUN_TIMED_OUT, "time limit reached");
	} else if (lim->cost_ms && now - start >= lim->cost_ms) {
		snprintf(lim->why, sizeof(lim->why), "max_cost reached: $%.4f > $%.4f (limits.max_cost, "
			 "at $%.4f per hour)", lim->price_per_hour * (double)(now - start) / 3.6e6,
			 lim->max_cost, lim->price_per_hour);
		ask_stop(j, TCTL_RUN_CANCELLED, lim->why);
	}
}

/* Milliseconds until the next thing to do: a limit, or the SIGKILL of a stop. */
static int next_wake(const job_proc *j, int64_t start, const run_limits *lim)
{
	int64_t now = tctl_mono_ms(), wake = now + 1000;

	if (lim->time_ms && !j->kill_at_ms && start + lim->time_ms < wake)
		wake = start + lim->time_ms;
	if (lim->cost_ms && !j->kill_at_ms && start + lim->cost_ms < wake)
		wake = start + lim->cost_ms;
	if (j->kill_at_ms && j->kill_at_ms < wake)
		wake = j->kill_at_ms;
	return wake > now ? (int)(wake - now) : 0;
}

static void read_signals(tctl_ledger *l, const tctl_run *run, job_proc *j, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP)
			on_stop_signal(l, run, j, (int)si.ssi_signo);
}

/*
 * Waits for the job while copying its output to the logs, enforcing its
 * limits (time, cost) and honouring SIGTERM (cancel).
 */
static void wait_job(tctl_ledger *l, const tctl_run *run, job_proc *j, log_sink *logs,
		     run_limits *lim)
{
	int64_t start = tctl_mono_ms();
	int sfd = stop_signal_fd();

	while (reap(j), !j->exited) {
		struct pollfd p[3] = { { sfd, POLLIN, 0 }, { logs->pipe_fd[0], POLLIN, 0 },
				       { logs->pipe_fd[1], POLLIN, 0 } };
		int64_t now = tctl_mono_ms();

		check_limits(j, lim, start, now);
		if (j->kill_at_ms && now >= j->kill_at_ms) {
			signal_tree(j->pid, SIGKILL);
			j->kill_at_ms = now + 1000;
		}
		if (poll(p, 3, next_wake(j, start, lim)) <= 0)
			continue;
		if (p[1].revents)
			logsink_pump(logs, 0);
		if (p[2].revents)
			logsink_pump(logs, 1);
		if (p[0].revents)
			read_signals(l, run, j, sfd);
	}
	if (sfd >= 0)
		close(sfd);
}

/* Processes of the job still alive: its group, or orphans re-parented to us (subreaper). */
static bool leftovers(pid_t pgid)
{
	pid_t kids[256];
	int n;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (kill(-pgid, 0) == 0)
		return true;
	n = proc_children(getpid(), kids, 256);
	for (int i = 0; i < n; i++)
		if (!dispatcher_is_ours(kids[i]))
			return true;
	return false;
}

/*
 * After the main process ended: stop what it left behind, in its group or
 * escaped into its own session (re-parented to us as a subreaper when its
 * parent died): SIGTERM, then SIGKILL after LEFTOVER_GRACE_MS.
 */
static void clean_leftovers(pid_t pgid)
{
	int64_t deadline = tctl_mono_ms() + LEFTOVER_GRACE_MS;
	struct timespec ts = { 0, 20000000L };

	if (!leftovers(pgid))
		return;
	signal_tree(pgid, SIGTERM);
	while (leftovers(pgid) && tctl_mono_ms() < deadline)
		nanosleep(&ts, NULL);
	for (int i = 0; i < 50 && leftovers(pgid); i++) {
		signal_tree(pgid, SIGKILL);
		nanosleep(&ts, NULL);
	}
}

static void record_outcome(tctl_run *run, const job_proc *j, const log_sink *logs,
			   char *reason, size_t size)
{
	char note[256];
	size_t len;

	run->ended_ms = tctl_now_ms();
	run->peak_rss = (uint64_t)j->ru.ru_maxrss * 1024;
	run->user_s = (double)j->ru.ru_utime.tv_sec + j->ru.ru_utime.tv_usec / 1e6;
	run->sys_s = (double)j->ru.ru_stime.tv_sec + j->ru.ru_stime.tv_usec / 1e6;
	run->cost = run->price_per_hour * (double)(run->ended_ms - run->started_ms) / 3.6e6;
	run->cloud_equiv_cost = run->cloud_equiv_per_hour *
				(double)(run->ended_ms - run->started_ms) / 3.6e6;
	if (WIFEXITED(j->status)) {
		run->exit_code = WEXITSTATUS(j->status);
		run->term_signal = 0;
	} else if (WIFSIGNALED(j->status)) {
		run->exit_code = -1;
		run->term_signal = WTERMSIG(j->status);
	}
	if (j->verdict == TCTL_RUN_TIMED_OUT || j->verdict == TCTL_RUN_CANCELLED) {
		snprintf(reason, size, "%s", j->why);
		run->state = j->verdict;
	} else if (run->term_signal) {
		snprintf(reason, size, "killed by signal %d (%s)", run->term_signal,
			 strsignal(run->term_signal));
		run->state = TCTL_RUN_FAILED;
	} else {
		snprintf(reason, size, "exit %d", run->exit_code);
		run->state = run->exit_code == 0 ? TCTL_RUN_SUCCEEDED : TCTL_RUN_FAILED;
	}
	logsink_note(logs, note, sizeof(note));
	len = strlen(reason);
	if (note[0] && len < size)
		snprintf(reason + len, size - len, "%s", note);
}

static int finish(tctl_ledger *l, tctl_run *run, const char *reason)
{
	double actual;
	int rc;

	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_transition(l, run, run->state, reason)) < 0)
		goto fail;
	actual = (double)(run->ended_ms - run->started_ms) / 1000.0;
	if (run->state == TCTL_RUN_SUCCEEDED && run->estimate_s > 0 && actual > 0 &&
	    (rc = tctl_ledger_calibration_add(l, run->name, "local", actual / run->estimate_s)) < 0)
		goto fail;
	return tctl_ledger_commit(l);
fail:
	tctl_ledger_rollback(l);
	return rc;
}

static int fail_to_start(tctl_ledger *l, tctl_run *run, const char *why)
{
	run->ended_ms = tctl_now_ms();
	run->state = TCTL_RUN_FAILED;
	return finish(l, run, why);
}

static int record_pid(tctl_ledger *l, tctl_run *run, pid_t pid)
{
	int rc;

	run->job_pid = pid;
	proc_start_time(pid, &run->job_start);
	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	if ((rc = tctl_ledger_run_save(l, run)) < 0) {
		tctl_ledger_rollback(l);
		return rc;
	}
	return tctl_ledger_commit(l);
}

int supervise_run(tctl_ledger *l, const tctl_local_capacity *cap, tctl_run *run)
{
	tctl_job *job = NULL;
	run_limits lim;
	job_proc j;
	log_sink logs;
	int pipes[2] = { -1, -1 };
	char reason[512], note[256] = "";
	cpu_set_t cpus;
	bool bind;
	int rc;

	memset(&j, 0, sizeof(j));
	memset(&logs, 0, sizeof(logs));
	logs.pipe_fd[0] = logs.pipe_fd[1] = logs.file_fd[0] = logs.file_fd[1] = -1;
	if (tctl_job_parse(&job, run->spec, strlen(run->spec), "ledger spec") < 0 ||
	    rundir_settle(tctl_ledger_dir(l), run->id, run->run_dir) < 0) {
		tctl_job_free(job);
		return fail_to_start(l, run, tctl_error_last()->message);
	}
	bind = job->resources.bind_gpu_local && run->gpu_ids &&
	       binding_for_run(&cpus, note, sizeof(note), run, cap) == 1;
	if (note[0])
		tctl_ledger_event_add(l, run->id, "running", note);
	rc = spawn_job(&j.pid, pipes, job, run, cap, bind ? &cpus : NULL);
	if (rc == 0 && (rc = logsink_open(&logs, run->run_dir, pipes)) < 0) {
		for (int k = 0; k < 2; k++)
			if (logs.pipe_fd[k] < 0)
				close(pipes[k]);
		signal_tree(j.pid, SIGKILL);
	}
	if (rc < 0) {
		logsink_close(&logs);
		snprintf(reason, sizeof(reason), "%s", tctl_error_last()->message);
		if (j.pid > 0)
			waitpid(j.pid, NULL, 0);
		tctl_job_free(job);
		return fail_to_start(l, run, reason);
	}
	if ((rc = record_pid(l, run, j.pid)) < 0)
		ask_stop(&j, TCTL_RUN_FAILED, "ledger write failed");
	set_limits(&lim, job, run);
	wait_job(l, run, &j, &logs, &lim);
	clean_leftovers(j.pid);
	logsink_drain(&logs, tctl_mono_ms() + LEFTOVER_GRACE_MS);
	record_outcome(run, &j, &logs, reason, sizeof(reason));
	logsink_close(&logs);
	tctl_job_free(job);
	return finish(l, run, reason);
}
