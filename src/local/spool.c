/* spool.c: runs recorded as folders by a submit that found a dispatcher idle; imported by the next ledger user. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A submit that can hand its run to an idle dispatcher does not open the
 * ledger: it stages the run's folder as usual, writes the run's row into it
 * as run.json, and renames the folder to runs/.spool/<id>. That rename is the
 * moment the run is recorded. Every ledger user that recovers (each command,
 * and a dispatcher before it claims) imports the spool: in one transaction the
 * row is inserted unless it is already there, then the folder moves to
 * runs/<id>. An importer killed between the two leaves a folder whose row
 * exists; the next import only moves it. So a spooled run is never lost and
 * never recorded twice.
 */

#define SPOOL "/runs/.spool"
#define RECORD "run.json"

char *spool_dir(const char *ledger_dir)
{
	char *p = NULL;

	if (asprintf(&p, "%s" SPOOL, ledger_dir) < 0)
		return NULL;
	return p;
}

int spool_publish(char **out_path, const char *ledger_dir, const tctl_run *run, const char *stage)
{
	char *json = NULL, *record = NULL, *dir = spool_dir(ledger_dir), *dest = NULL;
	int rc;

	*out_path = NULL;
	if (!dir || !(record = tctl_path_join(stage, RECORD)) || !(dest = tctl_path_join(dir, run->id))) {
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = tctl_run_record_to_json(&json, run)) < 0 ||
	    (rc = tctl_file_write(record, json, strlen(json), 0600)) < 0 || (rc = tctl_mkdir_p(dir, 0700)) < 0)
		goto done;
	if (rename(stage, dest) < 0) {
		rc = tctl_error_set_os("cannot move '%s' to '%s'", stage, dest);
		goto done;
	}
	*out_path = dest;
	dest = NULL;
done:
	free(json);
	free(record);
	free(dir);
	free(dest);
	return rc;
}

/* A record that cannot be read is set aside (<id>.rejected), never deleted or retried forever. */
static void reject(const char *folder)
{
	char *to = NULL;

	if (asprintf(&to, "%s.rejected", folder) >= 0)
		rename(folder, to);
	free(to);
}

static int insert_once(tctl_ledger *l, tctl_run *run)
{
	tctl_run *have = NULL;
	int rc;

	if ((rc = tctl_ledger_begin(l)) < 0)
		return rc;
	rc = tctl_ledger_run_get(l, &have, run->id);
	if (rc == 0 && !strcmp(have->id, run->id)) {
		tctl_run_free(have);
		tctl_ledger_rollback(l);
		return 0;   /* imported before, its folder not moved yet */
	}
	tctl_run_free(have);
	tctl_error_clear();
	if ((rc = tctl_ledger_run_insert(l, run)) < 0 ||
	    (rc = tctl_ledger_event_add(l, run->id, "queued", "submitted")) < 0) {
		tctl_ledger_rollback(l);
		return rc;
	}
	return tctl_ledger_commit(l);
}

static int import_one(tctl_ledger *l, const char *dir, const char *name)
{
	char *folder = tctl_path_join(dir, name), *record = NULL, *text = NULL, *run_dir = NULL;
	size_t len = 0;
	tctl_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	if (!folder || !(record = tctl_path_join(folder, RECORD))) {
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if (tctl_file_read(&text, &len, record) < 0) {
		tctl_error_clear();
		if (access(folder, F_OK) == 0)
			reject(folder);   /* else another importer moved it meanwhile */
		rc = 0;
		goto done;
	}
	if (tctl_run_record_from_json(&run, text, len, record) < 0 || strcmp(run.id, name) != 0 ||
	    !(run_dir = run_dir_path(tctl_ledger_dir(l), name))) {
		tctl_error_clear();
		reject(folder);
		rc = 0;
		goto done;
	}
	free(run.run_dir);
	run.run_dir = strdup(run_dir);
	if ((rc = insert_once(l, &run)) == 0)
		rc = rundir_publish(folder, run_dir);
done:
	tctl_run_clear(&run);
	free(run_dir);
	free(text);
	free(record);
	free(folder);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The spooled folders' names (run ids), oldest first. */
static int spooled(char ***out, size_t *out_len, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	*out = NULL;
	*out_len = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char **grown;
		if (strlen(e->d_name) != TCTL_RUN_ID_LEN || strchr(e->d_name, '.'))
			continue;   /* ".", "..", and set-aside "<id>.rejected" */
		if (!(grown = realloc(names, (n + 1) * sizeof(*names))) ||
		    !(grown[n] = strdup(e->d_name))) {
			names = grown ? grown : names;
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	*out = names;
	*out_len = n;
	return 0;
}

int spool_import(tctl_ledger *l)
{
	char *dir = spool_dir(tctl_ledger_dir(l)), **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!dir)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	spooled(&names, &n, dir);
	/* a newer trainctl migrated the ledger meanwhile: its own commands import these */
	if (n && tctl_ledger_schema_check(l) < 0) {
		tctl_error_clear();
		rc = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = import_one(l, dir, names[i]);
		free(names[i]);
	}
	free(names);
	free(dir);
	return rc > 0 ? 0 : rc;
}
