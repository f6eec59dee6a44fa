/* fuzz.h: what the libFuzzer targets in fuzz/ share: the entry points, NUL-terminated
 * copies of the input, splitting it into parts, and invariant checks that abort. */
#ifndef TRAINCTL_FUZZ_H
#define TRAINCTL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainctl/error.h"

/* libFuzzer calls these; fuzz/replay.c calls them for the corpus in the normal build. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promises: when it does not hold, the input is a finding. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* A NUL-terminated copy of data (the caller frees it); aborts when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits s at its first '\n' (replaced by NUL): returns the rest, or "" when s has none. */
static inline char *fuzz_split_line(char *s)
{
	char *nl = strchr(s, '\n');

	if (!nl)
		return s + strlen(s);
	*nl = '\0';
	return nl + 1;
}

/* The HTTP status after "error " in a first line ("error 429"); 400 when there is none. */
static inline int fuzz_status(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end == s || v < 100 || v > 999 ? 400 : (int)v;
}

/* A failed call (rc < 0) left an error with that code and a message saying what went wrong;
 * the error is cleared either way, so the next input starts clean. */
static inline void fuzz_check_error(int rc)
{
	if (rc < 0) {
		const tctl_error *e = tctl_error_last();
		FUZZ_CHECK(e->code == rc);
		FUZZ_CHECK(e->message && e->message[0]);
	}
	tctl_error_clear();
}

#endif
