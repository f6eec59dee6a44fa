/* cmd_hook.c: `trainctl hook install|uninstall|list|run`: git hooks that start training runs. */
#include "cli.h"
#include "cmd_hook.h"
#include "trainctl/error.h"
#include "trainctl/hook.h"
#include "trainctl/job.h"
#include "trainctl/trigger.h"
#include "trainctl/util.h"
#include "trainctl/vcs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_JOBS 32

/* The job files one hook passes, as written in it (owned strings). */
typedef struct {
	char *items[MAX_JOBS];
	size_t len;
} job_list;

static void jobs_free(job_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	l->len = 0;
}

static bool jobs_has(const job_list *l, const char *job)
{
	for (size_t i = 0; i < l->len; i++)
		if (!strcmp(l->items[i], job))
			return true;
	return false;
}

static int jobs_add(job_list *l, const char *job)
{
	if (jobs_has(l, job))
		return 0;
	if (l->len == MAX_JOBS)
		return tctl_error_set(TCTL_EINVALID, "a hook runs at most %d jobs", MAX_JOBS);
	if (!(l->items[l->len] = strdup(job)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	l->len++;
	return 0;
}

static int unknown_event(const cli_spec *spec, const char *event)
{
	const char *hint = tctl_suggest(event, (const char *const *)tctl_trigger_events, 3);

	if (hint)
		return cli_usage_error(spec, "unknown hook event '%s' (did you mean '%s'?)", event, hint);
	return cli_usage_error(spec, "unknown hook event '%s' (expected post-commit, post-merge "
			       "or pre-push)", event);
}

static int check_events(const cli_spec *spec, const cli_list *events)
{
	for (int i = 0; i < events->len; i++)
		if (!tctl_trigger_event_valid(events->items[i]))
			return unknown_event(spec, events->items[i]);
	return 0;
}

/* The repository of the current folder, or one "error:" line. */
static int locate(tctl_vcs_location **out)
{
	if (tctl_vcs_locate(out, NULL) < 0)
		return cli_fail();
	if ((*out)->bare)
		return cli_failf("'%s' is a bare repository: commits are not made there, so its hooks "
				 "would never run", (*out)->git_dir);
	return 0;
}

/* How the hook names a job: relative to the work tree root when inside it (hooks run
 * there, and the repository may move), else absolute. */
static int job_ref(char **out, const char *root, const char *file)
{
	char *abs = realpath(file, NULL);
	size_t rl = strlen(root);

	if (!abs && errno == ENOENT)
		return tctl_error_set(TCTL_ENOTFOUND, "no job file: '%s' does not exist (give one with "
				      "--job FILE)", file);
	if (!abs)
		return tctl_error_set_os("cannot use the job file '%s'", file);
	if (!strncmp(abs, root, rl) && abs[rl] == '/') {
		*out = strdup(abs + rl + 1);
		free(abs);
	} else {
		*out = abs;
	}
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* Load a job the hook will run and check its trigger; `ref` is relative to root. */
static int load_trigger_job(tctl_job **out, const char *root, const char *ref)
{
	char *path = ref[0] == '/' ? strdup(ref) : tctl_path_join(root, ref);
	int error;

	if (!path)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = tctl_job_load(out, path)) == 0 && !(*out)->has_trigger)
		error = tctl_error_set(TCTL_EINVALID, "'%s' has no 'trigger' section, so no git event "
				       "would run it (see docs/git.md)", ref);
	else if (error == 0)
		error = tctl_trigger_check(&(*out)->trigger);
	if (error < 0 && *out) {
		tctl_job_free(*out);
		*out = NULL;
	}
	free(path);
	return error;
}

static const char *install_word(tctl_hook_action a)
{
	switch (a) {
	case TCTL_HOOK_INSTALLED: return "installed";
	case TCTL_HOOK_CHAINED: return "installed (the hook already there now runs first)";
	case TCTL_HOOK_UPDATED: return "updated";
	default: return "already installed; nothing changed";
	}
}

/* Install (or extend) the hook for one event with the jobs that listen to it. */
static int install_event(const tctl_vcs_location *loc, const char *event, const char *self,
			 const job_list *want)
{
	tctl_hook_options opts = TCTL_HOOK_OPTIONS_INIT;
	tctl_hook_info *info = NULL;
	tctl_hook_action act;
	job_list jobs = { { 0 }, 0 };
	int error;

	if ((error = tctl_hook_inspect(&info, loc->hooks_dir, event)) < 0)
		return cli_fail();
	for (size_t i = 0; info->state == TCTL_HOOK_OURS && i < info->jobs_len && error == 0; i++)
		error = jobs_add(&jobs, info->jobs[i]);
	for (size_t i = 0; i < want->len && error == 0; i++)
		error = jobs_add(&jobs, want->items[i]);
	opts.trainctl = self;
	opts.jobs = (const char *const *)jobs.items;
	opts.jobs_len = jobs.len;
	if (error == 0)
		error = tctl_hook_install(&act, loc->hooks_dir, event, &opts);
	if (error == 0)
		printf("%s hook %s: %s/%s\n", event, install_word(act), loc->hooks_dir, event);
	tctl_hook_info_free(info);
	jobs_free(&jobs);
	return error < 0 ? cli_fail() : 0;
}

/* The jobs (as the hook names them) whose trigger listens to event. */
static int jobs_for(job_list *out, tctl_job **jobs, char **refs, size_t n, const char *event)
{
	for (size_t i = 0; i < n; i++)
		if (tctl_trigger_wants_event(&jobs[i]->trigger, event) && jobs_add(out, refs[i]) < 0)
			return -1;
	return 0;
}

/* Resolve, load and check the job files; fills refs/jobs. Prints the error. */
static int load_install_jobs(char **refs, tctl_job **jobs, const tctl_vcs_location *loc, const cli_list *files)
{
	for (int i = 0; i < files->len; i++) {
		if (job_ref(&refs[i], loc->root, files->items[i]) < 0 ||
		    load_trigger_job(&jobs[i], loc->root, refs[i]) < 0)
			return cli_fail();
	}
	return 0;
}

static int install_all(const tctl_vcs_location *loc, const cli_list *events, const cli_list *files,
		       const char *self)
{
	char *refs[MAX_JOBS] = { 0 };
	tctl_job *jobs[MAX_JOBS] = { 0 };
	int rc = 0;

	if ((rc = load_install_jobs(refs, jobs, loc, files)) != 0)
		goto done;
	for (size_t e = 0; tctl_trigger_events[e] && rc == 0; e++) {
		const char *event = tctl_trigger_events[e];
		bool named = false;
		job_list want = { { 0 }, 0 };
		for (int i = 0; i < events->len; i++)
			named |= !strcmp(events->items[i], event);
		if (jobs_for(&want, jobs, refs, (size_t)files->len, event) < 0)
			rc = cli_fail();
		else if (named && !want.len)
			rc = cli_failf("no job given lists '%s' in trigger.events", event);
		else if (want.len && (named || !events->len))
			rc = install_event(loc, event, self, &want);
		jobs_free(&want);
	}
done:
	for (int i = 0; i < files->len; i++) {
		free(refs[i]);
		tctl_job_free(jobs[i]);
	}
	return rc;
}

static int hook_install(int argc, char **argv)
{
	cli_list events = { { 0 }, 0 }, files = { { 0 }, 0 };
	const cli_option options[] = {
		{ "event", 'e', CLI_OPT_LIST, &events, "EVENT",
		  "post-commit, post-merge or pre-push (repeatable; default: the jobs' trigger.events)" },
		{ "job", 'j', CLI_OPT_LIST, &files, "FILE", "job file to run (repeatable; default: trainctl.json)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"hook install", "[--event EVENT]... [--job FILE]...",
		"install git hooks that submit jobs when their trigger matches",
		"Writes a small /bin/sh hook for each event into the repository's hooks folder\n"
		"(core.hooksPath when set). A hook already there is kept and chained: it runs\n"
		"first, and its failure stops trainctl. Installing again adds jobs; the same\n"
		"command twice changes nothing. The hook records this trainctl's absolute path.\n\n"
		"exit status: 0 installed, 1 failure, 2 usage error",
		options
	};
	tctl_vcs_location *loc = NULL;
	char self[PATH_MAX];
	int npos = 0, dd = -1, code = 0;
	ssize_t n;

	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if ((code = check_events(&spec, &events)) != 0)
		return code;
	if (!files.len)
		files.items[files.len++] = "trainctl.json";
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return cli_failf("cannot find the path of the trainctl binary");
	self[n] = '\0';
	if ((code = locate(&loc)) != 0)
		return code;
	code = install_all(loc, &events, &files, self);
	tctl_vcs_location_free(loc);
	return code;
}

/* Drop `drop` (all jobs when empty) from the hook for one event. */
static int uninstall_event(const tctl_vcs_location *loc, const char *event, const job_list *drop)
{
	tctl_hook_options opts = TCTL_HOOK_OPTIONS_INIT;
	tctl_hook_info *info = NULL;
	tctl_hook_action act = TCTL_HOOK_NOT_INSTALLED;
	job_list keep = { { 0 }, 0 };
	int error;

	if ((error = tctl_hook_inspect(&info, loc->hooks_dir, event)) < 0)
		return cli_fail();
	for (size_t i = 0; drop->len && info->state == TCTL_HOOK_OURS && i < info->jobs_len && !error; i++)
		if (!jobs_has(drop, info->jobs[i]))
			error = jobs_add(&keep, info->jobs[i]);
	opts.trainctl = info->trainctl;
	opts.jobs = (const char *const *)keep.items;
	opts.jobs_len = keep.len;
	if (error == 0 && info->state == TCTL_HOOK_OURS)
		error = keep.len ? tctl_hook_install(&act, loc->hooks_dir, event, &opts)
				 : tctl_hook_uninstall(&act, loc->hooks_dir, event);
	if (error == 0 && act == TCTL_HOOK_RESTORED)
		printf("%s hook removed; the hook it chained is back in place\n", event);
	else if (error == 0 && act == TCTL_HOOK_REMOVED)
		printf("%s hook removed\n", event);
	else if (error == 0 && act == TCTL_HOOK_UPDATED)
		printf("%s hook updated: %zu job%s left\n", event, keep.len, keep.len == 1 ? "" : "s");
	tctl_hook_info_free(info);
	jobs_free(&keep);
	return error < 0 ? cli_fail() : 0;
}

static int hook_uninstall(int argc, char **argv)
{
	cli_list events = { { 0 }, 0 }, files = { { 0 }, 0 };
	const cli_option options[] = {
		{ "event", 'e', CLI_OPT_LIST, &events, "EVENT", "only this event's hook (repeatable; default: all)" },
		{ "job", 'j', CLI_OPT_LIST, &files, "FILE",
		  "only take this job out (repeatable); the hook goes when no job is left" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"hook uninstall", "[--event EVENT]... [--job FILE]...",
		"remove trainctl's git hooks and put back the hooks they chained",
		"Removes trainctl's hook for each event (or only the named jobs from it) and\n"
		"moves a chained hook back in place, byte for byte. Hooks trainctl did not\n"
		"write are left alone.\n\nexit status: 0 done, 1 failure, 2 usage error",
		options
	};
	tctl_vcs_location *loc = NULL;
	job_list drop = { { 0 }, 0 };
	int npos = 0, dd = -1, code = 0;

	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if ((code = check_events(&spec, &events)) != 0 || (code = locate(&loc)) != 0)
		return code;
	for (int i = 0; i < files.len && code == 0; i++) {
		char *ref = NULL;
		if (job_ref(&ref, loc->root, files.items[i]) < 0 && jobs_add(&drop, files.items[i]) < 0)
			code = cli_fail();
		else if (ref && jobs_add(&drop, ref) < 0)
			code = cli_fail();
		free(ref);
	}
	for (size_t e = 0; tctl_trigger_events[e] && code == 0; e++) {
		bool named = !events.len;
		for (int i = 0; i < events.len; i++)
			named |= !strcmp(events.items[i], tctl_trigger_events[e]);
		if (named)
			code = uninstall_event(loc, tctl_trigger_events[e], &drop);
	}
	jobs_free(&drop);
	tctl_vcs_location_free(loc);
	return code;
}

static void list_one(const tctl_hook_info *info, const char *event)
{
	if (info->state == TCTL_HOOK_ABSENT) {
		printf("%-12s none%s\n", event, info->chained ? " (a leftover chained hook is there)" : "");
		return;
	}
	if (info->state == TCTL_HOOK_FOREIGN) {
		printf("%-12s another hook, not trainctl's\n", event);
		return;
	}
	printf("%-12s trainctl:", event);
	for (size_t i = 0; i < info->jobs_len; i++)
		printf(" %s", info->jobs[i]);
	printf("%s\n", info->chained ? " (after the chained hook)" : "");
	if (!info->trainctl_found)
		printf("%-12s warning: '%s' is not there any more; run 'trainctl hook install' again\n",
		       "", info->trainctl);
}

static int hook_list(int argc, char **argv)
{
	const cli_option options[] = { { NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL } };
	const cli_spec spec = {
		"hook list", "", "show which git hooks trainctl installed, and their jobs",
		"One line per event: none, another hook, or trainctl's hook and its jobs.\n\n"
		"exit status: 0 ok, 1 failure (not in a repository), 2 usage error",
		options
	};
	tctl_vcs_location *loc = NULL;
	int npos = 0, dd = -1, code = 0;

	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if ((code = locate(&loc)) != 0)
		return code;
	printf("hooks folder: %s%s\n", loc->hooks_dir, loc->hooks_path_configured ? " (core.hooksPath)" : "");
	for (size_t e = 0; tctl_trigger_events[e] && code == 0; e++) {
		tctl_hook_info *info = NULL;
		if (tctl_hook_inspect(&info, loc->hooks_dir, tctl_trigger_events[e]) < 0)
			code = cli_fail();
		else
			list_one(info, tctl_trigger_events[e]);
		tctl_hook_info_free(info);
	}
	tctl_vcs_location_free(loc);
	return code;
}

int cmd_hook(int argc, char **argv)
{
	static const cli_subcommand subs[] = {
		{ "install", hook_install, "install git hooks that submit jobs when their trigger matches" },
		{ "list", hook_list, "show trainctl's git hooks and their jobs" },
		{ "run", cmd_hook_run, "what an installed hook calls: match triggers, submit runs" },
		{ "uninstall", hook_uninstall, "remove trainctl's hooks, restoring chained ones" },
		{ NULL, NULL, NULL }
	};

	return cli_dispatch_sub("hook", subs, argc, argv);
}
