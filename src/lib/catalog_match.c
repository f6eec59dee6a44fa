/* catalog_match.c: map the GPU model strings hwloc, NVML and the PCI database report to catalog models. */
#include "trainctl/catalog.h"
#include "trainctl/error.h"

#include <ctype.h>
#include <string.h>

#define MAX_WORDS 24
#define WORD_LEN 32

typedef struct {
	char w[MAX_WORDS][WORD_LEN];
	size_t n;
} words;

/* Splits `s` into lower-case words of letters and digits; everything else separates. */
static void split(words *out, const char *s)
{
	size_t len = 0;

	out->n = 0;
	for (;; s++) {
		if (*s && isalnum((unsigned char)*s)) {
			if (len < WORD_LEN - 1 && out->n < MAX_WORDS)
				out->w[out->n][len++] = (char)tolower((unsigned char)*s);
			continue;
		}
		if (len && out->n < MAX_WORDS) {
			out->w[out->n][len] = '\0';
			out->n++;
		}
		len = 0;
		if (!*s)
			break;
	}
}

/* True when `rule`'s words appear consecutively in `text`. */
static bool contains(const words *text, const words *rule)
{
	if (!rule->n || rule->n > text->n)
		return false;
	for (size_t i = 0; i + rule->n <= text->n; i++) {
		size_t j = 0;
		while (j < rule->n && !strcmp(text->w[i + j], rule->w[j]))
			j++;
		if (j == rule->n)
			return true;
	}
	return false;
}

/* Word count of the longest of `g`'s rules (and its name) found in `text`; 0 when none. */
static size_t best_rule(const tctl_gpu_model *g, const words *text)
{
	words rule;
	size_t best = 0;

	split(&rule, g->name);
	if (contains(text, &rule))
		best = rule.n;
	for (size_t i = 0; i < g->match_len; i++) {
		split(&rule, g->match[i]);
		if (rule.n > best && contains(text, &rule))
			best = rule.n;
	}
	return best;
}

int tctl_catalog_match_gpu(const tctl_gpu_model **out, const tctl_catalog *cat, const char *model)
{
	const tctl_gpu_model *found = NULL;
	size_t best = 0;
	words text;

	*out = NULL;
	if (!model || !*model)
		return tctl_error_set(TCTL_ENOTFOUND, "unknown GPU model '' (the device reported no name)");
	if ((found = tctl_catalog_gpu(cat, model))) {
		*out = found;
		return 0;
	}
	split(&text, model);
	for (size_t i = 0; i < cat->gpus_len; i++) {
		size_t n = best_rule(&cat->gpus[i], &text);
		if (n > best) {
			best = n;
			found = &cat->gpus[i];
		}
	}
	if (!found)
		return tctl_error_set(TCTL_ENOTFOUND, "unknown GPU model '%s'", model);
	*out = found;
	return 0;
}

void tctl_catalog_unknown_gpu(tctl_gpu_model *out, const char *reported, uint64_t memory)
{
	memset(out, 0, sizeof(*out));
	out->name = "unknown";
	out->vendor = "unknown";
	out->memory = memory;
	out->speed = 0.18;
	out->speed_rule = "unknown-default";
	out->speed_source = reported && *reported
		? "unknown GPU model: conservative default (speed of the slowest catalog GPU, 300 W)"
		: "no GPU model reported: conservative default (speed of the slowest catalog GPU, 300 W)";
	out->watts = 300;
}
