/* glob.c: path glob matching with "**" segments (gitignore / wildmatch semantics, no flags). */
#include "trainctl/glob.h"
#include "trainctl/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int);
} classes[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
	{ "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
	{ "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* Length of a "[:name:]" at p when it names a known class, else 0; *fn receives it. */
static size_t named_class(const char *p, int (**fn)(int))
{
	const char *end;

	if (p[0] != '[' || p[1] != ':' || !(end = strstr(p + 2, ":]")))
		return 0;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].name) == (size_t)(end - p - 2) &&
		    !strncmp(classes[i].name, p + 2, (size_t)(end - p - 2))) {
			*fn = classes[i].fn;
			return (size_t)(end - p) + 2;
		}
	return 0;
}

/*
 * Match the class starting at *pp ('[') against c. Returns 1 (match),
 * 0 (no match) and advances *pp past the ']'; returns -1 when the class is
 * not terminated (the caller treats '[' literally).
 */
static int match_class(const char **pp, unsigned char c)
{
	const char *p = *pp + 1;
	int negate = 0, hit = 0;
	int (*fn)(int);
	size_t n;

	if (*p == '!' || *p == '^') {
		negate = 1;
		p++;
	}
	for (const char *first = p; *p && (*p != ']' || p == first); ) {
		if ((n = named_class(p, &fn))) {
			hit |= fn(c) != 0;
			p += n;
			continue;
		}
		unsigned char lo = (unsigned char)(*p == '\\' && p[1] ? *++p : *p), hi = lo;
		p++;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			hi = (unsigned char)(p[1] == '\\' && p[2] ? p[2] : p[1]);
			p += p[1] == '\\' && p[2] ? 3 : 2;
		}
		hit |= c >= lo && c <= hi;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return c != '/' && (hit ^ negate);
}

/* True when p points at a "**" that forms a whole segment of the pattern. */
static bool is_globstar(const char *pat, const char *p)
{
	return p[0] == '*' && p[1] == '*' && (p == pat || p[-1] == '/') &&
	       (p[2] == '/' || p[2] == '\0');
}

/* One match: the pattern, the path, and the (pattern, path) positions already known to fail.
 * Each "*" and "**" tries every split of the rest; without the memo a pattern of many stars
 * takes time exponential in their number (fuzz/regressions/glob). */
typedef struct {
	const char *pat, *path;
	size_t cols;                /* strlen(path) + 1 */
	unsigned char *failed;      /* bit (p - pat) * cols + (s - path); NULL: no memo */
} glob_ctx;

/* Memo bits at most: beyond this (a 32 MiB table) matching goes without one. */
#define MEMO_MAX_BITS ((size_t)1 << 28)

static bool match_from(glob_ctx *g, const char *p, const char *s);

/* "**" followed by "/rest": rest matches at the start or after any '/'. */
static bool match_globstar(glob_ctx *g, const char *p, const char *s)
{
	if (p[2] == '\0')
		return true;
	for (;;) {
		if (match_from(g, p + 3, s))
			return true;
		if (!(s = strchr(s, '/')))
			return false;
		s++;
	}
}

static bool match_star(glob_ctx *g, const char *p, const char *s)
{
	while (*p == '*')
		p++;
	for (;;) {
		if (match_from(g, p, s))
			return true;
		if (*s == '\0' || *s == '/')
			return false;
		s++;
	}
}

static bool match_here(glob_ctx *g, const char *p, const char *s)
{
	while (*p) {
		if (is_globstar(g->pat, p))
			return match_globstar(g, p, s);
		if (*p == '*')
			return match_star(g, p, s);
		if (*s == '\0')
			return false;
		if (*p == '[') {
			const char *q = p;
			int r = match_class(&q, (unsigned char)*s);
			if (r == 0)
				return false;
			if (r == 1) {
				p = q;
				s++;
				continue;
			}
		} else if (*p == '?') {
			if (*s == '/')
				return false;
			p++;
			s++;
			continue;
		} else if (*p == '\\' && p[1]) {
			p++;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *s == '\0';
}

static bool match_from(glob_ctx *g, const char *p, const char *s)
{
	size_t bit = (size_t)(p - g->pat) * g->cols + (size_t)(s - g->path);

	if (g->failed && (g->failed[bit / 8] & (1u << (bit % 8))))
		return false;
	if (match_here(g, p, s))
		return true;
	if (g->failed)
		g->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
	return false;
}

bool tctl_glob_match(const char *pattern, const char *path)
{
	glob_ctx g = { pattern, path, strlen(path) + 1, NULL };
	size_t rows = strlen(pattern) + 1;
	bool m;

	if (strchr(pattern, '*') && rows <= MEMO_MAX_BITS / g.cols)
		g.failed = calloc((rows * g.cols + 7) / 8, 1);   /* NULL: slower, still right */
	m = match_from(&g, pattern, path);
	free(g.failed);
	return m;
}

int tctl_glob_check(const char *pattern)
{
	int (*fn)(int);

	for (const char *p = pattern; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return tctl_error_set(TCTL_EINVALID, "glob '%s' ends with a lone backslash", pattern);
			p++;
		} else if (*p == '[') {
			const char *q = p;
			if (match_class(&q, 'a') < 0)
				return tctl_error_set(TCTL_EINVALID, "glob '%s' has a '[' without its ']'", pattern);
			for (const char *c = p + 1; c < q; c++)
				if (c[0] == '[' && c[1] == ':' && !named_class(c, &fn))
					return tctl_error_set(TCTL_EINVALID,
						"glob '%s' names an unknown character class", pattern);
			p = q - 1;
		}
	}
	return 0;
}

bool tctl_glob_has_magic(const char *pattern)
{
	return strpbrk(pattern, "*?[\\") != NULL;
}
