/* rundir.c: a run's folder appears only once its run is recorded: staged, then published. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A submit writes the run's folder as runs/.staging/<id>.<pid>.<start> (pid and start
 * time of the submitting process), records the run, then renames the folder to
 * runs/<id>. A submit killed before its commit leaves a staged folder with no run; one
 * killed after it, a staged folder whose run exists. Whoever meets either finishes the
 * job: the supervisor publishes the folder of the run it starts, and recovery (every
 * command) publishes or removes the staged folders of dead submitters. So runs/ never
 * holds a folder without a run, and a recorded run always gets its folder.
 */

#define STAGING "/runs/.staging"

static char *staging_dir(const char *ledger_dir)
{
	char *p = NULL;

	if (asprintf(&p, "%s" STAGING, ledger_dir) < 0)
		return NULL;
	return p;
}

int rundir_stage(char **out, const char *ledger_dir, const char *id)
{
	char *dir = staging_dir(ledger_dir), *p = NULL;
	int64_t start = 0;
	int rc;

	*out = NULL;
	proc_start_time(getpid(), &start);
	if (!dir || asprintf(&p, "%s/%s.%d.%lld", dir, id, (int)getpid(), (long long)start) < 0) {
		free(dir);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	free(dir);
	if ((rc = tctl_mkdir_p(p, 0700)) < 0 || (rc = env_save(p)) < 0) {
		rundir_discard(p);
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* The files a staged folder may hold before its run starts. */
static const char *const staged_files[] = { "env", "run.json", "dirty.patch" };

void rundir_discard(const char *stage)
{
	char *f;

	if (!stage)
		return;
	for (size_t i = 0; i < sizeof(staged_files) / sizeof(staged_files[0]); i++)
		if ((f = tctl_path_join(stage, staged_files[i]))) {
			unlink(f);
			free(f);
		}
	rmdir(stage);
}

int rundir_publish(const char *stage, const char *run_dir)
{
	if (rename(stage, run_dir) == 0 || errno == ENOENT)
		return 0;   /* ENOENT: its supervisor or a recovery published it first */
	return tctl_error_set_os("cannot move '%s' to '%s'", stage, run_dir);
}

/* The staged folder of run `id` in `dir`, or NULL; caller frees. */
static char *find_staged(const char *dir, const char *id)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = strlen(id);
	char *found = NULL;

	if (!d)
		return NULL;
	while (!found && (e = readdir(d)))
		if (!strncmp(e->d_name, id, n) && e->d_name[n] == '.')
			found = tctl_path_join(dir, e->d_name);
	closedir(d);
	return found;
}

int rundir_settle(const char *ledger_dir, const char *id, const char *run_dir)
{
	char *dir, *stage;
	struct stat st;
	int rc = 0;

	if (stat(run_dir, &st) == 0)
		return 0;
	/* a spooled run whose importer has not moved its folder yet */
	if (!(dir = spool_dir(ledger_dir)) || !(stage = tctl_path_join(dir, id))) {
		free(dir);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (stat(stage, &st) == 0)
		rc = rundir_publish(stage, run_dir);
	free(stage);
	free(dir);
	if (rc < 0 || stat(run_dir, &st) == 0)
		return rc;
	if (!(dir = staging_dir(ledger_dir)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((stage = find_staged(dir, id)))
		rc = rundir_publish(stage, run_dir);
	free(stage);
	free(dir);
	return rc;
}

/* One staged folder "<id>.<pid>.<start>" met by recovery: left alone while its submit lives. */
static void sweep_one(tctl_ledger *l, const char *dir, const char *name)
{
	char id[TCTL_RUN_ID_SIZE], *stage, *run_dir;
	int64_t pid = 0, start = 0;
	tctl_run *r = NULL;
	const char *dot = strchr(name, '.'), *p = dot;

	/* "<id>.<pid>.<start>" */
	if (!dot || (size_t)(dot - name) >= sizeof(id) || !tctl_scan_lit(&p, ".") ||
	    !tctl_scan_i64(&p, 0, INT32_MAX, &pid) || !tctl_scan_lit(&p, ".") ||
	    !tctl_scan_i64(&p, 0, INT64_MAX, &start) || *p || proc_matches(pid, start))
		return;
	snprintf(id, sizeof(id), "%.*s", (int)(dot - name), name);
	if (!(stage = tctl_path_join(dir, name)))
		return;
	if (tctl_ledger_run_get(l, &r, id) == 0 && !strcmp(r->id, id) &&
	    (run_dir = run_dir_path(tctl_ledger_dir(l), id))) {
		rundir_publish(stage, run_dir);
		free(run_dir);
	} else {
		rundir_discard(stage);
	}
	tctl_error_clear();
	tctl_run_free(r);
	free(stage);
}

void rundir_sweep(tctl_ledger *l)
{
	char *dir = staging_dir(tctl_ledger_dir(l));
	struct dirent *e;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		free(dir);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			sweep_one(l, dir, e->d_name);
	closedir(d);
	free(dir);
}
