/* main.c: trainctl's entry point; a sorted table of commands and one dispatcher. */
#include "cli.h"
#include "trainctl/util.h"
#include "tctl_build_config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

#define CLI_ENTRY(name, summary) { #name, cmd_##name, summary },
static const struct command commands[] = {
	CLI_COMMANDS(CLI_ENTRY)
};
#undef CLI_ENTRY

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: trainctl [--version] [--help] <command> [<args>]\n\n"
		"trainctl: a local-first training scheduler. It reads this machine, prices every\n"
		"way to run a job, runs it here when that is good enough, and otherwise on\n"
		"Azure Machine Learning managed compute.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'trainctl <command> --help' describes one command; docs/cli.md all of them.\n");
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS], *hint;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	hint = tctl_suggest(name, names, NCOMMANDS);
	fprintf(stderr, "trainctl: '%s' is not a trainctl command", name);
	if (hint)
		fprintf(stderr, " (did you mean '%s'?)", hint);
	fprintf(stderr, "\nsee 'trainctl --help'\n");
	return CLI_EXIT_USAGE;
}

/* Flush stdout once at the end and report a write error (a closed pipe, a full disk). */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "error: cannot write output: %s\n", strerror(errno));
		return rc ? rc : CLI_EXIT_FAIL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return finish_stdout(CLI_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("trainctl %s\n", TCTL_VERSION);
		return finish_stdout(CLI_EXIT_OK);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "trainctl: unknown option '%s'\nsee 'trainctl --help'\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, argv[1]))
			return finish_stdout(commands[i].fn(argc - 1, argv + 1));
	return unknown_command(argv[1]);
}
