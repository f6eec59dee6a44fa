/** @file ignore.h  Ignore files in gitignore syntax (.gitignore, .amlignore, .trainctlignore). */
#ifndef TRAINCTL_IGNORE_H
#define TRAINCTL_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

/**
 * A set of ignore rules for one folder tree. Rules come from files with the
 * given names in every folder of the tree (read lazily, as paths below that
 * folder are checked) and from tctl_ignore_add_rule() (lowest precedence,
 * like .git/info/exclude).
 *
 * The syntax and precedence are git's (gitignore(5)): blank lines and lines
 * starting with '#' are skipped; trailing unescaped spaces are dropped; '!'
 * negates; a trailing '/' matches folders only; a pattern with a '/' at its
 * start or middle is relative to the folder of its file, otherwise it
 * matches a name at any depth below it; globs as in glob.h. Within a file
 * the last matching line wins; a deeper folder's file wins over a shallower
 * one; in one folder, files are read in the order their names were given.
 * A path inside an ignored folder is ignored, whatever a later '!' says.
 */
typedef struct tctl_ignore tctl_ignore;

/**
 * New rule set for the tree at `root` reading, in each folder, the files
 * named in `file_names` (`n` of them, e.g. ".gitignore", ".amlignore").
 * The names are copied.
 */
int tctl_ignore_new(tctl_ignore **out, const char *root, const char *const *file_names, size_t n);

/** Add one line of gitignore syntax, as if it were in a file at the root. */
int tctl_ignore_add_rule(tctl_ignore *ign, const char *line);

/**
 * Whether `path` (relative to the root, '/'-separated, no leading "./") is
 * ignored; `is_dir` says whether it names a folder. Results for folders are
 * cached, so checking paths in sorted order is cheapest. Returns 0, or an
 * error when an ignore file exists but cannot be read.
 */
int tctl_ignore_check(bool *out, tctl_ignore *ign, const char *path, bool is_dir);

void tctl_ignore_free(tctl_ignore *ign);

#endif
