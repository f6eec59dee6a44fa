/* locate.c: where a repository keeps its hooks (core.hooksPath honoured), via libgit2. */
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdlib.h>
#include <string.h>

/* core.hooksPath, made absolute the way git does (relative to where hooks run). */
static int configured_hooks(char **out, git_repository *repo, const char *run_dir)
{
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	int rc, error = 0;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return tctl_git_fail("cannot read the repository's configuration");
	rc = git_config_get_path(&buf, cfg, "core.hooksPath");
	if (rc == 0 && buf.ptr && *buf.ptr)
		*out = buf.ptr[0] == '/' ? tctl_git_dup_dir(buf.ptr) : tctl_path_join(run_dir, buf.ptr);
	if (rc == 0 && buf.ptr && *buf.ptr && !*out)
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	else if (rc < 0 && rc != GIT_ENOTFOUND)
		error = tctl_git_fail("cannot read core.hooksPath");
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return error;
}

static int fill(tctl_vcs_location *loc, git_repository *repo)
{
	char *common = NULL;
	int error;

	loc->bare = git_repository_is_bare(repo) == 1;
	if (!(loc->git_dir = tctl_git_dup_dir(git_repository_path(repo))) ||
	    (!loc->bare && !(loc->root = tctl_git_dup_dir(git_repository_workdir(repo)))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = configured_hooks(&loc->hooks_dir, repo, loc->bare ? loc->git_dir : loc->root)) < 0)
		return error;
	if ((loc->hooks_path_configured = loc->hooks_dir != NULL))
		return 0;
	if (!(common = tctl_git_dup_dir(git_repository_commondir(repo))) ||
	    !(loc->hooks_dir = tctl_path_join(common, "hooks")))
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	free(common);
	return error;
}

int tctl_git_locate(tctl_vcs_location **out, const char *dir)
{
	git_repository *repo = NULL;
	tctl_vcs_location *loc = calloc(1, sizeof(*loc));
	int error;

	if (!loc)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = tctl_git_open(&repo, dir)) == 0)
		error = fill(loc, repo);
	git_repository_free(repo);
	if (error < 0) {
		tctl_vcs_location_free(loc);
		return error;
	}
	*out = loc;
	return 0;
}
