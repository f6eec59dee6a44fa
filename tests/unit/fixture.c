/* fixture.c: temporary folders, files and git repositories for unit tests (the tests may use git's CLI). */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "trainctl/util.h"

static char *home;

static void remove_home(void)
{
	fx_rmrf(home);
	home = NULL;
}

void fx_init(void)
{
	char tmpl[] = "/tmp/trainctl-fxhome-XXXXXX";

	home = strdup(mkdtemp(tmpl));
	atexit(remove_home);
	setenv("HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test Author", 1);
	setenv("GIT_COMMITTER_EMAIL", "author@example.com", 1);
	setenv("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z", 1);
	setenv("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("XDG_CONFIG_HOME");
	fx_sh(home, "git config --global init.defaultBranch main && "
		    "git config --global advice.detachedHead false");
}

char *fx_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *path = NULL;

	assert_true(asprintf(&path, "%s/trainctl-unit-XXXXXX", t && *t ? t : "/tmp") > 0);
	assert_non_null(mkdtemp(path));
	return path;
}

void fx_write(const char *dir, const char *rel, const char *content)
{
	char *path = tctl_path_join(dir, rel), *slash;

	assert_non_null(path);
	slash = strrchr(path, '/');
	*slash = '\0';
	assert_int_equal(tctl_mkdir_p(path, 0755), 0);
	*slash = '/';
	assert_int_equal(tctl_file_write_atomic(path, content, strlen(content), 0644), 0);
	free(path);
}

static char *command(const char *dir, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static char *command(const char *dir, const char *fmt, va_list ap)
{
	tctl_buf b = TCTL_BUF_INIT;

	tctl_buf_puts(&b, "cd '");
	tctl_buf_puts(&b, dir);
	tctl_buf_puts(&b, "' && { ");
	tctl_buf_vprintf(&b, fmt, ap);
	tctl_buf_puts(&b, "; }");
	return tctl_buf_detach(&b);
}

int fx_sh(const char *dir, const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	cmd = command(dir, fmt, ap);
	va_end(ap);
	rc = system(cmd);
	free(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

char *fx_sh_out(const char *dir, const char *fmt, ...)
{
	tctl_buf b = TCTL_BUF_INIT;
	char chunk[4096];
	va_list ap;
	size_t n;
	char *cmd;
	FILE *p;

	va_start(ap, fmt);
	cmd = command(dir, fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		tctl_buf_put(&b, chunk, n);
	pclose(p);
	free(cmd);
	while (b.len && b.ptr[b.len - 1] == '\n')
		b.ptr[--b.len] = '\0';
	return tctl_buf_detach(&b);
}

void fx_rmrf(char *dir)
{
	if (dir && strlen(dir) > 8) {
		char *cmd = NULL;
		if (asprintf(&cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir) > 0)
			(void)!system(cmd);
		free(cmd);
	}
	free(dir);
}
