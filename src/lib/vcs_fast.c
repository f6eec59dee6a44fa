/* vcs_fast.c: HEAD, branches and ORIG_HEAD read straight from git's files, so hooks need no libgit2. */
#include "trainctl/vcs.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "vcs_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * What this reader knows (gitrepository-layout(5)): a `.git` folder, or a
 * `.git` file saying "gitdir: X" (linked worktrees, submodules), found in
 * the folder asked about or above it; in that git folder a `commondir` file
 * naming the folder that holds the shared refs; HEAD and pseudo-refs
 * (ORIG_HEAD) in the git folder itself; a branch as a loose file under
 * <common>/refs/heads, else a line of <common>/packed-refs (a loose file
 * wins, as in git). Ids are 40 hex digits (SHA-1). Anything else (a
 * symbolic ref pointing at a symbolic ref, a ref outside refs/heads, a
 * reftable or SHA-256 repository, a bare repository) is TCTL_ENOTSUPPORTED,
 * with no message: the caller asks libgit2.
 */

typedef struct {
	char *git_dir;     /* this work tree's git folder */
	char *common_dir;  /* where refs/ and packed-refs live: git_dir, or its commondir */
} git_dirs;

static void dirs_clear(git_dirs *d)
{
	free(d->git_dir);
	free(d->common_dir);
}

static bool is_oid(const char *s, size_t len)
{
	return len == TCTL_VCS_OID_SIZE - 1 && strspn(s, "0123456789abcdef") == len;
}

/* The first line of a small file, or NULL when it cannot be read. */
static char *first_line(const char *path)
{
	char *text = NULL;

	if (tctl_file_read(&text, NULL, path) < 0) {
		tctl_error_clear();
		return NULL;
	}
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

/* `rel` made absolute against the folder `base` (unless it is absolute already), symlinks
 * resolved as git resolves them; NULL when it does not exist. */
static char *relative_to(const char *base, const char *rel)
{
	char *joined = rel[0] == '/' ? strdup(rel) : tctl_path_join(base, rel), *out;

	out = joined ? realpath(joined, NULL) : NULL;
	free(joined);
	return out;
}

/* The git folder named by the `.git` entry at path (a folder, or a "gitdir: X" file). */
static char *git_dir_of(const char *path, const char *parent)
{
	char *line, *dir = NULL;
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	if (S_ISDIR(st.st_mode))
		return strdup(path);
	if (!(line = first_line(path)))
		return NULL;
	if (!strncmp(line, "gitdir: ", 8) && line[8])
		dir = relative_to(parent, line + 8);
	free(line);
	return dir;
}

/* Find the git folders for abs_dir, searching upwards; false when there is no `.git` entry. */
static bool find_dirs(git_dirs *out, const char *abs_dir)
{
	char *dir = strdup(abs_dir), *slash, *common;

	memset(out, 0, sizeof(*out));
	while (dir) {
		char *dotgit = tctl_path_join(dir, ".git");
		out->git_dir = dotgit ? git_dir_of(dotgit, dir) : NULL;
		free(dotgit);
		if (out->git_dir || !(slash = strrchr(dir, '/')) || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	if (!out->git_dir)
		return false;
	if ((common = tctl_path_join(out->git_dir, "commondir"))) {
		char *line = first_line(common);
		out->common_dir = line && *line ? relative_to(out->git_dir, line) : NULL;
		free(line);
		free(common);
	}
	if (!out->common_dir)
		out->common_dir = strdup(out->git_dir);
	return out->common_dir != NULL;
}

/* A branch name git itself would write (git-check-ref-format(1)), in a form safe as a path. */
static bool branch_ref_ok(const char *ref)
{
	const char *name = ref + 11;
	size_t len = strlen(ref);

	if (strncmp(ref, "refs/heads/", 11) || !*name || ref[len - 1] == '/' || ref[len - 1] == '.' ||
	    strstr(ref, "..") || strstr(ref, "//") || strstr(ref, "/.") || *name == '.' ||
	    (len >= 5 && !strcmp(ref + len - 5, ".lock")))
		return false;
	for (const char *p = ref; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || strchr(" ~^:?*[\\", *p))
			return false;
	return true;
}

/* The id of `ref` in packed-refs ("<id> <ref>" lines; "#" header, "^" peeled lines). */
static int read_packed(char out[TCTL_VCS_OID_SIZE], const char *common_dir, const char *ref)
{
	char *path = tctl_path_join(common_dir, "packed-refs"), *text = NULL;
	size_t reflen = strlen(ref);
	int error = TCTL_ENOTFOUND;

	if (!path || tctl_file_read(&text, NULL, path) < 0) {
		tctl_error_clear();
		free(path);
		return TCTL_ENOTFOUND;
	}
	for (char *p = text; *p && error == TCTL_ENOTFOUND; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		size_t len = strcspn(p, "\r\n");
		if (len == TCTL_VCS_OID_SIZE + reflen && p[TCTL_VCS_OID_SIZE - 1] == ' ' &&
		    !strncmp(p + TCTL_VCS_OID_SIZE, ref, reflen)) {
			error = is_oid(p, strspn(p, "0123456789abcdef")) ? 0 : TCTL_ENOTSUPPORTED;
			if (error == 0)
				memcpy(out, p, TCTL_VCS_OID_SIZE - 1);
		}
	}
	out[TCTL_VCS_OID_SIZE - 1] = '\0';
	free(text);
	free(path);
	return error;
}

/* A branch: its loose file, else its packed-refs line. Missing (no commits yet?): libgit2 decides. */
static int read_branch(char out[TCTL_VCS_OID_SIZE], const git_dirs *d, const char *ref)
{
	char *path = tctl_path_join(d->common_dir, ref), *line = path ? first_line(path) : NULL;
	int error;

	if (line)
		error = is_oid(line, strlen(line)) ? 0 : TCTL_ENOTSUPPORTED;
	else
		error = path ? read_packed(out, d->common_dir, ref) : TCTL_ENOMEM;
	if (line && error == 0)
		memcpy(out, line, TCTL_VCS_OID_SIZE);
	free(line);
	free(path);
	return error == TCTL_ENOTFOUND ? TCTL_ENOTSUPPORTED : error;
}

/* HEAD or a pseudo-ref's text: an id (detached), or "ref: refs/heads/x". */
static int parse_ref_file(char out[TCTL_VCS_OID_SIZE], char **out_branch, const git_dirs *d, const char *line)
{
	char *branch = NULL;
	int error;

	if (is_oid(line, strlen(line))) {
		memcpy(out, line, TCTL_VCS_OID_SIZE);
	} else if (strncmp(line, "ref: ", 5) || !branch_ref_ok(line + 5)) {
		return TCTL_ENOTSUPPORTED;
	} else if ((error = read_branch(out, d, line + 5)) < 0) {
		return error;
	} else if (out_branch && !(branch = strdup(line + 16))) {
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (out_branch)
		*out_branch = branch;
	return 0;
}

int tctl_vcs__resolve_fast(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *abs_dir,
			   const char *name)
{
	git_dirs d;
	char *path = NULL, *line = NULL;
	int error = TCTL_ENOTSUPPORTED;

	if (!*name || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(name))
		return TCTL_ENOTSUPPORTED;   /* HEAD and pseudo-refs only */
	if (!find_dirs(&d, abs_dir))
		goto done;
	if (!(path = tctl_path_join(d.git_dir, name))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((line = first_line(path)))
		error = parse_ref_file(out, out_branch, &d, line);
	else if (strcmp(name, "HEAD") && access(path, F_OK) < 0)
		error = tctl_error_set(TCTL_ENOTFOUND, "no %s in '%s'", name, d.git_dir);
done:
	free(line);
	free(path);
	dirs_clear(&d);
	return error;
}

int tctl_vcs_head_branch_fast(char **out, const char *dir)
{
	char *abs = realpath(dir ? dir : ".", NULL), *path = NULL, *line = NULL;
	git_dirs d = { NULL, NULL };
	int error = TCTL_ENOTFOUND;

	if (!abs || !find_dirs(&d, abs) || !(path = tctl_path_join(d.git_dir, "HEAD")) ||
	    !(line = first_line(path)))
		goto done;
	if (is_oid(line, strlen(line))) {
		*out = NULL;
		error = 0;
	} else if (!strncmp(line, "ref: ", 5) && branch_ref_ok(line + 5)) {
		*out = strdup(line + 16);
		error = *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
done:
	free(line);
	free(path);
	dirs_clear(&d);
	free(abs);
	return error;
}
