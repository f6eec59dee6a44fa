/* units.c: parsing and formatting of durations, sizes and timestamps. */
#include "trainctl/units.h"
#include "trainctl/error.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DURATION_HINT "a duration such as \"90s\", \"15m\", \"2h\", \"1d\" or \"PT2H\""
#define SIZE_HINT "a size such as \"16GB\", \"512MiB\" or \"2Gi\""

/* Reads an unsigned decimal number (with optional fraction) at *p. */
static int read_number(double *out, const char **p)
{
	const char *s = *p;
	char *end;

	if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
		return -1;
	*out = strtod(s, &end);
	if (end == s || !isfinite(*out))
		return -1;
	*p = end;
	return 0;
}

static double simple_unit(const char **p)
{
	static const struct { const char *name; double secs; } units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 },
		{ "h", 3600 }, { "hr", 3600 }, { "d", 86400 }, { "w", 604800 },
	};
	size_t best = 0, best_len = 0, len = 0;

	while (isalpha((unsigned char)(*p)[len]))
		len++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == len && !strncmp(*p, units[i].name, len)) {
			best = i;
			best_len = len;
		}
	}
	if (!best_len)
		return -1;
	*p += best_len;
	return units[best].secs;
}

static int parse_simple(double *out, const char *s)
{
	double total = 0, n, unit;

	if (!*s)
		return -1;
	while (*s) {
		if (read_number(&n, &s) < 0 || (unit = simple_unit(&s)) < 0)
			return -1;
		total += n * unit;
	}
	*out = total;
	return 0;
}

static int parse_iso(double *out, const char *s)
{
	double total = 0, n;
	int in_time = 0, any = 0;

	if (*s++ != 'P')
		return -1;
	while (*s) {
		if (*s == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			s++;
			continue;
		}
		if (read_number(&n, &s) < 0)
			return -1;
		switch (*s++) {
		case 'W': if (in_time) return -1; total += n * 604800; break;
		case 'D': if (in_time) return -1; total += n * 86400; break;
		case 'H': if (!in_time) return -1; total += n * 3600; break;
		case 'M': if (!in_time) return -1; total += n * 60; break;
		case 'S': if (!in_time) return -1; total += n; break;
		default: return -1;
		}
		any = 1;
	}
	if (!any)
		return -1;
	*out = total;
	return 0;
}

int tctl_duration_parse(int64_t *out, const char *text)
{
	double secs;
	int rc;

	if (!text)
		return tctl_error_set(TCTL_EINVALID, "expected " DURATION_HINT);
	rc = (text[0] == 'P') ? parse_iso(&secs, text) : parse_simple(&secs, text);
	if (rc < 0)
		return tctl_error_set(TCTL_EINVALID, "expected " DURATION_HINT ", got \"%s\"", text);
	if (secs > 1e12)
		return tctl_error_set(TCTL_EINVALID, "duration \"%s\" is too large", text);
	*out = (int64_t)llround(secs);
	if (*out == 0 && secs > 0)
		*out = 1;
	return 0;
}

void tctl_duration_format(char *buf, size_t size, int64_t s)
{
	int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;

	if (s < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if (d)
		snprintf(buf, size, h ? "%" PRId64 "d%" PRId64 "h" : "%" PRId64 "d", d, h);
	else if (h)
		snprintf(buf, size, m ? "%" PRId64 "h%" PRId64 "m" : "%" PRId64 "h", h, m);
	else if (m)
		snprintf(buf, size, sec ? "%" PRId64 "m%" PRId64 "s" : "%" PRId64 "m", m, sec);
	else
		snprintf(buf, size, "%" PRId64 "s", sec);
}

void tctl_duration_format_iso(char *buf, size_t size, int64_t s)
{
	int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
	size_t n = 0;

	n += (size_t)snprintf(buf + n, size - n, "P");
	if (d && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%" PRId64 "D", d);
	if ((h || m || sec || !d) && n < size)
		n += (size_t)snprintf(buf + n, size - n, "T");
	if (h && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%" PRId64 "H", h);
	if (m && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%" PRId64 "M", m);
	if ((sec || (!d && !h && !m)) && n < size)
		snprintf(buf + n, size - n, "%" PRId64 "S", sec);
}

static int size_unit(double *mult, const char *u)
{
	static const struct { const char *name; double mult; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1e3 }, { "KB", 1e3 }, { "M", 1e6 }, { "MB", 1e6 },
		{ "G", 1e9 }, { "GB", 1e9 }, { "T", 1e12 }, { "TB", 1e12 },
		{ "P", 1e15 }, { "PB", 1e15 },
		{ "KI", 1024.0 }, { "KIB", 1024.0 }, { "MI", 1048576.0 },
		{ "MIB", 1048576.0 }, { "GI", 1073741824.0 }, { "GIB", 1073741824.0 },
		{ "TI", 1099511627776.0 }, { "TIB", 1099511627776.0 },
		{ "PI", 1125899906842624.0 }, { "PIB", 1125899906842624.0 },
	};
	char up[8];
	size_t i, len = strlen(u);

	if (len >= sizeof(up))
		return -1;
	/* a lower-case trailing 'b' means bits: refuse rather than guess */
	if (len && u[len - 1] == 'b')
		return -1;
	for (i = 0; i <= len; i++)
		up[i] = (char)toupper((unsigned char)u[i]);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(up, units[i].name)) {
			*mult = units[i].mult;
			return 0;
		}
	}
	return -1;
}

int tctl_size_parse(uint64_t *out, const char *text)
{
	const char *s = text;
	double n, mult;

	if (!text)
		return tctl_error_set(TCTL_EINVALID, "expected " SIZE_HINT);
	if (read_number(&n, &s) < 0)
		goto bad;
	while (*s == ' ')
		s++;
	if (size_unit(&mult, s) < 0)
		goto bad;
	if (n * mult >= 1.8e19)
		return tctl_error_set(TCTL_EINVALID, "size \"%s\" is too large", text);
	*out = (uint64_t)llround(n * mult);
	return 0;
bad:
	return tctl_error_set(TCTL_EINVALID, "expected " SIZE_HINT ", got \"%s\"", text);
}

void tctl_size_format(char *buf, size_t size, uint64_t bytes)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else if (v == floor(v))
		snprintf(buf, size, "%.0f %s", v, units[u]);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

/* 0001-01-01T00:00:00Z in seconds since 1970 (proleptic Gregorian, as timegm counts). */
#define FIRST_YEAR_1 INT64_C(-62135596800)

int tctl_time_parse(int64_t *out, const char *text)
{
	struct tm tm;
	const char *rest;
	int off_sign = 0, off_h = 0, off_m = 0;

	memset(&tm, 0, sizeof(tm));
	if (!text || !(rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm)))
		goto bad;
	if (*rest == '.')
		for (rest++; isdigit((unsigned char)*rest); rest++)
			;
	if (*rest == 'Z' && rest[1] == '\0') {
		/* UTC */
	} else if ((*rest == '+' || *rest == '-') && strlen(rest) == 6 && rest[3] == ':' &&
		   strspn(rest + 1, "0123456789") == 2 && strspn(rest + 4, "0123456789") == 2) {
		off_h = (rest[1] - '0') * 10 + (rest[2] - '0');   /* "+HH:MM" */
		off_m = (rest[4] - '0') * 10 + (rest[5] - '0');
		off_sign = *rest == '+' ? 1 : -1;
		if (off_h > 23 || off_m > 59)
			goto bad;
	} else {
		goto bad;
	}
	*out = (int64_t)timegm(&tm) - off_sign * (off_h * 3600 + off_m * 60);
	/* before 0001-01-01T00:00:00Z (year 0 with an offset east of UTC) there is no RFC 3339
	 * form to print it back in */
	if (*out < FIRST_YEAR_1)
		goto bad;
	return 0;
bad:
	return tctl_error_set(TCTL_EINVALID,
		"expected an RFC 3339 time such as \"2026-11-28T09:00:00Z\", got \"%s\"",
		text ? text : "");
}

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days). */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                   /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365], from March */
	int64_t mp = (5 * doy + 2) / 153;                                 /* [0, 11], from March */

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void tctl_utc_tm(struct tm *out, int64_t unix_time)
{
	static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int64_t days = unix_time / 86400, secs = unix_time % 86400, year;
	int month, day;
	bool leap;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	memset(out, 0, sizeof(*out));
	out->tm_year = (int)(year - 1900);
	out->tm_mon = month - 1;
	out->tm_mday = day;
	out->tm_hour = (int)(secs / 3600);
	out->tm_min = (int)(secs / 60 % 60);
	out->tm_sec = (int)(secs % 60);
	out->tm_wday = (int)(((days % 7) + 11) % 7);   /* 1970-01-01 was a Thursday */
	out->tm_yday = before[month - 1] + day - 1 + (leap && month > 2);
}

void tctl_time_format(char *buf, size_t size, int64_t unix_time)
{
	struct tm tm;

	/* neither gmtime_r nor strftime: glibc's load the local time zone (/etc/localtime, seven
	 * system calls) on first use, for a time printed in UTC */
	tctl_utc_tm(&tm, unix_time);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
