/* cli.h: the command table, option parsing and output helpers shared by cmd_*.c. */
#ifndef TRAINCTL_CLI_H
#define TRAINCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes (docs/cli.md). A --wait run passes its own status through. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef enum {
	CLI_OPT_FLAG,    /* bool *, no argument */
	CLI_OPT_STRING,  /* const char **, takes an argument */
	CLI_OPT_INT,     /* int *, takes an integer argument */
	CLI_OPT_DOUBLE,  /* double *, takes a number */
	CLI_OPT_LIST     /* cli_list *, repeatable string argument */
} cli_opt_type;

typedef struct {
	const char *items[32];
	int len;
} cli_list;

typedef struct {
	const char *long_name;   /* without the leading "--" */
	char short_name;         /* 0 when none */
	cli_opt_type type;
	void *value;
	const char *arg_name;    /* shown in help: "FILE" */
	const char *help;
} cli_option;

typedef struct {
	const char *name;        /* "submit" or "hook install" */
	const char *usage;       /* "[job.json] [--local|--cloud] [-- cmd args...]" */
	const char *summary;     /* one line for `trainctl --help` */
	const char *description; /* paragraphs for `trainctl CMD --help`, may be NULL */
	const cli_option *options; /* terminated by an entry with long_name NULL */
} cli_spec;

/*
 * Parse argv[1..] (argv[0] is the command name) against spec->options.
 * Positional arguments are compacted to the front of argv and counted in
 * *out_npos; everything after "--" is positional too and *out_dashdash is the
 * index of the first of them (or -1). `--help` prints help and returns 1 with
 * *out_exit = 0; a usage error prints one line and returns 1 with *out_exit = 2.
 * Returns 0 when the command should run.
 */
int cli_parse(const cli_spec *spec, int argc, char **argv, int *out_npos,
	      int *out_dashdash, int *out_exit);

void cli_print_help(const cli_spec *spec, FILE *out);

/* "trainctl CMD: message" on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "error: <tctl_error_last()>" on stderr, one "error: " per line ("hint: " lines as they
 * are); returns CLI_EXIT_FAIL. */
int cli_fail(void);

/* "error: message" on stderr; returns CLI_EXIT_FAIL. */
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A nested command table ("hook install|list|run"). */
typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cli_subcommand;

int cli_dispatch_sub(const char *parent, const cli_subcommand *subs, int argc, char **argv);

/* Each command: int cmd_<name>(int argc, char **argv), argv[0] = command name. */
#define CLI_COMMANDS(X) \
	X(auth, "check the Azure credential: which one is found and whether it works") \
	X(cancel, "stop queued or running runs") \
	X(cluster, "AmlCompute clusters: ensure, list, check for idle cost") \
	X(config, "show the merged configuration and where each value came from") \
	X(cost, "what was spent, and what running locally saved") \
	X(gc, "apply retention policies: remove old run folders and checkpoints") \
	X(hook, "install git hooks that start runs when a commit matches a trigger") \
	X(list, "list runs, newest first, filtered by state, name and age") \
	X(logs, "print a run's output, or follow it (-f)") \
	X(plan, "price every way to run a job and say which one wins") \
	X(prices, "refresh VM prices from the Azure Retail Prices API") \
	X(profile, "what this machine has: CPUs, NUMA, memory, GPUs, limits") \
	X(quota, "vCPU quotas per VM family: subscription and workspace; set one") \
	X(simulate, "replay a job trace through the planner and three baselines") \
	X(status, "show one run in detail, with its history") \
	X(submit, "record a run of a job and start it") \
	X(sweep, "run a hyperparameter sweep with early termination and show its trials") \
	X(validate, "check a job file and print it normalised")

#define CLI_DECLARE(name, summary) int cmd_##name(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

#endif
