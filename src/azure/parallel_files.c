/* parallel_files.c: what a parallel job adds to its code in Azure ML: the step's driver and its items. */
#include "azure_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Azure ML's parallel step calls init() once per process and run(mini_batch) per mini-batch,
 * with the paths of the mini-batch's files (a uri_folder input). Each item of the job is one
 * file of AZURE_PARALLEL_ITEMS_DIR holding the item's text, so a mini-batch of
 * mini_batch_size files is a mini-batch of items; the driver runs the job's command once per
 * mini-batch with the placeholder replaced by the items, each quoted for /bin/sh, as the
 * local backend does (src/local/parallel.c). A failing command fails the mini-batch, which
 * the step retries (retry_settings) and counts against error_threshold.
 */
static const char driver[] =
	"# trainctl_parallel_entry.py: the driver trainctl adds for an Azure ML parallel step.\n"
	"# Each item of the job is one file under " AZURE_PARALLEL_ITEMS_DIR " holding the item;\n"
	"# the job's command (TRAINCTL_COMMAND, a /bin/sh line) runs once per mini-batch with\n"
	"# the placeholder replaced by the mini-batch's items, each quoted for the shell.\n"
	"import argparse\n"
	"import os\n"
	"import shlex\n"
	"import subprocess\n"
	"\n"
	"_placeholder = \"{items}\"\n"
	"\n"
	"\n"
	"def init():\n"
	"    global _placeholder\n"
	"    parser = argparse.ArgumentParser()\n"
	"    parser.add_argument(\"--placeholder\", default=\"{items}\")\n"
	"    args, _ = parser.parse_known_args()\n"
	"    _placeholder = args.placeholder\n"
	"\n"
	"\n"
	"def run(mini_batch):\n"
	"    items = []\n"
	"    for path in mini_batch:\n"
	"        with open(path, encoding=\"utf-8\") as f:\n"
	"            items.append(f.read())\n"
	"    quoted = \" \".join(shlex.quote(i) for i in items)\n"
	"    command = os.environ[\"TRAINCTL_COMMAND\"].replace(_placeholder, quoted)\n"
	"    subprocess.run([\"/bin/sh\", \"-c\", command], check=True)\n"
	"    return [os.path.basename(p) for p in mini_batch]\n";

typedef struct {
	tctl_code_file *files;
	size_t len;
} file_list;

static int add(file_list *l, char *path, char *data, size_t len)
{
	tctl_code_file *f = realloc(l->files, (l->len + 1) * sizeof(*f));

	if (!f || !path || !data) {
		if (f)
			l->files = f;
		free(path);
		free(data);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	l->files = f;
	f[l->len++] = (tctl_code_file){ path, data, len };
	return 0;
}

static int add_item(file_list *l, size_t n, const char *item)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%06zu", AZURE_PARALLEL_ITEMS_DIR, n) < 0)
		path = NULL;
	return add(l, path, strdup(item), strlen(item));
}

typedef struct {
	file_list *list;
	size_t *n;
} item_sink;

static int sink_item(void *ctx, const char *item)
{
	item_sink *s = ctx;

	return add_item(s->list, ++*s->n, item);
}

static int from_file(file_list *l, size_t *n, const char *path)
{
	item_sink s = { l, n };

	return tctl_parallel_items_read(path, sink_item, &s);
}

/* Files matching the glob, as paths relative to workdir (where the step's command runs). */
static int from_glob(file_list *l, size_t *n, const char *workdir, const char *pattern)
{
	char *full = tctl_path_join(workdir, pattern);
	size_t skip = strlen(workdir) + 1;
	glob_t g;
	int rc = 0;

	if (!full)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	memset(&g, 0, sizeof(g));
	if (glob(full, GLOB_ERR, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
			rc = add_item(l, ++*n, strlen(g.gl_pathv[i]) > skip ? g.gl_pathv[i] + skip
									      : g.gl_pathv[i]);
	globfree(&g);
	free(full);
	return rc;
}

int tctl_azure_parallel_files(tctl_code_file **out, size_t *out_len, const tctl_job *job)
{
	const tctl_parallel *p = &job->parallel;
	const char *workdir = job->workdir ? job->workdir : ".";
	file_list l = { NULL, 0 };
	size_t n = 0;
	char *path = NULL;
	int rc;

	if ((rc = add(&l, strdup(AZURE_PARALLEL_ENTRY), strdup(driver), sizeof(driver) - 1)) < 0)
		goto done;
	for (size_t i = 0; i < p->items_len && rc == 0; i++)
		rc = add_item(&l, ++n, p->items[i]);
	if (rc == 0 && p->items_file) {
		path = p->items_file[0] == '/' ? strdup(p->items_file) : tctl_path_join(workdir, p->items_file);
		rc = path ? from_file(&l, &n, path) : tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	if (rc == 0 && p->items_glob)
		rc = from_glob(&l, &n, workdir, p->items_glob);
	if (rc == 0 && n == 0)
		rc = tctl_error_set(TCTL_EINVALID, "parallel: no items to process%s%s%s",
				    p->items_glob ? " ('" : "", p->items_glob ? p->items_glob : "",
				    p->items_glob ? "' matched no file)" : "");
done:
	free(path);
	if (rc < 0) {
		tctl_code_files_free(l.files, l.len);
		return rc;
	}
	*out = l.files;
	*out_len = l.len;
	return 0;
}

void tctl_code_files_free(tctl_code_file *files, size_t len)
{
	for (size_t i = 0; files && i < len; i++) {
		free((char *)files[i].path);
		free((void *)files[i].data);
	}
	free(files);
}
