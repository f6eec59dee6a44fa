/* common.h: helpers shared by the files of trainctl-git.so (not exported from it). */
#ifndef TRAINCTL_GIT_COMMON_H
#define TRAINCTL_GIT_COMMON_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "trainctl/vcs.h"

/* Set trainctl's error from libgit2's last error: "<what>: <libgit2 message>"; returns TCTL_ERROR. */
int tctl_git_fail(const char *what);

/* Open the repository holding dir (searching upwards); TCTL_ENOTFOUND with a message when none. */
int tctl_git_open(git_repository **out, const char *dir);

/* A copy of path without its trailing '/', or NULL when out of memory. */
char *tctl_git_dup_dir(const char *path);

/* The branch name of a ref name ("refs/heads/x" -> "x"), or NULL when it is not a branch. */
const char *tctl_git_branch_of(const char *refname);

/* A growable list of strings. */
typedef struct {
	char **items;
	size_t len, cap;
} tctl_git_strvec;

int tctl_git_strvec_push(tctl_git_strvec *v, const char *s);
/* Sort in byte order and drop duplicates. */
void tctl_git_strvec_sort_unique(tctl_git_strvec *v);
void tctl_git_strvec_free(tctl_git_strvec *v);

/* The ops behind tctl_git_module(), one file each. */
int tctl_git_provenance(tctl_provenance **out, const char *dir, const char *commit, const char *branch);
int tctl_git_worktree_files(char ***out, size_t *out_len, char **out_root, const char *dir);
int tctl_git_locate(tctl_vcs_location **out, const char *dir);
int tctl_git_event_updates(tctl_vcs_update **out, size_t *out_len, const char *dir,
			   const tctl_vcs_event *ev);
int tctl_git_resolve(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *dir, const char *name);

/* The commit named by the 40-hex `id` (a tag is peeled); TCTL_ERROR naming it when absent. */
int tctl_git_commit_of(git_commit **out, git_repository *repo, const char *id);

#endif
