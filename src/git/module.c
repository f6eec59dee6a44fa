/* module.c: trainctl-git.so's entry point (the ops table) and helpers shared by its files. */
#include "common.h"
#include "ops.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

int tctl_git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return tctl_error_set(TCTL_ERROR, "%s: %s", what,
			      e && e->message ? e->message : "unknown libgit2 error");
}

int tctl_git_open(git_repository **out, const char *dir)
{
	int rc = git_repository_open_ext(out, dir, 0, NULL);

	if (rc == GIT_ENOTFOUND)
		return tctl_error_set(TCTL_ENOTFOUND, "not in a git repository: '%s'", dir);
	if (rc < 0)
		return tctl_git_fail("cannot open the git repository");
	return 0;
}

int tctl_git_commit_of(git_commit **out, git_repository *repo, const char *id)
{
	git_object *obj = NULL, *peeled = NULL;
	git_oid oid;
	int error = 0;

	if (git_oid_fromstr(&oid, id) < 0 || git_object_lookup(&obj, repo, &oid, GIT_OBJECT_ANY) < 0 ||
	    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0)
		error = tctl_error_set(TCTL_ERROR, "cannot read commit '%s': %s", id,
				       git_error_last() ? git_error_last()->message : "not a commit id");
	git_object_free(obj);
	if (error == 0)
		*out = (git_commit *)peeled;
	return error;
}

char *tctl_git_dup_dir(const char *path)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	return strndup(path, len);
}

const char *tctl_git_branch_of(const char *refname)
{
	return strncmp(refname, "refs/heads/", 11) ? NULL : refname + 11;
}

int tctl_git_strvec_push(tctl_git_strvec *v, const char *s)
{
	if (v->len == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		char **n = realloc(v->items, cap * sizeof(*n));
		if (!n)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		v->items = n;
		v->cap = cap;
	}
	if (!(v->items[v->len] = strdup(s)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	v->len++;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tctl_git_strvec_sort_unique(tctl_git_strvec *v)
{
	size_t out = 0;

	if (!v->len)
		return;
	qsort(v->items, v->len, sizeof(char *), str_cmp);
	for (size_t i = 1; i < v->len; i++) {
		if (!strcmp(v->items[i], v->items[out]))
			free(v->items[i]);
		else
			v->items[++out] = v->items[i];
	}
	v->len = out + 1;
}

void tctl_git_strvec_free(tctl_git_strvec *v)
{
	for (size_t i = 0; i < v->len; i++)
		free(v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static const tctl_git_ops ops = {
	.version = TCTL_GIT_OPS_VERSION,
	.provenance = tctl_git_provenance,
	.worktree_files = tctl_git_worktree_files,
	.locate = tctl_git_locate,
	.event_updates = tctl_git_event_updates,
	.resolve = tctl_git_resolve,
};

/* The module's one export. Initialises libgit2 once; it stays initialised while loaded. */
__attribute__((visibility("default"))) const tctl_git_ops *tctl_git_module(void);

const tctl_git_ops *tctl_git_module(void)
{
	static int initialised;

	if (!initialised) {
		if (git_libgit2_init() < 0)
			return NULL;
		/* objects are read, never trusted for security: skip re-hashing each one */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		initialised = 1;
	}
	return &ops;
}
