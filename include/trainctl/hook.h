/** @file hook.h  trainctl's git hooks: small sh scripts that chain any hook already in place. */
#ifndef TRAINCTL_HOOK_H
#define TRAINCTL_HOOK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A trainctl hook is the file <hooks folder>/<event>: a /bin/sh script that
 * records the absolute path of the trainctl binary and the job files, runs
 * a hook that was there before (kept as <event>.trainctl-chained, with the
 * same arguments and standard input; its failure is passed on and stops
 * trainctl), then calls `trainctl hook run EVENT --job FILE... -- ARGS`.
 * When the binary is gone it prints one line and exits 0. The hooks folder
 * comes from tctl_vcs_locate() (core.hooksPath honoured). Nothing here
 * needs libgit2.
 */

#define TCTL_HOOK_CHAINED_SUFFIX ".trainctl-chained"

typedef struct {
	unsigned int version;
	const char *trainctl;        /**< absolute path of the binary the hook runs */
	const char *const *jobs;     /**< job files, as `hook run --job` gets them */
	size_t jobs_len;
} tctl_hook_options;

#define TCTL_HOOK_OPTIONS_VERSION 1
#define TCTL_HOOK_OPTIONS_INIT { TCTL_HOOK_OPTIONS_VERSION, NULL, NULL, 0 }

/** The hook script for `event` (see above). Caller frees. */
int tctl_hook_script(char **out, const char *event, const tctl_hook_options *opts);

typedef enum {
	TCTL_HOOK_ABSENT = 0, /**< no hook for the event */
	TCTL_HOOK_FOREIGN,    /**< a hook trainctl did not write */
	TCTL_HOOK_OURS        /**< trainctl's hook */
} tctl_hook_state;

/** What is installed for one event. */
typedef struct {
	tctl_hook_state state;
	char *path;           /**< the hook file */
	bool chained;         /**< <event>.trainctl-chained exists (and runs first when ours) */
	char *trainctl;       /**< ours: the binary it runs */
	bool trainctl_found;  /**< ours: that binary exists and is executable */
	char **jobs;          /**< ours: the job files it passes */
	size_t jobs_len;
} tctl_hook_info;

int tctl_hook_inspect(tctl_hook_info **out, const char *hooks_dir, const char *event);
void tctl_hook_info_free(tctl_hook_info *info);

typedef enum {
	TCTL_HOOK_UNCHANGED = 0, /**< install: already installed exactly so; nothing written */
	TCTL_HOOK_INSTALLED,     /**< install: written where there was no hook */
	TCTL_HOOK_CHAINED,       /**< install: written; the hook that was there runs first */
	TCTL_HOOK_UPDATED,       /**< install: trainctl's hook rewritten (other binary or jobs) */
	TCTL_HOOK_REMOVED,       /**< uninstall: removed; nothing to restore */
	TCTL_HOOK_RESTORED,      /**< uninstall: removed; the chained hook is back, byte for byte */
	TCTL_HOOK_NOT_INSTALLED  /**< uninstall: there was no trainctl hook (nothing touched) */
} tctl_hook_action;

/**
 * Install trainctl's hook for `event` in `hooks_dir` (created if missing).
 * An existing hook that is not trainctl's is renamed to
 * <event>.trainctl-chained (bytes, mode and links untouched) and chained.
 * Installing again with the same options writes nothing. Fails, touching
 * nothing, when a hook would have to be chained but a chained file already
 * exists (TCTL_EEXISTS), or on a bad event (TCTL_EINVALID).
 */
int tctl_hook_install(tctl_hook_action *out, const char *hooks_dir, const char *event,
		      const tctl_hook_options *opts);

/**
 * Remove trainctl's hook for `event`, putting a chained hook back in its
 * place. A hook trainctl did not write is left alone (TCTL_HOOK_NOT_INSTALLED).
 */
int tctl_hook_uninstall(tctl_hook_action *out, const char *hooks_dir, const char *event);

#endif
