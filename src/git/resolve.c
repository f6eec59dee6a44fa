/* resolve.c: HEAD or a pseudo-ref to a commit id through libgit2, for what the fast reader cannot read. */
#include "common.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

/* The branch a symbolic ref ends at, or NULL (detached, or not a branch). */
static int branch_of(char **out, git_reference *ref, git_reference *resolved)
{
	const char *branch;

	*out = NULL;
	if (git_reference_type(ref) != GIT_REFERENCE_SYMBOLIC ||
	    !(branch = tctl_git_branch_of(git_reference_name(resolved))))
		return 0;
	return (*out = strdup(branch)) ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

static int resolve_in(char out[TCTL_VCS_OID_SIZE], char **out_branch, git_repository *repo, const char *name)
{
	git_reference *ref = NULL, *resolved = NULL;
	git_object *commit = NULL;
	int rc, error = 0;

	if (!strcmp(name, "HEAD") && git_repository_head_unborn(repo) == 1)
		return tctl_error_set(TCTL_ENOTFOUND, "the repository has no commits yet");
	if ((rc = git_reference_lookup(&ref, repo, name)) == GIT_ENOTFOUND)
		return tctl_error_set(TCTL_ENOTFOUND, "no %s in '%s'", name, git_repository_path(repo));
	if (rc < 0 || git_reference_resolve(&resolved, ref) < 0 ||
	    git_reference_peel(&commit, resolved, GIT_OBJECT_COMMIT) < 0)
		error = tctl_git_fail(name);
	else if (out_branch)
		error = branch_of(out_branch, ref, resolved);
	if (error == 0)
		git_oid_tostr(out, TCTL_VCS_OID_SIZE, git_object_id(commit));
	git_object_free(commit);
	git_reference_free(resolved);
	git_reference_free(ref);
	return error;
}

int tctl_git_resolve(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *dir, const char *name)
{
	git_repository *repo = NULL;
	int error;

	if ((error = tctl_git_open(&repo, dir)) < 0)
		return error;
	error = resolve_in(out, out_branch, repo, name);
	git_repository_free(repo);
	return error;
}
