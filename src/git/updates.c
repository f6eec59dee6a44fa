/* updates.c: the commits a captured hook event brings (post-commit, post-merge, pre-push) and the paths they change. */
#include "common.h"
#include "trainctl/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZERO_OID "0000000000000000000000000000000000000000"

typedef struct {
	tctl_vcs_update *items;
	size_t len, cap;
} update_list;

static int oom(void)
{
	return tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* Add the paths that differ between two trees (old NULL: every path of new). */
static int tree_paths(tctl_git_strvec *out, git_repository *repo, git_tree *old, git_tree *new)
{
	git_diff_options opts;
	git_diff *diff = NULL;
	int error = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_IGNORE_SUBMODULES;
	if (git_diff_tree_to_tree(&diff, repo, old, new, &opts) < 0)
		return tctl_git_fail("cannot compare the commits");
	for (size_t i = 0, n = git_diff_num_deltas(diff); i < n && error == 0; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		error = tctl_git_strvec_push(out, d->old_file.path);
		if (error == 0 && strcmp(d->old_file.path, d->new_file.path))
			error = tctl_git_strvec_push(out, d->new_file.path);
	}
	git_diff_free(diff);
	return error;
}

/* Paths changed by `commit` against its first parent; *out_missing when the parent is
 * absent (shallow clone) and the whole tree was taken. */
static int commit_paths(tctl_git_strvec *out, bool *out_missing, git_repository *repo, git_commit *commit)
{
	git_commit *parent = NULL;
	git_tree *tree = NULL, *ptree = NULL;
	int error = 0;

	*out_missing = false;
	if (git_commit_parentcount(commit) > 0 && git_commit_parent(&parent, commit, 0) < 0)
		*out_missing = true;
	if (git_commit_tree(&tree, commit) < 0 || (parent && git_commit_tree(&ptree, parent) < 0))
		error = tctl_git_fail("cannot read the commit's tree");
	else
		error = tree_paths(out, repo, ptree, tree);
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	return error;
}

static int push_update(update_list *l, const char *branch, const git_oid *commit, const git_oid *base,
		       tctl_git_strvec *paths, const char *note)
{
	char hex[GIT_OID_HEXSZ + 1];
	tctl_vcs_update *u;

	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		tctl_vcs_update *n = realloc(l->items, cap * sizeof(*n));
		if (!n)
			return oom();
		l->items = n;
		l->cap = cap;
	}
	u = &l->items[l->len++];
	memset(u, 0, sizeof(*u));
	tctl_git_strvec_sort_unique(paths);
	u->paths = paths->items;
	u->paths_len = paths->len;
	memset(paths, 0, sizeof(*paths));
	if ((branch && !(u->branch = strdup(branch))) || (note && !(u->note = strdup(note))) ||
	    !(u->commit = strdup(git_oid_tostr(hex, sizeof(hex), commit))) ||
	    (base && !(u->base = strdup(git_oid_tostr(hex, sizeof(hex), base)))))
		return oom();
	return 0;
}

/* The captured commit the event is about. */
static int event_commit(git_commit **out, git_repository *repo, const tctl_vcs_event *ev)
{
	if (!ev->commit[0])
		return tctl_error_set(TCTL_ENOTFOUND, "the repository has no commits yet");
	return tctl_git_commit_of(out, repo, ev->commit);
}

static int post_commit(update_list *l, git_repository *repo, const tctl_vcs_event *ev)
{
	tctl_git_strvec paths = { 0 };
	git_commit *commit = NULL;
	bool missing = false;
	int error;

	if ((error = event_commit(&commit, repo, ev)) < 0)
		return error;
	if ((error = commit_paths(&paths, &missing, repo, commit)) == 0) {
		bool root = git_commit_parentcount(commit) == 0;
		const git_oid *base = root || missing ? NULL : git_commit_parent_id(commit, 0);
		error = push_update(l, ev->branch, git_commit_id(commit), base, &paths,
			root ? "root commit: every path counts as changed"
			: missing ? "the parent commit is missing (shallow clone): every path counts as changed"
			: NULL);
	}
	tctl_git_strvec_free(&paths);
	git_commit_free(commit);
	return error;
}

static int post_merge(update_list *l, git_repository *repo, const tctl_vcs_event *ev)
{
	tctl_git_strvec paths = { 0 };
	git_commit *commit = NULL, *orig = NULL;
	git_tree *tree = NULL, *otree = NULL;
	int error;

	if ((error = event_commit(&commit, repo, ev)) < 0)
		return error;
	if (ev->orig_head[0] && (error = tctl_git_commit_of(&orig, repo, ev->orig_head)) < 0)
		goto done;
	if (git_commit_tree(&tree, commit) < 0 || (orig && git_commit_tree(&otree, orig) < 0))
		error = tctl_git_fail("cannot read the merged trees");
	else if ((error = tree_paths(&paths, repo, otree, tree)) == 0)
		error = push_update(l, ev->branch, git_commit_id(commit), orig ? git_commit_id(orig) : NULL,
				    &paths, orig ? NULL : "no ORIG_HEAD: every path counts as changed");
done:
	tctl_git_strvec_free(&paths);
	git_tree_free(otree);
	git_tree_free(tree);
	git_commit_free(orig);
	git_commit_free(commit);
	return error;
}

/* Paths changed by the commits reachable from `tip` that no remote-tracking branch has. */
static int unpushed_paths(tctl_git_strvec *out, git_repository *repo, const git_oid *tip)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	int rc, error = 0;

	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, tip) < 0 ||
	    git_revwalk_hide_glob(walk, "refs/remotes/*") < 0) {
		git_revwalk_free(walk);
		return tctl_git_fail("cannot walk the pushed commits");
	}
	while (error == 0 && (rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		bool missing;
		if (git_commit_lookup(&c, repo, &oid) < 0)
			error = tctl_git_fail("cannot read a pushed commit");
		else
			error = commit_paths(out, &missing, repo, c);
		git_commit_free(c);
	}
	if (error == 0 && rc != GIT_ITEROVER)
		error = tctl_git_fail("cannot walk the pushed commits");
	git_revwalk_free(walk);
	return error;
}

/* Paths between the remote's commit (when this repository has it) and ours. */
static int push_paths(tctl_git_strvec *out, bool *out_based, git_repository *repo,
		      const git_oid *local, const git_oid *remote)
{
	git_commit *lc = NULL, *rc = NULL;
	git_tree *lt = NULL, *rt = NULL;
	int error;

	*out_based = false;
	if (git_commit_lookup(&lc, repo, local) < 0)
		return tctl_git_fail("cannot read the pushed commit");
	if (remote && git_commit_lookup(&rc, repo, remote) == 0) {
		*out_based = true;
		if (git_commit_tree(&lt, lc) < 0 || git_commit_tree(&rt, rc) < 0)
			error = tctl_git_fail("cannot read the pushed trees");
		else
			error = tree_paths(out, repo, rt, lt);
	} else {
		error = unpushed_paths(out, repo, local);
	}
	git_tree_free(lt);
	git_tree_free(rt);
	git_commit_free(lc);
	git_commit_free(rc);
	return error;
}

static int push_line(update_list *l, git_repository *repo, const char *line, size_t lineno)
{
	char lref[1024], lsha[64], rref[1024], rsha[64];
	tctl_git_strvec paths = { 0 };
	git_oid local, remote;
	const char *branch;
	bool based;
	int error;

	if (sscanf(line, "%1023s %63s %1023s %63s", lref, lsha, rref, rsha) != 4 ||
	    git_oid_fromstr(&local, lsha) < 0 || git_oid_fromstr(&remote, rsha) < 0)
		return tctl_error_set(TCTL_EINVALID, "pre-push input line %zu: expected "
				      "'<local ref> <local sha> <remote ref> <remote sha>', got '%s'", lineno, line);
	if (!strcmp(lsha, ZERO_OID) || !(branch = tctl_git_branch_of(rref)))
		return 0; /* a deletion, or not a branch */
	error = push_paths(&paths, &based, repo, &local, strcmp(rsha, ZERO_OID) ? &remote : NULL);
	if (error == 0)
		error = push_update(l, branch, &local, based ? &remote : NULL, &paths,
				    based ? NULL : "compared with what the remote-tracking branches hold");
	tctl_git_strvec_free(&paths);
	return error;
}

static int pre_push(update_list *l, git_repository *repo, const char *lines)
{
	size_t lineno = 0;
	int error = 0;

	for (const char *p = lines ? lines : ""; *p && error == 0; ) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);
		lineno++;
		if (!line)
			return oom();
		if (line[strspn(line, " \t\r")])
			error = push_line(l, repo, line, lineno);
		free(line);
		p += len + (p[len] == '\n');
	}
	return error;
}

int tctl_git_event_updates(tctl_vcs_update **out, size_t *out_len, const char *dir,
			   const tctl_vcs_event *ev)
{
	git_repository *repo = NULL;
	update_list l = { 0 };
	int error;

	if ((error = tctl_git_open(&repo, dir)) < 0)
		return error;
	if (!strcmp(ev->event, "post-commit"))
		error = post_commit(&l, repo, ev);
	else if (!strcmp(ev->event, "post-merge"))
		error = post_merge(&l, repo, ev);
	else if (!strcmp(ev->event, "pre-push"))
		error = pre_push(&l, repo, ev->push_lines);
	else
		error = tctl_error_set(TCTL_EINVALID, "unknown hook event '%s'", ev->event);
	git_repository_free(repo);
	if (error < 0) {
		tctl_vcs_updates_free(l.items, l.len);
		return error;
	}
	*out = l.items;
	*out_len = l.len;
	return 0;
}
