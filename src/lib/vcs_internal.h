/* vcs_internal.h: what snapshot.c needs from vcs.c (not public). */
#ifndef TRAINCTL_VCS_INTERNAL_H
#define TRAINCTL_VCS_INTERNAL_H

#include <stddef.h>

/*
 * The work tree files of the repository holding abs_dir (see ops.h,
 * worktree_files); TCTL_ENOTFOUND, with no message, outside a repository.
 */
int tctl_vcs__worktree_files(char ***out, size_t *out_len, char **out_root, const char *abs_dir);

#endif
