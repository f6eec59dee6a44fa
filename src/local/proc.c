/* proc.c: process identity from /proc (pid plus start time), the boot id, and child lists. */
#include "local_internal.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* The pid a /proc entry names ("1234"), or 0 for the others ("self", "meminfo"). */
static pid_t proc_entry_pid(const char *name)
{
	int64_t pid;

	return isdigit((unsigned char)name[0]) && tctl_parse_i64(name, 1, INT32_MAX, &pid)
		? (pid_t)pid : 0;
}

/*
 * Field 22 (starttime) and field 4 (ppid) of /proc/PID/stat, after the ")" of
 * comm. A zombie (state Z or X) counts as gone: it has died, only its parent
 * has not read its status yet.
 */
static int stat_fields(pid_t pid, int64_t *out_start, pid_t *out_ppid)
{
	char path[64], buf[1024], *p, state = '?';
	const char *q;
	int64_t start = 0, ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return -1;
	/* after ") ": state(3) ppid(4) ... starttime(22); fields are single-space separated */
	p += 2;
	state = *p;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
		if (p && field == 3 && !(q = p, tctl_scan_i64(&q, 0, INT32_MAX, &ppid)))
			return -1;
	}
	if (!p || !(q = p, tctl_scan_i64(&q, 0, INT64_MAX, &start)))
		return -1;
	if (state == 'Z' || state == 'X')
		return -1;
	if (out_start)
		*out_start = start;
	if (out_ppid)
		*out_ppid = (pid_t)ppid;
	return 0;
}

int proc_start_time(pid_t pid, int64_t *out)
{
	return stat_fields(pid, out, NULL);
}

bool proc_matches(int64_t pid, int64_t start)
{
	int64_t now;

	if (pid <= 0 || proc_start_time((pid_t)pid, &now) < 0)
		return false;
	return now == start;
}

const char *proc_boot_id(void)
{
	static char id[64];
	char *nl;

	if (id[0])
		return id;
	if (read_small("/proc/sys/kernel/random/boot_id", id, sizeof(id)) < 0)
		return "";
	if ((nl = strchr(id, '\n')))
		*nl = '\0';
	return id;
}

/* Does the NUL-separated environment of `pid` hold the entry `kv` ("K=V")? */
static bool environ_has(pid_t pid, const char *kv)
{
	char path[64], buf[8192];
	size_t len = strlen(kv), have = 0;
	ssize_t n;
	int fd;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	/* entries are compared whole; one that straddles a read is carried to the next */
	while (!found && (n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		size_t end = have + (size_t)n, at = 0;
		for (size_t k = 0; k < end && !found; k++) {
			if (buf[k] != '\0')
				continue;
			found = k - at == len && !memcmp(buf + at, kv, len);
			at = k + 1;
		}
		have = end - at;
		memmove(buf, buf + at, have);
		if (have == sizeof(buf))
			have = 0;   /* an entry longer than the buffer is not one we look for */
	}
	close(fd);
	return found;
}

int proc_with_env(const char *kv, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		pid_t pid;
		if (!(pid = proc_entry_pid(e->d_name)))
			continue;
		if (stat_fields(pid, NULL, NULL) == 0 && environ_has(pid, kv))
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Direct children from /proc/PID/task/PID/children (one read; the kernel keeps the list):
 * -1 when this kernel lacks the file (CONFIG_PROC_CHILDREN), so the caller scans instead. */
static int children_file(pid_t parent, pid_t *out, int max)
{
	char path[64], buf[4096], *p, *end;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return access(path, F_OK) == 0 ? 0 : -1;   /* empty: no children */
	for (p = buf; n < max; p = end) {
		long pid = strtol(p, &end, 10);
		pid_t ppid;
		if (end == p)
			break;
		/* the list includes zombies: only the living count */
		if (stat_fields((pid_t)pid, NULL, &ppid) == 0 && ppid == parent)
			out[n++] = (pid_t)pid;
	}
	return n;
}

int proc_children(pid_t parent, pid_t *out, int max)
{
	DIR *d;
	struct dirent *e;
	int n = children_file(parent, out, max);

	if (n >= 0 || !(d = opendir("/proc")))
		return n >= 0 ? n : 0;
	n = 0;
	while ((e = readdir(d)) && n < max) {
		pid_t pid, ppid;
		if (!(pid = proc_entry_pid(e->d_name)))
			continue;
		if (stat_fields(pid, NULL, &ppid) == 0 && ppid == parent)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}
