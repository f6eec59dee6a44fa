/* json_locate.c: find the line and column of a value in JSON text, given its path. */
#include "trainctl/jsonpos.h"
#include "trainctl/error.h"

#include <string.h>

/* A cursor over the text; line and column follow pos. */
typedef struct {
	const char *s;
	size_t len, pos;
	int line, col;
} scan;

static int peek(const scan *sc)
{
	return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

static void adv(scan *sc)
{
	unsigned char c;

	if (sc->pos >= sc->len)
		return;
	c = (unsigned char)sc->s[sc->pos++];
	if (c == '\n') {
		sc->line++;
		sc->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		sc->col++;
	}
}

static void skip_ws(scan *sc)
{
	int c;

	while ((c = peek(sc)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		adv(sc);
}

static tctl_jsonpos here(const scan *sc)
{
	tctl_jsonpos p = { sc->line, sc->col, sc->pos };
	return p;
}

static int skip_string(scan *sc)
{
	int c;

	adv(sc);
	while ((c = peek(sc)) >= 0) {
		adv(sc);
		if (c == '"')
			return 0;
		if (c == '\\')
			adv(sc);
	}
	return -1;
}

/* Skips one value (a container with everything in it); -1 on malformed text. */
static int skip_value(scan *sc)
{
	int depth = 0, c;

	do {
		skip_ws(sc);
		c = peek(sc);
		if (c < 0)
			return -1;
		if (c == '"') {
			if (skip_string(sc) < 0)
				return -1;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else if ((c == ',' || c == ':') && depth == 0)
			return -1;
		if (depth < 0)
			return -1;
		if (strchr("{}[],:", c)) {
			adv(sc);
			continue;
		}
		while ((c = peek(sc)) >= 0 && !strchr(",:{}[]\" \t\r\n", c))
			adv(sc);
	} while (depth > 0);
	return 0;
}

static int hex4(scan *sc, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int c = peek(sc);
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (unsigned)(c - 'A' + 10);
		else
			return -1;
		adv(sc);
	}
	*out = v;
	return 0;
}

static size_t utf8_encode(unsigned char *b, unsigned cp)
{
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (unsigned char)(0xF0 | (cp >> 18));
	b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the \u escape after "\u" (a surrogate pair takes two). */
static int unicode_escape(scan *sc, unsigned *out)
{
	unsigned hi, lo;

	if (hex4(sc, &hi) < 0)
		return -1;
	if (hi >= 0xD800 && hi < 0xDC00 && peek(sc) == '\\' && sc->pos + 1 < sc->len &&
	    sc->s[sc->pos + 1] == 'u') {
		adv(sc);
		adv(sc);
		if (hex4(sc, &lo) < 0)
			return -1;
		if (lo >= 0xDC00 && lo < 0xE000) {
			*out = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
			return 0;
		}
		hi = 0xFFFD;  /* a broken pair: matches no sensible key */
	}
	*out = hi;
	return 0;
}

/* Decodes one escape after the backslash into UTF-8 bytes; returns their count or 0. */
static size_t escape(scan *sc, unsigned char *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	int c = peek(sc);
	const char *p;
	unsigned cp;

	if (c < 0)
		return 0;
	adv(sc);
	if (c == 'u')
		return unicode_escape(sc, &cp) < 0 ? 0 : utf8_encode(b, cp);
	if (!(p = strchr(from, c)))
		return 0;
	b[0] = (unsigned char)to[p - from];
	return 1;
}

/* Reads the string at the cursor and says whether it decodes to `key`. */
static int read_key(scan *sc, const char *key, int *match)
{
	size_t k = 0, n, i;
	unsigned char b[4];
	int ok = 1, c;

	adv(sc);
	for (;;) {
		if ((c = peek(sc)) < 0)
			return -1;
		adv(sc);
		if (c == '"')
			break;
		if (c == '\\') {
			if (!(n = escape(sc, b)))
				return -1;
		} else {
			b[0] = (unsigned char)c;
			n = 1;
		}
		for (i = 0; i < n; i++) {
			if (ok && (unsigned char)key[k] == b[i] && key[k])
				k++;
			else
				ok = 0;
		}
	}
	*match = ok && key[k] == '\0';
	return 0;
}

/* Moves the cursor to the value of member `key` of the object at the cursor. */
static int find_member(scan *sc, const char *key, tctl_jsonpos *key_at)
{
	int match = 0;

	adv(sc);
	skip_ws(sc);
	while (peek(sc) == '"') {
		*key_at = here(sc);
		if (read_key(sc, key, &match) < 0)
			return 0;
		skip_ws(sc);
		if (peek(sc) != ':')
			return 0;
		adv(sc);
		skip_ws(sc);
		if (match)
			return 1;
		if (skip_value(sc) < 0)
			return 0;
		skip_ws(sc);
		if (peek(sc) != ',')
			return 0;
		adv(sc);
		skip_ws(sc);
	}
	return 0;
}

/* Moves the cursor to element `index` of the array at the cursor. */
static int find_element(scan *sc, size_t index)
{
	adv(sc);
	skip_ws(sc);
	if (peek(sc) == ']')
		return 0;
	for (size_t i = 0; i < index; i++) {
		if (skip_value(sc) < 0)
			return 0;
		skip_ws(sc);
		if (peek(sc) != ',')
			return 0;
		adv(sc);
		skip_ws(sc);
	}
	return 1;
}

int tctl_json_locate_nearest(tctl_jsonpos *out, size_t *out_depth, const char *text,
			     size_t len, const tctl_jsonpos_step *path, size_t depth,
			     bool key_pos)
{
	scan sc = { text, len, 0, 1, 1 };
	tctl_jsonpos best, key_at = { 0, 0, 0 };
	size_t matched = 0;

	if (!text)
		return TCTL_ENOTFOUND;
	if (sc.len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		sc.pos = 3;
	skip_ws(&sc);
	if (peek(&sc) < 0)
		return TCTL_ENOTFOUND;
	best = here(&sc);
	for (size_t i = 0; i < depth; i++) {
		int found;
		if (path[i].key)
			found = peek(&sc) == '{' && find_member(&sc, path[i].key, &key_at);
		else
			found = peek(&sc) == '[' && find_element(&sc, path[i].index);
		if (!found)
			break;
		matched = i + 1;
		best = (key_pos && path[i].key && matched == depth) ? key_at : here(&sc);
	}
	*out = best;
	if (out_depth)
		*out_depth = matched;
	return 0;
}

int tctl_json_locate(tctl_jsonpos *out, const char *text, size_t len,
		     const tctl_jsonpos_step *path, size_t depth, bool key_pos)
{
	tctl_jsonpos p;
	size_t matched = 0;

	if (tctl_json_locate_nearest(&p, &matched, text, len, path, depth, key_pos) < 0 ||
	    matched != depth)
		return TCTL_ENOTFOUND;
	*out = p;
	return 0;
}
