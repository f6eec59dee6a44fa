/* fuzz_record.c: a run's spool record (runs/.spool/<id>/run.json), written by a submit and
 * read by whichever ledger user imports it. */
#include "fuzz.h"

#include "trainctl/ledger.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* An accepted record has a run id, and writes back to a record that reads the same. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *json = NULL, *again = NULL;
	tctl_run r, back;
	int rc = tctl_run_record_from_json(&r, text, size, "run.json");

	fuzz_check_error(rc);
	if (rc == 0) {
		FUZZ_CHECK(strlen(r.id) == TCTL_RUN_ID_LEN);
		rc = tctl_run_record_to_json(&json, &r);
		fuzz_check_error(rc);
		if (rc == 0) {
			FUZZ_CHECK(tctl_run_record_from_json(&back, json, strlen(json), "again") == 0);
			FUZZ_CHECK(tctl_run_record_to_json(&again, &back) == 0);
			FUZZ_CHECK(strcmp(json, again) == 0);
			tctl_run_clear(&back);
		}
		tctl_run_clear(&r);
	}
	free(again);
	free(json);
	free(text);
	return 0;
}
