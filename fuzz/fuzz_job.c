/* fuzz_job.c: the job spec (JSON job file) parser, its normalisation and its checks. */
#include "fuzz.h"

#include "trainctl/job.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* Normalised JSON parses again, to the same normalised JSON. */
static void check_normal(const char *norm)
{
	tctl_job *again = NULL;
	char *norm2 = NULL;
	int rc = tctl_job_parse(&again, norm, strlen(norm), "normalised.json");

	if (rc < 0)
		fprintf(stderr, "normalised job refused: %s\n%s\n", tctl_error_last()->message, norm);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(tctl_job_to_json(&norm2, again) == 0);
	if (strcmp(norm, norm2))
		fprintf(stderr, "first:\n%s\nsecond:\n%s\n", norm, norm2);
	FUZZ_CHECK(!strcmp(norm, norm2));
	free(norm2);
	tctl_job_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tctl_job *job = NULL, *copy = NULL;
	char *norm = NULL, *norm_copy = NULL;
	int rc = tctl_job_parse(&job, (const char *)data, size, "job.json");

	fuzz_check_error(rc);
	if (rc < 0) {
		FUZZ_CHECK(job == NULL);
		return 0;
	}
	FUZZ_CHECK(tctl_job_to_json(&norm, job) == 0);
	check_normal(norm);
	FUZZ_CHECK(tctl_job_dup(&copy, job) == 0);
	FUZZ_CHECK(tctl_job_to_json(&norm_copy, copy) == 0);
	FUZZ_CHECK(!strcmp(norm, norm_copy));
	free(norm_copy);
	free(norm);
	tctl_job_free(copy);
	tctl_job_free(job);
	tctl_error_clear();
	return 0;
}
