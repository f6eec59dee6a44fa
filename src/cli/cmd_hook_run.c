/* cmd_hook_run.c: `trainctl hook run EVENT`: what an installed hook calls; matches triggers, submits runs. */
#include "cli.h"
#include "cmd_hook.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/submit.h"
#include "trainctl/trigger.h"
#include "trainctl/util.h"
#include "trainctl/vcs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 32
#define SHORT_ID 10

/*
 * Nothing here may stop a commit: every problem is one line on stderr and
 * exit status 0. Only pre-push may fail (exit 1), and only for a job whose
 * trigger asks for it with block_push.
 */

typedef struct {
	const char *file;   /* as the hook names it (relative to the work tree root, or absolute) */
	tctl_job *job;
} hook_job;

typedef struct {
	const char *event;
	bool dry_run, verbose, blocked;
	hook_job jobs[MAX_JOBS];
	size_t njobs;
	tctl_provenance *prov;   /* of the work tree, computed at the first match */
} run_ctx;

/* "trainctl: <context>: <first line of the last error>" on stderr, noting further lines. */
static void say_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say_error(const char *fmt, ...)
{
	const char *msg = tctl_error_last()->message, *nl = strchr(msg, '\n');
	int more = 0;
	va_list ap;

	for (const char *p = nl; p; p = strchr(p + 1, '\n'))
		more++;
	fprintf(stderr, "trainctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %.*s", nl ? (int)(nl - msg) : (int)strlen(msg), *msg ? msg : "unknown failure");
	if (more)
		fprintf(stderr, " (and %d more problem%s)", more, more == 1 ? "" : "s");
	fputc('\n', stderr);
}

/* Load the jobs; keep those whose trigger listens to the event. */
static void load_jobs(run_ctx *c, const cli_list *files)
{
	for (int i = 0; i < files->len && c->njobs < MAX_JOBS; i++) {
		tctl_job *job = NULL;
		if (tctl_job_load(&job, files->items[i]) < 0) {
			say_error("%s hook: cannot use job '%s'", c->event, files->items[i]);
			continue;
		}
		if (!job->has_trigger || !tctl_trigger_wants_event(&job->trigger, c->event)) {
			if (c->verbose)
				fprintf(stderr, "trainctl: '%s' does not listen to %s\n", files->items[i], c->event);
			tctl_job_free(job);
			continue;
		}
		if (tctl_trigger_check(&job->trigger) < 0) {
			say_error("%s hook: job '%s' has a bad trigger", c->event, files->items[i]);
			c->blocked |= job->trigger.block_push;
			tctl_job_free(job);
			continue;
		}
		c->jobs[c->njobs].file = files->items[i];
		c->jobs[c->njobs++].job = job;
	}
}

static char *read_stdin(void)
{
	tctl_buf b = TCTL_BUF_INIT;
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (tctl_buf_put(&b, chunk, n) < 0)
			break;
	return tctl_buf_detach(&b);
}

static const char *branch_name(const tctl_vcs_update *u)
{
	return u->branch ? u->branch : "detached HEAD";
}

/* Submit (or, with --dry-run, show) one job for one update. */
static void submit(run_ctx *c, const hook_job *j, const tctl_vcs_update *u)
{
	char *run_id = NULL, *abs = NULL;

	if (!c->prov && tctl_vcs_provenance(&c->prov, NULL) < 0) {
		say_error("%s hook: cannot read the repository for '%s'", c->event, j->file);
		c->blocked |= j->job->trigger.block_push;
		return;
	}
	if (!c->prov->commit || strcmp(c->prov->commit, u->commit)) {
		fprintf(stderr, "trainctl: %s hook: '%s' not submitted for %.*s on %s: only the checked-out "
			"commit can run\n", c->event, j->file, SHORT_ID, u->commit, branch_name(u));
		return;
	}
	if (c->dry_run) {
		printf("trainctl: would submit '%s' for %s (%s)\n", j->file, u->commit, branch_name(u));
		return;
	}
	if (!(abs = realpath(j->file, NULL)) || tctl_submit_detached(&run_id, abs, c->prov) < 0) {
		if (!abs)
			tctl_error_set_os("cannot resolve '%s'", j->file);
		say_error("%s hook: cannot submit '%s'", c->event, j->file);
		c->blocked |= j->job->trigger.block_push;
	} else {
		printf("trainctl: submitted '%s' for %.*s on %s: run %s\n", j->file, SHORT_ID, u->commit,
		       branch_name(u), run_id ? run_id : "(no id)");
	}
	free(run_id);
	free(abs);
}

static void consider(run_ctx *c, const hook_job *j, const tctl_vcs_update *u)
{
	char why[256];

	if (tctl_trigger_fires(&j->job->trigger, c->event, u->branch, u->paths, u->paths_len,
			       why, sizeof(why)))
		submit(c, j, u);
	else if (c->verbose)
		fprintf(stderr, "trainctl: '%s' not triggered by %.*s on %s: %s\n", j->file, SHORT_ID,
			u->commit, branch_name(u), why);
}

static void run_updates(run_ctx *c, const char *input)
{
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	if (tctl_vcs_event_updates(&u, &n, NULL, c->event, input) < 0) {
		say_error("%s hook: cannot read what changed", c->event);
		for (size_t i = 0; i < c->njobs; i++)
			c->blocked |= c->jobs[i].job->trigger.block_push;
	}
	for (size_t i = 0; i < n; i++) {
		if (c->verbose && u[i].note)
			fprintf(stderr, "trainctl: %.*s: %s\n", SHORT_ID, u[i].commit, u[i].note);
		for (size_t k = 0; k < c->njobs; k++)
			consider(c, &c->jobs[k], &u[i]);
	}
	tctl_vcs_updates_free(u, n);
}

static bool any_job_selects(const run_ctx *c, const char *branch)
{
	for (size_t i = 0; i < c->njobs; i++)
		if (tctl_trigger_list_match(c->jobs[i].job->trigger.branches,
					    c->jobs[i].job->trigger.branches_len, branch))
			return true;
	return false;
}

/* Whether a pushed line ("<local ref> <sha> <remote ref> <sha>") may select a job; unsure: true. */
static bool push_may_match(const run_ctx *c, const char *input)
{
	char lref[1024], lsha[64], rref[1024], rsha[64];

	for (const char *p = input; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		if (p[strspn(p, " \t\r")] == '\n' || !p[strspn(p, " \t\r")])
			continue;
		if (sscanf(p, "%1023s %63s %1023s %63s", lref, lsha, rref, rsha) != 4)
			return true;
		if (strspn(lsha, "0") == strlen(lsha) || strncmp(rref, "refs/heads/", 11))
			continue;
		if (any_job_selects(c, rref + 11))
			return true;
	}
	return false;
}

/*
 * The cheap test made before libgit2 loads: when every job names branches and
 * none of them can be the branch this event is about (read from HEAD, or from
 * pre-push's input), nothing can fire. Unsure: true.
 */
static bool branch_may_match(const run_ctx *c, const char *input)
{
	char *branch = NULL;
	bool may;

	for (size_t i = 0; i < c->njobs; i++)
		if (!c->jobs[i].job->trigger.branches_len)
			return true;
	if (input)
		may = push_may_match(c, input);
	else if (tctl_vcs_head_branch_fast(&branch, NULL) < 0)
		return true;
	else
		may = branch && any_job_selects(c, branch);
	if (!may && c->verbose)
		fprintf(stderr, "trainctl: %s hook: no job's trigger.branches selects %s\n", c->event,
			input ? "a pushed branch" : branch ? branch : "a detached HEAD");
	free(branch);
	return may;
}

/* Commits a rebase replays, or an explicit opt-out, trigger nothing. */
static bool skipped(const run_ctx *c)
{
	const char *skip = getenv("TRAINCTL_HOOK_SKIP"), *action = getenv("GIT_REFLOG_ACTION");

	if (skip && *skip && strcmp(skip, "0")) {
		if (c->verbose)
			fprintf(stderr, "trainctl: %s hook skipped: TRAINCTL_HOOK_SKIP is set\n", c->event);
		return true;
	}
	if (action && !strncmp(action, "rebase", 6) && strcmp(c->event, "pre-push")) {
		if (c->verbose)
			fprintf(stderr, "trainctl: %s hook skipped: commits replayed by a rebase\n", c->event);
		return true;
	}
	return false;
}

int cmd_hook_run(int argc, char **argv)
{
	cli_list files = { { 0 }, 0 };
	run_ctx c = { 0 };
	const char *env_dry = getenv("TRAINCTL_HOOK_DRY_RUN");
	const cli_option options[] = {
		{ "dry-run", 'n', CLI_OPT_FLAG, &c.dry_run, NULL,
		  "print what would be submitted, submit nothing (also: TRAINCTL_HOOK_DRY_RUN=1)" },
		{ "job", 'j', CLI_OPT_LIST, &files, "FILE", "job file (repeatable; default: trainctl.json)" },
		{ "verbose", 'v', CLI_OPT_FLAG, &c.verbose, NULL, "say why each job was or was not triggered" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"hook run", "EVENT [--job FILE]... [--dry-run] [-- HOOK-ARGS...]",
		"what an installed hook calls: match triggers, submit runs",
		"Reads each job's trigger section, works out what the event brought (post-commit:\n"
		"HEAD against its parent; post-merge: ORIG_HEAD..HEAD; pre-push: the pushed ranges\n"
		"read from standard input), and submits every job whose events, branches and\n"
		"paths match, detached, so the commit returns at once. Problems are one line\n"
		"each and never stop a commit. TRAINCTL_HOOK_SKIP=1 turns the hooks off.\n\n"
		"exit status: 0, except for pre-push when a job with trigger.block_push could\n"
		"not be submitted (1); 2 usage error",
		options
	};
	int npos = 0, dd = -1, code = 0;
	char *input = NULL;

	if (cli_parse(&spec, argc, argv, &npos, &dd, &code))
		return code;
	if (npos < 1 || (dd >= 0 && dd < 1))
		return cli_usage_error(&spec, "expected the git event (post-commit, post-merge or pre-push)");
	if (!tctl_trigger_event_valid((c.event = argv[0])))
		return cli_usage_error(&spec, "unknown hook event '%s'", c.event);
	c.dry_run |= env_dry && *env_dry && strcmp(env_dry, "0");
	if (!files.len)
		files.items[files.len++] = "trainctl.json";
	if (skipped(&c))
		return CLI_EXIT_OK;
	load_jobs(&c, &files);
	if (c.njobs && !strcmp(c.event, "pre-push"))
		input = read_stdin();
	if (c.njobs && branch_may_match(&c, input))
		run_updates(&c, input);   /* only now does libgit2 load */
	free(input);
	for (size_t i = 0; i < c.njobs; i++)
		tctl_job_free(c.jobs[i].job);
	tctl_provenance_free(c.prov);
	return c.blocked && !strcmp(c.event, "pre-push") ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
