/* gc_fs.c: measure and remove trees under the data folder: openat/unlinkat, never following a link. */
#include "gc_fs.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 128
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)

int gc_root_open(gc_root *out, const char *dir)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!(out->path = realpath(dir, NULL)))
		return tctl_error_set_os("cannot resolve the data folder '%s'", dir);
	if ((out->fd = open(out->path, DIR_FLAGS)) < 0 || fstat(out->fd, &st) < 0) {
		int rc = tctl_error_set_os("cannot open the data folder '%s'", out->path);
		gc_root_close(out);
		return rc;
	}
	out->dev = st.st_dev;
	return 0;
}

void gc_root_close(gc_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	r->fd = -1;
	r->path = NULL;
}

typedef struct {
	const gc_root *root;
	bool remove;
	gc_usage *u;
} walk_ctx;

static void note_link(gc_usage *u, const char *name)
{
	if (!u->note[0])
		snprintf(u->note, sizeof(u->note), "'%.120s' is a symbolic link: the link itself "
			 "counts, its target is never followed", name);
}

/* The names in a folder, read before anything in it is removed. */
static int list_names(int dirfd, char ***out, size_t *out_len)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char **v = NULL, **p;
	size_t n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return tctl_error_set_os("cannot read a folder");
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!(p = realloc(v, (n + 1) * sizeof(*v))) || !(p[n] = strdup(e->d_name))) {
			v = p ? p : v;
			break;
		}
		v = p;
		n++;
	}
	closedir(d);
	*out = v;
	*out_len = n;
	return e ? tctl_error_set(TCTL_ENOMEM, "out of memory") : 0;
}

static int walk_entry(walk_ctx *c, int dirfd, const char *name, int depth);

static int walk_dir(walk_ctx *c, int fd, int depth)
{
	char **names = NULL;
	size_t n = 0;
	int rc;

	if (depth > MAX_DEPTH)
		return tctl_error_set(TCTL_EINVALID, "folders nested deeper than %d", MAX_DEPTH);
	if ((rc = list_names(fd, &names, &n)) == 0)
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = walk_entry(c, fd, names[i], depth + 1);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* One entry of folder `dirfd`: a folder is walked (then removed), anything else counted
 * (then unlinked); a symbolic link is an entry like a file, never followed. */
static int walk_entry(walk_ctx *c, int dirfd, const char *name, int depth)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : tctl_error_set_os("cannot stat '%s'", name);
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != c->root->dev)
			return tctl_error_set(TCTL_ESECURITY, "'%s' is another filesystem mounted here: "
					      "left alone", name);
		if ((fd = openat(dirfd, name, DIR_FLAGS)) < 0)
			return tctl_error_set_os("cannot open '%s'", name);
		rc = walk_dir(c, fd, depth);
		close(fd);
		if (rc == 0 && c->remove && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
			rc = tctl_error_set_os("cannot remove '%s'", name);
		return rc;
	}
	if (S_ISLNK(st.st_mode))
		note_link(c->u, name);
	c->u->files++;
	c->u->bytes += S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (c->remove && unlinkat(dirfd, name, 0) < 0)
		return tctl_error_set_os("cannot remove '%s'", name);
	return 0;
}

/* Opens the folders of `rel` but the last one by one (O_NOFOLLOW); *out_last points into rel. */
static int open_parent(int *out_fd, const char **out_last, const gc_root *root, const char *rel)
{
	char part[256];
	const char *p = rel, *slash;
	int fd = dup(root->fd), next;

	while (fd >= 0 && (slash = strchr(p, '/'))) {
		snprintf(part, sizeof(part), "%.*s", (int)(slash - p), p);
		if (!part[0] || !strcmp(part, ".") || !strcmp(part, "..")) {
			close(fd);
			return tctl_error_set(TCTL_ESECURITY, "'%s' is not a plain relative path", rel);
		}
		next = openat(fd, part, DIR_FLAGS);
		close(fd);
		if (next < 0)
			return errno == ENOENT ? TCTL_ENOTFOUND : errno == ELOOP || errno == ENOTDIR
				? tctl_error_set(TCTL_ESECURITY, "'%s' in '%s' is not a folder (a symbolic "
						 "link is never followed)", part, rel)
				: tctl_error_set_os("cannot open '%s'", part);
		fd = next;
		p = slash + 1;
	}
	if (fd < 0)
		return tctl_error_set_os("cannot open the data folder");
	if (!*p || !strcmp(p, ".") || !strcmp(p, "..")) {
		close(fd);
		return tctl_error_set(TCTL_ESECURITY, "'%s' is not a plain relative path", rel);
	}
	*out_fd = fd;
	*out_last = p;
	return 0;
}

static int walk_rel(gc_usage *out, const gc_root *root, const char *rel, bool remove)
{
	walk_ctx c = { root, remove, out };
	const char *last = NULL;
	struct stat st;
	int fd = -1, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = open_parent(&fd, &last, root, rel)) < 0)
		return rc;
	if (fstatat(fd, last, &st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = errno == ENOENT ? TCTL_ENOTFOUND : tctl_error_set_os("cannot stat '%s'", rel);
	else
		rc = walk_entry(&c, fd, last, 0);
	close(fd);
	return rc;
}

int gc_measure(gc_usage *out, const gc_root *root, const char *rel)
{
	return walk_rel(out, root, rel, false);
}

int gc_remove(gc_usage *out, const gc_root *root, const char *rel)
{
	return walk_rel(out, root, rel, true);
}
