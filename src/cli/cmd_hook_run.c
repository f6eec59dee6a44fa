/* cmd_hook_run.c: `trainctl hook run EVENT`: what an installed hook calls; matches triggers, submits runs. */
#include "cli.h"
#include "cmd_hook.h"
#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/submit.h"
#include "trainctl/trigger.h"
#include "trainctl/util.h"
#include "trainctl/vcs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 32
#define SHORT_ID 10

/*
 * Nothing here may stop a commit: every problem is one line and exit
 * status 0. Only pre-push may fail (exit 1), and only for a job whose
 * trigger asks for it with block_push.
 *
 * What needs no libgit2 happens while git waits: the jobs, the event and
 * branch checks, and the capture of the commit the event is about (read from
 * git's files). The rest (loading libgit2, the changed paths, trigger
 * matching, provenance, submission) goes on in a detached child that writes
 * its outcome to <data dir>/hooks.log, so the commit returns at once; with
 * --dry-run, or a pre-push job that may block the push, it happens here.
 */

typedef struct {
	const char *file;   /* as the hook names it (relative to the work tree root, or absolute) */
	tctl_job *job;
} hook_job;

typedef struct {
	const char *event;
	bool dry_run, verbose, blocked;
	hook_out out;
	hook_job jobs[MAX_JOBS];
	size_t njobs;
	tctl_vcs_event *ev;      /* what the event is about, captured before answering git */
	tctl_provenance *prov;   /* of the last commit submitted for */
} run_ctx;

/* Load the jobs; keep those whose trigger listens to the event. */
static void load_jobs(run_ctx *c, const cli_list *files)
{
	for (int i = 0; i < files->len && c->njobs < MAX_JOBS; i++) {
		tctl_job *job = NULL;
		if (tctl_job_load(&job, files->items[i]) < 0) {
			hook_say_error(&c->out, "%s hook: cannot use job '%s'", c->event, files->items[i]);
			continue;
		}
		if (!job->has_trigger || !tctl_trigger_wants_event(&job->trigger, c->event)) {
			if (c->verbose)
				hook_say(&c->out, stderr, "'%s' does not listen to %s", files->items[i], c->event);
			tctl_job_free(job);
			continue;
		}
		if (tctl_trigger_check(&job->trigger) < 0) {
			hook_say_error(&c->out, "%s hook: job '%s' has a bad trigger", c->event, files->items[i]);
			c->blocked |= job->trigger.block_push;
			tctl_job_free(job);
			continue;
		}
		c->jobs[c->njobs].file = files->items[i];
		c->jobs[c->njobs++].job = job;
	}
}

static void block_all(run_ctx *c)
{
	for (size_t i = 0; i < c->njobs; i++)
		c->blocked |= c->jobs[i].job->trigger.block_push;
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

/* Whether anything but the outcome is worth a line: always in hooks.log, else with --verbose. */
static bool chatty(const run_ctx *c)
{
	return c->verbose || c->out.log_fd >= 0;
}

/* The provenance of the commit `u` is about (kept for the next job of the same commit). */
static bool provenance_for(run_ctx *c, const hook_job *j, const tctl_vcs_update *u)
{
	if (c->prov && c->prov->commit && !strcmp(c->prov->commit, u->commit))
		return true;
	tctl_provenance_free(c->prov);
	c->prov = NULL;
	if (tctl_vcs_provenance_at(&c->prov, NULL, u->commit, c->ev->branch) == 0)
		return true;
	hook_say_error(&c->out, "%s hook: cannot read the repository for '%s'", c->event, j->file);
	c->blocked |= j->job->trigger.block_push;
	return false;
}

/* Submit (or, with --dry-run, show) one job for one update. */
static void submit(run_ctx *c, const hook_job *j, const tctl_vcs_update *u)
{
	char *run_id = NULL, *abs = NULL;

	if (strcmp(c->ev->commit, u->commit)) {
		hook_say(&c->out, stderr, "%s hook: '%s' not submitted for %.*s on %s: only the checked-out "
			 "commit can run", c->event, j->file, SHORT_ID, u->commit, branch_name(u));
		return;
	}
	if (!provenance_for(c, j, u))
		return;
	if (c->dry_run) {
		hook_say(&c->out, stdout, "would submit '%s' for %s (%s)", j->file, u->commit, branch_name(u));
		return;
	}
	if (!(abs = realpath(j->file, NULL)) || tctl_submit_detached(&run_id, abs, c->prov) < 0) {
		if (!abs)
			tctl_error_set_os("cannot resolve '%s'", j->file);
		hook_say_error(&c->out, "%s hook: cannot submit '%s'", c->event, j->file);
		c->blocked |= j->job->trigger.block_push;
	} else {
		hook_say(&c->out, stdout, "%s hook: submitted '%s' for %.*s on %s: run %s", c->event, j->file,
			 SHORT_ID, u->commit, branch_name(u), run_id ? run_id : "(no id)");
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
	else if (chatty(c))
		hook_say(&c->out, stderr, "%s hook: '%s' not triggered by %.*s on %s: %s", c->event, j->file,
			 SHORT_ID, u->commit, branch_name(u), why);
}

/* The part that needs libgit2: what the captured event brought, matched against each job. */
static void evaluate(run_ctx *c)
{
	tctl_vcs_update *u = NULL;
	size_t n = 0;

	if (tctl_vcs_event_updates_at(&u, &n, NULL, c->ev) < 0) {
		hook_say_error(&c->out, "%s hook: cannot read what changed", c->event);
		block_all(c);
	}
	for (size_t i = 0; i < n; i++) {
		if (chatty(c) && u[i].note)
			hook_say(&c->out, stderr, "%s hook: %.*s: %s", c->event, SHORT_ID, u[i].commit, u[i].note);
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
		hook_say(&c->out, stderr, "%s hook: no job's trigger.branches selects %s", c->event,
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
			hook_say(&c->out, stderr, "%s hook skipped: TRAINCTL_HOOK_SKIP is set", c->event);
		return true;
	}
	if (action && !strncmp(action, "rebase", 6) && strcmp(c->event, "pre-push")) {
		if (c->verbose)
			hook_say(&c->out, stderr, "%s hook skipped: commits replayed by a rebase", c->event);
		return true;
	}
	return false;
}

/* Whether git must wait for the answer: --dry-run prints it; a block_push job may refuse the push. */
static bool must_wait(const run_ctx *c)
{
	if (c->dry_run)
		return true;
	for (size_t i = 0; strcmp(c->event, "pre-push") == 0 && i < c->njobs; i++)
		if (c->jobs[i].job->trigger.block_push)
			return true;
	return false;
}

/*
 * Capture what the event is about, then evaluate it here or in a detached
 * child. A data folder that cannot take hooks.log cannot take the ledger
 * either: that is said on the commit's output, one line per job.
 */
static void run_event(run_ctx *c, const char *input)
{
	char *log_path = NULL;
	pid_t pid;
	int fd;

	if (tctl_vcs_event_capture(&c->ev, NULL, c->event, input) < 0) {
		hook_say_error(&c->out, "%s hook: cannot read what changed", c->event);
		block_all(c);
		return;
	}
	if (must_wait(c)) {
		evaluate(c);
		return;
	}
	if (hook_log_open(&fd, &log_path) < 0) {
		for (size_t i = 0; i < c->njobs; i++)
			hook_say_error(&c->out, "%s hook: cannot submit '%s'", c->event, c->jobs[i].file);
		return;
	}
	if (c->verbose)
		hook_say(&c->out, stderr, "%s hook: checking %.*s in the background: see '%s'", c->event,
			 SHORT_ID, c->ev->commit, log_path);
	hook_detach(&c->out, fd, &pid);   /* the child, or this process when none could start */
	if (pid < 0)
		hook_say_error(&c->out, "%s hook: checking here, not in the background", c->event);
	evaluate(c);
	free(log_path);
}

int cmd_hook_run(int argc, char **argv)
{
	cli_list files = { { 0 }, 0 };
	run_ctx c = { .out = { -1 } };
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
		"Reads each job's trigger section, notes the commit the event is about, and\n"
		"returns to git at once; a detached process then works out what the event\n"
		"brought (post-commit: that commit against its parent; post-merge: ORIG_HEAD..it;\n"
		"pre-push: the pushed ranges read from standard input), submits every job whose\n"
		"events, branches and paths match, and appends what it did to hooks.log in the\n"
		"data folder. --dry-run, and a pre-push job with block_push, work while git\n"
		"waits. Problems are one line each and never stop a commit.\n"
		"TRAINCTL_HOOK_SKIP=1 turns the hooks off.\n\n"
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
		run_event(&c, input);
	free(input);
	tctl_vcs_event_free(c.ev);
	for (size_t i = 0; i < c.njobs; i++)
		tctl_job_free(c.jobs[i].job);
	tctl_provenance_free(c.prov);
	return c.blocked && !strcmp(c.event, "pre-push") ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
