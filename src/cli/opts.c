/* opts.c: table-driven option parsing, help text and error lines for every command. */
#include "cli.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const cli_option *find_long(const cli_option *opts, const char *name, size_t len)
{
	for (const cli_option *o = opts; o && o->long_name; o++)
		if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const cli_option *find_short(const cli_option *opts, char c)
{
	for (const cli_option *o = opts; o && o->long_name; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

static int unknown_option(const cli_spec *spec, const char *arg, size_t len)
{
	const char *names[64];
	size_t n = 0;
	char word[128];
	const char *hint;

	snprintf(word, sizeof(word), "%.*s", (int)len, arg);
	for (const cli_option *o = spec->options; o && o->long_name && n < 63; o++)
		names[n++] = o->long_name;
	names[n++] = "help";
	hint = tctl_suggest(word, names, n);
	if (hint)
		return cli_usage_error(spec, "unknown option '--%s' (did you mean '--%s'?)", word, hint);
	return cli_usage_error(spec, "unknown option '--%s'", word);
}

static int set_value(const cli_spec *spec, const cli_option *o, const char *val)
{
	char *end;

	switch (o->type) {
	case CLI_OPT_FLAG:
		*(bool *)o->value = true;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)o->value = val;
		return 0;
	case CLI_OPT_LIST: {
		cli_list *l = o->value;
		if (l->len >= (int)(sizeof(l->items) / sizeof(l->items[0])))
			return cli_usage_error(spec, "too many '--%s' options", o->long_name);
		l->items[l->len++] = val;
		return 0;
	}
	case CLI_OPT_INT: {
		long v;
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < -2147483647L || v > 2147483647L)
			return cli_usage_error(spec, "option '--%s' expects an integer, got '%s'",
					       o->long_name, val);
		*(int *)o->value = (int)v;
		return 0;
	}
	case CLI_OPT_DOUBLE: {
		double v;
		errno = 0;
		v = strtod(val, &end);
		if (errno || end == val || *end)
			return cli_usage_error(spec, "option '--%s' expects a number, got '%s'",
					       o->long_name, val);
		*(double *)o->value = v;
		return 0;
	}
	}
	return 0;
}

/* Handles argv[*i] that starts with "--"; advances *i past a separate value. */
static int parse_long(const cli_spec *spec, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const cli_option *o = find_long(spec->options, arg, len);

	if (!o)
		return unknown_option(spec, arg, len);
	if (o->type == CLI_OPT_FLAG) {
		if (eq)
			return cli_usage_error(spec, "option '--%s' takes no value", o->long_name);
		return set_value(spec, o, NULL);
	}
	if (eq)
		return set_value(spec, o, eq + 1);
	if (*i + 1 >= argc)
		return cli_usage_error(spec, "option '--%s' needs a value (%s)", o->long_name,
				       o->arg_name ? o->arg_name : "VALUE");
	return set_value(spec, o, argv[++*i]);
}

static int parse_short(const cli_spec *spec, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 1;

	for (; *arg; arg++) {
		const cli_option *o = find_short(spec->options, *arg);
		if (!o)
			return cli_usage_error(spec, "unknown option '-%c'", *arg);
		if (o->type == CLI_OPT_FLAG) {
			set_value(spec, o, NULL);
			continue;
		}
		if (arg[1])
			return set_value(spec, o, arg + 1);
		if (*i + 1 >= argc)
			return cli_usage_error(spec, "option '-%c' needs a value", *arg);
		return set_value(spec, o, argv[++*i]);
	}
	return 0;
}

int cli_parse(const cli_spec *spec, int argc, char **argv, int *out_npos,
	      int *out_dashdash, int *out_exit)
{
	int npos = 0, i, rc;

	*out_dashdash = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			*out_dashdash = npos;
			for (i++; i < argc; i++)
				argv[npos++] = argv[i];
			break;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cli_print_help(spec, stdout);
			*out_exit = CLI_EXIT_OK;
			return 1;
		}
		if (a[0] == '-' && a[1] == '-')
			rc = parse_long(spec, argc, argv, &i);
		else if (a[0] == '-' && a[1] != '\0')
			rc = parse_short(spec, argc, argv, &i);
		else {
			argv[npos++] = argv[i];
			continue;
		}
		if (rc) {
			*out_exit = rc;
			return 1;
		}
	}
	argv[npos] = NULL;
	*out_npos = npos;
	return 0;
}

void cli_print_help(const cli_spec *spec, FILE *out)
{
	fprintf(out, "usage: trainctl %s %s\n\n%s\n", spec->name, spec->usage ? spec->usage : "",
		spec->summary);
	if (spec->description)
		fprintf(out, "\n%s\n", spec->description);
	if (!spec->options || !spec->options->long_name)
		return;
	fprintf(out, "\noptions:\n");
	for (const cli_option *o = spec->options; o->long_name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->short_name ? "-" : "",
			 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
			 o->long_name, o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
		fprintf(out, "  %-30s %s\n", o->short_name ? left : left + 1, o->help);
	}
}

int cli_usage_error(const cli_spec *spec, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "trainctl %s: ", spec->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: trainctl %s %s (see 'trainctl %s --help')\n", spec->name,
		spec->usage ? spec->usage : "", spec->name);
	return CLI_EXIT_USAGE;
}

int cli_fail(void)
{
	const char *m = tctl_error_last()->message, *nl;

	if (!*m)
		m = "unknown failure";
	/* one "error: " per line of a message with several problems; "hint: " lines as they are */
	for (; (nl = strchr(m, '\n')); m = nl + 1)
		fprintf(stderr, "%s%.*s\n", strncmp(m, "hint: ", 6) ? "error: " : "", (int)(nl - m), m);
	fprintf(stderr, "%s%s\n", strncmp(m, "hint: ", 6) ? "error: " : "", m);
	return CLI_EXIT_FAIL;
}

int cli_failf(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

int cli_dispatch_sub(const char *parent, const cli_subcommand *subs, int argc, char **argv)
{
	const char *names[32], *hint;
	size_t n = 0;

	if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		for (const cli_subcommand *s = subs; s->name; s++) {
			if (!strcmp(s->name, argv[1]))
				return s->fn(argc - 1, argv + 1);
			if (n < 32)
				names[n++] = s->name;
		}
		hint = tctl_suggest(argv[1], names, n);
		fprintf(stderr, "trainctl %s: unknown subcommand '%s'", parent, argv[1]);
		if (hint)
			fprintf(stderr, " (did you mean '%s'?)", hint);
		fputc('\n', stderr);
	}
	FILE *out = argc >= 2 ? stdout : stderr;
	fprintf(out, "usage: trainctl %s <subcommand>\n\n", parent);
	for (const cli_subcommand *s = subs; s->name; s++)
		fprintf(out, "  %-12s %s\n", s->name, s->summary);
	return (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
