/* cmd_prices.c: `trainctl prices refresh`: VM prices from the Azure Retail Prices API into the user catalog. */
#include "cli.h"
#include "trainctl/config.h"
#include "trainctl/error.h"
#include "trainctl/planning.h"
#include "trainctl/prices.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void trace_line(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "http: %s\n", line);
}

/* One status line on a terminal, rewritten in place after each page. */
static void show_progress(const tctl_prices_progress *p, void *payload)
{
	int *width = payload;
	int n = fprintf(stderr, "\rreading prices: %s (%zu/%zu), %zu page%s, %zu items, %zu prices",
			p->region, p->region_index + 1, p->regions, p->pages, p->pages == 1 ? "" : "s",
			p->items, p->prices);

	if (n < *width)
		fprintf(stderr, "%*s", *width - n, "");
	if (n > *width)
		*width = n;
	fflush(stderr);
}

static void print_text(const tctl_prices_result *r)
{
	printf("refreshed %zu prices in %zu region%s from %zu pages (%zu items): %zu dedicated, "
	       "%zu low priority (%zu from \"Low Priority\" meters, %zu from Spot meters)\n",
	       r->prices, r->regions, r->regions == 1 ? "" : "s", r->pages, r->items, r->dedicated,
	       r->low_priority_meter + r->spot_meter, r->low_priority_meter, r->spot_meter);
	if (r->missing)
		printf("no price listed for %zu size/region pairs: their previous prices stay\n", r->missing);
	printf("wrote %s\n", r->path);
}

static int print_json(const tctl_prices_result *r)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "path", r->path,
			      "regions", (json_int_t)r->regions, "pages", (json_int_t)r->pages,
			      "items", (json_int_t)r->items, "prices", (json_int_t)r->prices,
			      "dedicated", (json_int_t)r->dedicated,
			      "low_priority_meter", (json_int_t)r->low_priority_meter,
			      "spot_meter", (json_int_t)r->spot_meter, "missing", (json_int_t)r->missing);
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

	json_decref(o);
	if (!text)
		return cli_failf("out of memory");
	puts(text);
	free(text);
	return CLI_EXIT_OK;
}

static int prices_refresh(int argc, char **argv)
{
	bool json = false, verbose = false;
	cli_list regions = { { 0 }, 0 };
	const cli_option options[] = {
		{ "region", 'r', CLI_OPT_LIST, &regions, "R",
		  "read this region only (repeatable; default: every region of the catalog)" },
		{ "json", 0, CLI_OPT_FLAG, &json, NULL, "print what was done as JSON" },
		{ "verbose", 'v', CLI_OPT_FLAG, &verbose, NULL, "trace the HTTP requests on stderr" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL }
	};
	const cli_spec spec = {
		"prices refresh", "[--region R]... [--json] [--verbose]",
		"rebuild the user catalog's VM prices from the Azure Retail Prices API",
		"Reads cloud.prices (https://prices.azure.com/api/retail/prices;\n"
		"TRAINCTL_PRICES_ENDPOINT) for Linux pay-as-you-go VM prices of the sizes the\n"
		"catalog knows: dedicated from each size's normal meter, low priority from its\n"
		"\"Low Priority\" meter, else its Spot meter. Every page is checked; nothing is\n"
		"written unless all of them are good. The user catalog (the config's \"catalog\",\n"
		"else <data dir>/catalog.json) keeps its other entries. `trainctl plan` uses the\n"
		"new prices. TRAINCTL_NOW dates them. See docs/catalog.md.\n\n"
		"exit status: 0 written, 1 failed (the old catalog is kept), 2 usage error",
		options
	};
	tctl_prices_options o = TCTL_PRICES_OPTIONS_INIT;
	tctl_prices_result r;
	tctl_config *cfg = NULL;
	int npos = 0, dashdash = -1, code = 0, width = 0;

	if (cli_parse(&spec, argc, argv, &npos, &dashdash, &code))
		return code;
	if (npos > 0)
		return cli_usage_error(&spec, "unexpected argument '%s'", argv[0]);
	if (tctl_config_load(&cfg, NULL) < 0 || tctl_now_from_env(&o.now) < 0) {
		tctl_config_free(cfg);
		return cli_fail();
	}
	o.regions = regions.len ? regions.items : NULL;
	o.regions_len = (size_t)regions.len;
	if (isatty(STDERR_FILENO) && !verbose) {
		o.progress = show_progress;
		o.progress_payload = &width;
	}
	if (verbose)
		o.trace = trace_line;
	code = tctl_prices_refresh(&r, cfg, &o);
	if (width)
		fputc('\n', stderr);
	if (code < 0) {
		code = cli_fail();
	} else {
		code = json ? print_json(&r) : (print_text(&r), CLI_EXIT_OK);
	}
	tctl_prices_result_clear(&r);
	tctl_config_free(cfg);
	return code;
}

int cmd_prices(int argc, char **argv)
{
	static const cli_subcommand subs[] = {
		{ "refresh", prices_refresh, "rebuild the user catalog's VM prices from the Azure Retail Prices API" },
		{ NULL, NULL, NULL }
	};

	return cli_dispatch_sub("prices", subs, argc, argv);
}
