#include "cli.h"
static const cli_option options[] = { { "json", 0, CLI_OPT_FLAG, NULL, NULL, "x" }, { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec spec = { "validate", "[job.json]", "check", NULL, options };
int cmd_validate(int argc, char **argv) { int np, dd, ex; bool j=false; ((cli_option*)options)[0].value=&j; if (cli_parse(&spec, argc, argv, &np, &dd, &ex)) return ex; return 0; }
