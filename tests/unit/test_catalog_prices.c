/* test_catalog_prices.c: the shipped prices against SkyPilot's az_ml_vms.csv in ../shared (TAP; SKIP without it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

static int n, failed;

static void ok(int pass, const char *fmt, const char *detail)
{
	n++;
	failed += !pass;
	printf("%s %d - %s", pass ? "ok" : "not ok", n, fmt);
	if (detail && *detail)
		printf("\n# %s", detail);
	printf("\n");
}

/* Splits a CSV line (quotes allowed) into at most 16 fields, in place. */
static int split(char *s, char **f)
{
	int k = 0;

	while (k < 16) {
		bool q = *s == '"';
		char *w;
		s += q;
		f[k++] = w = s;
		while (*s && (q ? *s != '"' : *s != ',' && *s != '\n'))
			*w++ = *s++;
		if (q && *s == '"')
			s++;
		if (*s != ',') {
			*w = '\0';
			break;
		}
		*w = '\0';
		s++;
	}
	return k;
}

/* Compares every shipped SkyPilot-sourced price with the CSV row of the same size and region. */
static void cross_check(const tctl_catalog *cat, char *csv)
{
	char detail[512] = "", *line, *save = NULL;
	int both = 0, left_out_ok = 1, match = 1;

	for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[16];
		const tctl_price *p;
		double price, spot;
		if (split(line, f) < 10 || !tctl_catalog_size(cat, f[0]))
			continue;
		price = *f[6] ? atof(f[6]) : -1;
		spot = *f[7] ? atof(f[7]) : -1;
		p = tctl_catalog_price(cat, f[0], f[8]);
		if (!p || !strstr(p->source, "SkyPilot")) {
			/* left out: only when the row has no real price at all */
			if (price > 0) {
				left_out_ok = 0;
				snprintf(detail, sizeof(detail), "%s %s has %g in the CSV but no shipped price", f[0], f[8], price);
			}
			continue;
		}
		both++;
		if (p->dedicated != price ||
		    (p->low_priority >= 0 ? p->low_priority != spot : (spot > 0 && spot != price))) {
			match = 0;
			snprintf(detail, sizeof(detail), "%s %s: shipped %g/%g, CSV %g/%g", f[0], f[8],
				 p->dedicated, p->low_priority, price, spot);
		}
	}
	ok(both >= 100, "at least 100 prices are in both the catalog and the CSV", NULL);
	ok(match, "every shared price matches the CSV (dedicated = Price, low priority = SpotPrice)", detail);
	ok(left_out_ok, "a size/region is left out only where the CSV has no usable price", detail);
}

int main(void)
{
	const char *shared = getenv("SHARED_DIR");
	char path[4096], *csv = NULL;
	tctl_catalog *cat = NULL;

	snprintf(path, sizeof(path), "%s/azure-prices/skypilot-catalog/az_ml_vms.csv", shared ? shared : "../shared");
	if (tctl_file_read(&csv, NULL, path) < 0) {
		printf("ok 1 - shipped prices match SkyPilot's az_ml_vms.csv # SKIP %s not found\n1..1\n", path);
		return 0;
	}
	if (tctl_catalog_load(&cat, NULL) < 0) {
		printf("not ok 1 - the shipped catalog loads\n# %s\n1..1\n", tctl_error_last()->message);
		return 1;
	}
	cross_check(cat, csv);
	printf("1..%d\n", n);
	tctl_catalog_free(cat);
	free(csv);
	return failed ? 1 : 0;
}
