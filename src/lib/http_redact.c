/* http_redact.c: secrets out of URLs, headers and messages; percent-encoding. */
#include "trainctl/http.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MASK "***"

/* Lower-cased copy of name[0..len) with '-' as '_', for the name rules. */
static void fold(char *out, size_t size, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		out[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	out[i] = '\0';
}

static bool name_is_secret(const char *name, size_t len, bool header)
{
	static const char *const exact[] = { "sig", "code", "key", NULL };
	static const char *const within[] = { "secret", "password", "passwd", "token", "assertion",
					      "signature", "authorization", "cookie", NULL };
	char f[128];

	if (!len || len >= sizeof(f))
		return false;
	fold(f, sizeof(f), name, len);
	for (size_t i = 0; exact[i]; i++)
		if (!strcmp(f, exact[i]) && (!header || i == 2))
			return true;
	for (size_t i = 0; within[i]; i++)
		if (strstr(f, within[i]))
			return true;
	if (header && !strcmp(f, "x_identity_header"))
		return true;
	return len >= 3 && tctl_str_endswith(f, "key");
}

bool tctl_http_param_is_secret(const char *name)
{
	return name && name_is_secret(name, strlen(name), false);
}

bool tctl_http_header_is_secret(const char *name)
{
	return name && name_is_secret(name, strlen(name), true);
}

int tctl_http_escape(char **out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	tctl_buf b = TCTL_BUF_INIT;
	int error = tctl_buf_grow(&b, strlen(s) * 3 + 1);

	for (const unsigned char *p = (const unsigned char *)s; !error && *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p)) {
			b.ptr[b.len++] = (char)*p;
		} else {
			b.ptr[b.len++] = '%';
			b.ptr[b.len++] = hex[*p >> 4];
			b.ptr[b.len++] = hex[*p & 15];
		}
	}
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	b.ptr[b.len] = '\0';
	*out = tctl_buf_detach(&b);
	return 0;
}

/* Appends the query `q` (up to `end`), secret values masked. */
static int put_query(tctl_buf *b, const char *q, const char *end)
{
	int error = 0;

	while (q < end && !error) {
		const char *amp = memchr(q, '&', (size_t)(end - q)), *eq;
		const char *stop = amp ? amp : end;
		eq = memchr(q, '=', (size_t)(stop - q));
		if (eq && name_is_secret(q, (size_t)(eq - q), false)) {
			error = tctl_buf_put(b, q, (size_t)(eq - q + 1));
			if (!error && eq + 1 < stop)
				error = tctl_buf_puts(b, MASK);
		} else {
			error = tctl_buf_put(b, q, (size_t)(stop - q));
		}
		if (!error && amp)
			error = tctl_buf_puts(b, "&");
		q = amp ? amp + 1 : end;
	}
	return error;
}

/* Appends url[0..len) redacted. */
static int put_url(tctl_buf *b, const char *url, size_t len)
{
	const char *end = url + len, *p = url, *auth, *slash, *at, *q, *hash;
	int error;

	auth = strstr(url, "://");
	if (auth && auth < end) {
		auth += 3;
		slash = auth;
		while (slash < end && *slash != '/' && *slash != '?' && *slash != '#')
			slash++;
		at = memchr(auth, '@', (size_t)(slash - auth));
		if (at) {
			if ((error = tctl_buf_put(b, url, (size_t)(auth - url))) < 0 ||
			    (error = tctl_buf_puts(b, MASK)) < 0)
				return error;
			p = at;
		}
	}
	q = memchr(p, '?', (size_t)(end - p));
	hash = memchr(q ? q : p, '#', (size_t)(end - (q ? q : p)));
	if (!q)
		return tctl_buf_put(b, p, (size_t)(end - p));
	if ((error = tctl_buf_put(b, p, (size_t)(q + 1 - p))) < 0 ||
	    (error = put_query(b, q + 1, hash ? hash : end)) < 0)
		return error;
	return hash ? tctl_buf_put(b, hash, (size_t)(end - hash)) : 0;
}

int tctl_http_redact_url(char **out, const char *url)
{
	tctl_buf b = TCTL_BUF_INIT;
	int error;

	if ((error = put_url(&b, url, strlen(url))) < 0 || (error = tctl_buf_puts(&b, "")) < 0) {
		tctl_buf_free(&b);
		return error;
	}
	*out = tctl_buf_detach(&b);
	return 0;
}

/* ---- free text ---- */

static bool url_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("\"'<>`", c);
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Length of the value starting at v (a quoted string, or up to a separator). */
static size_t value_len(const char *v)
{
	size_t n = 0;

	if (*v == '"') {
		for (n = 1; v[n] && v[n] != '"'; n++)
			if (v[n] == '\\' && v[n + 1])
				n++;
		return v[n] ? n + 1 : n;
	}
	while (v[n] && !isspace((unsigned char)v[n]) && !strchr("&,;\"'<>)}]", v[n]))
		n++;
	return n;
}

/* At s: a secret "name" followed by '=' or ':' (JSON or header style)? Sets where its value starts. */
static bool secret_pair(const char *text, const char *s, const char **value)
{
	const char *n = s, *e;
	bool quoted = *s == '"';

	if (s > text && name_char(s[-1]))
		return false;
	if (quoted)
		n++;
	for (e = n; name_char(*e); e++)
		;
	if (e == n || !name_is_secret(n, (size_t)(e - n), false))
		return false;
	if (quoted && *e++ != '"')
		return false;
	while (*e == ' ')
		e++;
	if (*e != '=' && *e != ':')
		return false;
	e++;
	while (*e == ' ')
		e++;
	*value = e;
	return value_len(e) > 0;
}

static int put_masked_value(tctl_buf *b, const char *v, size_t *consumed)
{
	static const char *const schemes[] = { "Bearer ", "Basic ", "SharedKey ", NULL };
	size_t n = value_len(v);

	for (size_t i = 0; schemes[i]; i++)
		if (!strncasecmp(v, schemes[i], strlen(schemes[i]))) {
			n = strlen(schemes[i]);  /* the scheme and the credential after it */
			n += value_len(v + n);
		}
	*consumed = n;
	if (*v == '"')
		return tctl_buf_puts(b, "\"" MASK "\"");
	return tctl_buf_puts(b, MASK);
}

/* One step of the scan at s: writes what it consumed, returns how far it went. */
static int redact_step(tctl_buf *b, const char *text, const char *s, size_t *step)
{
	const char *v;
	size_t n;
	int error;

	if (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) {
		for (n = 0; url_char(s[n]); n++)
			;
		*step = n;
		return put_url(b, s, n);
	}
	if (!strncasecmp(s, "Bearer ", 7) && url_char(s[7])) {
		for (n = 7; url_char(s[n]); n++)
			;
		*step = n;
		return tctl_buf_put(b, s, 7) < 0 ? TCTL_ENOMEM : tctl_buf_puts(b, MASK);
	}
	if (secret_pair(text, s, &v)) {
		if ((error = tctl_buf_put(b, s, (size_t)(v - s))) < 0 ||
		    (error = put_masked_value(b, v, &n)) < 0)
			return error;
		*step = (size_t)(v - s) + n;
		return 0;
	}
	*step = 1;
	return tctl_buf_put(b, s, 1);
}

int tctl_http_redact_text(char **out, const char *text)
{
	tctl_buf b = TCTL_BUF_INIT;
	size_t step;
	int error = tctl_buf_puts(&b, "");

	/* break, not a loop condition: a failed step leaves `step` unset (clang-analyzer) */
	for (const char *s = text; !error && *s; s += step)
		if ((error = redact_step(&b, text, s, &step)) < 0)
			break;
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	*out = tctl_buf_detach(&b);
	return 0;
}
