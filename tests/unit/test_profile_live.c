/* test_profile_live.c: limits (cgroup v1/v2, affinity, MemTotal), the cache and its fingerprint, JSON, XML errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "src/lib/profile_priv.h"
#include "trainctl/error.h"
#include "trainctl/module.h"
#include "trainctl/util.h"

#define GIB (UINT64_C(1) << 30)

static char tmp[256];

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	assert_int_equal(tctl_mkdir_p(path, 0700), 0);
	*slash = '/';
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* A fixture /proc and /sys with a cgroup v2 hierarchy at /sys/fs/cgroup, group /a/b. */
static void v2_tree(const char *root)
{
	put(root, "/proc/self/mountinfo",
	    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
	    "30 22 0:27 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n");
	put(root, "/proc/self/cgroup", "0::/a/b\n");
	put(root, "/proc/meminfo", "MemTotal:       16384000 kB\nMemFree:        1 kB\n");
	put(root, "/proc/sys/kernel/random/boot_id", "3f1c1a9e-0000-4000-8000-000000000001\n");
	put(root, "/sys/fs/cgroup/a/cpu.max", "150000 100000\n");
	put(root, "/sys/fs/cgroup/a/b/cpu.max", "250000 100000\n");
	put(root, "/sys/fs/cgroup/a/memory.max", "8589934592\n");
	put(root, "/sys/fs/cgroup/a/b/memory.max", "max\n");
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/tctl-live.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static char *sub(const char *name)
{
	static char buf[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmp, name);
	return buf[k];
}

/* ---- limits ---- */

static void cgroup_v2_limits_bind_from_every_level(void **state)
{
	tctl_limits l;
	const char *root = sub("v2");

	(void)state;
	v2_tree(root);
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_true(l.cpu_quota == 1.5);                 /* parent /a is tighter than /a/b */
	assert_string_equal(l.cpu_quota_source, "cgroup v2 cpu.max");
	assert_true(l.mem_limit == 8 * GIB);              /* /a/b says max, /a says 8 GiB */
	assert_string_equal(l.mem_limit_source, "cgroup v2 memory.max");
	assert_true(l.mem_total == UINT64_C(16384000) * 1024);
	assert_string_equal(l.boot_id, "3f1c1a9e-0000-4000-8000-000000000001");
	assert_true(l.allowed_pus >= 1);
	tctl_limits_clear(&l);
}

static void cgroup_v1_limits_with_a_container_mount_root(void **state)
{
	tctl_limits l;
	const char *root = sub("v1");

	(void)state;
	/* Docker without a cgroup namespace: the mount shows the container's own group. */
	put(root, "/proc/self/mountinfo",
	    "31 30 0:28 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
	    "34 30 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
	put(root, "/proc/self/cgroup", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n");
	put(root, "/proc/meminfo", "MemTotal:        2048 kB\n");
	put(root, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
	put(root, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	put(root, "/sys/fs/cgroup/memory/memory.limit_in_bytes", "2147483648\n");
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_true(l.cpu_quota == 0.5);
	assert_string_equal(l.cpu_quota_source, "cgroup v1 cpu.cfs_quota_us");
	assert_true(l.mem_limit == 2 * GIB);
	assert_string_equal(l.mem_limit_source, "cgroup v1 memory.limit_in_bytes");
	assert_null(l.boot_id);
	tctl_limits_clear(&l);
}

static void unlimited_cgroups_are_no_limit(void **state)
{
	tctl_limits l;
	const char *root = sub("v1none");

	(void)state;
	put(root, "/proc/self/mountinfo",
	    "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
	    "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
	put(root, "/proc/self/cgroup", "4:memory:/process_api/x\n1:cpu:/\n");
	put(root, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
	put(root, "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
	put(root, "/sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes", "9223372036854771712\n");
	put(root, "/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_true(l.cpu_quota == 0);
	assert_null(l.cpu_quota_source);
	assert_true(l.mem_limit == 0);
	assert_null(l.mem_limit_source);
	assert_true(l.mem_total == 0); /* no /proc/meminfo in this tree */
	tctl_limits_clear(&l);
}

static void mount_points_with_spaces_are_unescaped(void **state)
{
	tctl_limits l;
	const char *root = sub("esc");

	(void)state;
	put(root, "/proc/self/mountinfo", "30 22 0:27 / /cg\\040root rw - cgroup2 cgroup2 rw\n");
	put(root, "/proc/self/cgroup", "0::/job\n");
	put(root, "/cg root/job/cpu.max", "400000 100000\n");
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_true(l.cpu_quota == 4);
	tctl_limits_clear(&l);
}

static void affinity_matches_sched_getaffinity(void **state)
{
	cpu_set_t set;
	tctl_limits l;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(tctl_limits_read(&l, ""), 0);
	assert_int_equal(l.allowed_pus, CPU_COUNT(&set));
	assert_non_null(l.affinity);
	tctl_limits_clear(&l);
}

static void cgroup_cpuset_narrows_the_affinity(void **state)
{
	const char *root = sub("cpuset");
	char list[32];
	cpu_set_t set;
	tctl_limits l;
	int first = -1;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &set))
			first = c;
	v2_tree(root);
	snprintf(list, sizeof(list), "%d\n", first);
	put(root, "/sys/fs/cgroup/a/b/cpuset.cpus.effective", list);
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_int_equal(l.allowed_pus, 1);
	assert_string_equal(l.allowed_source, CPU_COUNT(&set) > 1 ? "affinity+cgroup v2 cpuset" : "affinity");
	tctl_limits_clear(&l);
	/* a list the kernel would never write is ignored, not trusted */
	put(root, "/sys/fs/cgroup/a/b/cpuset.cpus.effective", "3-1\n");
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_int_equal(l.allowed_pus, CPU_COUNT(&set));
	assert_string_equal(l.allowed_source, "affinity");
	tctl_limits_clear(&l);
	/* CPUs of the cpuset outside the affinity do not count */
	snprintf(list, sizeof(list), "0-%d\n", CPU_SETSIZE - 1);
	put(root, "/sys/fs/cgroup/a/b/cpuset.cpus.effective", list);
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_int_equal(l.allowed_pus, CPU_COUNT(&set));
	tctl_limits_clear(&l);
}

static void fingerprint_follows_the_limits(void **state)
{
	const char *root = sub("fp");
	char *a = NULL, *b = NULL, *c = NULL, *saved;
	tctl_limits l;

	(void)state;
	v2_tree(root);
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_int_equal(tctl_limits_fingerprint(&a, &l), 0);
	tctl_limits_clear(&l);
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_int_equal(tctl_limits_fingerprint(&b, &l), 0);
	tctl_limits_clear(&l);
	assert_string_equal(a, b); /* stable */
	put(root, "/sys/fs/cgroup/a/cpu.max", "100000 100000\n");
	assert_int_equal(tctl_limits_read(&l, root), 0);
	assert_int_equal(tctl_limits_fingerprint(&c, &l), 0);
	tctl_limits_clear(&l);
	assert_string_not_equal(a, c);
	assert_non_null(strstr(a, "boot=3f1c1a9e"));
	/* an HWLOC_ variable changes what hwloc reports, so it changes the key */
	saved = getenv("HWLOC_COMPONENTS");   /* the sanitized suite sets it: put it back after */
	saved = saved ? strdup(saved) : NULL;
	setenv("HWLOC_COMPONENTS", "-x86", 1);
	assert_int_equal(tctl_limits_read(&l, root), 0);
	if (saved)
		setenv("HWLOC_COMPONENTS", saved, 1);
	else
		unsetenv("HWLOC_COMPONENTS");
	free(saved);
	free(b);
	b = NULL;
	assert_int_equal(tctl_limits_fingerprint(&b, &l), 0);
	tctl_limits_clear(&l);
	assert_non_null(strstr(b, ";env=HWLOC_COMPONENTS=-x86"));
	free(a);
	free(b);
	free(c);
}

/* ---- the cache ---- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Runs first: this process has not loaded trainctl-hwloc.so yet. Uses the public entry point. */
static void warm_cache_skips_hwloc_and_is_fast(void **state)
{
	char *cache = NULL, want[600];
	double t[200];
	tctl_profile *p = NULL;
	struct stat st;
	pid_t pid;
	int status;

	(void)state;
	setenv("TRAINCTL_HOME", sub("home"), 1);
	assert_int_equal(tctl_profile_cache_path(&cache), 0);
	snprintf(want, sizeof(want), "%s/cache/profile.json", sub("home"));
	assert_string_equal(cache, want);
	assert_false(tctl_module_loaded("hwloc"));
	/* The cold run happens in a child, so this process stays without the module. */
	if ((pid = fork()) == 0) {
		tctl_profile *q = NULL;
		int rc = tctl_profile_live(&q, TCTL_PROFILE_NO_CACHE);
		int ok = rc == 0 && !q->from_cache && tctl_module_loaded("hwloc");
		tctl_profile_free(q);
		_exit(ok ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(stat(cache, &st), 0);
	for (int i = 0; i < 200; i++) {
		double t0 = now_us();
		assert_int_equal(tctl_profile_live(&p, 0), 0);
		t[i] = now_us() - t0;
		assert_true(p->from_cache);
		assert_true(p->pus >= 1);
		tctl_profile_free(p);
	}
	assert_false(tctl_module_loaded("hwloc"));
	unsetenv("TRAINCTL_HOME");
	free(cache);
	qsort(t, 200, sizeof(t[0]), by_value);
	print_message("# warm tctl_profile_live: median %.0f us, 90th percentile %.0f us\n", t[100], t[180]);
	/* the figure is for reading; the verdict is that hwloc stayed unloaded (above) */
}

static tctl_profile *live(const char *root, const char *cache, int flags)
{
	tctl_profile *p = NULL;

	if (tctl_profile_live_at(&p, flags, root, cache) < 0)
		fail_msg("%s", tctl_error_last()->message);
	return p;
}

static void cache_file_is_private_and_keyed(void **state)
{
	const char *cache = sub("cache2/profile.json");
	char *fp = NULL, *text = NULL;
	tctl_profile *p, *c = NULL;
	struct stat st;

	(void)state;
	p = live("", cache, 0);
	assert_false(p->from_cache);
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tctl_file_read(&text, NULL, cache), 0);
	assert_int_equal(tctl_profile_from_json(&c, text, cache), 0);
	assert_int_equal(tctl_profile_fingerprint(&fp), 0);
	assert_string_equal(c->fingerprint, fp);
	assert_string_equal(p->fingerprint, fp);
	assert_int_equal(c->pus, p->pus);
	tctl_profile_free(c);
	tctl_profile_free(p);
	free(text);
	free(fp);
}

static void corrupt_cache_is_ignored_and_rewritten(void **state)
{
	const char *cache = sub("cache3/profile.json");
	tctl_profile *p, *c = NULL;
	char *text = NULL;

	(void)state;
	tctl_profile_free(live("", cache, 0));
	put(cache, "", "{ \"schema\": 1, \"source\": \"live\", trunc");
	p = live("", cache, 0);
	assert_false(p->from_cache);
	assert_int_equal(tctl_file_read(&text, NULL, cache), 0);
	assert_int_equal(tctl_profile_from_json(&c, text, cache), 0);
	tctl_profile_free(c);
	free(text);
	tctl_profile_free(p);
	p = live("", cache, 0);
	assert_true(p->from_cache);
	tctl_profile_free(p);
	/* valid JSON, wrong shape: also ignored */
	put(cache, "", "[1, 2, 3]\n");
	p = live("", cache, 0);
	assert_false(p->from_cache);
	tctl_profile_free(p);
}

static void stale_fingerprint_means_rediscovery(void **state)
{
	const char *cache = sub("cache4/profile.json");
	char *text = NULL, *at;
	tctl_profile *p;

	(void)state;
	tctl_profile_free(live("", cache, 0));
	assert_int_equal(tctl_file_read(&text, NULL, cache), 0);
	assert_non_null(at = strstr(text, "\"fingerprint\": \"v="));
	at[strlen("\"fingerprint\": \"")] = 'X'; /* another trainctl version, say */
	put(cache, "", text);
	free(text);
	p = live("", cache, 0);
	assert_false(p->from_cache);
	tctl_profile_free(p);
	p = live("", cache, 0);
	assert_true(p->from_cache);
	tctl_profile_free(p);
	/* --no-cache rediscovers even when the cache is good */
	p = live("", cache, TCTL_PROFILE_NO_CACHE);
	assert_false(p->from_cache);
	tctl_profile_free(p);
}

static void changed_cgroup_limits_invalidate_the_cache(void **state)
{
	const char *root = sub("limits"), *cache = sub("cache5/profile.json");
	tctl_profile *p;

	(void)state;
	v2_tree(root);
	put(root, "/sys/fs/cgroup/a/b/cpu.max", "max 100000\n");
	put(root, "/sys/fs/cgroup/a/cpu.max", "max 100000\n");
	p = live(root, cache, 0);
	assert_false(p->from_cache);
	assert_true(p->cpu_quota == 0);
	assert_true(p->memory == 8 * GIB);                       /* min(MemTotal 15.6 GiB, 8 GiB) */
	assert_string_equal(p->memory_source, "cgroup v2 memory.max");
	assert_true(p->mem_total == UINT64_C(16384000) * 1024);
	tctl_profile_free(p);
	p = live(root, cache, 0);
	assert_true(p->from_cache);
	tctl_profile_free(p);
	put(root, "/sys/fs/cgroup/a/b/cpu.max", "50000 100000\n");
	p = live(root, cache, 0);
	assert_false(p->from_cache);
	assert_true(p->cpus == 0.5);                              /* min(allowed PUs, 0.5) */
	assert_string_equal(p->cpus_source, "cgroup v2 cpu.max");
	assert_string_equal(p->cpu_quota_source, "cgroup v2 cpu.max");
	tctl_profile_free(p);
	put(root, "/sys/fs/cgroup/a/memory.max", "max\n");
	p = live(root, cache, 0);
	assert_false(p->from_cache);
	assert_true(p->memory == UINT64_C(16384000) * 1024);
	assert_string_equal(p->memory_source, "/proc/meminfo");
	tctl_profile_free(p);
}

static void live_profile_agrees_with_the_kernel(void **state)
{
	tctl_profile *p = live("", NULL, 0);
	tctl_limits l;
	cpu_set_t set;

	(void)state;
	assert_int_equal(tctl_limits_read(&l, ""), 0);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(p->allowed_pus, CPU_COUNT(&set));
	assert_true(p->pus >= p->allowed_pus);
	assert_true(p->cores >= 1 && p->cores <= p->pus);
	assert_true(p->mem_total == l.mem_total);
	assert_true(p->memory <= p->mem_total);
	assert_true(p->cpus <= p->allowed_pus);
	assert_string_equal(p->source, "live");
	assert_non_null(p->disk_path);
	assert_true(p->disk_free > 0);
	tctl_limits_clear(&l);
	tctl_profile_free(p);
}

/* ---- JSON ---- */

static void json_round_trips(void **state)
{
	tctl_profile *p = live("", NULL, 0), *q = NULL;
	char *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(tctl_profile_to_json(&a, p), 0);
	assert_int_equal(tctl_profile_from_json(&q, a, "round trip"), 0);
	assert_int_equal(tctl_profile_to_json(&b, q), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	tctl_profile_free(p);
	tctl_profile_free(q);
}

static void bad_json_names_the_field(void **state)
{
	tctl_profile *p = live("", NULL, 0), *q = NULL;
	char *a = NULL, *at;

	(void)state;
	assert_int_equal(tctl_profile_to_json(&a, p), 0);
	assert_non_null(at = strstr(a, "\"pus\": "));
	at[3] = 'x';   /* "pus" becomes "pux" */
	assert_int_equal(tctl_profile_from_json(&q, a, "cache.json"), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message,
			    "'cache.json': field 'cpu.pus' expected a non-negative integer");
	free(a);
	assert_int_equal(tctl_profile_from_json(&q, "{\"schema\": 7}", "x.json"), TCTL_EVERSION);
	assert_non_null(strstr(tctl_error_last()->message, "'x.json': profile schema 7"));
	assert_int_equal(tctl_profile_from_json(&q, "{\"schema\": ", "y.json"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "'y.json' is not valid JSON"));
	assert_null(q);
	tctl_profile_free(p);
}

/* ---- XML errors ---- */

static void bad_topology_files_are_named(void **state)
{
	tctl_profile *p = NULL;
	const char *empty = sub("empty.xml"), *bad = sub("bad.xml"), *v3 = sub("v3.xml"),
		   *text = sub("text.xml");

	(void)state;
	put(empty, "", "");
	put(bad, "", "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n<object type=\"Machine\"");
	put(v3, "", "<?xml version=\"1.0\"?>\n<topology version=\"3.0\">\n</topology>\n");
	put(text, "", "hello\n");
	assert_int_equal(tctl_profile_from_xml(&p, sub("missing.xml")), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, "missing.xml' does not exist"));
	assert_int_equal(tctl_profile_from_xml(&p, empty), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "empty.xml' is empty"));
	assert_int_equal(tctl_profile_from_xml(&p, bad), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "bad.xml' is not a valid hwloc XML topology"));
	assert_int_equal(tctl_profile_from_xml(&p, v3), TCTL_ENOTSUPPORTED);
	assert_non_null(strstr(tctl_error_last()->message, "v3.xml' is hwloc XML version 3"));
	assert_int_equal(tctl_profile_from_xml(&p, text), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "text.xml' is not an hwloc XML export"));
	assert_int_equal(tctl_profile_from_xml(&p, tmp), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "is not a regular file"));
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: nothing before it may load trainctl-hwloc.so */
		cmocka_unit_test(warm_cache_skips_hwloc_and_is_fast),
		cmocka_unit_test(cgroup_v2_limits_bind_from_every_level),
		cmocka_unit_test(cgroup_v1_limits_with_a_container_mount_root),
		cmocka_unit_test(unlimited_cgroups_are_no_limit),
		cmocka_unit_test(mount_points_with_spaces_are_unescaped),
		cmocka_unit_test(affinity_matches_sched_getaffinity),
		cmocka_unit_test(cgroup_cpuset_narrows_the_affinity),
		cmocka_unit_test(fingerprint_follows_the_limits),
		cmocka_unit_test(cache_file_is_private_and_keyed),
		cmocka_unit_test(corrupt_cache_is_ignored_and_rewritten),
		cmocka_unit_test(stale_fingerprint_means_rediscovery),
		cmocka_unit_test(changed_cgroup_limits_invalidate_the_cache),
		cmocka_unit_test(live_profile_agrees_with_the_kernel),
		cmocka_unit_test(json_round_trips),
		cmocka_unit_test(bad_json_names_the_field),
		cmocka_unit_test(bad_topology_files_are_named),
	};

	return cmocka_run_group_tests_name("live profile, limits and cache", tests, setup, teardown);
}
