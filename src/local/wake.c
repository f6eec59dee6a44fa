/* wake.c: idle dispatchers wait on a FIFO; a submit wakes one instead of starting a process. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long an idle dispatcher waits for the next run before it exits. */
#define LINGER_MS_DEFAULT 2000

int wake_linger_ms(void)
{
	const char *v = getenv("TRAINCTL_LINGER_MS");
	char *end;
	long ms;

	if (!v || !*v)
		return LINGER_MS_DEFAULT;
	ms = strtol(v, &end, 10);
	return *end || ms < 0 || ms > 3600000 ? LINGER_MS_DEFAULT : (int)ms;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

/*
 * What makes two dispatchers interchangeable: the capacity they admit runs
 * into, and the environment a dispatcher reads itself (TRAINCTL_*, and where
 * the data folder is). A submit wakes only dispatchers that would decide as a
 * dispatcher it started would.
 */
static uint64_t dispatcher_key(const tctl_local_capacity *cap)
{
	static const char *const dirs[] = { "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME" };
	uint64_t h = 14695981039346656037ULL, vars = 0;
	struct stat exe;

	h = fnv(h, &cap->cpus, sizeof(cap->cpus));
	h = fnv(h, &cap->memory, sizeof(cap->memory));
	h = fnv(h, &cap->gpus, sizeof(cap->gpus));
	for (int i = 0; i < cap->gpus && i < TCTL_LOCAL_MAX_GPUS; i++) {
		h = fnv(h, &cap->gpu_vendor[i], 1);
		h = fnv_str(h, cap->gpu_cpus[i]);
	}
	/* this very program (a rebuilt or upgraded trainctl never wakes an older one) */
	if (stat("/proc/self/exe", &exe) == 0) {
		h = fnv(h, &exe.st_dev, sizeof(exe.st_dev));
		h = fnv(h, &exe.st_ino, sizeof(exe.st_ino));
		h = fnv(h, &exe.st_mtim, sizeof(exe.st_mtim));
	}
	h = fnv(h, &cap->usd_per_hour_cpu, sizeof(cap->usd_per_hour_cpu));
	h = fnv(h, &cap->usd_per_hour_gpu, sizeof(cap->usd_per_hour_gpu));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *v = getenv(dirs[i]);
		h = fnv_str(h, v ? v : "");
	}
	/* in any order: shells order the environment differently */
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, "TRAINCTL_", 9))
			vars += fnv_str(14695981039346656037ULL, *e);
	return fnv(h, &vars, sizeof(vars));
}

static char *wake_path(const char *ledger_dir, const tctl_local_capacity *cap)
{
	char *p = NULL;

	if (asprintf(&p, "%s/wake/%016llx", ledger_dir,
		     (unsigned long long)dispatcher_key(cap)) < 0)
		return NULL;
	return p;
}

/*
 * Listen for wakes: the FIFO is opened read-write, so it never reports a
 * hang-up between writers, and a writer's non-blocking open succeeds exactly
 * while some idle dispatcher holds it open.
 */
int wake_listen(wake_fifo *w, const char *ledger_dir, const tctl_local_capacity *cap)
{
	char *dir = NULL;
	int rc = -1;

	w->fd = -1;
	if (!(w->path = wake_path(ledger_dir, cap)) || asprintf(&dir, "%s/wake", ledger_dir) < 0)
		goto done;
	if (tctl_mkdir_p(dir, 0700) < 0)
		goto done;
	if (mkfifo(w->path, 0600) < 0 && errno != EEXIST)
		goto done;
	w->fd = open(w->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	rc = w->fd >= 0 ? 0 : -1;
done:
	free(dir);
	if (rc < 0)
		wake_close(w);
	return rc;
}

bool wake_wait(wake_fifo *w, int64_t deadline_ms)
{
	char buf[64];

	for (;;) {
		struct pollfd p = { w->fd, POLLIN, 0 };
		int64_t left = deadline_ms - tctl_mono_ms();
		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		/* several idle dispatchers may wake for one byte: the one that reads it claims */
		if (read(w->fd, buf, 1) == 1)
			return true;
	}
}

void wake_close(wake_fifo *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->path);
	w->path = NULL;
}

int wake_one(const char *ledger_dir, const tctl_local_capacity *cap)
{
	char *path = wake_path(ledger_dir, cap);
	int fd, delivered = 0;

	if (!path)
		return 0;
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;   /* no idle dispatcher (ENXIO), or none ever listened (ENOENT) */
	/* a full FIFO (EAGAIN) already holds wakes enough for every idle dispatcher */
	delivered = write(fd, "w", 1) == 1 || errno == EAGAIN;
	close(fd);
	return delivered;
}
