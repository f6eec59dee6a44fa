/* fuzz_glob.c: the trigger and ignore globs (src/lib/glob.c): a pattern line, then a path. */
#include "fuzz.h"

#include "trainctl/glob.h"
#include "trainctl/trigger.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* `s` with each of * ? [ \ escaped by a backslash: a pattern matching s alone. */
static char *escaped(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o = out;

	FUZZ_CHECK(out != NULL);
	for (; *s; s++) {
		if (strchr("*?[\\", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* The promises of glob.h that hold for any pattern and path. */
static void check(const char *pattern, const char *path)
{
	bool m = tctl_glob_match(pattern, path);
	char *esc = escaped(path), *list[2] = { (char *)pattern, NULL };
	char neg[4096];

	fuzz_check_error(tctl_glob_check(pattern));
	if (!tctl_glob_has_magic(pattern))
		FUZZ_CHECK(m == !strcmp(pattern, path));
	FUZZ_CHECK(tctl_glob_match("**", path));
	FUZZ_CHECK(tctl_glob_check(esc) == 0);
	FUZZ_CHECK(tctl_glob_match(esc, path));
	FUZZ_CHECK(tctl_glob_match(esc, esc) == !strcmp(esc, path));
	if (!strchr(path, '/'))
		FUZZ_CHECK(tctl_glob_match("*", path));
	/* a list of one pattern selects what it matches; "!p" alone selects what p does not */
	if (pattern[0] != '!' && strlen(pattern) + 2 < sizeof(neg)) {
		FUZZ_CHECK(tctl_trigger_list_match(list, 1, path) == m);
		snprintf(neg, sizeof(neg), "!%s", pattern);
		list[0] = neg;
		FUZZ_CHECK(tctl_trigger_list_match(list, 1, path) == !m);
	}
	free(esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pattern = fuzz_cstr(data, size), *path = fuzz_split_line(pattern);

	check(pattern, path);
	tctl_error_clear();
	free(pattern);
	return 0;
}
