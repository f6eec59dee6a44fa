/* buf.c: a growable string buffer. */
#include "trainctl/util.h"
#include "trainctl/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tctl_buf_grow(tctl_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 64;
	char *p;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (!(p = realloc(b->ptr, cap)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int tctl_buf_put(tctl_buf *b, const void *data, size_t len)
{
	int error;

	if ((error = tctl_buf_grow(b, len)) < 0)
		return error;
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int tctl_buf_puts(tctl_buf *b, const char *s)
{
	return tctl_buf_put(b, s, strlen(s));
}

int tctl_buf_vprintf(tctl_buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list cp;
	int n, error;

	/* format once into the room there is; only text that does not fit is formatted again */
	va_copy(cp, ap);
	n = vsnprintf(room ? b->ptr + b->len : NULL, room, fmt, cp);
	va_end(cp);
	if (n < 0) {
		if (room)
			b->ptr[b->len] = '\0';
		return tctl_error_set(TCTL_ERROR, "bad format");
	}
	if ((size_t)n >= room) {
		if ((error = tctl_buf_grow(b, (size_t)n)) < 0) {
			if (room)
				b->ptr[b->len] = '\0';
			return error;
		}
		vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

int tctl_buf_printf(tctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int error;

	va_start(ap, fmt);
	error = tctl_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return error;
}

char *tctl_buf_detach(tctl_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void tctl_buf_clear(tctl_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void tctl_buf_free(tctl_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}
