/* fuzz_metric.c: TRAINCTL_METRIC lines in a program's output (sweep trials, runs). */
#include "fuzz.h"

#include "trainctl/sweep.h"

#include <inttypes.h>
#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* Every value of a parsed line is found by its name, names are NUL-terminated in their
 * buffer, and the line keeps at most TCTL_METRIC_MAX of them. */
static void check_line(const tctl_metric_line *m)
{
	FUZZ_CHECK(m->len <= TCTL_METRIC_MAX);
	for (size_t i = 0; i < m->len; i++) {
		double v = NAN;
		FUZZ_CHECK(memchr(m->values[i].name, '\0', TCTL_METRIC_NAME_MAX) != NULL);
		FUZZ_CHECK(m->values[i].name[0] != '\0');
		FUZZ_CHECK(tctl_metric_get(m, m->values[i].name, &v));
		FUZZ_CHECK(v == m->values[i].value && isfinite(v));
	}
}

/* The line printed back in the documented format (docs/metrics.md) reads the same. */
static void check_print_back(const tctl_metric_line *m)
{
	char buf[TCTL_METRIC_MAX * (TCTL_METRIC_NAME_MAX + 32) + 64];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "TRAINCTL_METRIC step=%" PRId64, m->step);
	tctl_metric_line back;

	for (size_t i = 0; i < m->len && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %s=%.17g", m->values[i].name,
				      m->values[i].value);
	FUZZ_CHECK(n < sizeof(buf));
	FUZZ_CHECK(tctl_metric_parse(&back, buf, n) == 1);
	FUZZ_CHECK(back.step == m->step && back.len == m->len);
	for (size_t i = 0; i < m->len; i++) {
		FUZZ_CHECK(!strcmp(back.values[i].name, m->values[i].name));
		FUZZ_CHECK(back.values[i].value == m->values[i].value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tctl_metric_line m;
	int rc;

	memset(&m, 0xa5, sizeof(m));
	rc = tctl_metric_parse(&m, (const char *)data, size);
	fuzz_check_error(rc);
	FUZZ_CHECK(rc == 0 || rc == 1 || rc == TCTL_EINVALID);
	if (rc == 1) {
		FUZZ_CHECK(m.step >= 0);
		check_line(&m);
		check_print_back(&m);
	}
	if (size < 15 || memcmp(data, "TRAINCTL_METRIC", 15))
		FUZZ_CHECK(rc == 0);
	return 0;
}
