/* follow.c: streaming a local run's logs, and waiting for it to end (submit --wait, logs -f). */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	const char *name;
	int fd;       /* the log file, -1 until it exists */
	int out;      /* where it goes */
} log_stream;

static int pump(log_stream *s, const char *dir)
{
	char buf[65536];
	ssize_t n;

	if (s->fd < 0) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, s->name);
		if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return 0;
	}
	while ((n = read(s->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n; ) {
			ssize_t w = write(s->out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return tctl_error_set_os("cannot write the log output");
			off += w;
		}
	}
	return 0;
}

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int poll_run(tctl_ledger *l, const char *id, tctl_run **out, int64_t *last_recover)
{
	int lost;

	if (tctl_mono_ms() - *last_recover > 1000) {
		*last_recover = tctl_mono_ms();
		tctl_local_recover(l, &lost);
	}
	tctl_run_free(*out);
	*out = NULL;
	return tctl_ledger_run_get(l, out, id);
}

int tctl_local_follow(tctl_ledger *l, const char *run_id, int out_fd, int err_fd, bool follow,
		      tctl_run **out_final)
{
	log_stream streams[2] = { { "stdout", -1, out_fd }, { "stderr", -1, err_fd } };
	tctl_run *run = NULL;
	char id[TCTL_RUN_ID_SIZE];
	int64_t last_recover = tctl_mono_ms();
	int rc, delay = 5;

	if ((rc = tctl_ledger_run_get(l, &run, run_id)) < 0)
		return rc;
	memcpy(id, run->id, sizeof(id));
	for (;;) {
		bool done = tctl_run_state_terminal(run->state) || !follow;
		for (int i = 0; i < 2 && rc == 0; i++)
			rc = run->run_dir ? pump(&streams[i], run->run_dir) : 0;
		if (rc < 0 || done)
			break;
		nap(delay);
		delay = delay < 100 ? delay * 2 : 100;
		if ((rc = poll_run(l, id, &run, &last_recover)) < 0)
			break;
	}
	for (int i = 0; i < 2; i++)
		if (streams[i].fd >= 0)
			close(streams[i].fd);
	if (rc == 0 && out_final)
		*out_final = run;
	else
		tctl_run_free(run);
	return rc;
}
