/* test_trace.c: reading job traces: columns, expressions, and every malformed-input message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/trace.h"
#include "trainctl/util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tctl-trace-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];
	(void)state;
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Writes `csv` and reads it with `spec`; returns the status, the trace in *out. */
static int read_csv(tctl_trace **out, const char *csv, const char *spec, bool skip)
{
	char path[128];
	tctl_trace_columns cols;
	int rc;

	snprintf(path, sizeof(path), "%s/t.csv", dir);
	assert_int_equal(tctl_file_write_atomic(path, csv, strlen(csv), 0600), 0);
	assert_int_equal(tctl_trace_columns_parse(&cols, spec), 0);
	cols.skip_incomplete = skip;
	rc = tctl_trace_read(out, path, &cols);
	tctl_trace_columns_free(&cols);
	return rc;
}

static void expect_error(const char *csv, const char *spec, const char *message)
{
	tctl_trace *t = NULL;
	char want[512];

	assert_int_equal(read_csv(&t, csv, spec, false), TCTL_EINVALID);
	assert_null(t);
	snprintf(want, sizeof(want), "%s/t.csv%s", dir, message);
	if (strcmp(tctl_error_last()->message, want))
		fail_msg("got  '%s'\nwant '%s'", tctl_error_last()->message, want);
}

static void default_columns(void **state)
{
	tctl_trace *t = NULL;
	(void)state;

	assert_int_equal(read_csv(&t, "submit_time,gpus,duration\n0,1,3600\n10,0,60\r\n\n20,2.5,7\n", NULL, false), 0);
	assert_int_equal(t->rows, 3);
	assert_int_equal(t->jobs_len, 3);
	assert_int_equal(t->jobs[0].submit, 0);
	assert_int_equal(t->jobs[0].duration, 3600);
	assert_true(t->jobs[2].gpus == 2.5);
	assert_int_equal(t->jobs[2].line, 5);
	assert_string_equal(t->jobs[1].id, "line 3");
	assert_true(t->jobs[0].cpus == 0 && t->jobs[0].memory == 0);
	tctl_trace_free(t);
}

static void expressions_over_columns(void **state)
{
	tctl_trace *t = NULL;
	(void)state;

	assert_int_equal(read_csv(&t,
		"name,created,start,end,num_gpu,gpu_milli,cpu_milli,memory_mib\n"
		"a,5,7,107,1,460,12000,1024\n"
		"\"b,2\",9,9,3009,8,1000,500,2\n",
		"submit=created,gpus=num_gpu*gpu_milli/1000,duration=end - start,"
		"cpus=cpu_milli/1000,memory=memory_mib*1048576,id=name", false), 0);
	assert_int_equal(t->jobs_len, 2);
	assert_string_equal(t->jobs[0].id, "a");
	assert_string_equal(t->jobs[1].id, "b,2");
	assert_true(t->jobs[0].gpus == 0.46);
	assert_int_equal(t->jobs[0].duration, 100);
	assert_true(t->jobs[0].cpus == 12);
	assert_true(t->jobs[0].memory == 1073741824ULL);
	assert_true(t->jobs[1].gpus == 8);
	assert_int_equal(t->jobs[1].duration, 3000);
	tctl_trace_free(t);
}

static void incomplete_rows_can_be_skipped_and_counted(void **state)
{
	tctl_trace *t = NULL;
	const char *csv = "c,s,e,g\n0,0,10,1\n1,,10,1\n2,2,30,1\n";
	(void)state;

	expect_error(csv, "submit=c,duration=e-s,gpus=g",
		     ":3: field 's' is empty (use --skip-incomplete to skip such rows)");
	assert_int_equal(read_csv(&t, csv, "submit=c,duration=e-s,gpus=g", true), 0);
	assert_int_equal(t->rows, 3);
	assert_int_equal(t->jobs_len, 2);
	assert_int_equal(t->skipped_incomplete, 1);
	assert_string_equal(t->skipped_example, "line 3: 's' is empty");
	tctl_trace_free(t);
}

static void malformed_traces_name_line_and_field(void **state)
{
	(void)state;
	expect_error("submit_time,gpus,duration\n0,1,x\n", NULL,
		     ":2: field 'duration': expected a number, got 'x'");
	expect_error("submit_time,gpus,duration\n0,-1,5\n", NULL, ":2: field 'gpus' is -1, expected >= 0");
	expect_error("a,b,c,d\n0,5,1,3\n", "submit=a,duration=d-b,gpus=c",
		     ":2: duration (d-b) is -2, expected >= 0");
	expect_error("submit_time,gpus,duration\n10,1,5\n5,1,5\n", NULL,
		     ":3: submit time 5 is before the previous row's 10 (the trace must be sorted by submit time)");
	expect_error("submit_time,gpus,duration\n0,1\n", NULL, ":2: 2 fields, the header has 3");
	expect_error("submit_time,gpu,duration\n0,1,5\n", NULL, ": gpus: no column 'gpus' (did you mean 'gpu'?)");
	expect_error("submit_time,n,duration\n0,1,5\n", "gpus=zzzzz",
		     ": gpus: no column 'zzzzz' (the header has: submit_time, n, duration)");
	expect_error("submit_time,gpus,duration\n0,1,5\n", "duration=duration/0",
		     ":2: duration/0 is not a finite number (division by zero?)");
	expect_error("submit_time,gpus,duration\n0,1,5\n", "duration=duration^2",
		     ": duration: unexpected '^' in 'duration^2'");
	expect_error("", NULL, ": the file is empty (expected a CSV header line)");
	expect_error("submit_time,gpus,duration\n0,1,5\n", "id=who", ": id: no column 'who' (the header has: submit_time, gpus, duration)");
}

static void column_specs_are_checked(void **state)
{
	tctl_trace_columns c;
	(void)state;

	assert_int_equal(tctl_trace_columns_parse(&c, "gpu=x"), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message,
			    "--columns: unknown key 'gpu' (expected submit, gpus, duration, cpus, memory or id)");
	assert_int_equal(tctl_trace_columns_parse(&c, "gpus"), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message, "--columns: expected KEY=COLUMN, got 'gpus'");
	assert_int_equal(tctl_trace_columns_parse(&c, "gpus="), TCTL_EINVALID);
	assert_int_equal(tctl_trace_columns_parse(&c, "cpus=c,memory=m"), 0);
	assert_string_equal(c.submit, "submit_time");
	assert_string_equal(c.cpus, "c");
	tctl_trace_columns_free(&c);
	tctl_trace_columns_free(NULL);
}

static void missing_file_is_not_found(void **state)
{
	tctl_trace_columns c;
	tctl_trace *t = NULL;
	(void)state;

	assert_int_equal(tctl_trace_columns_parse(&c, NULL), 0);
	assert_int_equal(tctl_trace_read(&t, "/nonexistent/trace.csv", &c), TCTL_ENOTFOUND);
	assert_null(t);
	tctl_trace_columns_free(&c);
	tctl_trace_free(NULL);
}

/* tctl_trace_parse reads text that need not end in NUL, and refuses a NUL inside it (a file
 * read from disk used to stop there silently). */
static void text_is_parsed_and_a_nul_byte_is_refused(void **state)
{
	static const char csv[] = "submit_time,gpus,duration\n0,1,60\n5,2,9\n";
	static const char nul[] = "submit_time,gpus,duration\n0,1,60\n5,2\0,9\n";
	tctl_trace_columns c;
	tctl_trace *t = NULL;
	(void)state;

	assert_int_equal(tctl_trace_columns_parse(&c, NULL), 0);
	assert_int_equal(tctl_trace_parse(&t, csv, strlen(csv) - 6, "mem.csv", &c), 0);
	assert_int_equal(t->jobs_len, 1);  /* the cut-off second row is not read */
	assert_int_equal(t->jobs[0].duration, 60);
	tctl_trace_free(t);
	t = NULL;
	assert_int_equal(tctl_trace_parse(&t, nul, sizeof(nul) - 1, "mem.csv", &c), TCTL_EINVALID);
	assert_null(t);
	assert_string_equal(tctl_error_last()->message, "mem.csv: line 3: a NUL byte (not a CSV text file)");
	tctl_trace_columns_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_columns),
		cmocka_unit_test(expressions_over_columns),
		cmocka_unit_test(incomplete_rows_can_be_skipped_and_counted),
		cmocka_unit_test(malformed_traces_name_line_and_field),
		cmocka_unit_test(column_specs_are_checked),
		cmocka_unit_test(missing_file_is_not_found),
		cmocka_unit_test(text_is_parsed_and_a_nul_byte_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
