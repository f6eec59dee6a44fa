/* vcs.c: the core side of git support: finding repositories cheaply, loading trainctl-git.so, values. */
#include "trainctl/vcs.h"
#include "trainctl/error.h"
#include "trainctl/module.h"
#include "trainctl/util.h"
#include "vcs_internal.h"
#include "../git/ops.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The module's ops, loading trainctl-git.so on first use. */
static int git_ops(const tctl_git_ops **out)
{
	static const tctl_git_ops *ops;
	tctl_git_module_fn fn;
	void *sym = NULL;
	int error;

	if (ops) {
		*out = ops;
		return 0;
	}
	if ((error = tctl_module_symbol(&sym, "git", "tctl_git_module")) < 0)
		return error;
	memcpy(&fn, &sym, sizeof(fn)); /* POSIX: dlsym's result may hold a function */
	ops = fn();
	if (!ops || ops->version != TCTL_GIT_OPS_VERSION) {
		ops = NULL;
		return tctl_error_set(TCTL_ENOMODULE, "module 'trainctl-git.so' is from another trainctl version");
	}
	*out = ops;
	return 0;
}

static bool exists_in(const char *dir, const char *name, bool want_dir)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	if (stat(path, &st) < 0)
		return lstat(path, &st) == 0 && !want_dir;
	return want_dir ? S_ISDIR(st.st_mode) : true;
}

/* Cheap test without libgit2: a .git entry here or above, or a bare git folder. */
static bool in_repository(const char *abs_dir)
{
	char path[PATH_MAX], *slash;

	if (strlen(abs_dir) >= sizeof(path))
		return true; /* let libgit2 decide */
	strcpy(path, abs_dir);
	for (;;) {
		if (exists_in(path, ".git", false))
			return true;
		if (exists_in(path, "HEAD", false) && exists_in(path, "objects", true) &&
		    exists_in(path, "refs", true))
			return true;
		if (!(slash = strrchr(path, '/')) || slash == path) {
			if (!strcmp(path, "/"))
				return false;
			strcpy(path, "/");
			continue;
		}
		*slash = '\0';
	}
}

/* The absolute, resolved form of dir (NULL: the current folder). */
static int absolute_dir(char **out, const char *dir)
{
	char *p = realpath(dir ? dir : ".", NULL);
	struct stat st;

	if (!p)
		return tctl_error_set_os("cannot resolve folder '%s'", dir ? dir : ".");
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(p);
		return tctl_error_set(TCTL_EINVALID, "'%s' is not a folder", dir);
	}
	*out = p;
	return 0;
}

int tctl_vcs_provenance(tctl_provenance **out, const char *dir)
{
	return tctl_vcs_provenance_at(out, dir, NULL, NULL);
}

int tctl_vcs_provenance_at(tctl_provenance **out, const char *dir, const char *commit,
			   const char *branch)
{
	const tctl_git_ops *ops;
	tctl_provenance *prov;
	char *abs = NULL;
	int error;

	if ((error = absolute_dir(&abs, dir)) < 0)
		return error;
	if (in_repository(abs)) {
		if ((error = git_ops(&ops)) == 0)
			error = ops->provenance(out, abs, commit, branch);
		free(abs);
		return error;
	}
	if (!(prov = calloc(1, sizeof(*prov))) || !(prov->note = strdup("not a git repository"))) {
		free(prov);
		free(abs);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	prov->root = abs;
	*out = prov;
	return 0;
}

void tctl_provenance_free(tctl_provenance *prov)
{
	if (!prov)
		return;
	for (size_t i = 0; i < prov->changes_len; i++)
		free(prov->changes[i].path);
	free(prov->changes);
	free(prov->root);
	free(prov->commit);
	free(prov->branch);
	free(prov->head);
	free(prov->diff);
	free(prov->remote);
	free(prov->remote_url);
	free(prov->note);
	free(prov);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *changes_json(const tctl_provenance *prov)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < prov->changes_len; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "status", prov->changes[i].status,
						     "path", prov->changes[i].path));
	return arr;
}

int tctl_provenance_to_json(char **out, const tctl_provenance *prov)
{
	json_t *o = json_pack("{s:b, s:o, s:o, s:o, s:b, s:o, s:b, s:o, s:o, s:b, s:o, s:o, s:b, s:b, s:b, s:o}",
		"in_repo", prov->in_repo, "root", str_or_null(prov->root),
		"commit", str_or_null(prov->commit), "branch", str_or_null(prov->branch),
		"detached", prov->detached, "head", str_or_null(prov->head), "dirty", prov->dirty,
		"changes", changes_json(prov),
		"diff_sha256", *prov->diff_sha256 ? json_string(prov->diff_sha256) : json_null(),
		"diff_truncated", prov->diff_truncated,
		"remote", str_or_null(prov->remote), "remote_url", str_or_null(prov->remote_url),
		"bare", prov->bare, "shallow", prov->shallow, "unborn", prov->unborn,
		"note", str_or_null(prov->note));
	char *text;

	if (!o || !(text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		json_decref(o);
		return tctl_error_set(TCTL_EINVALID, "cannot write the provenance of '%s' as JSON "
				      "(out of memory, or a path that is not UTF-8)", prov->root ? prov->root : "?");
	}
	json_decref(o);
	*out = text;
	return 0;
}

static bool is_ssh_scheme(const char *url, size_t len)
{
	return (len == 3 && !strncmp(url, "ssh", 3)) || (len == 7 && !strncmp(url, "git+ssh", 7)) ||
	       (len == 7 && !strncmp(url, "ssh+git", 7));
}

/* scheme://[userinfo@]host[:port]/path[?query][#fragment] */
static int strip_scheme_url(tctl_buf *b, const char *url, const char *sep)
{
	const char *auth = sep + 3, *end = auth + strcspn(auth, "/?#"), *at = NULL;
	bool ssh = is_ssh_scheme(url, (size_t)(sep - url));

	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (tctl_buf_put(b, url, (size_t)(auth - url)) < 0)
		return TCTL_ENOMEM;
	if (at && ssh) {
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		if (tctl_buf_put(b, auth, (size_t)((colon ? colon : at) - auth)) < 0 ||
		    tctl_buf_puts(b, "@") < 0)
			return TCTL_ENOMEM;
	}
	auth = at ? at + 1 : auth;
	return tctl_buf_put(b, auth, ssh ? strlen(auth) : strcspn(auth, "?#"));
}

int tctl_vcs_url_strip(char **out, const char *url)
{
	const char *sep = strstr(url, "://"), *at, *colon;
	tctl_buf b = TCTL_BUF_INIT;
	int error;

	if (sep && sep > url && !memchr(url, '/', (size_t)(sep - url)))
		error = strip_scheme_url(&b, url, sep);
	else if ((at = strchr(url, '@')) && (colon = memchr(url, ':', (size_t)(at - url))) &&
		 !memchr(url, '/', (size_t)(at - url)))
		error = (tctl_buf_put(&b, url, (size_t)(colon - url)) < 0 ||
			 tctl_buf_puts(&b, at) < 0) ? TCTL_ENOMEM : 0;
	else
		error = tctl_buf_puts(&b, url);
	if (error < 0) {
		tctl_buf_free(&b);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	*out = tctl_buf_detach(&b);
	return 0;
}

int tctl_vcs_locate(tctl_vcs_location **out, const char *dir)
{
	const tctl_git_ops *ops;
	char *abs = NULL;
	int error;

	if ((error = absolute_dir(&abs, dir)) < 0)
		return error;
	if (!in_repository(abs))
		error = tctl_error_set(TCTL_ENOTFOUND, "not in a git repository: '%s'", abs);
	else if ((error = git_ops(&ops)) == 0)
		error = ops->locate(out, abs);
	free(abs);
	return error;
}

void tctl_vcs_location_free(tctl_vcs_location *loc)
{
	if (!loc)
		return;
	free(loc->root);
	free(loc->git_dir);
	free(loc->hooks_dir);
	free(loc);
}

int tctl_vcs_resolve(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *dir, const char *name)
{
	const tctl_git_ops *ops;
	char *abs = NULL;
	int error;

	if (out_branch)
		*out_branch = NULL;
	if ((error = absolute_dir(&abs, dir)) < 0)
		return error;
	if ((error = tctl_vcs__resolve_fast(out, out_branch, abs, name)) != TCTL_ENOTSUPPORTED)
		goto done;
	if (!in_repository(abs))
		error = tctl_error_set(TCTL_ENOTFOUND, "not in a git repository: '%s'", abs);
	else if ((error = git_ops(&ops)) == 0)
		error = ops->resolve(out, out_branch, abs, name);
done:
	free(abs);
	return error;
}

void tctl_vcs_event_free(tctl_vcs_event *ev)
{
	if (!ev)
		return;
	free(ev->branch);
	free(ev->push_lines);
	free(ev);
}

/* HEAD (may be missing before a push: nothing is checked out then) and ORIG_HEAD (may be missing). */
static int capture_commits(tctl_vcs_event *ev, const char *dir)
{
	bool push = !strcmp(ev->event, "pre-push");
	int error = tctl_vcs_resolve(ev->commit, &ev->branch, dir, "HEAD");

	if (error == TCTL_ENOTFOUND && push) {
		tctl_error_clear();
		ev->commit[0] = '\0';
	} else if (error < 0) {
		return error;
	}
	if (strcmp(ev->event, "post-merge"))
		return 0;
	if ((error = tctl_vcs_resolve(ev->orig_head, NULL, dir, "ORIG_HEAD")) == TCTL_ENOTFOUND) {
		tctl_error_clear();
		ev->orig_head[0] = '\0';
		error = 0;
	}
	return error;
}

int tctl_vcs_event_capture(tctl_vcs_event **out, const char *dir, const char *event,
			   const char *push_lines)
{
	tctl_vcs_event *ev;
	int error;

	if (strcmp(event, "post-commit") && strcmp(event, "post-merge") && strcmp(event, "pre-push"))
		return tctl_error_set(TCTL_EINVALID, "unknown hook event '%s'", event);
	if (!(ev = calloc(1, sizeof(*ev))) || (push_lines && !(ev->push_lines = strdup(push_lines)))) {
		free(ev);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	strcpy(ev->event, event);
	if ((error = capture_commits(ev, dir)) < 0) {
		tctl_vcs_event_free(ev);
		return error;
	}
	*out = ev;
	return 0;
}

int tctl_vcs_event_updates_at(tctl_vcs_update **out, size_t *out_len, const char *dir,
			      const tctl_vcs_event *ev)
{
	const tctl_git_ops *ops;
	char *abs = NULL;
	int error;

	if ((error = absolute_dir(&abs, dir)) < 0)
		return error;
	if (!in_repository(abs))
		error = tctl_error_set(TCTL_ENOTFOUND, "not in a git repository: '%s'", abs);
	else if ((error = git_ops(&ops)) == 0)
		error = ops->event_updates(out, out_len, abs, ev);
	free(abs);
	return error;
}

int tctl_vcs_event_updates(tctl_vcs_update **out, size_t *out_len, const char *dir,
			   const char *event, const char *push_lines)
{
	tctl_vcs_event *ev = NULL;
	int error;

	if ((error = tctl_vcs_event_capture(&ev, dir, event, push_lines)) == 0)
		error = tctl_vcs_event_updates_at(out, out_len, dir, ev);
	tctl_vcs_event_free(ev);
	return error;
}

void tctl_vcs_updates_free(tctl_vcs_update *updates, size_t len)
{
	if (!updates)
		return;
	for (size_t i = 0; i < len; i++) {
		free(updates[i].branch);
		free(updates[i].commit);
		free(updates[i].base);
		for (size_t j = 0; j < updates[i].paths_len; j++)
			free(updates[i].paths[j]);
		free(updates[i].paths);
		free(updates[i].note);
	}
	free(updates);
}

int tctl_vcs__worktree_files(char ***out, size_t *out_len, char **out_root, const char *abs_dir)
{
	const tctl_git_ops *ops;
	int error;

	if (!in_repository(abs_dir))
		return TCTL_ENOTFOUND;
	if ((error = git_ops(&ops)) < 0)
		return error;
	return ops->worktree_files(out, out_len, out_root, abs_dir);
}
