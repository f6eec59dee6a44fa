/* ignore.c: gitignore-syntax rule files, evaluated folder by folder with git's precedence. */
#include "trainctl/ignore.h"
#include "trainctl/error.h"
#include "trainctl/glob.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *pattern;
	bool negate, dir_only, anchored;
} rule;

typedef struct {
	rule *rules;
	size_t len, cap;
} rule_list;

/* One folder on the path being checked: its rules and, once known, whether it is ignored. */
typedef struct {
	char *dir;          /* "" for the root, else "a/b" */
	rule_list rules;
	int ignored;        /* -1 unknown, 0, 1 */
} level;

struct tctl_ignore {
	char *root;
	char **names;
	size_t names_len;
	rule_list extra;
	level *levels;
	size_t depth, levels_cap;
};

static void rules_clear(rule_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->rules[i].pattern);
	free(l->rules);
	memset(l, 0, sizeof(*l));
}

/* Parse one line of gitignore syntax into l (nothing for blanks and comments). */
static int parse_line(rule_list *l, const char *line, size_t len)
{
	rule r = { NULL, false, false, false };
	const char *p = line;

	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	while (len && line[len - 1] == ' ' && !(len >= 2 && line[len - 2] == '\\'))
		len--;
	if (!len || line[0] == '#')
		return 0;
	if (*p == '!') {
		r.negate = true;
		p++;
		len--;
	}
	if (len && p[len - 1] == '/') {
		r.dir_only = true;
		len--;
	}
	r.anchored = memchr(p, '/', len) != NULL;
	if (len && *p == '/') {
		p++;
		len--;
	}
	if (!len)
		return 0;
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		rule *n = realloc(l->rules, cap * sizeof(*n));
		if (!n)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		l->rules = n;
		l->cap = cap;
	}
	if (!(r.pattern = strndup(p, len)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	l->rules[l->len++] = r;
	return 0;
}

static int parse_text(rule_list *l, const char *text)
{
	const char *nl;
	int error;

	for (; *text; text = nl + 1) {
		nl = strchr(text, '\n');
		if ((error = parse_line(l, text, nl ? (size_t)(nl - text) : strlen(text))) < 0)
			return error;
		if (!nl)
			break;
	}
	return 0;
}

static int load_level(tctl_ignore *ign, level *lv, const char *dir, size_t dir_len)
{
	int error = 0;

	if (!(lv->dir = strndup(dir, dir_len)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	lv->ignored = -1;
	for (size_t i = 0; i < ign->names_len && error == 0; i++) {
		char *path = NULL, *text = NULL;
		if (asprintf(&path, "%s/%s%s%s", ign->root, lv->dir, *lv->dir ? "/" : "", ign->names[i]) < 0)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		error = tctl_file_read(&text, NULL, path);
		if (error == TCTL_ENOTFOUND)
			error = 0;
		else if (error == 0)
			error = parse_text(&lv->rules, text);
		free(text);
		free(path);
	}
	return error;
}

static void drop_levels(tctl_ignore *ign, size_t from)
{
	for (size_t i = from; i < ign->depth; i++) {
		free(ign->levels[i].dir);
		rules_clear(&ign->levels[i].rules);
	}
	if (from < ign->depth)
		ign->depth = from;
}

/* Make levels[i] describe the folder path[0..len) (i components deep). */
static int ensure_level(tctl_ignore *ign, size_t i, const char *path, size_t len)
{
	if (i < ign->depth && strlen(ign->levels[i].dir) == len &&
	    !strncmp(ign->levels[i].dir, path, len))
		return 0;
	drop_levels(ign, i);
	if (i >= ign->levels_cap) {
		size_t cap = ign->levels_cap ? ign->levels_cap * 2 : 8;
		level *n = realloc(ign->levels, cap * sizeof(*n));
		if (!n)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		ign->levels = n;
		ign->levels_cap = cap;
	}
	memset(&ign->levels[i], 0, sizeof(level));
	ign->depth = i + 1;
	return load_level(ign, &ign->levels[i], path, len);
}

static void apply_rules(const rule_list *l, const char *rel, bool is_dir, bool *ignored)
{
	const char *base = strrchr(rel, '/');

	base = base ? base + 1 : rel;
	for (size_t i = 0; i < l->len; i++) {
		const rule *r = &l->rules[i];
		if (r->dir_only && !is_dir)
			continue;
		if (tctl_glob_match(r->pattern, r->anchored ? rel : base))
			*ignored = !r->negate;
	}
}

/* The verdict for path alone (not its parents), from the root rules and levels[0..depth). */
static bool match_path(const tctl_ignore *ign, const char *path, size_t len, size_t depth, bool is_dir)
{
	char *p = strndup(path, len);
	bool ignored = false;

	if (!p)
		return false;
	apply_rules(&ign->extra, p, is_dir, &ignored);
	for (size_t i = 0; i < depth; i++) {
		size_t dl = strlen(ign->levels[i].dir);
		apply_rules(&ign->levels[i].rules, p + (dl ? dl + 1 : 0), is_dir, &ignored);
	}
	free(p);
	return ignored;
}

int tctl_ignore_check(bool *out, tctl_ignore *ign, const char *path, bool is_dir)
{
	const char *slash = path;
	size_t i = 0;
	int error;

	if ((error = ensure_level(ign, 0, "", 0)) < 0)
		return error;
	for (i = 1; (slash = strchr(slash, '/')); slash++, i++) {
		size_t len = (size_t)(slash - path);
		if ((error = ensure_level(ign, i, path, len)) < 0)
			return error;
		level *lv = &ign->levels[i];
		if (lv->ignored < 0)
			lv->ignored = match_path(ign, path, len, i, true);
		if (lv->ignored) {
			*out = true;
			return 0;
		}
	}
	*out = match_path(ign, path, strlen(path), i, is_dir);
	return 0;
}

int tctl_ignore_add_rule(tctl_ignore *ign, const char *line)
{
	for (size_t i = 0; i < ign->depth; i++)
		ign->levels[i].ignored = -1;
	return parse_line(&ign->extra, line, strlen(line));
}

int tctl_ignore_new(tctl_ignore **out, const char *root, const char *const *file_names, size_t n)
{
	tctl_ignore *ign = calloc(1, sizeof(*ign));

	if (!ign || !(ign->root = strdup(root)) || !(ign->names = calloc(n ? n : 1, sizeof(char *))))
		goto oom;
	for (; ign->names_len < n; ign->names_len++)
		if (!(ign->names[ign->names_len] = strdup(file_names[ign->names_len])))
			goto oom;
	*out = ign;
	return 0;
oom:
	tctl_ignore_free(ign);
	return tctl_error_set(TCTL_ENOMEM, "out of memory");
}

void tctl_ignore_free(tctl_ignore *ign)
{
	if (!ign)
		return;
	drop_levels(ign, 0);
	free(ign->levels);
	rules_clear(&ign->extra);
	for (size_t i = 0; i < ign->names_len; i++)
		free(ign->names[i]);
	free(ign->names);
	free(ign->root);
	free(ign);
}
