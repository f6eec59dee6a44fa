/* fuzz_trace.c: trace CSV with column expressions; the first line of input is the columns
 * mapping ("submit=creation_time,gpus=num_gpu*gpu_milli/1000,..."; a leading '+' asks to skip
 * rows with an empty cell, as --skip-incomplete does), the rest the CSV. */
#include "fuzz.h"

#include "trainctl/trace.h"

#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* What tctl_trace_read promises of a trace it accepts: sorted by submit time, no negative
 * value, every data row either a job or counted as skipped, lines in file order. */
static void check_trace(const tctl_trace *t)
{
	size_t prev_line = 1;

	FUZZ_CHECK(t->jobs_len + t->skipped_incomplete == t->rows);
	for (size_t i = 0; i < t->jobs_len; i++) {
		const tctl_trace_job *j = &t->jobs[i];
		FUZZ_CHECK(j->id != NULL);
		FUZZ_CHECK(j->line > prev_line);
		FUZZ_CHECK(j->submit >= 0 && j->duration >= 0);
		FUZZ_CHECK(isfinite(j->gpus) && j->gpus >= 0);
		FUZZ_CHECK(isfinite(j->cpus) && j->cpus >= 0);
		if (i)
			FUZZ_CHECK(j->submit >= t->jobs[i - 1].submit);
		prev_line = j->line;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t spec_len = nl ? (size_t)(nl - data) : size;
	char *spec = fuzz_cstr(data, spec_len);
	const char *csv = nl ? (const char *)nl + 1 : "";
	size_t csv_len = nl ? size - spec_len - 1 : 0;
	tctl_trace_columns cols;
	tctl_trace *t = NULL;
	int rc;
	const char *mapping = spec[0] == '+' ? spec + 1 : spec;

	memset(&cols, 0, sizeof(cols));
	rc = tctl_trace_columns_parse(&cols, mapping[0] ? mapping : NULL);
	cols.skip_incomplete = spec[0] == '+';
	fuzz_check_error(rc);
	if (rc == 0) {
		rc = tctl_trace_parse(&t, csv, csv_len, "trace.csv", &cols);
		fuzz_check_error(rc);
		if (rc == 0)
			check_trace(t);
		else
			FUZZ_CHECK(t == NULL);
	}
	tctl_trace_free(t);
	tctl_trace_columns_free(&cols);
	free(spec);
	return 0;
}
