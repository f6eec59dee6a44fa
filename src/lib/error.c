/* error.c: the per-thread last-error message behind tctl_error_last(). */
#define TCTL_ERROR_IMPLEMENTATION   /* the setters themselves: no analyzer wrapper (error.h) */
#include "trainctl/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX 8192  /* room for 20 problems of a job spec or config, one per line */

static _Thread_local char msg_buf[MSG_MAX];
static _Thread_local tctl_error last = { 0, "" };

static void set_va(int code, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void set_va(int code, const char *fmt, va_list ap)
{
	vsnprintf(msg_buf, sizeof(msg_buf), fmt, ap);
	last.code = code;
	last.message = msg_buf;
}

int tctl_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_va(code, fmt, ap);
	va_end(ap);
	return code;
}

int tctl_error_set_os(const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	set_va(TCTL_EOS, fmt, ap);
	va_end(ap);
	len = strlen(msg_buf);
	if (saved && len < sizeof(msg_buf))
		snprintf(msg_buf + len, sizeof(msg_buf) - len, ": %s", strerror(saved));
	errno = saved;
	return TCTL_EOS;
}

void tctl_error_prefix(const char *fmt, ...)
{
	char prefix[512];
	size_t plen, mlen = strlen(msg_buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	memcpy(prefix + plen, ": ", 3);
	plen += 2;
	if (plen + mlen >= sizeof(msg_buf))
		mlen = sizeof(msg_buf) - plen - 1;
	memmove(msg_buf + plen, msg_buf, mlen);
	memcpy(msg_buf, prefix, plen);
	msg_buf[plen + mlen] = '\0';
	last.message = msg_buf;
}

const tctl_error *tctl_error_last(void)
{
	return &last;
}

void tctl_error_clear(void)
{
	msg_buf[0] = '\0';
	last.code = 0;
	last.message = msg_buf;
}

const char *tctl_error_name(int code)
{
	static const char *names[] = {
		"ok", "error", "out of memory", "system error", "invalid",
		"not found", "exists", "usage", "not supported", "does not fit",
		"over budget", "quota", "network", "auth", "remote error",
		"version", "busy", "security", "missing module", "timeout",
		"cancelled",
	};
	int i = -code;

	if (i < 0 || i >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[i];
}
