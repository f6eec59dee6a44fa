/* fuzz_config.c: a config file's text (user or repository config) applied and checked. */
#include "fuzz.h"

#include "../src/lib/config_priv.h"
#include "trainctl/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* The config as JSON "in the config file's own shape" reads back to the same config; both
 * renderings of `config show` work. */
static void check_round_trip(const tctl_config *cfg)
{
	tctl_config *again = NULL;
	char *plain = NULL, *plain2 = NULL, *shown = NULL;
	int rc;

	FUZZ_CHECK(tctl_config_to_json(&plain, cfg, false) == 0);
	rc = tctl_config_from_text(&again, plain, strlen(plain), "again.json", TCTL_CONFIG_USER);
	if (rc < 0)
		fprintf(stderr, "config as JSON refused: %s\n%s\n", tctl_error_last()->message, plain);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(tctl_config_to_json(&plain2, again, false) == 0);
	if (strcmp(plain, plain2))
		fprintf(stderr, "first:\n%s\nsecond:\n%s\n", plain, plain2);
	FUZZ_CHECK(!strcmp(plain, plain2));
	FUZZ_CHECK(tctl_config_show(&shown, cfg, false) == 0);
	free(shown);
	shown = NULL;
	FUZZ_CHECK(tctl_config_show(&shown, cfg, true) == 0);
	free(shown);
	free(plain2);
	free(plain);
	tctl_config_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const tctl_config_source sources[] = { TCTL_CONFIG_USER, TCTL_CONFIG_REPO };

	for (size_t i = 0; i < 2; i++) {
		tctl_config *cfg = NULL;
		int rc = tctl_config_from_text(&cfg, (const char *)data, size,
					       i ? "repo/.trainctl.json" : "config.json", sources[i]);
		fuzz_check_error(rc);
		if (rc < 0) {
			FUZZ_CHECK(cfg == NULL);
			continue;
		}
		check_round_trip(cfg);
		tctl_config_free(cfg);
	}
	tctl_error_clear();
	return 0;
}
