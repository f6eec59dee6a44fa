/* cmd_hook.h: the parts of `trainctl hook` that live in their own files. */
#ifndef TRAINCTL_CMD_HOOK_H
#define TRAINCTL_CMD_HOOK_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* `trainctl hook run EVENT ...` (cmd_hook_run.c); argv[0] = "run". */
int cmd_hook_run(int argc, char **argv);

/* Where `hook run` says things (cmd_hook_out.c). */
typedef struct {
	int log_fd;   /* detached: hooks.log; -1: the commit's own output (stdout, stderr) */
} hook_out;

/* One line: "trainctl: TEXT" on `to`, or, detached, "TIME [PID] TEXT" in hooks.log. */
void hook_say(const hook_out *o, FILE *to, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As hook_say on stderr, with ": <first line of the last error>" (noting further lines). */
void hook_say_error(const hook_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Open <data dir>/hooks.log for appending, creating the folder; the error
 * (the data folder cannot be made or written) is set when it fails. The
 * caller owns *out_fd and frees *out_path.
 */
int hook_log_open(int *out_fd, char **out_path);

/*
 * Answer git now and go on in a child. First this process's standard output
 * and error become log_fd, its standard input /dev/null, and every other
 * descriptor is closed (git waits until the hook's output pipes close: the
 * child must hold none, and this process lets them go when it exits); then
 * the child starts, leaves the hook's session (so Ctrl-C on the commit does
 * not reach it) and, when git ran the hook, waits for git to exit (at most
 * 10 s). Takes log_fd; sets o->log_fd. The parent exits 0 at once (freeing
 * anything after the fork would copy each page it touches, shared with the
 * child: about a millisecond of the commit's time); it returns in the child
 * (*out_pid 0). When the fork fails it returns in the only process there
 * is, with *out_pid -1 and the error set: the caller goes on here, its lines
 * still in the log.
 */
void hook_detach(hook_out *o, int log_fd, pid_t *out_pid);

#endif
