/* fuzz_units.c: duration, size and RFC 3339 time strings as users and Azure write them. */
#include "fuzz.h"

#include "trainctl/units.h"

#include <inttypes.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* A parsed duration prints back (ISO 8601 exactly, compactly to at most itself) and re-parses. */
static void check_duration(const char *text)
{
	int64_t v = 0, back = -1;
	char buf[80];
	int rc = tctl_duration_parse(&v, text);

	fuzz_check_error(rc);
	if (rc < 0)
		return;
	FUZZ_CHECK(v >= 0);
	tctl_duration_format_iso(buf, sizeof(buf), v);
	rc = tctl_duration_parse(&back, buf);
	if (rc < 0 || back != v)
		fprintf(stderr, "'%s' = %" PRId64 " s, printed '%s', read back %" PRId64 " (%s)\n", text, v,
			buf, back, tctl_error_last()->message);
	FUZZ_CHECK(rc == 0 && back == v);
	tctl_duration_format(buf, sizeof(buf), v);
	rc = tctl_duration_parse(&back, buf);
	if (rc < 0 || back > v)
		fprintf(stderr, "'%s' = %" PRId64 " s, printed '%s', read back %" PRId64 " (%s)\n", text, v,
			buf, back, tctl_error_last()->message);
	FUZZ_CHECK(rc == 0 && back <= v);
}

/* A parsed size prints back in bytes to the same value; its binary rendering reads back. */
static void check_size(const char *text)
{
	uint64_t v = 0, back = 1;
	char buf[80];
	int rc = tctl_size_parse(&v, text);

	fuzz_check_error(rc);
	if (rc < 0)
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64 "B", v);
	rc = tctl_size_parse(&back, buf);
	FUZZ_CHECK(rc == 0 && back == v);
	tctl_size_format(buf, sizeof(buf), v);
	rc = tctl_size_parse(&back, buf);
	if (rc < 0)
		fprintf(stderr, "'%s' = %" PRIu64 " B printed '%s': %s\n", text, v, buf,
			tctl_error_last()->message);
	FUZZ_CHECK(rc == 0);
}

/* A parsed time prints back as RFC 3339 and re-parses to the same second. */
static void check_time(const char *text)
{
	int64_t v = 0, back = -1;
	char buf[80];
	int rc = tctl_time_parse(&v, text);

	fuzz_check_error(rc);
	if (rc < 0)
		return;
	tctl_time_format(buf, sizeof(buf), v);
	rc = tctl_time_parse(&back, buf);
	if (rc < 0 || back != v)
		fprintf(stderr, "'%s' = %" PRId64 ", printed '%s', read back %" PRId64 "\n", text, v, buf,
			back);
	FUZZ_CHECK(rc == 0 && back == v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);

	check_duration(text);
	check_size(text);
	check_time(text);
	tctl_error_clear();
	free(text);
	return 0;
}
