/** @file vcs.h  Git provenance, code snapshots, the commits a hook event brings, and hook folders. */
#ifndef TRAINCTL_VCS_H
#define TRAINCTL_VCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainctl/sha256.h"

/** A commit id as text: 40 lower-case hex digits and a NUL. */
#define TCTL_VCS_OID_SIZE 41

/*
 * Everything here that needs git reads it through libgit2, which lives in
 * the loadable module trainctl-git.so: the first call that finds a
 * repository loads it (a few milliseconds); calls about folders that are
 * not in a repository never do. Ownership: every value returned through
 * `**out` is the caller's, released with the matching _free (which accepts
 * NULL); strings inside a value belong to it.
 *
 * A folder is "in a repository" when it, or a folder above it, holds a
 * `.git` entry or is itself a git folder (bare repository); $GIT_DIR is not
 * consulted. docs/git.md describes every field below.
 */

/** One changed path, as `git status --porcelain` shows it. */
typedef struct {
	char status[3]; /**< XY: index then work tree ("M ", " M", "A ", " D", "??", "UU") */
	char *path;     /**< relative to the repository root */
} tctl_vcs_change;

/** Where a run's code came from. */
typedef struct {
	bool in_repo;       /**< false: not a git repository (root is the folder asked about) */
	char *root;         /**< work tree root (absolute); the git folder of a bare repository */
	char *commit;       /**< HEAD's full id (40 hex); NULL when there are no commits yet */
	char *branch;       /**< HEAD's branch ("main"); NULL when detached or not in a repo */
	bool detached;
	char *head;         /**< as `git status` says it: "main", "HEAD detached at 1a2b3c4" */
	bool dirty;         /**< any change against HEAD, untracked files included */
	tctl_vcs_change *changes; /**< sorted by path */
	size_t changes_len;
	char *diff;         /**< `git diff HEAD` plus untracked files as new files (binary as
	                         git binary patches): applies with `git apply`; "" when clean;
	                         NULL when longer than TCTL_PROVENANCE_MAX_DIFF (diff_truncated) */
	size_t diff_len;
	bool diff_truncated;
	char diff_sha256[TCTL_SHA256_HEX_SIZE]; /**< sha256 of the whole diff text; "" when clean */
	char *remote;       /**< "origin", else the alphabetically first remote; NULL when none */
	char *remote_url;   /**< that remote's URL, credentials stripped (tctl_vcs_url_strip) */
	bool bare, shallow, unborn;
	char *note;         /**< one line worth telling the user ("shallow clone: ..."), or NULL */
} tctl_provenance;

/** Diffs longer than this are hashed but not kept in memory (64 MiB). */
#define TCTL_PROVENANCE_MAX_DIFF ((size_t)64 << 20)

/**
 * The provenance of the code in `dir` (NULL: the current folder). Outside a
 * repository, in a repository with no commits, a bare repository or a
 * shallow clone it succeeds and says so (in_repo, unborn, bare, shallow,
 * note). Fails only when the repository cannot be read (TCTL_ERROR with
 * libgit2's message), the module cannot be loaded, or memory runs out.
 */
int tctl_vcs_provenance(tctl_provenance **out, const char *dir);

/**
 * As tctl_vcs_provenance(), for a given commit instead of HEAD (hooks: the
 * commit an event was about, captured before HEAD could move on). `commit`
 * (40 hex; a tag is peeled) becomes the provenance's commit, `branch` (NULL:
 * detached) its branch and head; changes, dirty and the diff compare the
 * work tree and index, as they are when this runs, with that commit's tree,
 * so `git checkout COMMIT && git apply dirty.patch` still recreates the work
 * tree. When `commit` is HEAD this is tctl_vcs_provenance(). TCTL_ERROR when
 * the repository does not hold the commit.
 */
int tctl_vcs_provenance_at(tctl_provenance **out, const char *dir, const char *commit,
			   const char *branch);

void tctl_provenance_free(tctl_provenance *prov);

/**
 * The provenance as a JSON object (without the diff text itself, which is
 * saved as the run's dirty.patch). Caller frees.
 */
int tctl_provenance_to_json(char **out, const tctl_provenance *prov);

/**
 * Remove credentials from a remote URL. For URLs with a scheme other than
 * ssh (https://user:token@host/x, https://token@host/x) the whole user-info
 * part goes, since a user name alone is often a token, and so do a query
 * and a fragment; ssh://user:pass@host/x and scp-like user@host:x keep the
 * user (it is a login name, "git" on every forge) and lose any password.
 * Local paths are unchanged. Caller frees.
 */
int tctl_vcs_url_strip(char **out, const char *url);

/* ---- code snapshots ---- */

/** One file of a snapshot. */
typedef struct {
	char *path;       /**< relative to the snapshot folder, '/'-separated */
	char *abs_path;   /**< the file to read (a symlink's target, resolved) */
	uint64_t size;
	uint32_t mode;    /**< 0100644, or 0100755 when executable by its owner */
} tctl_snapshot_file;

typedef struct {
	char *root;       /**< the snapshot folder (absolute, symlinks resolved) */
	bool in_repo;
	tctl_snapshot_file *files; /**< sorted by path, byte order */
	size_t files_len;
	uint64_t total_size;
} tctl_snapshot;

typedef struct {
	unsigned int version;
	uint64_t max_size;  /**< total bytes allowed; 0: TCTL_SNAPSHOT_DEFAULT_MAX */
} tctl_snapshot_options;

#define TCTL_SNAPSHOT_OPTIONS_VERSION 1
#define TCTL_SNAPSHOT_OPTIONS_INIT { TCTL_SNAPSHOT_OPTIONS_VERSION, 0 }
#define TCTL_SNAPSHOT_DEFAULT_MAX ((uint64_t)100 << 20)

/**
 * The files a run started in `dir` needs. In a repository: the files under
 * `dir` that are tracked (as they are in the work tree; deleted ones are
 * left out) or untracked and not ignored by git's rules (.gitignore,
 * .git/info/exclude, core.excludesFile); outside one: every file under
 * `dir`, with .gitignore files read as git would. In both cases the rules
 * of .amlignore and .trainctlignore files (gitignore syntax, read in every
 * folder from the repository root or `dir` down) then remove files, tracked
 * ones included. `.git` is never included; submodules are left out.
 *
 * A symlink is followed when its target lies inside the repository (or
 * `dir` outside one): a file's content is taken, a folder's files are
 * listed below the link's path. Any other symlink fails the snapshot with
 * TCTL_ESECURITY naming the link and its target, as does a loop. A total
 * over the limit fails with TCTL_ENOFIT naming the largest files.
 * `opts` may be NULL.
 */
int tctl_vcs_snapshot(tctl_snapshot **out, const char *dir, const tctl_snapshot_options *opts);

/**
 * The snapshot's content hash, lower-case hex: sha256 over
 * "trainctl-snapshot-v1\n" followed, for each file in path order, by
 * "<mode in octal> <size in decimal> <path>\0" and the 32-byte sha256 of
 * its content. It changes exactly when a path, an executable bit or a
 * content changes (not with times or owners). Reads every file; fails
 * when one changed size or vanished since the listing (TCTL_ERROR naming it).
 */
int tctl_snapshot_hash(char out[TCTL_SHA256_HEX_SIZE], const tctl_snapshot *snap);

void tctl_snapshot_free(tctl_snapshot *snap);

/* ---- hooks: where they live, and what an event brought ---- */

/** Where a repository keeps things. */
typedef struct {
	char *root;        /**< work tree root; NULL for a bare repository */
	char *git_dir;     /**< the repository's git folder (for a worktree, its own) */
	char *hooks_dir;   /**< core.hooksPath (made absolute) or <common git folder>/hooks */
	bool hooks_path_configured; /**< hooks_dir comes from core.hooksPath */
	bool bare;
} tctl_vcs_location;

/** Find the repository holding `dir`; TCTL_ENOTFOUND outside one. */
int tctl_vcs_locate(tctl_vcs_location **out, const char *dir);

void tctl_vcs_location_free(tctl_vcs_location *loc);

/** One commit a hook event brings, with the paths it changed. */
typedef struct {
	char *branch;     /**< "main" (for pre-push: the remote branch pushed to); NULL when detached */
	char *commit;     /**< 40 hex */
	char *base;       /**< the commit compared against; NULL when paths is the whole tree */
	char **paths;     /**< changed paths (both sides of a rename), sorted, unique */
	size_t paths_len;
	char *note;       /**< e.g. "root commit: every path counts as changed", or NULL */
} tctl_vcs_update;

/** A hook event, with the commits it is about captured while the hook runs. */
typedef struct {
	char event[16];                      /**< "post-commit", "post-merge" or "pre-push" */
	char commit[TCTL_VCS_OID_SIZE];      /**< HEAD's commit; "" when there is none (pre-push only) */
	char *branch;                        /**< HEAD's branch ("main"); NULL when detached */
	char orig_head[TCTL_VCS_OID_SIZE];   /**< post-merge: ORIG_HEAD; "" when there is none */
	char *push_lines;                    /**< pre-push: its standard input; else NULL */
} tctl_vcs_event;

/**
 * Capture what `event` is about in the repository holding `dir`: HEAD's
 * commit and branch, ORIG_HEAD for post-merge, and (pre-push) the pushed
 * lines, copied. Reads git's files directly (tctl_vcs_resolve), so a hook
 * can answer git at once and leave the rest to another process. TCTL_EINVALID
 * for an unknown event, TCTL_ENOTFOUND outside a repository or (post-commit,
 * post-merge) before the first commit.
 */
int tctl_vcs_event_capture(tctl_vcs_event **out, const char *dir, const char *event,
			   const char *push_lines);

void tctl_vcs_event_free(tctl_vcs_event *ev);

/**
 * What a captured event brought, in the repository holding `dir`:
 * "post-commit": the captured commit against its first parent (a root
 * commit, or a shallow one whose parent is missing: its whole tree);
 * "post-merge": ORIG_HEAD..commit (no ORIG_HEAD: the whole tree);
 * "pre-push": one update per line of `push_lines` ("<local ref> <local sha>
 * <remote ref> <remote sha>"), for branches only (deletions and tags are
 * skipped), compared against the remote sha when this repository has it,
 * else against what the remote-tracking branches already hold. The answer
 * is the same however far HEAD has moved since the capture. TCTL_EINVALID
 * for a malformed line, TCTL_ENOTFOUND outside a repository or before the
 * first commit, TCTL_ERROR when a captured commit cannot be read.
 */
int tctl_vcs_event_updates_at(tctl_vcs_update **out, size_t *out_len, const char *dir,
			      const tctl_vcs_event *ev);

/**
 * Capture `event` now and return what it brought (tctl_vcs_event_capture,
 * then tctl_vcs_event_updates_at). TCTL_EINVALID for an unknown event.
 */
int tctl_vcs_event_updates(tctl_vcs_update **out, size_t *out_len, const char *dir,
			   const char *event, const char *push_lines);

void tctl_vcs_updates_free(tctl_vcs_update *updates, size_t len);

/**
 * The commit `name` ("HEAD", or a pseudo-ref such as "ORIG_HEAD") names in
 * the repository holding `dir` (NULL: the current folder), as 40 hex digits
 * in `out`. When out_branch is not NULL, *out_branch is the branch `name`
 * points to ("main"; the caller's), or NULL when it holds a commit id
 * (detached). Reads git's own files (HEAD, the `.git` file of a linked
 * worktree and its commondir, loose refs, packed-refs) without loading
 * libgit2; only a form that reader does not know (a symbolic ref to a
 * symbolic ref, a ref outside refs/heads, a bare, reftable or SHA-256
 * repository) loads it. TCTL_ENOTFOUND outside a repository, before the
 * first commit, or when `name` does not exist.
 */
int tctl_vcs_resolve(char out[TCTL_VCS_OID_SIZE], char **out_branch, const char *dir, const char *name);

/**
 * HEAD's branch, read straight from the HEAD file without loading libgit2
 * (for hooks: it lets a trigger's branch list rule a commit out in well
 * under a millisecond). *out is the branch ("main"), or NULL when HEAD is
 * detached. TCTL_ENOTFOUND when no `.git` folder or file is found above
 * `dir`, or HEAD is in a form this reader does not know; ask
 * tctl_vcs_resolve() then.
 */
int tctl_vcs_head_branch_fast(char **out, const char *dir);

#endif
