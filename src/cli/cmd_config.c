/* cmd_config.c: `trainctl config show`: the merged configuration with each value's origin. */
#include "cli.h"
#include "trainctl/config.h"
#include "trainctl/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints a multi-line message as one "error: " line per problem. */
static int fail_lines(void)
{
	const char *msg = tctl_error_last()->message, *nl;

	while ((nl = strchr(msg, '\n'))) {
		fprintf(stderr, "error: %.*s\n", (int)(nl - msg), msg);
		msg = nl + 1;
	}
	fprintf(stderr, "error: %s\n", *msg ? msg : "unknown failure");
	return CLI_EXIT_FAIL;
}

static int config_show(int argc, char **argv)
{
	bool json = false;
	const cli_option options[] = {
		{ "json", 0, CLI_OPT_FLAG, &json, NULL, "print JSON: {files, values: {key: {value, origin}}}" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"config show", "[--json]",
		"print the merged configuration and where each value came from",
		"Merges the built-in defaults, the user config ($XDG_CONFIG_HOME/trainctl/config.json),\n"
		"the repository config (.trainctl/config.json, found from the current folder up to\n"
		"the repository root) and the environment, in that order, and prints every value\n"
		"with its origin: a file and line, an environment variable, or \"default\".\n"
		"Secrets are shown as \"***\". See docs/config.md.\n\n"
		"exit status: 0 ok, 1 a config file is invalid or unsafe, 2 usage error",
		options
	};
	tctl_config *cfg = NULL;
	char *text = NULL;
	int npos = 0, dashdash = -1, code = 0;

	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &code))
		return code;
	if (npos > 0)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if (tctl_config_load(&cfg, NULL) < 0)
		return fail_lines();
	if (tctl_config_show(&text, cfg, json) < 0) {
		tctl_config_free(cfg);
		return fail_lines();
	}
	fputs(text, stdout);
	if (json)
		fputc('\n', stdout);
	free(text);
	tctl_config_free(cfg);
	return CLI_EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
	static const cli_subcommand subs[] = {
		{ "show", config_show, "print the merged configuration and each value's origin" },
		{ NULL, NULL, NULL }
	};

	return cli_dispatch_sub("config", subs, argc, argv);
}
