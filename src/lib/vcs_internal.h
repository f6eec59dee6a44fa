/* vcs_internal.h: what snapshot.c needs from vcs.c (not public). */
#ifndef TRAINCTL_VCS_INTERNAL_H
#define TRAINCTL_VCS_INTERNAL_H

#include <stddef.h>

#include "trainctl/vcs.h"

/*
 * The work tree files of the repository holding abs_dir (see ops.h,
 * worktree_files); TCTL_ENOTFOUND, with no message, outside a repository.
 */
int tctl_vcs__worktree_files(char ***out, size_t *out_len, char **out_root, const char *abs_dir);

/*
 * tctl_vcs_resolve() without libgit2 (vcs_fast.c): 0; TCTL_ENOTFOUND (message
 * set) when `name` is a pseudo-ref the git folder lacks; TCTL_ENOTSUPPORTED,
 * with no message, when this reader cannot tell: ask libgit2.
 */
int tctl_vcs__resolve_fast(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *abs_dir,
			   const char *name);

#endif
