/* limits.c: what this process may really use: CPU affinity, cgroup v1/v2 limits, MemTotal, disk. */
#include "profile_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "tctl_build_config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* A v1 memory limit at or above this is the kernel's "no limit" (PAGE_COUNTER_MAX pages). */
#define V1_UNLIMITED (UINT64_C(1) << 60)

/* Read a small file under root into buf; returns length or -1. */
static ssize_t read_small(char *buf, size_t size, const char *root, const char *path)
{
	char full[4096];
	ssize_t n, len = 0;
	int fd;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
		return -1;
	if ((fd = open(full, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((size_t)len < size - 1 && (n = read(fd, buf + len, size - 1 - (size_t)len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

static uint64_t meminfo_total(const char *root)
{
	char buf[512];
	const char *p;
	int64_t kb;

	/* MemTotal is the first line; 512 bytes always hold it. */
	if (read_small(buf, sizeof(buf), root, "/proc/meminfo") < 0)
		return 0;
	if (!(p = strstr(buf, "MemTotal:")) || (p += 9, !tctl_scan_i64(&p, 0, INT64_MAX / 1024, &kb)))
		return 0;
	return (uint64_t)kb * 1024;
}

static char *boot_id(const char *root)
{
	char buf[128];
	ssize_t n = read_small(buf, sizeof(buf), root, "/proc/sys/kernel/random/boot_id");

	if (n <= 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

/* This thread's affinity mask (the caller frees *out with CPU_FREE); NULL when unknown. */
static cpu_set_t *get_affinity(size_t *out_size)
{
	size_t ncpus = 1024;
	cpu_set_t *set;

	for (;;) {
		*out_size = CPU_ALLOC_SIZE(ncpus);
		if (!(set = CPU_ALLOC(ncpus)))
			return NULL;
		if (sched_getaffinity(0, *out_size, set) == 0)
			return set;
		CPU_FREE(set);
		if (errno != EINVAL || ncpus >= (1u << 20))
			return NULL;
		ncpus *= 2;
	}
}

/* Hex of the mask bytes, trailing zero bytes dropped: stable and short. */
static int affinity_hex(char **out, const cpu_set_t *set, size_t size)
{
	tctl_buf hex = TCTL_BUF_INIT;
	int error = 0;

	while (size > 1 && ((const unsigned char *)set)[size - 1] == 0)
		size--;
	for (size_t i = 0; i < size && !error; i++)
		error = tctl_buf_printf(&hex, "%02x", ((const unsigned char *)set)[i]);
	if (error < 0) {
		tctl_buf_free(&hex);
		return error;
	}
	*out = tctl_buf_detach(&hex);
	return 0;
}

/* How many CPUs of a cpuset list ("0-3,8,10-11") are in `set`; -1 when the list is malformed. */
static int count_in_list(const char *list, const cpu_set_t *set, size_t size)
{
	int n = 0;

	for (const char *p = list; *p && *p != '\n'; ) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p)
			return -1;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || hi < lo)
				return -1;
		}
		for (unsigned long c = lo; c <= hi && c < size * 8; c++)
			n += CPU_ISSET_S(c, size, set) ? 1 : 0;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* True when the comma-separated list `list` has `item`. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, item, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/*
 * A cgroup hierarchy as this process sees it: where it is mounted and the
 * folder of this process's group inside the mount.
 */
typedef struct {
	char mount[1024];  /* mount point, e.g. /sys/fs/cgroup/memory */
	char dir[2048];    /* mount point + group path, e.g. /sys/fs/cgroup/memory/user.slice */
} cgroup_place;

/* /proc/self/mountinfo and /proc/self/cgroup, read once per profile. */
typedef struct {
	char *mountinfo;
	char *cgroup;
} proc_self;

static char *read_proc(const char *root, const char *path)
{
	char full[4096], *text = NULL;

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (tctl_file_read(&text, NULL, full) < 0) {
		tctl_error_clear();
		return NULL;
	}
	return text;
}

/* The next line of *p (modified in place: the newline becomes NUL), or NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	if ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

/* Copy the `n`th (from 0) space-separated field of `s` into out; false when too short or long. */
static bool field(char *out, size_t size, const char *s, int n)
{
	size_t len;

	for (; n > 0 && s; n--)
		if ((s = strchr(s, ' ')))
			s++;
	if (!s || !*s)
		return false;
	len = strcspn(s, " ");
	if (len == 0 || len >= size)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/* Find the mount of cgroup v2 (controller NULL) or of the v1 hierarchy with `controller`. */
static bool find_mount(cgroup_place *out, char *mount_root, size_t root_size,
		       const proc_self *ps, const char *controller)
{
	char *copy = ps->mountinfo ? strdup(ps->mountinfo) : NULL, *p = copy, *line;
	const char *want = controller ? "cgroup " : "cgroup2 ";
	bool found = false;

	/* mountinfo: id parent major:minor root mountpoint options... - fstype source superoptions */
	while (!found && (line = next_line(&p))) {
		char mroot[1024], mpoint[1024], opts[1024], *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, want, strlen(want)) ||
		    !field(mroot, sizeof(mroot), line, 3) || !field(mpoint, sizeof(mpoint), line, 4) ||
		    !field(opts, sizeof(opts), sep + 3, 2))
			continue;
		if (controller && !list_has(opts, controller))
			continue;
		unescape_octal(mroot);
		unescape_octal(mpoint);
		snprintf(out->mount, sizeof(out->mount), "%s", mpoint);
		snprintf(mount_root, root_size, "%s", mroot);
		found = true;
	}
	free(copy);
	return found;
}

/* This process's group path in the v2 hierarchy ("0::/path") or the v1 one with `controller`. */
static bool find_group(char *out, size_t size, const proc_self *ps, const char *controller)
{
	char *copy = ps->cgroup ? strdup(ps->cgroup) : NULL, *p = copy, *line;
	bool found = false;

	while (!found && (line = next_line(&p))) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		if (controller ? !list_has(c1 + 1, controller) : (strcmp(line, "0") || c1[1] != '\0'))
			continue;
		snprintf(out, size, "%s", c2 + 1);
		found = true;
	}
	free(copy);
	return found;
}

/*
 * Locate this process's group. The group path is relative to the
 * hierarchy's root; the mount shows the hierarchy from `mount_root`, so the
 * folder is mount + (group - mount_root) when the group lies below it, else
 * the mount itself (a cgroup namespace, or a container that mounts its own
 * group at the usual place).
 */
static bool locate(cgroup_place *out, const proc_self *ps, const char *controller)
{
	char mroot[1024], group[1024];
	size_t n;

	if (!find_mount(out, mroot, sizeof(mroot), ps, controller) ||
	    !find_group(group, sizeof(group), ps, controller))
		return false;
	n = strlen(mroot);
	if (!strcmp(mroot, "/"))
		n = 0;
	if (!strncmp(group, mroot, n) && (group[n] == '/' || group[n] == '\0'))
		snprintf(out->dir, sizeof(out->dir), "%s%s", out->mount, group + n);
	else
		snprintf(out->dir, sizeof(out->dir), "%s", out->mount);
	n = strlen(out->dir);
	while (n > 1 && out->dir[n - 1] == '/')
		out->dir[--n] = '\0';
	return true;
}

/* Parse one limit file. Returns false when absent or "no limit". */
typedef bool (*limit_parser)(double *out, const char *text);

static bool parse_cpu_max(double *out, const char *text)
{
	int64_t quota, period = 100000;

	/* cpu.max: "QUOTA PERIOD" or "max PERIOD" */
	if (!strncmp(text, "max", 3) || !tctl_scan_i64(&text, 0, INT64_MAX, &quota))
		return false;
	if (*text == ' ' && (!tctl_scan_i64(&text, 1, INT64_MAX, &period)))
		return false;
	*out = (double)quota / (double)period;
	return true;
}

static bool parse_bytes(double *out, const char *text)
{
	char *end;
	unsigned long long v;

	if (!strncmp(text, "max", 3))
		return false;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || v >= V1_UNLIMITED)
		return false;
	*out = (double)v;
	return true;
}

static bool parse_v1_quota(double *out, const char *text)
{
	int64_t v;

	if (!tctl_scan_i64(&text, INT64_MIN, INT64_MAX, &v) || v <= 0)
		return false;
	*out = (double)v;
	return true;
}

/* The limit one group folder sets in `file` (a v1 CPU quota is divided by its period). */
static bool level_value(double *out, const char *root, const char *dir, const char *file,
			limit_parser parse, const char *v1_period_file)
{
	char path[4096], buf[128];
	double period;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_small(buf, sizeof(buf), root, path) <= 0 || !parse(out, buf))
		return false;
	if (!v1_period_file)
		return true;
	snprintf(path, sizeof(path), "%s/%s", dir, v1_period_file);
	if (read_small(buf, sizeof(buf), root, path) <= 0 || !parse_v1_quota(&period, buf))
		return false;
	*out /= period;
	return true;
}

/*
 * The smallest limit in `file` from this group up to the mount (limits of
 * parent groups bind too). Returns false when no level sets one.
 */
static bool min_up(double *out, const char *root, const cgroup_place *pl, const char *file,
		   limit_parser parse, const char *v1_period_file)
{
	char dir[2048];
	size_t mlen = strlen(pl->mount);
	bool any = false;
	double v;

	snprintf(dir, sizeof(dir), "%s", pl->dir);
	for (;;) {
		if (level_value(&v, root, dir, file, parse, v1_period_file) && (!any || v < *out)) {
			*out = v;
			any = true;
		}
		if (strlen(dir) <= mlen || !strrchr(dir, '/'))
			break;
		*strrchr(dir, '/') = '\0';
		if (strlen(dir) < mlen)
			break;
	}
	return any;
}

/*
 * Allowed PUs: the affinity mask, intersected with the cgroup cpuset (v2
 * cpuset.cpus.effective, v1 cpuset.effective_cpus) where one is readable.
 * The kernel keeps affinity inside the cpuset; the intersection guards
 * against a mask read while the cpuset was being changed.
 */
static int read_allowed(tctl_limits *l, const char *root, const proc_self *ps)
{
	static const struct { const char *controller, *file, *source; } cs[] = {
		{ NULL, "cpuset.cpus.effective", "affinity+cgroup v2 cpuset" },
		{ "cpuset", "cpuset.effective_cpus", "affinity+cgroup v1 cpuset" },
	};
	size_t size;
	cpu_set_t *set = get_affinity(&size);
	char path[4096], buf[4096];
	cgroup_place pl;
	int error;

	if (!set)
		return 0; /* unknown: allowed_pus stays 0 and hwloc's count is used */
	l->allowed_pus = CPU_COUNT_S(size, set);
	l->allowed_source = "affinity";
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		int n;
		if (!locate(&pl, ps, cs[i].controller))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pl.dir, cs[i].file);
		if (read_small(buf, sizeof(buf), root, path) <= 0 ||
		    (n = count_in_list(buf, set, size)) <= 0 || n >= l->allowed_pus)
			continue;
		l->allowed_pus = n;
		l->allowed_source = cs[i].source;
	}
	error = affinity_hex(&l->affinity, set, size);
	CPU_FREE(set);
	return error;
}

static void read_cpu_quota(tctl_limits *l, const char *root, const proc_self *ps)
{
	cgroup_place pl;
	double v;

	if (locate(&pl, ps, NULL) && min_up(&v, root, &pl, "cpu.max", parse_cpu_max, NULL)) {
		l->cpu_quota = v;
		l->cpu_quota_source = "cgroup v2 cpu.max";
	}
	if (locate(&pl, ps, "cpu") &&
	    min_up(&v, root, &pl, "cpu.cfs_quota_us", parse_v1_quota, "cpu.cfs_period_us") &&
	    (l->cpu_quota == 0 || v < l->cpu_quota)) {
		l->cpu_quota = v;
		l->cpu_quota_source = "cgroup v1 cpu.cfs_quota_us";
	}
}

static void read_mem_limit(tctl_limits *l, const char *root, const proc_self *ps)
{
	cgroup_place pl;
	double v;

	if (locate(&pl, ps, NULL) && min_up(&v, root, &pl, "memory.max", parse_bytes, NULL)) {
		l->mem_limit = (uint64_t)v;
		l->mem_limit_source = "cgroup v2 memory.max";
	}
	if (locate(&pl, ps, "memory") &&
	    min_up(&v, root, &pl, "memory.limit_in_bytes", parse_bytes, NULL) &&
	    (l->mem_limit == 0 || (uint64_t)v < l->mem_limit)) {
		l->mem_limit = (uint64_t)v;
		l->mem_limit_source = "cgroup v1 memory.limit_in_bytes";
	}
}


/* HWLOC_* variables change what hwloc reports (HWLOC_XMLFILE, HWLOC_COMPONENTS, ...). */
static int hwloc_env(char **out)
{
	tctl_buf b = TCTL_BUF_INIT;
	int error = 0;

	*out = NULL;
	for (char **e = environ; e && *e && !error; e++)
		if (!strncmp(*e, "HWLOC_", 6))
			error = tctl_buf_printf(&b, "%s%s", b.len ? "," : "", *e);
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	if (b.len)
		*out = tctl_buf_detach(&b);
	return 0;
}

int tctl_limits_read(tctl_limits *out, const char *root)
{
	proc_self ps = { NULL, NULL };
	int error;

	memset(out, 0, sizeof(*out));
	if (!root)
		root = "";
	if ((error = hwloc_env(&out->hwloc_env)) < 0)
		goto done;
	ps.mountinfo = read_proc(root, "/proc/self/mountinfo");
	ps.cgroup = read_proc(root, "/proc/self/cgroup");
	if ((error = read_allowed(out, root, &ps)) < 0)
		goto done;
	read_cpu_quota(out, root, &ps);
	read_mem_limit(out, root, &ps);
	out->mem_total = meminfo_total(root);
	out->boot_id = boot_id(root);
done:
	free(ps.mountinfo);
	free(ps.cgroup);
	if (error < 0)
		tctl_limits_clear(out);
	return error;
}

void tctl_limits_clear(tctl_limits *l)
{
	if (!l)
		return;
	free(l->affinity);
	free(l->boot_id);
	free(l->hwloc_env);
	memset(l, 0, sizeof(*l));
}

int tctl_limits_fingerprint(char **out, const tctl_limits *l)
{
	char *s = NULL;

	if (asprintf(&s, "v=%s;boot=%s;mem=%" PRIu64 ";aff=%s/%d;cpu=%.6g;memlim=%" PRIu64 "%s%s",
		     TCTL_VERSION, l->boot_id ? l->boot_id : "-", l->mem_total,
		     l->affinity ? l->affinity : "-", l->allowed_pus, l->cpu_quota, l->mem_limit,
		     l->hwloc_env ? ";env=" : "", l->hwloc_env ? l->hwloc_env : "") < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = s;
	return 0;
}

int tctl_disk_free(uint64_t *out, const char *path)
{
	struct statvfs st;

	if (statvfs(path, &st) < 0)
		return tctl_error_set_os("cannot read free space of '%s'", path);
	*out = (uint64_t)st.f_bavail * (uint64_t)st.f_frsize;
	return 0;
}
