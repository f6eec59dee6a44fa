/* ops.h: the contract between the core (src/lib/vcs.c) and the module trainctl-git.so. */
#ifndef TRAINCTL_GIT_OPS_H
#define TRAINCTL_GIT_OPS_H

#include <stddef.h>

#include "trainctl/vcs.h"

/*
 * trainctl-git.so exports one function, tctl_git_module(), returning this
 * table. The module calls back into the executable for tctl_error_set,
 * tctl_buf_*, tctl_sha256_* and tctl_vcs_url_strip; it never links the core
 * library. Every entry returns 0 or a negative TCTL_E* code with the
 * message set; allocations are plain malloc, freed by the core.
 */
#define TCTL_GIT_OPS_VERSION 2

typedef struct {
	int version;
	/* Fill a provenance for the repository holding dir (in_repo false when none), for
	 * HEAD, or for `commit` (with `branch`, NULL: detached) when it is not NULL. */
	int (*provenance)(tctl_provenance **out, const char *dir, const char *commit, const char *branch);
	/* Paths, relative to the work tree root (*out_root, absolute), of the files in
	 * the folder `dir` (absolute) and below it that are tracked and present in the
	 * work tree, or untracked and not ignored; submodules left out; unsorted.
	 * TCTL_ENOTFOUND (no message) outside a repository, TCTL_EINVALID in a bare one. */
	int (*worktree_files)(char ***out, size_t *out_len, char **out_root, const char *dir);
	int (*locate)(tctl_vcs_location **out, const char *dir);
	int (*event_updates)(tctl_vcs_update **out, size_t *out_len, const char *dir,
			     const tctl_vcs_event *ev);
	/* tctl_vcs_resolve() through libgit2. */
	int (*resolve)(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *dir, const char *name);
} tctl_git_ops;

typedef const tctl_git_ops *(*tctl_git_module_fn)(void);

#endif
