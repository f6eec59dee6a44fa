/* snapshot.c: the files a run needs (git's view plus ignore files), their size limit and content hash. */
#include "trainctl/vcs.h"
#include "trainctl/error.h"
#include "trainctl/ignore.h"
#include "trainctl/units.h"
#include "trainctl/util.h"
#include "vcs_internal.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINK_DEPTH 8
#define LARGEST_SHOWN 5

typedef struct {
	const char *root;       /* boundary (repository root, or the folder outside one), resolved */
	size_t root_len;
	size_t prefix_len;      /* length of "sub/dir/" to cut from root-relative paths */
	tctl_ignore *ign;       /* rules for paths git listed (.amlignore, .trainctlignore) */
	tctl_ignore *ign_all;   /* rules for folders walked here (.gitignore too) */
	tctl_snapshot *snap;
	size_t cap;
} walker;

static int walk_dir(walker *w, const char *rel, const char *abs, int depth);

static int push_file(walker *w, const char *rel, const char *abs, const struct stat *st)
{
	tctl_snapshot *s = w->snap;
	tctl_snapshot_file *f;

	if (s->files_len == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		tctl_snapshot_file *n = realloc(s->files, cap * sizeof(*n));
		if (!n)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		s->files = n;
		w->cap = cap;
	}
	f = &s->files[s->files_len];
	f->path = strdup(rel + w->prefix_len);
	f->abs_path = strdup(abs);
	if (!f->path || !f->abs_path) {
		free(f->path);
		free(f->abs_path);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	f->size = (uint64_t)st->st_size;
	f->mode = (st->st_mode & S_IXUSR) ? 0100755 : 0100644;
	s->files_len++;
	s->total_size += f->size;
	return 0;
}

/* True when path is the boundary or below it, and not in its .git folder. */
static bool inside(const walker *w, const char *path)
{
	if (strncmp(path, w->root, w->root_len) || (path[w->root_len] && path[w->root_len] != '/'))
		return false;
	return strncmp(path + w->root_len, "/.git", 5) ||
	       (path[w->root_len + 5] && path[w->root_len + 5] != '/');
}

static int refuse_link(const char *rel, const char *abs, const char *why)
{
	char target[PATH_MAX];
	ssize_t n = readlink(abs, target, sizeof(target) - 1);

	target[n > 0 ? n : 0] = '\0';
	return tctl_error_set(TCTL_ESECURITY, "symlink '%s' points to '%s', %s; "
			      "add it to .trainctlignore to leave it out", rel, target, why);
}

/* Follow a symlink that stays inside the boundary: a file's content, a folder's files. */
static int follow_link(walker *w, const char *rel, const char *abs, int depth)
{
	char *real = realpath(abs, NULL), *parent = NULL;
	struct stat st;
	int error = 0;

	if (!real)
		return refuse_link(rel, abs, "which does not exist");
	if (!inside(w, real) || stat(real, &st) < 0) {
		error = refuse_link(rel, abs, "outside the repository");
	} else if (S_ISREG(st.st_mode)) {
		error = push_file(w, rel, real, &st);
	} else if (S_ISDIR(st.st_mode)) {
		size_t rl = strlen(real);
		if (asprintf(&parent, "%s/%s", w->root, rel) < 0)
			error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		else if (depth >= MAX_LINK_DEPTH || (!strncmp(parent, real, rl) && parent[rl] == '/'))
			error = refuse_link(rel, abs, "a folder that contains the link (a loop)");
		else
			error = walk_dir(w, rel, real, depth + 1);
	}
	free(parent);
	free(real);
	return error;
}

/* One path (relative to the boundary) at abs: checked against ign, then taken. */
static int add_path(walker *w, tctl_ignore *ign, const char *rel, const char *abs, int depth)
{
	struct stat st;
	bool ignored = false;
	int error;

	if (lstat(abs, &st) < 0)
		return 0; /* vanished since it was listed */
	if ((error = tctl_ignore_check(&ignored, ign, rel, S_ISDIR(st.st_mode))) < 0 || ignored)
		return error;
	if (S_ISLNK(st.st_mode))
		return follow_link(w, rel, abs, depth);
	if (S_ISREG(st.st_mode))
		return push_file(w, rel, abs, &st);
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, rel, abs, depth);
	return 0; /* sockets, fifos, devices: nothing to upload */
}

static int walk_dir(walker *w, const char *rel, const char *abs, int depth)
{
	struct dirent **ents = NULL;
	int n = scandir(abs, &ents, NULL, alphasort), error = 0;

	if (n < 0)
		return tctl_error_set_os("cannot read folder '%s'", abs);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *crel = NULL, *cabs = NULL;
		if (error == 0 && strcmp(name, ".") && strcmp(name, "..") && strcmp(name, ".git")) {
			if (asprintf(&crel, "%s%s%s", rel, *rel ? "/" : "", name) < 0 ||
			    asprintf(&cabs, "%s/%s", abs, name) < 0)
				error = tctl_error_set(TCTL_ENOMEM, "out of memory");
			else
				error = add_path(w, w->ign_all, crel, cabs, depth);
		}
		free(crel);
		free(cabs);
		free(ents[i]);
	}
	free(ents);
	return error;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(((const tctl_snapshot_file *)a)->path, ((const tctl_snapshot_file *)b)->path);
}

static int size_cmp(const void *a, const void *b)
{
	uint64_t x = (*(tctl_snapshot_file *const *)a)->size, y = (*(tctl_snapshot_file *const *)b)->size;
	return x < y ? 1 : x > y ? -1 : 0;
}

static int too_big(const tctl_snapshot *s, uint64_t max)
{
	tctl_snapshot_file **by_size = malloc(s->files_len * sizeof(*by_size));
	tctl_buf b = TCTL_BUF_INIT;
	char total[32], limit[32], one[32];
	int error;

	if (!by_size)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->files_len; i++)
		by_size[i] = &s->files[i];
	qsort(by_size, s->files_len, sizeof(*by_size), size_cmp);
	for (size_t i = 0; i < s->files_len && i < LARGEST_SHOWN; i++) {
		tctl_size_format(one, sizeof(one), by_size[i]->size);
		tctl_buf_printf(&b, "%s'%s' (%s)", i ? ", " : "", by_size[i]->path, one);
	}
	tctl_size_format(total, sizeof(total), s->total_size);
	tctl_size_format(limit, sizeof(limit), max);
	error = tctl_error_set(TCTL_ENOFIT, "code snapshot of '%s' is %s, over the %s limit; "
			       "largest files: %s; list what the run does not need in .trainctlignore",
			       s->root, total, limit, b.ptr ? b.ptr : "");
	tctl_buf_free(&b);
	free(by_size);
	return error;
}

static int new_ignore(tctl_ignore **out, const char *root, bool with_gitignore)
{
	static const char *names[] = { ".gitignore", ".amlignore", ".trainctlignore" };

	return with_gitignore ? tctl_ignore_new(out, root, names, 3)
			      : tctl_ignore_new(out, root, names + 1, 2);
}

/* Add the files git lists for the repository: they pass only the trainctl ignore rules. */
static int add_git_files(walker *w, char **paths, size_t n)
{
	int error = 0;

	for (size_t i = 0; i < n && error == 0; i++) {
		char *abs = tctl_path_join(w->root, paths[i]);
		error = abs ? add_path(w, w->ign, paths[i], abs, 0)
			    : tctl_error_set(TCTL_ENOMEM, "out of memory");
		free(abs);
	}
	return error;
}

static int collect(walker *w, const char *abs_dir)
{
	char **paths = NULL, *root = NULL;
	size_t n = 0;
	int error = tctl_vcs__worktree_files(&paths, &n, &root, abs_dir);

	if (error == TCTL_ENOTFOUND && !root) {
		w->root = abs_dir;
		w->root_len = strlen(abs_dir);
		if ((error = new_ignore(&w->ign_all, abs_dir, true)) == 0)
			error = walk_dir(w, "", abs_dir, 0);
		return error;
	}
	if (error < 0)
		return error;
	w->snap->in_repo = true;
	w->root = root;
	w->root_len = strlen(root);
	w->prefix_len = strcmp(root, abs_dir) ? strlen(abs_dir) - w->root_len : 0;
	if ((error = new_ignore(&w->ign, root, false)) == 0 &&
	    (error = new_ignore(&w->ign_all, root, true)) == 0)
		error = add_git_files(w, paths, n);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return error;
}

int tctl_vcs_snapshot(tctl_snapshot **out, const char *dir, const tctl_snapshot_options *opts)
{
	uint64_t max = opts && opts->max_size ? opts->max_size : TCTL_SNAPSHOT_DEFAULT_MAX;
	walker w = { 0 };
	int error;

	if (!(w.snap = calloc(1, sizeof(*w.snap))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (!(w.snap->root = realpath(dir ? dir : ".", NULL))) {
		error = tctl_error_set_os("cannot resolve folder '%s'", dir ? dir : ".");
		goto done;
	}
	if ((error = collect(&w, w.snap->root)) < 0)
		goto done;
	qsort(w.snap->files, w.snap->files_len, sizeof(tctl_snapshot_file), path_cmp);
	if (w.snap->total_size > max)
		error = too_big(w.snap, max);
done:
	if (w.root != w.snap->root)
		free((char *)w.root);
	tctl_ignore_free(w.ign);
	tctl_ignore_free(w.ign_all);
	if (error < 0)
		tctl_snapshot_free(w.snap);
	else
		*out = w.snap;
	return error;
}

int tctl_snapshot_hash(char out[TCTL_SHA256_HEX_SIZE], const tctl_snapshot *snap)
{
	static const char magic[] = "trainctl-snapshot-v1\n";
	unsigned char digest[TCTL_SHA256_SIZE];
	tctl_sha256_ctx ctx;
	char head[64];
	int error;

	tctl_sha256_init(&ctx);
	tctl_sha256_update(&ctx, magic, sizeof(magic) - 1);
	for (size_t i = 0; i < snap->files_len; i++) {
		const tctl_snapshot_file *f = &snap->files[i];
		uint64_t size = 0;
		if ((error = tctl_sha256_file(digest, &size, f->abs_path)) < 0)
			return error;
		if (size != f->size)
			return tctl_error_set(TCTL_ERROR, "'%s' changed while the code snapshot was hashed",
					      f->path);
		snprintf(head, sizeof(head), "%o %llu ", (unsigned)f->mode, (unsigned long long)f->size);
		tctl_sha256_update(&ctx, head, strlen(head));
		tctl_sha256_update(&ctx, f->path, strlen(f->path) + 1);
		tctl_sha256_update(&ctx, digest, sizeof(digest));
	}
	tctl_sha256_final(&ctx, digest);
	tctl_sha256_hex(out, digest);
	return 0;
}

void tctl_snapshot_free(tctl_snapshot *snap)
{
	if (!snap)
		return;
	for (size_t i = 0; i < snap->files_len; i++) {
		free(snap->files[i].path);
		free(snap->files[i].abs_path);
	}
	free(snap->files);
	free(snap->root);
	free(snap);
}
