/* cmd_hook_out.c: where `hook run` says things: the commit's own output, or hooks.log from a detached child. */
#include "cli.h"
#include "cmd_hook.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* hooks.log is rotated once it holds this many bytes (about 8000 lines). */
#define LOG_KEEP ((off_t)1 << 20)

/* How long a detached hook waits for git to exit before it goes on anyway. */
#define GIT_WAIT_MS 10000

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;   /* nowhere left to say it */
		p += n;
		len -= (size_t)n;
	}
}

/*
 * One line: "trainctl: TEXT" on `to`, or, detached, "TIME [PID] TEXT"
 * appended to hooks.log in a single write (O_APPEND), so the lines of
 * hooks running side by side never mix.
 */
static void emit(const hook_out *o, FILE *to, const char *text)
{
	tctl_buf b = TCTL_BUF_INIT;
	char when[32];

	if (o->log_fd < 0) {
		fprintf(to, "trainctl: %s\n", text);
		return;
	}
	tctl_time_format(when, sizeof(when), tctl_now());
	if (tctl_buf_printf(&b, "%s [%ld] %s\n", when, (long)getpid(), text) == 0)
		write_all(o->log_fd, b.ptr, b.len);
	tctl_buf_free(&b);
}

void hook_say(const hook_out *o, FILE *to, const char *fmt, ...)
{
	tctl_buf b = TCTL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	tctl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	emit(o, to, b.ptr ? b.ptr : "");
	tctl_buf_free(&b);
}

void hook_say_error(const hook_out *o, const char *fmt, ...)
{
	const char *msg = tctl_error_last()->message, *nl = strchr(msg, '\n');
	tctl_buf b = TCTL_BUF_INIT;
	int more = 0;
	va_list ap;

	for (const char *p = nl; p; p = strchr(p + 1, '\n'))
		more++;
	va_start(ap, fmt);
	tctl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	tctl_buf_printf(&b, ": %.*s", nl ? (int)(nl - msg) : (int)strlen(msg), *msg ? msg : "unknown failure");
	if (more)
		tctl_buf_printf(&b, " (and %d more problem%s)", more, more == 1 ? "" : "s");
	emit(o, stderr, b.ptr ? b.ptr : "");
	tctl_buf_free(&b);
}

static int open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return tctl_error_set_os("cannot open '%s'", path);
	return fd;
}

/* Past LOG_KEEP bytes the log becomes hooks.log.1 (replacing the one before) and starts again. */
static int rotate(int fd, const char *path)
{
	struct stat st;
	char *old = NULL;

	if (fstat(fd, &st) < 0 || st.st_size < LOG_KEEP || asprintf(&old, "%s.1", path) < 0)
		return fd;
	/* the full log moves aside to `old`: not swapped */
	if (rename(path, old) == 0) { /* NOLINT(readability-suspicious-call-argument) */
		close(fd);
		fd = open_append(path);
	}
	free(old);
	return fd;
}

int hook_log_open(int *out_fd, char **out_path)
{
	char *dir = NULL, *path = NULL;
	int fd, error;

	if ((error = tctl_dir_data(&dir)) < 0 || (error = tctl_mkdir_p(dir, 0700)) < 0)
		goto done;
	if (!(path = tctl_path_join(dir, "hooks.log"))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((fd = open_append(path)) < 0 || (fd = rotate(fd, path)) < 0) {
		error = fd;
		goto done;
	}
	*out_fd = fd;
	*out_path = path;
	path = NULL;
done:
	free(path);
	free(dir);
	return error;
}

/* Every descriptor from `first` up closed (close_range, or one by one on kernels before 5.9). */
static void close_from(int first)
{
	long max;

	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (long fd = first; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
}

/* A pidfd for the process that ran us when it is git (git, git-*), else -1. Taken before the
 * fork, while git waits for us, so the pid cannot have been reused. */
static int git_pidfd(void)
{
	char link[64], exe[PATH_MAX];
	const char *base;
	pid_t ppid = getppid();
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%ld/exe", (long)ppid);
	if ((n = readlink(link, exe, sizeof(exe) - 1)) < 0)
		return -1;
	exe[n] = '\0';
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	if (strncmp(base, "git", 3) || (base[3] && base[3] != '-'))
		return -1;
	return (int)syscall(SYS_pidfd_open, ppid, 0);
}

/* Let git finish first (at most GIT_WAIT_MS): what follows would compete with it for the CPU. */
static void wait_for_git(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (fd < 0)
		return;
	while (poll(&p, 1, GIT_WAIT_MS) < 0 && errno == EINTR)
		;
	close(fd);
}

/*
 * Standard input from /dev/null, output and error to the log, `keep` (when
 * not -1) moved to descriptor 3, every other descriptor closed. Returns
 * where `keep` is now.
 */
static int redirect(int log_fd, int keep)
{
	int null;

	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	if ((null = open("/dev/null", O_RDONLY)) >= 0 && null != STDIN_FILENO)
		dup2(null, STDIN_FILENO);
	if (keep >= 0 && (keep = dup2(keep, 3)) < 0)
		keep = -1;
	close_from(keep >= 0 ? 4 : 3);
	return keep;
}

void hook_detach(hook_out *o, int log_fd, pid_t *out_pid)
{
	int git = git_pidfd();
	pid_t pid;

	/* before the fork, so that only this process holds git's pipes, and they close when it exits */
	fflush(stdout);
	fflush(stderr);
	git = redirect(log_fd, git);
	o->log_fd = STDERR_FILENO;
	if ((*out_pid = pid = fork()) < 0) {
		tctl_error_set_os("cannot start a process");
		if (git >= 0)
			close(git);
		return;
	}
	if (pid > 0)
		_exit(CLI_EXIT_OK);   /* git's answer; output was flushed before the fork */
	setsid();
	wait_for_git(git);
}
