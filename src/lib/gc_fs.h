/* gc_fs.h: measuring and removing trees inside the data folder without following symbolic links. */
#ifndef TRAINCTL_GC_FS_H
#define TRAINCTL_GC_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
	int fd;                  /* the data folder, opened once */
	dev_t dev;               /* its filesystem: gc never crosses into another */
	char *path;              /* its real path */
} gc_root;

typedef struct {
	uint64_t bytes, files;
	char note[256];          /* something left alone or worth saying ("" when none) */
} gc_usage;

/* Open the data folder `dir` (symbolic links in `dir` itself are resolved once, here). */
int gc_root_open(gc_root *out, const char *dir);
void gc_root_close(gc_root *r);

/*
 * What <root>/<rel> holds (rel: '/'-separated names, no "." or ".."), walked
 * with O_NOFOLLOW at every level: a symbolic link counts as one file of no
 * size and is never followed; a folder on another filesystem is not entered
 * (noted). Returns 0, TCTL_ENOTFOUND when absent, or an error.
 */
int gc_measure(gc_usage *out, const gc_root *root, const char *rel);

/* Remove <root>/<rel> the same way (a symbolic link: the link itself); *out says what went. */
int gc_remove(gc_usage *out, const gc_root *root, const char *rel);

#endif
