/* test_units.c: durations, sizes and timestamps as users write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

static void assert_duration(const char *text, int64_t expect)
{
	int64_t v = -1;
	assert_int_equal(tctl_duration_parse(&v, text), 0);
	assert_int_equal(v, expect);
}

static void assert_bad_duration(const char *text)
{
	int64_t v = -1;
	assert_int_equal(tctl_duration_parse(&v, text), TCTL_EINVALID);
	assert_int_equal(v, -1);
	assert_non_null(strstr(tctl_error_last()->message, "expected a duration"));
}

static void durations_with_units_parse(void **state)
{
	(void)state;
	assert_duration("90s", 90);
	assert_duration("15m", 900);
	assert_duration("2h", 7200);
	assert_duration("1d", 86400);
	assert_duration("1.5h", 5400);
	assert_duration("1h30m", 5400);
	assert_duration("500ms", 1);
	assert_duration("2w", 1209600);
}

static void iso8601_durations_parse(void **state)
{
	(void)state;
	assert_duration("PT2H", 7200);
	assert_duration("P1DT30M", 86400 + 1800);
	assert_duration("PT0.5H", 1800);
	assert_duration("PT45S", 45);
	assert_duration("P2D", 172800);
}

static void malformed_durations_are_refused(void **state)
{
	(void)state;
	assert_bad_duration("90");
	assert_bad_duration("");
	assert_bad_duration("h");
	assert_bad_duration("-5m");
	assert_bad_duration("5 minutes");
	assert_bad_duration("PT");
	assert_bad_duration("P2H");
	assert_bad_duration("PT1D");
	assert_bad_duration("5x");
}

static void durations_format_compactly(void **state)
{
	char buf[32];
	(void)state;
	tctl_duration_format(buf, sizeof(buf), 45);
	assert_string_equal(buf, "45s");
	tctl_duration_format(buf, sizeof(buf), 5400);
	assert_string_equal(buf, "1h30m");
	tctl_duration_format(buf, sizeof(buf), 86400 * 3 + 3600 * 4);
	assert_string_equal(buf, "3d4h");
	tctl_duration_format_iso(buf, sizeof(buf), 5400);
	assert_string_equal(buf, "PT1H30M");
	tctl_duration_format_iso(buf, sizeof(buf), 0);
	assert_string_equal(buf, "PT0S");
	tctl_duration_format_iso(buf, sizeof(buf), 86400 + 1);
	assert_string_equal(buf, "P1DT1S");
}

static void sizes_parse_decimal_and_binary(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(tctl_size_parse(&v, "16GB"), 0);
	assert_true(v == 16000000000ULL);
	assert_int_equal(tctl_size_parse(&v, "512MiB"), 0);
	assert_true(v == 512ULL * 1024 * 1024);
	assert_int_equal(tctl_size_parse(&v, "2Gi"), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(tctl_size_parse(&v, "1024"), 0);
	assert_true(v == 1024);
	assert_int_equal(tctl_size_parse(&v, "1.5 GiB"), 0);
	assert_true(v == 1610612736ULL);
}

static void malformed_sizes_are_refused(void **state)
{
	uint64_t v = 7;
	(void)state;
	assert_int_equal(tctl_size_parse(&v, "16Gb"), TCTL_EINVALID);
	assert_int_equal(tctl_size_parse(&v, "GB"), TCTL_EINVALID);
	assert_int_equal(tctl_size_parse(&v, "-1GB"), TCTL_EINVALID);
	assert_int_equal(tctl_size_parse(&v, "12 parsecs"), TCTL_EINVALID);
	assert_int_equal(tctl_size_parse(&v, "99999999999PB"), TCTL_EINVALID);
	assert_true(v == 7);
	assert_non_null(strstr(tctl_error_last()->message, "too large"));
}

/* tctl_utc_tm is glibc's gmtime_r without the time zone file: the same fields on every day
 * from year 1 to 9999 (at a stride that visits every hour, weekday and leap rule). */
static void utc_calendar_matches_gmtime(void **state)
{
	static const int64_t edges[] = { 0, -1, 86399, 86400, -86400, 951782400, 951868800,
					 4107542400LL, -62135596800LL, 253402300799LL, -2208988800LL };
	size_t n = 0;
	(void)state;

	for (int64_t t = -62135596800LL; t < 253402300799LL; t += 7 * 86400 + 3607, n++) {
		struct tm want, got;
		time_t tt = (time_t)t;

		gmtime_r(&tt, &want);
		tctl_utc_tm(&got, t);
		if (memcmp(&want, &got, offsetof(struct tm, tm_isdst)))
			fail_msg("at %lld: %d-%d-%d %d:%d:%d wday %d yday %d, want %d-%d-%d %d:%d:%d "
				 "wday %d yday %d", (long long)t, got.tm_year, got.tm_mon, got.tm_mday,
				 got.tm_hour, got.tm_min, got.tm_sec, got.tm_wday, got.tm_yday,
				 want.tm_year, want.tm_mon, want.tm_mday, want.tm_hour, want.tm_min,
				 want.tm_sec, want.tm_wday, want.tm_yday);
	}
	assert_true(n > 500000);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		struct tm want, got;
		time_t tt = (time_t)edges[i];

		gmtime_r(&tt, &want);
		tctl_utc_tm(&got, edges[i]);
		assert_memory_equal(&want, &got, offsetof(struct tm, tm_isdst));
	}
}

static void timestamps_round_trip(void **state)
{
	int64_t t;
	char buf[32];
	(void)state;
	assert_int_equal(tctl_time_parse(&t, "2026-11-28T09:00:00Z"), 0);
	assert_int_equal(t, 1795856400);
	tctl_time_format(buf, sizeof(buf), t);
	assert_string_equal(buf, "2026-11-28T09:00:00Z");
	assert_int_equal(tctl_time_parse(&t, "2026-11-28T10:00:00+01:00"), 0);
	assert_int_equal(t, 1795856400);
	assert_int_equal(tctl_time_parse(&t, "tomorrow"), TCTL_EINVALID);
	assert_int_equal(tctl_time_parse(&t, "2026-11-28T10:00:00+24:00"), TCTL_EINVALID);
	assert_int_equal(tctl_time_parse(&t, "2026-11-28T10:00:00+01:60"), TCTL_EINVALID);
	/* year 0 east of UTC is year -1 in UTC: no RFC 3339 form prints it back (fuzz_units) */
	assert_int_equal(tctl_time_parse(&t, "0-1-1T0:0:0+01:08"), TCTL_EINVALID);
	assert_int_equal(tctl_time_parse(&t, "2026-11-28T09:00:00"), TCTL_EINVALID);
}

/* Numbers in other programs' text: read with every failure reported, never half-read. */
static void scanners_report_bad_and_overflowing_numbers(void **state)
{
	const char *p = " 42/7 ms", *q;
	int64_t v = -1;
	uint64_t h = 0;
	(void)state;

	assert_true(tctl_scan_i64(&p, 0, 100, &v) && v == 42);
	assert_true(tctl_scan_lit(&p, "/") && tctl_scan_i64(&p, 0, 100, &v) && v == 7);
	assert_string_equal(p, " ms");
	q = p;
	assert_false(tctl_scan_i64(&q, 0, 100, &v));        /* no digits: nothing read */
	assert_ptr_equal(q, p);
	assert_false(tctl_scan_lit(&q, "ms"));
	q = "99999999999999999999999";
	assert_false(tctl_scan_i64(&q, INT64_MIN, INT64_MAX, &v));   /* overflow is an error */
	q = "101";
	assert_false(tctl_scan_i64(&q, 0, 100, &v));         /* out of range */
	q = "-5";
	assert_true(tctl_scan_i64(&q, -10, 10, &v) && v == -5);
	q = "3b:00.0";
	assert_true(tctl_scan_hex(&q, 0xff, &h) && h == 0x3b && *q == ':');
	q = "1ff";
	assert_false(tctl_scan_hex(&q, 0xff, &h));
	assert_true(tctl_parse_i64("10", 0, 86400, &v) && v == 10);
	assert_false(tctl_parse_i64("10s", 0, 86400, &v));   /* trailing text */
	assert_false(tctl_parse_i64("", 0, 86400, &v));
	assert_false(tctl_parse_i64(NULL, 0, 86400, &v));
	assert_false(tctl_parse_i64("-1", 0, 86400, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations_with_units_parse),
		cmocka_unit_test(scanners_report_bad_and_overflowing_numbers),
		cmocka_unit_test(iso8601_durations_parse),
		cmocka_unit_test(malformed_durations_are_refused),
		cmocka_unit_test(durations_format_compactly),
		cmocka_unit_test(sizes_parse_decimal_and_binary),
		cmocka_unit_test(malformed_sizes_are_refused),
		cmocka_unit_test(utc_calendar_matches_gmtime),
		cmocka_unit_test(timestamps_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
