/** @file jsonpos.h  Where a value sits in JSON text, for messages that name a line. */
#ifndef TRAINCTL_JSONPOS_H
#define TRAINCTL_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

/**
 * One step of a path into a JSON document: an object member (`key` set) or
 * an array element (`key` NULL, `index` set). Keys are compared after JSON
 * escapes in the text are decoded, so "\u0061" matches "a".
 */
typedef struct {
	const char *key;
	size_t index;
} tctl_jsonpos_step;

/** A position in the text. */
typedef struct {
	int line;       /**< 1-based */
	int column;     /**< 1-based, in characters (UTF-8 code points), as jansson counts */
	size_t offset;  /**< byte offset from the start of the text */
} tctl_jsonpos;

/**
 * Find where the value at `path` (`depth` steps; 0 = the whole document)
 * starts in `text` (`len` bytes). With `key_pos`, the last step must be an
 * object member and the position is that of its key instead (for "unknown
 * key" messages). The first member wins when a key is repeated.
 *
 * Returns 0, or TCTL_ENOTFOUND when the path is not in the text (or the text
 * is not JSON up to it). It never sets the thread's error message, so it is
 * safe to call while composing one.
 */
int tctl_json_locate(tctl_jsonpos *out, const char *text, size_t len,
		     const tctl_jsonpos_step *path, size_t depth, bool key_pos);

/**
 * As tctl_json_locate, falling back to the nearest ancestor that exists
 * (the value of the longest prefix of `path` found). *out_depth, when not
 * NULL, is the number of steps matched. Returns TCTL_ENOTFOUND only when not
 * even the document's first value can be found.
 */
int tctl_json_locate_nearest(tctl_jsonpos *out, size_t *out_depth, const char *text,
			     size_t len, const tctl_jsonpos_step *path, size_t depth,
			     bool key_pos);

#endif
