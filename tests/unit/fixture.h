/* fixture.h: temporary folders, files and git repositories for unit tests. */
#ifndef TRAINCTL_TEST_FIXTURE_H
#define TRAINCTL_TEST_FIXTURE_H

#include <sys/types.h>

/* A fresh folder under $TMPDIR (or /tmp); the caller frees and removes it with fx_rmrf. */
char *fx_tmpdir(void);

/* Write `content` to dir/rel, creating parent folders. Aborts the test on failure. */
void fx_write(const char *dir, const char *rel, const char *content);

/* Run a shell command in `dir` with a fixed git identity and no user or system git
 * config; returns its exit status. */
int fx_sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As fx_sh, returning its stdout (caller frees; trailing newline removed). */
char *fx_sh_out(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Remove a folder tree and free the string. */
void fx_rmrf(char *dir);

/* Set up the environment for git commands (call once from main). */
void fx_init(void);

#endif
