/** @file util.h  Small shared utilities: growable buffer, files, paths, suggestions. */
#ifndef TRAINCTL_UTIL_H
#define TRAINCTL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** A growable NUL-terminated byte buffer. Zero-initialise with TCTL_BUF_INIT. */
typedef struct {
	char *ptr;
	size_t len;
	size_t cap;
} tctl_buf;

#define TCTL_BUF_INIT { NULL, 0, 0 }

int tctl_buf_grow(tctl_buf *b, size_t extra);
int tctl_buf_put(tctl_buf *b, const void *data, size_t len);
int tctl_buf_puts(tctl_buf *b, const char *s);
int tctl_buf_printf(tctl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tctl_buf_vprintf(tctl_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/** Hand the string to the caller (never NULL on success; "" when empty). */
char *tctl_buf_detach(tctl_buf *b);
void tctl_buf_clear(tctl_buf *b);
void tctl_buf_free(tctl_buf *b);

/** Read a whole file; *out is NUL-terminated and the caller's to free. */
int tctl_file_read(char **out, size_t *out_len, const char *path);

/**
 * Write a file atomically (temporary file in the same folder, fsync,
 * rename) with the given mode. Either the old or the new content remains.
 */
int tctl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/** Create a new file (it must not exist) and write it: no temporary file, no fsync; for files
 *  in a folder that is itself published by a rename (a run's staged folder). */
int tctl_file_write(const char *path, const void *data, size_t len, mode_t mode);

/** A cache file (private, 0600), written atomically after creating its folder (0700); best
 *  effort: a cache that cannot be written is rebuilt next time, so no error is left. */
void tctl_cache_file_write(const char *path, const char *text);

/** mkdir -p with `mode` for the folders it creates. */
int tctl_mkdir_p(const char *path, mode_t mode);

/** Join two path parts with one '/'; the caller frees. NULL on ENOMEM. */
char *tctl_path_join(const char *a, const char *b);

/**
 * `path` made absolute against the absolute folder `base` (unless it is
 * absolute already), with "." and ".." resolved textually (symbolic links are
 * not followed). The caller frees *out.
 */
int tctl_path_resolve(char **out, const char *base, const char *path);

/**
 * trainctl's folders, following the XDG base directory spec:
 * config: $XDG_CONFIG_HOME/trainctl (~/.config/trainctl),
 * data:   $XDG_DATA_HOME/trainctl (~/.local/share/trainctl),
 * cache:  $XDG_CACHE_HOME/trainctl (~/.cache/trainctl).
 * $TRAINCTL_HOME, when set, replaces all three with $TRAINCTL_HOME/{config,data,cache}.
 * The caller frees *out. The folders are not created.
 */
int tctl_dir_config(char **out);
int tctl_dir_data(char **out);
int tctl_dir_cache(char **out);

/**
 * Replace *dst with a copy of `src` (NULL: *dst becomes NULL); the old string
 * is freed. Returns 0 or TCTL_ENOMEM (then *dst is unchanged).
 */
int tctl_str_set(char **dst, const char *src);

/** The path of `name` in trainctl's cache / data folder (not created). Caller frees. */
int tctl_cache_path(char **out, const char *name);
int tctl_data_path(char **out, const char *name);

/** Wall clock in milliseconds / seconds since the epoch. */
int64_t tctl_now_ms(void);
int64_t tctl_now(void);

/** Monotonic clock in milliseconds. */
int64_t tctl_mono_ms(void);

/**
 * The candidate closest to `word` by edit distance, or NULL when none is
 * close enough to be a plausible typo. Borrowed from `candidates`.
 */
const char *tctl_suggest(const char *word, const char *const *candidates, size_t n);

/** Edit distance (Damerau-Levenshtein, optimal string alignment). */
size_t tctl_edit_distance(const char *a, const char *b);

/** True when `s` ends with `suffix`. */
bool tctl_str_endswith(const char *s, const char *suffix);

/*
 * Scanners for text other programs write (/proc, cgroup files, git's files):
 * each reads at *p, advances *p past what it read and returns true, or returns
 * false and leaves *p alone. Unlike atoi and sscanf they report a conversion
 * that failed or overflowed (numscan.c).
 */
/** Decimal digits (optional leading spaces and sign) within [min, max]. */
bool tctl_scan_i64(const char **p, int64_t min, int64_t max, int64_t *out);
/** Hexadecimal digits (no prefix) at most `max`. */
bool tctl_scan_hex(const char **p, uint64_t max, uint64_t *out);
/** The literal text `lit`. */
bool tctl_scan_lit(const char **p, const char *lit);
/** A whole string that is a decimal integer within [min, max] (nothing after it). */
bool tctl_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
