/* provenance.c: HEAD, status, the working-tree diff and the remote of a repository, via libgit2. */
#include "common.h"
#include "trainctl/error.h"
#include "trainctl/sha256.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(void)
{
	return tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* HEAD of a repository with no commits: the branch it will create. */
static int fill_unborn(tctl_provenance *prov, git_repository *repo)
{
	git_reference *head = NULL;
	const char *target, *branch;
	int error = 0;

	prov->unborn = true;
	if (git_reference_lookup(&head, repo, "HEAD") < 0)
		return tctl_git_fail("cannot read HEAD");
	target = git_reference_symbolic_target(head);
	branch = target ? tctl_git_branch_of(target) : NULL;
	if (branch && (!(prov->branch = strdup(branch)) || !(prov->head = strdup(branch))))
		error = oom();
	git_reference_free(head);
	return error;
}

static int fill_head(tctl_provenance *prov, git_repository *repo)
{
	git_reference *head = NULL;
	git_object *commit = NULL;
	git_buf shortid = { 0 };
	char oid[GIT_OID_HEXSZ + 1];
	int error = 0;

	if (git_repository_head_unborn(repo) == 1)
		return fill_unborn(prov, repo);
	if (git_repository_head(&head, repo) < 0 || git_reference_peel(&commit, head, GIT_OBJECT_COMMIT) < 0 ||
	    git_object_short_id(&shortid, commit) < 0) {
		error = tctl_git_fail("cannot read HEAD");
		goto done;
	}
	git_oid_tostr(oid, sizeof(oid), git_object_id(commit));
	if (!(prov->commit = strdup(oid)))
		error = oom();
	else if ((prov->detached = git_repository_head_detached(repo) == 1))
		error = asprintf(&prov->head, "HEAD detached at %s", shortid.ptr) < 0 ? oom() : 0;
	else if (!(prov->branch = strdup(git_reference_shorthand(head))) ||
		 !(prov->head = strdup(prov->branch)))
		error = oom();
done:
	git_buf_dispose(&shortid);
	git_object_free(commit);
	git_reference_free(head);
	return error;
}

/* A given commit (hooks: the one an event was about) in place of HEAD, with the branch given. */
static int fill_head_at(tctl_provenance *prov, git_commit **out_commit, git_repository *repo,
			const char *id, const char *branch)
{
	git_buf shortid = { 0 };
	char oid[GIT_OID_HEXSZ + 1];
	int error;

	if ((error = tctl_git_commit_of(out_commit, repo, id)) < 0)
		return error;
	if (git_object_short_id(&shortid, (git_object *)*out_commit) < 0)
		return tctl_git_fail("cannot read the commit");
	git_oid_tostr(oid, sizeof(oid), git_commit_id(*out_commit));
	if (!(prov->commit = strdup(oid)))
		error = oom();
	else if ((prov->detached = !branch))
		error = asprintf(&prov->head, "HEAD detached at %s", shortid.ptr) < 0 ? oom() : 0;
	else if (!(prov->branch = strdup(branch)) || !(prov->head = strdup(branch)))
		error = oom();
	git_buf_dispose(&shortid);
	return error;
}

static char index_letter(unsigned s)
{
	return s & GIT_STATUS_INDEX_NEW ? 'A' : s & GIT_STATUS_INDEX_MODIFIED ? 'M' :
	       s & GIT_STATUS_INDEX_DELETED ? 'D' : s & GIT_STATUS_INDEX_RENAMED ? 'R' :
	       s & GIT_STATUS_INDEX_TYPECHANGE ? 'T' : ' ';
}

static char worktree_letter(unsigned s)
{
	return s & GIT_STATUS_WT_MODIFIED ? 'M' : s & GIT_STATUS_WT_DELETED ? 'D' :
	       s & GIT_STATUS_WT_TYPECHANGE ? 'T' : s & GIT_STATUS_WT_RENAMED ? 'R' : ' ';
}

static int add_change(tctl_provenance *prov, size_t *cap, char x, char y, const char *path)
{
	if (prov->changes_len == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		tctl_vcs_change *c = realloc(prov->changes, n * sizeof(*c));
		if (!c)
			return oom();
		prov->changes = c;
		*cap = n;
	}
	tctl_vcs_change *c = &prov->changes[prov->changes_len];
	c->status[0] = x;
	c->status[1] = y;
	c->status[2] = '\0';
	if (!(c->path = strdup(path)))
		return oom();
	prov->changes_len++;
	return 0;
}

/* One status entry as porcelain XY lines (a path both deleted from the index and present
 * in the work tree is two lines, as in git: "D " and "??"). */
static int add_entry(tctl_provenance *prov, size_t *cap, const git_status_entry *e)
{
	unsigned s = e->status;
	const git_diff_delta *d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
	char x = index_letter(s), y = worktree_letter(s);
	int error = 0;

	if (s & GIT_STATUS_CONFLICTED)
		return add_change(prov, cap, 'U', 'U', d->old_file.path);
	if (x != ' ' || y != ' ')
		error = add_change(prov, cap, x, y, d->old_file.path);
	if (error == 0 && (s & GIT_STATUS_WT_NEW))
		error = add_change(prov, cap, '?', '?', e->index_to_workdir->new_file.path);
	return error;
}

/* Status against `base` (NULL: HEAD). */
static int fill_status(tctl_provenance *prov, git_repository *repo, git_tree *base)
{
	git_status_options opts;
	git_status_list *list = NULL;
	size_t cap = 0;
	int error = 0;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	opts.baseline = base;
	if (git_status_list_new(&list, repo, &opts) < 0)
		return tctl_git_fail("cannot read the status of the work tree");
	for (size_t i = 0, n = git_status_list_entrycount(list); i < n && error == 0; i++)
		error = add_entry(prov, &cap, git_status_byindex(list, i));
	prov->dirty = prov->changes_len > 0;
	git_status_list_free(list);
	return error;
}

/* The diff text as it streams out of libgit2: hashed whole, kept up to the cap. */
typedef struct {
	tctl_sha256_ctx sha;
	tctl_buf text;
	size_t total;
	bool truncated;
	int error;
} diff_sink;

static void sink_put(diff_sink *s, const void *p, size_t n)
{
	tctl_sha256_update(&s->sha, p, n);
	s->total += n;
	if (s->truncated)
		return;
	if (s->total > TCTL_PROVENANCE_MAX_DIFF) {
		s->truncated = true;
		tctl_buf_free(&s->text);
	} else if (tctl_buf_put(&s->text, p, n) < 0) {
		s->error = TCTL_ENOMEM;
	}
}

static int print_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
		      const git_diff_line *line, void *payload)
{
	diff_sink *s = payload;
	char origin = line->origin;

	if (origin == GIT_DIFF_LINE_CONTEXT || origin == GIT_DIFF_LINE_ADDITION ||
	    origin == GIT_DIFF_LINE_DELETION)
		sink_put(s, &origin, 1);
	sink_put(s, line->content, line->content_len);
	return s->error;
}

/* The diff from `base` (NULL: HEAD's tree, none when unborn) to the work tree. */
static int fill_diff(tctl_provenance *prov, git_repository *repo, git_tree *base)
{
	git_diff_options opts;
	diff_sink sink = { .text = TCTL_BUF_INIT };
	git_object *tree = NULL;
	git_diff *diff = NULL;
	unsigned char digest[TCTL_SHA256_SIZE];
	int error = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
		     GIT_DIFF_SHOW_UNTRACKED_CONTENT | GIT_DIFF_SHOW_BINARY;
	tctl_sha256_init(&sink.sha);
	if ((!base && !prov->unborn && git_revparse_single(&tree, repo, "HEAD^{tree}") < 0) ||
	    git_diff_tree_to_workdir_with_index(&diff, repo, base ? base : (git_tree *)tree, &opts) < 0 ||
	    git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, print_line, &sink) < 0) {
		error = sink.error ? tctl_error_set(TCTL_ENOMEM, "out of memory")
				   : tctl_git_fail("cannot diff the work tree against HEAD");
		goto done;
	}
	tctl_sha256_final(&sink.sha, digest);
	prov->diff_len = sink.total;
	prov->diff_truncated = sink.truncated;
	if (sink.total)
		tctl_sha256_hex(prov->diff_sha256, digest);
	if (!sink.truncated && !(prov->diff = tctl_buf_detach(&sink.text)))
		error = oom();
done:
	tctl_buf_free(&sink.text);
	git_diff_free(diff);
	git_object_free(tree);
	return error;
}

/* Pick "origin", else the alphabetically first remote, from remote.<name>.url entries.
 * (Read with a plain config iterator: libgit2 1.5's git_remote_list leaks its regex
 * match data on every call.) */
static void consider_remote(const git_config_entry *e, char **pick, char **url, int *error)
{
	size_t len = strlen(e->name);
	char *name;

	if (strncmp(e->name, "remote.", 7) || len < 12 || strcmp(e->name + len - 4, ".url"))
		return;
	if (!(name = strndup(e->name + 7, len - 11))) {
		*error = TCTL_ENOMEM;
		return;
	}
	if (*pick && (!strcmp(*pick, "origin") || strcmp(name, *pick) >= 0) && strcmp(name, "origin")) {
		free(name);
		return;
	}
	free(*pick);
	free(*url);
	*pick = name;
	if (!(*url = strdup(e->value)))
		*error = TCTL_ENOMEM;
}

static int fill_remote(tctl_provenance *prov, git_repository *repo)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char *url = NULL;
	int rc, error = 0;

	if (git_repository_config_snapshot(&cfg, repo) < 0 || git_config_iterator_new(&it, cfg) < 0) {
		git_config_free(cfg);
		return tctl_git_fail("cannot read the repository's configuration");
	}
	while (error == 0 && (rc = git_config_next(&e, it)) == 0)
		consider_remote(e, &prov->remote, &url, &error);
	if (error < 0)
		error = oom();
	else if (rc != GIT_ITEROVER)
		error = tctl_git_fail("cannot read the repository's configuration");
	else if (url)
		error = tctl_vcs_url_strip(&prov->remote_url, url);
	free(url);
	git_config_iterator_free(it);
	git_config_free(cfg);
	return error;
}

static int fill_note(tctl_provenance *prov)
{
	tctl_buf b = TCTL_BUF_INIT;

	if (prov->bare)
		tctl_buf_puts(&b, "bare repository: no work tree, so no changes and no diff");
	if (prov->unborn)
		tctl_buf_printf(&b, "%sno commits yet", b.len ? "; " : "");
	if (prov->shallow)
		tctl_buf_printf(&b, "%sshallow clone: history is incomplete", b.len ? "; " : "");
	if (b.len)
		prov->note = tctl_buf_detach(&b);
	return 0;
}

/* HEAD, or the commit given; *out_base is the given commit's tree (NULL for HEAD). */
static int fill_commit(tctl_provenance *prov, git_tree **out_base, git_repository *repo,
		       const char *commit, const char *branch)
{
	git_commit *c = NULL;
	int error;

	*out_base = NULL;
	if (!commit)
		return fill_head(prov, repo);
	if ((error = fill_head_at(prov, &c, repo, commit, branch)) == 0 && git_commit_tree(out_base, c) < 0)
		error = tctl_git_fail("cannot read the commit's tree");
	git_commit_free(c);
	return error;
}

static int fill(tctl_provenance *prov, git_repository *repo, const char *commit, const char *branch)
{
	git_tree *base = NULL;
	const char *root;
	int error;

	prov->in_repo = true;
	prov->bare = git_repository_is_bare(repo) == 1;
	prov->shallow = git_repository_is_shallow(repo) == 1;
	root = prov->bare ? git_repository_path(repo) : git_repository_workdir(repo);
	if (!(prov->root = tctl_git_dup_dir(root)))
		return oom();
	if ((error = fill_commit(prov, &base, repo, commit, branch)) < 0)
		goto done;
	if (!prov->bare) {
		if ((error = fill_status(prov, repo, base)) < 0 || (error = fill_diff(prov, repo, base)) < 0)
			goto done;
	} else if (!(prov->diff = strdup(""))) {
		error = oom();
		goto done;
	}
	if ((error = fill_remote(prov, repo)) == 0)
		error = fill_note(prov);
done:
	git_tree_free(base);
	return error;
}

int tctl_git_provenance(tctl_provenance **out, const char *dir, const char *commit, const char *branch)
{
	git_repository *repo = NULL;
	tctl_provenance *prov = calloc(1, sizeof(*prov));
	int error;

	if (!prov)
		return oom();
	if ((error = tctl_git_open(&repo, dir)) == TCTL_ENOTFOUND) {
		tctl_error_clear();
		error = (prov->root = strdup(dir)) && (prov->note = strdup("not a git repository")) ? 0 : oom();
	} else if (error == 0) {
		error = fill(prov, repo, commit, branch);
	}
	git_repository_free(repo);
	if (error < 0) {
		tctl_provenance_free(prov);
		return error;
	}
	*out = prov;
	return 0;
}
