/* path.c: making paths absolute and resolving "." and ".." without touching the file system. */
#include "trainctl/util.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

/* "/a/./b/../c/" -> "/a/c"; `path` must be absolute. NULL on ENOMEM. */
static char *clean(const char *path)
{
	size_t n = 0;
	char *out = malloc(strlen(path) + 2);
	const char *p = path;

	if (!out)
		return NULL;
	while (*p) {
		const char *seg;
		size_t len;
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return out;
}

int tctl_path_resolve(char **out, const char *base, const char *path)
{
	char *joined = NULL, *result;

	if (path[0] != '/' && !(joined = tctl_path_join(base, path)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	result = clean(joined ? joined : path);
	free(joined);
	if (!result)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = result;
	return 0;
}
