/** @file glob.h  Path globs with "**", as in .gitignore, GitHub workflow filters and job triggers. */
#ifndef TRAINCTL_GLOB_H
#define TRAINCTL_GLOB_H

#include <stdbool.h>

/// Match `path` (segments separated by '/') against `pattern`:
///
/// - `*` matches any run of characters within one segment (never '/');
/// - `?` matches one character other than '/';
/// - `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` and `[[:alpha:]]`-style classes
///   match one character other than '/';
/// - `\x` matches `x` literally;
/// - `**` as a whole segment matches zero or more whole segments:
///   `**` alone matches every path, `src/**` everything below src,
///   `**/x` matches x in any folder including the top,
///   `a/**/b` matches a/b, a/x/b, a/x/y/b. Elsewhere (`a**b`) it is `*`.
///
/// The whole path must match; a leading '.' is not special. A malformed
/// class (no closing ']') matches a literal '['; use tctl_glob_check() to
/// refuse such patterns in user input. (Line comments here: the patterns
/// contain the two characters that open a block comment.)
bool tctl_glob_match(const char *pattern, const char *path);

/**
 * 0 when `pattern` is well formed; TCTL_EINVALID when it has an unterminated
 * '[' class, an unknown "[:name:]" class or a trailing backslash, with a
 * message naming the pattern and the problem.
 */
int tctl_glob_check(const char *pattern);

/** True when `pattern` has any of * ? [ \ (false: it matches only itself). */
bool tctl_glob_has_magic(const char *pattern);

#endif
