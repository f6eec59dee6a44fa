/* fs.c: whole-file reads, atomic writes, mkdir -p, and trainctl's XDG folders. */
#include "trainctl/util.h"
#include "trainctl/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tctl_file_read(char **out, size_t *out_len, const char *path)
{
	tctl_buf b = TCTL_BUF_INIT;
	char chunk[65536];
	ssize_t n;
	int fd, error = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT
			? tctl_error_set(TCTL_ENOTFOUND, "'%s' does not exist", path)
			: tctl_error_set_os("cannot open '%s'", path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = tctl_error_set_os("cannot read '%s'", path);
			break;
		}
		if ((error = tctl_buf_put(&b, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	if (out_len)
		*out_len = b.len;
	*out = tctl_buf_detach(&b);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tctl_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode), error = 0;

	if (fd < 0)
		return tctl_error_set_os("cannot create '%s'", path);
	if (write_all(fd, data, len) < 0)
		error = tctl_error_set_os("cannot write '%s'", path);
	if (close(fd) < 0 && error == 0)
		error = tctl_error_set_os("cannot write '%s'", path);
	if (error < 0)
		unlink(path);
	return error;
}

int tctl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int fd = -1, error = 0;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0) {
		error = tctl_error_set_os("cannot create '%s'", tmp);
		goto done;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		error = tctl_error_set_os("cannot write '%s'", tmp);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = tctl_error_set_os("cannot write '%s'", tmp);
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		error = tctl_error_set_os("cannot rename '%s' to '%s'", tmp, path);
done:
	if (fd >= 0)
		close(fd);
	if (error < 0)
		unlink(tmp);
	free(tmp);
	return error;
}

void tctl_cache_file_write(const char *path, const char *text)
{
	char *dir = strdup(path), *slash;

	if (dir && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (tctl_mkdir_p(dir, 0700) == 0)
			tctl_file_write_atomic(path, text, strlen(text), 0600);
	}
	free(dir);
	tctl_error_clear();
}

int tctl_mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int error = 0;

	/* usually the folder or its parent is there: one call, not one per component */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (!(p = strdup(path)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			error = tctl_error_set_os("cannot create folder '%s'", p);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return error;
}

char *tctl_path_join(const char *a, const char *b)
{
	char *out = NULL;
	size_t la = strlen(a);

	if (asprintf(&out, "%s%s%s", a, (la && a[la - 1] == '/') ? "" : "/", b) < 0)
		return NULL;
	return out;
}

static int xdg_dir(char **out, const char *home_sub, const char *xdg_var, const char *fallback)
{
	const char *v;
	char *p = NULL;
	int n;

	if ((v = getenv("TRAINCTL_HOME")) && *v)
		n = asprintf(&p, "%s/%s", v, home_sub);
	else if ((v = getenv(xdg_var)) && *v == '/')
		n = asprintf(&p, "%s/trainctl", v);
	else if ((v = getenv("HOME")) && *v)
		n = asprintf(&p, "%s/%s/trainctl", v, fallback);
	else
		return tctl_error_set(TCTL_ERROR, "cannot find a home folder: set HOME or %s", xdg_var);
	if (n < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = p;
	return 0;
}

int tctl_dir_config(char **out)
{
	return xdg_dir(out, "config", "XDG_CONFIG_HOME", ".config");
}

int tctl_dir_data(char **out)
{
	return xdg_dir(out, "data", "XDG_DATA_HOME", ".local/share");
}

int tctl_dir_cache(char **out)
{
	return xdg_dir(out, "cache", "XDG_CACHE_HOME", ".cache");
}

int tctl_str_set(char **dst, const char *src)
{
	char *s = NULL;

	if (src && !(s = strdup(src)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static int dir_path(char **out, int (*dir_fn)(char **), const char *name)
{
	char *dir = NULL;
	int error;

	if ((error = dir_fn(&dir)) < 0)
		return error;
	*out = tctl_path_join(dir, name);
	free(dir);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

int tctl_cache_path(char **out, const char *name)
{
	return dir_path(out, tctl_dir_cache, name);
}

int tctl_data_path(char **out, const char *name)
{
	return dir_path(out, tctl_dir_data, name);
}

int64_t tctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tctl_now(void)
{
	return (int64_t)time(NULL);
}

int64_t tctl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
