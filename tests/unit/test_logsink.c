/* test_logsink.c: the supervisor's log sink copies a job's pipes into its log files and
 * stops at their end of file, not at its deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/local/local_internal.h"
#include "trainctl/util.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *slurp(const char *dir, const char *name)
{
	char path[512], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(tctl_file_read(&text, &len, path), 0);
	assert_int_equal(unlink(path), 0);
	return text;
}

/* Both pipes written and closed before the drain (a job that ended at once): the drain
 * copies everything and returns at their end of file. It once polled two closed pipes until
 * its timeout, so every fast run ended a second late. */
static void drain_stops_at_end_of_file(void **state)
{
	char dir[] = "/tmp/test-logsink-XXXXXX", *out, *err;
	int p[2][2], reads[2];
	log_sink s;
	int64_t t0, took;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int k = 0; k < 2; k++) {
		assert_int_equal(pipe(p[k]), 0);
		reads[k] = p[k][0];
	}
	assert_int_equal(write(p[0][1], "to stdout\n", 10), 10);
	assert_int_equal(write(p[1][1], "to stderr\n", 10), 10);
	close(p[0][1]);
	close(p[1][1]);
	assert_int_equal(logsink_open(&s, dir, reads), 0);
	t0 = mono_ms();
	logsink_drain(&s, t0 + 30000);
	took = mono_ms() - t0;
	print_message("# drain of two ended pipes: %lld ms\n", (long long)took);
	assert_int_equal(s.pipe_fd[0], -1);
	assert_int_equal(s.pipe_fd[1], -1);
	/* far below the one-second poll it used to sleep, far above any scheduling delay */
	assert_true(took < 900);
	logsink_close(&s);
	out = slurp(dir, "stdout");
	err = slurp(dir, "stderr");
	assert_string_equal(out, "to stdout\n");
	assert_string_equal(err, "to stderr\n");
	free(out);
	free(err);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drain_stops_at_end_of_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
