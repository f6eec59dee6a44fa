/* dispatch.c: detached dispatcher processes that claim queued runs and supervise them; no daemon. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_OURS 64
#define DISPATCHER_NAME "trainctl-sup"


static pid_t ours[MAX_OURS];
static int nours;

/*
 * A dispatcher, not part of a job's tree: one we forked, or any trainctl
 * supervisor re-parented to us (we are a subreaper: a sibling dispatcher's
 * own dispatchers, or those of a job that itself ran `trainctl submit`).
 * Supervisors name themselves DISPATCHER_NAME.
 */
bool dispatcher_is_ours(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	for (int i = 0; i < nours; i++)
		if (ours[i] == pid)
			return true;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re"))) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	return !strncmp(comm, DISPATCHER_NAME, strlen(DISPATCHER_NAME));
}

void local_stop_signals(sigset_t *out, bool with_child)
{
	sigemptyset(out);
	sigaddset(out, SIGTERM);
	sigaddset(out, SIGINT);
	sigaddset(out, SIGHUP);
	if (with_child)
		sigaddset(out, SIGCHLD);
}

void dispatcher_detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	syscall(SYS_close_range, 3U, ~0U, 0);
}

static void block_signals(void)
{
	sigset_t set;

	local_stop_signals(&set, true);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Forget stop signals that arrived while no run was being supervised. */
static void drain_signals(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	local_stop_signals(&set, false);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

int dispatcher_spawn(const char *ledger_path, const tctl_local_capacity *cap, pid_t *out_pid)
{
	pid_t pid = fork();

	if (pid < 0)
		return tctl_error_set_os("cannot start a supervisor");
	if (pid == 0) {
		setsid();
		dispatcher_detach_stdio();
		dispatcher_main(ledger_path, cap);
	}
	if (nours < MAX_OURS)
		ours[nours++] = pid;
	if (out_pid)
		*out_pid = pid;
	return 0;
}

/* Another dispatcher for runs that fit beside ours: an idle one woken, else a new one
 * (closing our connection around the fork). */
static int start_sibling(tctl_ledger **l, const char *path, const tctl_local_capacity *cap)
{
	if (wake_one(tctl_ledger_dir(*l), cap))
		return 0;
	tctl_ledger_free(*l);
	*l = NULL;
	dispatcher_spawn(path, cap, NULL);
	return tctl_ledger_open(l, path);
}

/*
 * Claims and supervises runs one after another. With nothing left to claim it
 * lingers (wake.c): it listens first, then claims once more, so a run recorded
 * before it listened is claimed and one recorded after wakes it; a submit then
 * costs no new process. When the linger ends it stops listening and claims a
 * last time for the same reason.
 */
void dispatcher_main(const char *ledger_path, const tctl_local_capacity *cap)
{
	tctl_ledger *l = NULL;
	tctl_run *run = NULL;
	char *path = strdup(ledger_path);
	wake_fifo w = { -1, NULL };
	int linger = wake_linger_ms();
	bool more, last = false;

	nours = 0;
	prctl(PR_SET_NAME, DISPATCHER_NAME);
	block_signals();
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (!path || tctl_ledger_open(&l, path) < 0)
		_exit(1);
	/* runs whose supervisor died hold resources until recovered */
	if (tctl_local_recover(l, &(int){ 0 }) < 0)
		tctl_error_clear();
	for (;;) {
		drain_signals();
		/* runs recorded by submits that found a dispatcher idle (spool.c) */
		if (spool_import(l) < 0)
			tctl_error_clear();
		if (queue_claim(l, cap, &run, &more) < 0)
			break;
		if (run) {
			wake_close(&w);
			last = false;
			if (more && start_sibling(&l, path, cap) < 0) {
				tctl_run_free(run);
				break;
			}
			supervise_run(l, cap, run);
			tctl_run_free(run);
			run = NULL;
			continue;
		}
		if (last || linger <= 0)
			break;
		if (w.fd < 0) {
			if (wake_listen(&w, tctl_ledger_dir(l), cap) < 0)
				break;
			continue;
		}
		if (!wake_wait(&w, tctl_mono_ms() + linger)) {
			wake_close(&w);
			last = true;
		}
	}
	wake_close(&w);
	tctl_ledger_free(l);
	free(path);
	_exit(0);
}
