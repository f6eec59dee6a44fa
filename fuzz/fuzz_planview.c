/* fuzz_planview.c: the planner's cached view of the ledger (cache/plan-ledger.json), which
 * `plan` reads instead of SQLite while the ledger is unchanged. */
#include "fuzz.h"

#include "trainctl/plan_ledger.h"

/* The key the seeds are written for (fuzz/corpus/planview). */
static const tctl_plan_ledger_key key = { "/home/u/.local/share/trainctl/ledger.db",
					  "64768:1311:53248:1795856400.000000000", "absent", "train" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* An accepted view writes back to a cache that reads the same, field for field. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *json = NULL, *again = NULL;
	tctl_plan_ledger v, back;
	int rc = tctl_plan_ledger_from_json(&v, text, size, "plan-ledger.json", &key);

	fuzz_check_error(rc);
	if (rc == 0) {
		rc = tctl_plan_ledger_to_json(&json, &v, &key);
		fuzz_check_error(rc);
		if (rc == 0) {
			FUZZ_CHECK(tctl_plan_ledger_from_json(&back, json, strlen(json), "again", &key) == 0);
			FUZZ_CHECK(back.runs_len == v.runs_len && back.cal_len == v.cal_len);
			FUZZ_CHECK(tctl_plan_ledger_to_json(&again, &back, &key) == 0);
			FUZZ_CHECK(strcmp(json, again) == 0);
			tctl_plan_ledger_clear(&back);
		}
		tctl_plan_ledger_clear(&v);
	}
	free(again);
	free(json);
	free(text);
	return 0;
}
