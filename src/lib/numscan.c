/* numscan.c: reading numbers out of other programs' text, with conversion errors reported. */
#include "trainctl/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool tctl_scan_i64(const char **p, int64_t min, int64_t max, int64_t *out)
{
	const char *s = *p;
	char *end;
	long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s) && !((*s == '-' || *s == '+') && isdigit((unsigned char)s[1])))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v < min || v > max)
		return false;
	*out = v;
	*p = end;
	return true;
}

bool tctl_scan_hex(const char **p, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isxdigit((unsigned char)**p))
		return false;
	errno = 0;
	v = strtoull(*p, &end, 16);
	if (errno || v > max)
		return false;
	*out = v;
	*p = end;
	return true;
}

bool tctl_scan_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

bool tctl_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s;
	int64_t v;

	if (!s || !tctl_scan_i64(&p, min, max, &v) || *p)
		return false;
	*out = v;
	return true;
}
