/* replay.c: runs a fuzz target's inputs (seed corpus, crash regressions) once each,
 * without libFuzzer, as a TAP test: the normal and sanitized builds both run it. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>

static int n_test;

/* The whole file at path; NULL when it cannot be read. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = -1;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of dir, sorted; *out_n of them. */
static char **list_dir(const char *dir, size_t *out_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	*out_n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		FUZZ_CHECK(grown != NULL);
		names = grown;
		names[n++] = strdup(path);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	*out_n = n;
	return names;
}

static bool run_file(const char *path)
{
	size_t len = 0;
	uint8_t *data = slurp(path, &len);

	if (!data) {
		printf("# cannot read '%s': %s\n", path, strerror(errno));
		return false;
	}
	fprintf(stderr, "# running %s\n", path);   /* the last one named is the culprit of a crash */
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return true;
}

/* Every file of dir: one TAP line each (--each), or one for the whole folder. */
static void run_dir(const char *dir, bool each)
{
	size_t n, ok = 0;
	char **names = list_dir(dir, &n);

	for (size_t i = 0; i < n; i++) {
		bool done = run_file(names[i]);
		ok += done;
		if (each)
			printf("%s %d - %s runs clean\n", done ? "ok" : "not ok", ++n_test, names[i]);
		free(names[i]);
	}
	free(names);
	if (!each)
		printf("%s %d - %zu inputs of %s run clean\n", n && ok == n ? "ok" : "not ok", ++n_test,
		       ok, dir);
}

int main(int argc, char **argv)
{
	bool each = false;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--each")) {
			each = true;
			continue;
		}
		run_dir(argv[i], each);
		each = false;
	}
	printf("1..%d\n", n_test);
	return 0;
}
