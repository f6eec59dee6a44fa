/* files.c: the work tree files a snapshot starts from (tracked and present, or untracked and not ignored). */
#include "common.h"
#include "trainctl/error.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Whether a status entry is a file that exists in the work tree and is not ignored. */
static bool present(unsigned s)
{
	if (s & (GIT_STATUS_IGNORED | GIT_STATUS_WT_DELETED))
		return false;
	return !(s & GIT_STATUS_INDEX_DELETED) || (s & GIT_STATUS_WT_NEW);
}

static int list_files(tctl_git_strvec *out, git_repository *repo, const char *prefix)
{
	git_status_options opts;
	git_status_list *list = NULL;
	char *spec[1] = { (char *)prefix };
	int error = 0;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_INCLUDE_UNMODIFIED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES |
		     GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	if (*prefix) {
		opts.pathspec.strings = spec;
		opts.pathspec.count = 1;
	}
	if (git_status_list_new(&list, repo, &opts) < 0)
		return tctl_git_fail("cannot list the files of the work tree");
	for (size_t i = 0, n = git_status_list_entrycount(list); i < n && error == 0; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		char *path;
		if (!d || !present(e->status))
			continue;
		if (!(path = tctl_git_dup_dir(d->new_file.path)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		error = tctl_git_strvec_push(out, path);
		free(path);
	}
	git_status_list_free(list);
	return error;
}

int tctl_git_worktree_files(char ***out, size_t *out_len, char **out_root, const char *dir)
{
	git_repository *repo = NULL;
	tctl_git_strvec v = { 0 };
	char *root = NULL;
	const char *prefix = "";
	int error;

	if ((error = tctl_git_open(&repo, dir)) < 0) {
		if (error == TCTL_ENOTFOUND)
			tctl_error_clear();
		return error;
	}
	if (git_repository_is_bare(repo)) {
		error = tctl_error_set(TCTL_EINVALID, "'%s' is a bare repository: it has no work tree "
				       "to take a code snapshot of", dir);
		goto done;
	}
	if (!(root = realpath(git_repository_workdir(repo), NULL))) {
		error = tctl_error_set_os("cannot resolve '%s'", git_repository_workdir(repo));
		goto done;
	}
	if (strcmp(root, dir))
		prefix = dir + strlen(root) + 1;
	if ((error = list_files(&v, repo, prefix)) < 0)
		goto done;
	*out = v.items;
	*out_len = v.len;
	*out_root = root;
	memset(&v, 0, sizeof(v));
	root = NULL;
done:
	tctl_git_strvec_free(&v);
	free(root);
	git_repository_free(repo);
	return error;
}
