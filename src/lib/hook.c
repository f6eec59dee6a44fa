/* hook.c: writing, recognising, chaining and removing trainctl's git hook scripts. */
#include "trainctl/hook.h"
#include "trainctl/error.h"
#include "trainctl/trigger.h"
#include "trainctl/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER "#!/bin/sh\n# trainctl-hook: "
#define MAX_HOOK_SIZE (1 << 20)

/* Append s as one sh word in single quotes ('it'\''s'). Returns 0 or a negative code. */
static int sh_quote(tctl_buf *b, const char *s)
{
	int e = tctl_buf_puts(b, "'");

	for (; *s; s++)
		e |= *s == '\'' ? tctl_buf_puts(b, "'\\''") : tctl_buf_put(b, s, 1);
	return e | tctl_buf_puts(b, "'");
}

/* Read one word written by sh_quote at *p; advance past it. NULL when malformed. */
static char *sh_unquote(const char **p)
{
	tctl_buf b = TCTL_BUF_INIT;
	const char *s = *p;

	while (*s == '\'' || (s[0] == '\\' && s[1] == '\'')) {
		if (*s == '\\') {
			tctl_buf_puts(&b, "'");
			s += 2;
			continue;
		}
		const char *end = strchr(s + 1, '\'');
		if (!end) {
			tctl_buf_free(&b);
			return NULL;
		}
		tctl_buf_put(&b, s + 1, (size_t)(end - s - 1));
		s = end + 1;
	}
	*p = s;
	return tctl_buf_detach(&b);
}

static int script_run_line(tctl_buf *b, const char *event, const tctl_hook_options *opts)
{
	int e = tctl_buf_printf(b, "\"$trainctl\" hook run %s", event);

	for (size_t i = 0; i < opts->jobs_len; i++)
		e |= tctl_buf_puts(b, " --job ") | sh_quote(b, opts->jobs[i]);
	return e | tctl_buf_puts(b, " -- \"$@\"\n");
}

int tctl_hook_script(char **out, const char *event, const tctl_hook_options *opts)
{
	bool push = !strcmp(event, "pre-push");
	tctl_buf b = TCTL_BUF_INIT;
	int e;

	e = tctl_buf_printf(&b, MARKER "%s\n# Written by 'trainctl hook install'; 'trainctl hook uninstall' "
			    "removes it and puts\n# back the hook it chained (%s" TCTL_HOOK_CHAINED_SUFFIX
			    "), if there was one.\ntrainctl=", event, event);
	e |= sh_quote(&b, opts->trainctl);
	e |= tctl_buf_puts(&b, "\nchained=\"$0" TCTL_HOOK_CHAINED_SUFFIX "\"\n");
	if (push)
		e |= tctl_buf_puts(&b, "input=$(cat; echo x)\ninput=${input%x}\n");
	e |= tctl_buf_printf(&b, "if [ -x \"$chained\" ]; then\n\t%s\"$chained\" \"$@\" || exit $?\nfi\n",
			     push ? "printf '%s' \"$input\" | " : "");
	e |= tctl_buf_printf(&b, "if [ ! -x \"$trainctl\" ]; then\n\techo \"trainctl: %s hook skipped: "
			     "'$trainctl' is not there any more; run 'trainctl hook install' again\" >&2\n"
			     "\texit 0\nfi\n", event);
	e |= tctl_buf_puts(&b, push ? "printf '%s' \"$input\" | exec " : "exec ");
	e |= script_run_line(&b, event, opts);
	if (e) {
		tctl_buf_free(&b);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	*out = tctl_buf_detach(&b);
	return 0;
}

static int push_job(tctl_hook_info *info, char *job)
{
	char **n = realloc(info->jobs, (info->jobs_len + 1) * sizeof(*n));

	if (!n) {
		free(job);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	info->jobs = n;
	info->jobs[info->jobs_len++] = job;
	return 0;
}

/* Fill trainctl and jobs from the text of one of our scripts. */
static int parse_ours(tctl_hook_info *info, const char *text)
{
	const char *p = strstr(text, "\ntrainctl="), *run;
	struct stat st;
	char *job;
	int error = 0;

	if (!p || !(p += 10, info->trainctl = sh_unquote(&p)))
		return tctl_error_set(TCTL_EINVALID, "hook '%s' looks like trainctl's but has no "
				      "'trainctl=' line", info->path);
	info->trainctl_found = stat(info->trainctl, &st) == 0 && S_ISREG(st.st_mode) &&
			       access(info->trainctl, X_OK) == 0;
	if (!(run = strstr(p, "\"$trainctl\" hook run ")))
		return 0;
	for (p = run; (p = strstr(p, " --job ")) && error == 0; ) {
		p += 7;
		if (!(job = sh_unquote(&p)))
			return tctl_error_set(TCTL_EINVALID, "hook '%s': cannot read a '--job' argument", info->path);
		error = push_job(info, job);
	}
	return error;
}

static int classify(tctl_hook_info *info)
{
	struct stat st;
	char *text = NULL;
	int error;

	if (lstat(info->path, &st) < 0) {
		if (errno != ENOENT)
			return tctl_error_set_os("cannot inspect '%s'", info->path);
		info->state = TCTL_HOOK_ABSENT;
		return 0;
	}
	info->state = TCTL_HOOK_FOREIGN;
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_HOOK_SIZE)
		return 0;
	if ((error = tctl_file_read(&text, NULL, info->path)) < 0)
		return error;
	if (!strncmp(text, MARKER, strlen(MARKER))) {
		info->state = TCTL_HOOK_OURS;
		error = parse_ours(info, text);
	}
	free(text);
	return error;
}

int tctl_hook_inspect(tctl_hook_info **out, const char *hooks_dir, const char *event)
{
	tctl_hook_info *info = calloc(1, sizeof(*info));
	char *chained = NULL;
	struct stat st;
	int error;

	if (!info || !(info->path = tctl_path_join(hooks_dir, event)) ||
	    asprintf(&chained, "%s" TCTL_HOOK_CHAINED_SUFFIX, info->path) < 0) {
		tctl_hook_info_free(info);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	info->chained = lstat(chained, &st) == 0;
	free(chained);
	if ((error = classify(info)) < 0) {
		tctl_hook_info_free(info);
		return error;
	}
	*out = info;
	return 0;
}

void tctl_hook_info_free(tctl_hook_info *info)
{
	if (!info)
		return;
	for (size_t i = 0; i < info->jobs_len; i++)
		free(info->jobs[i]);
	free(info->jobs);
	free(info->trainctl);
	free(info->path);
	free(info);
}

/* Rewrite our own hook when its text differs. */
static int refresh(tctl_hook_action *out, const char *path, const char *script)
{
	char *old = NULL;
	int error;

	if ((error = tctl_file_read(&old, NULL, path)) < 0)
		return error;
	*out = strcmp(old, script) ? TCTL_HOOK_UPDATED : TCTL_HOOK_UNCHANGED;
	free(old);
	if (*out == TCTL_HOOK_UNCHANGED)
		return 0;
	return tctl_file_write_atomic(path, script, strlen(script), 0755);
}

/* Move a foreign hook aside and put ours in its place; on failure, put it back. */
static int chain(tctl_hook_action *out, const tctl_hook_info *info, const char *chained, const char *script)
{
	struct stat st;
	int error;

	if (lstat(chained, &st) == 0)
		return tctl_error_set(TCTL_EEXISTS, "cannot chain the hook '%s': '%s' already exists; "
				      "move one of them away first", info->path, chained);
	if (rename(info->path, chained) < 0)
		return tctl_error_set_os("cannot move '%s' to '%s'", info->path, chained);
	if ((error = tctl_file_write_atomic(info->path, script, strlen(script), 0755)) < 0) {
		rename(chained, info->path);
		return error;
	}
	*out = TCTL_HOOK_CHAINED;
	return 0;
}

static int install_in(tctl_hook_action *out, const tctl_hook_info *info, const char *script)
{
	char *chained = NULL;
	int error = 0;

	if (asprintf(&chained, "%s" TCTL_HOOK_CHAINED_SUFFIX, info->path) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (info->state == TCTL_HOOK_OURS)
		error = refresh(out, info->path, script);
	else if (info->state == TCTL_HOOK_FOREIGN)
		error = chain(out, info, chained, script);
	else if ((error = tctl_file_write_atomic(info->path, script, strlen(script), 0755)) == 0)
		*out = info->chained ? TCTL_HOOK_CHAINED : TCTL_HOOK_INSTALLED;
	free(chained);
	return error;
}

int tctl_hook_install(tctl_hook_action *out, const char *hooks_dir, const char *event,
		      const tctl_hook_options *opts)
{
	tctl_hook_info *info = NULL;
	char *script = NULL;
	int error;

	if (!tctl_trigger_event_valid(event))
		return tctl_error_set(TCTL_EINVALID, "unknown hook event '%s' "
				      "(expected post-commit, post-merge or pre-push)", event);
	if (!opts || !opts->trainctl || opts->trainctl[0] != '/')
		return tctl_error_set(TCTL_EINVALID, "the hook needs the absolute path of trainctl");
	if ((error = tctl_hook_script(&script, event, opts)) < 0 ||
	    (error = tctl_mkdir_p(hooks_dir, 0755)) < 0 ||
	    (error = tctl_hook_inspect(&info, hooks_dir, event)) < 0)
		goto done;
	error = install_in(out, info, script);
done:
	tctl_hook_info_free(info);
	free(script);
	return error;
}

int tctl_hook_uninstall(tctl_hook_action *out, const char *hooks_dir, const char *event)
{
	tctl_hook_info *info = NULL;
	char *chained = NULL;
	int error;

	if (!tctl_trigger_event_valid(event))
		return tctl_error_set(TCTL_EINVALID, "unknown hook event '%s'", event);
	if ((error = tctl_hook_inspect(&info, hooks_dir, event)) < 0)
		return error;
	*out = TCTL_HOOK_NOT_INSTALLED;
	if (info->state != TCTL_HOOK_OURS)
		goto done;
	if (asprintf(&chained, "%s" TCTL_HOOK_CHAINED_SUFFIX, info->path) < 0) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	} else if (info->chained) {
		if (rename(chained, info->path) < 0)
			error = tctl_error_set_os("cannot move '%s' back to '%s'", chained, info->path);
		*out = TCTL_HOOK_RESTORED;
	} else {
		if (unlink(info->path) < 0)
			error = tctl_error_set_os("cannot remove '%s'", info->path);
		*out = TCTL_HOOK_REMOVED;
	}
done:
	free(chained);
	tctl_hook_info_free(info);
	return error;
}
