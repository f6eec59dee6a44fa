/* logsink.c: a run's stdout and stderr, copied by its supervisor to the run folder, never filling the disk. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Free space the logs leave on their disk, so the ledger can still record the run's end. */
#define DEFAULT_RESERVE ((uint64_t)64 << 20)
#define CHECK_EVERY ((uint64_t)1 << 20)

static uint64_t reserve_bytes(void)
{
	const char *v = getenv("TRAINCTL_LOG_RESERVE");
	uint64_t r;

	if (v && tctl_size_parse(&r, v) == 0)
		return r;
	return DEFAULT_RESERVE;
}

static int open_file(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

int logsink_open(log_sink *s, const char *run_dir, const int pipes[2])
{
	static const char *names[2] = { "stdout", "stderr" };

	memset(s, 0, sizeof(*s));
	s->dir = run_dir;
	s->reserve = reserve_bytes();
	for (int k = 0; k < 2; k++) {
		s->pipe_fd[k] = pipes[k];
		fcntl(pipes[k], F_SETFL, fcntl(pipes[k], F_GETFL) | O_NONBLOCK);
		if ((s->file_fd[k] = open_file(run_dir, names[k])) < 0)
			return tctl_error_set_os("cannot open the log '%s/%s'", run_dir, names[k]);
	}
	return 0;
}

static void check_space(log_sink *s)
{
	struct statvfs v;

	s->next_check = s->written + CHECK_EVERY;
	if (statvfs(s->dir, &v) == 0 && (uint64_t)v.f_bavail * v.f_frsize < s->reserve)
		s->low_space = true;
}

static void write_out(log_sink *s, int k, const char *buf, size_t n)
{
	if (s->written >= s->next_check)
		check_space(s);
	if (s->low_space) {
		s->dropped += n;
		return;
	}
	while (n) {
		ssize_t w = write(s->file_fd[k], buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno == ENOSPC || errno == EDQUOT)
				s->low_space = true;
			else if (!s->error[0])
				snprintf(s->error, sizeof(s->error), "log write failed: %s", strerror(errno));
			s->dropped += n;
			return;
		}
		buf += w;
		n -= (size_t)w;
		s->written += (uint64_t)w;
	}
}

bool logsink_pump(log_sink *s, int k)
{
	char buf[65536];
	ssize_t n;

	while (s->pipe_fd[k] >= 0) {
		n = read(s->pipe_fd[k], buf, sizeof(buf));
		if (n > 0) {
			write_out(s, k, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		close(s->pipe_fd[k]);   /* end of file, or an error: either way no more output */
		s->pipe_fd[k] = -1;
	}
	return s->pipe_fd[0] < 0 && s->pipe_fd[1] < 0;
}

void logsink_drain(log_sink *s, int64_t deadline_ms)
{
	for (;;) {
		logsink_pump(s, 0);   /* pump both pipes every turn */
		/* done when both are closed, asked after both pumps: stdout's answer predates
		 * stderr's end of file, and a poll over two closed pipes would sleep to its
		 * timeout (every fast run ended a second late) */
		if (logsink_pump(s, 1) && s->pipe_fd[0] < 0)
			break;
		struct pollfd p[2] = { { s->pipe_fd[0], POLLIN, 0 }, { s->pipe_fd[1], POLLIN, 0 } };
		int64_t left = deadline_ms - tctl_mono_ms();
		if (left <= 0)
			break;
		poll(p, 2, (int)(left > 1000 ? 1000 : left));
	}
}

void logsink_note(const log_sink *s, char *buf, size_t size)
{
	char dropped[32], reserve[32];

	buf[0] = '\0';
	if (s->low_space) {
		tctl_size_format(dropped, sizeof(dropped), s->dropped);
		tctl_size_format(reserve, sizeof(reserve), s->reserve);
		snprintf(buf, size, "; logs truncated: the disk holding them fell below %s free "
			 "(%s of output dropped)", reserve, dropped);
	} else if (s->error[0]) {
		snprintf(buf, size, "; %s", s->error);
	}
}

void logsink_close(log_sink *s)
{
	for (int k = 0; k < 2; k++) {
		if (s->pipe_fd[k] >= 0)
			close(s->pipe_fd[k]);
		if (s->file_fd[k] > 0)
			close(s->file_fd[k]);
		s->pipe_fd[k] = s->file_fd[k] = -1;
	}
}
