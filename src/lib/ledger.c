/* ledger.c: opening the SQLite run ledger, its schema and migrations, and transactions. */
#include "ledger_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 120000

/* Schema migrations: migrations[i] moves a ledger from version i to i + 1. */
static const char *const migrations[] = {
	"CREATE TABLE runs ("
	" id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, spec TEXT NOT NULL, spec_path TEXT,"
	" placement TEXT NOT NULL, backend TEXT NOT NULL, backend_id TEXT, parent_id TEXT,"
	" state TEXT NOT NULL, reason TEXT,"
	" submitted_ms INTEGER NOT NULL, started_ms INTEGER, ended_ms INTEGER,"
	" exit_code INTEGER, term_signal INTEGER,"
	" cpus REAL, memory INTEGER, gpus INTEGER, gpu_ids TEXT,"
	" supervisor_pid INTEGER, supervisor_start INTEGER, job_pid INTEGER, job_start INTEGER,"
	" boot_id TEXT, peak_rss INTEGER, user_s REAL, sys_s REAL, run_dir TEXT,"
	" estimate_s REAL, target TEXT, priority TEXT, nodes INTEGER, region TEXT,"
	" price_per_hour REAL, price_source TEXT, cost_estimate REAL, cost REAL,"
	" cancel_requested INTEGER NOT NULL DEFAULT 0, over_budget_allowed INTEGER NOT NULL DEFAULT 0,"
	" attempt INTEGER NOT NULL DEFAULT 1,"
	" repo_in INTEGER NOT NULL DEFAULT 0, repo_root TEXT, repo_commit TEXT, repo_branch TEXT,"
	" repo_dirty INTEGER NOT NULL DEFAULT 0, repo_changed TEXT, repo_diff_hash TEXT, repo_remote TEXT"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_active ON runs(backend, state, id) WHERE state IN ('queued','running');"
	"CREATE INDEX runs_state ON runs(state, id);"
	"CREATE INDEX runs_name ON runs(name, id);"
	"CREATE INDEX runs_parent ON runs(parent_id, id) WHERE parent_id IS NOT NULL;"
	"CREATE TABLE events (seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, at_ms INTEGER NOT NULL,"
	" state TEXT NOT NULL, detail TEXT);"
	"CREATE INDEX events_run ON events(run_id, seq);"
	"CREATE TABLE calibration (job_name TEXT NOT NULL, target_class TEXT NOT NULL,"
	" runs INTEGER NOT NULL, log_ratio_sum REAL NOT NULL,"
	" PRIMARY KEY (job_name, target_class)) WITHOUT ROWID;",
	/* 2: what a local run would have cost in the cloud (priced at submit), a sweep
	 * trial's parameters, and when gc collected a run's files */
	"ALTER TABLE runs ADD COLUMN cloud_equiv_per_hour REAL;"
	"ALTER TABLE runs ADD COLUMN cloud_equiv_cost REAL;"
	"ALTER TABLE runs ADD COLUMN cloud_equiv_target TEXT;"
	"ALTER TABLE runs ADD COLUMN params TEXT;"
	"ALTER TABLE runs ADD COLUMN collected_ms INTEGER;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int ledger_error(tctl_ledger *l, const char *what)
{
	int rc = sqlite3_errcode(l->db);
	const char *msg = sqlite3_errmsg(l->db);

	if (rc == SQLITE_FULL || sqlite3_system_errno(l->db) == ENOSPC)
		return tctl_error_set(TCTL_EOS, "ledger '%s': %s: disk full (No space left on device)",
				      l->path, what);
	if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM)
		return tctl_error_set(TCTL_EOS, "ledger '%s' is not writable (%s): %s", l->path, what, msg);
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		return tctl_error_set(TCTL_ERROR, "ledger '%s' is damaged (%s): %s", l->path, what, msg);
	return tctl_error_set(TCTL_ERROR, "ledger '%s': %s: %s", l->path, what, msg);
}

int ledger_prepare(tctl_ledger *l, sqlite3_stmt **out, const char *sql)
{
	int free_slot = -1;

	for (int i = 0; i < LEDGER_STMT_CACHE; i++) {
		if (!l->stmts[i].sql) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (!l->stmts[i].busy && !strcmp(l->stmts[i].sql, sql)) {
			l->stmts[i].busy = 1;
			*out = l->stmts[i].st;
			return 0;
		}
	}
	if (sqlite3_prepare_v3(l->db, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0,
			       out, NULL) != SQLITE_OK)
		return ledger_error(l, "prepare");
	if (free_slot >= 0 && (l->stmts[free_slot].sql = strdup(sql))) {
		l->stmts[free_slot].st = *out;
		l->stmts[free_slot].busy = 1;
	}
	return 0;
}

void ledger_finish(tctl_ledger *l, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < LEDGER_STMT_CACHE; i++) {
		if (l->stmts[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			l->stmts[i].busy = 0;
			return;
		}
	}
	sqlite3_finalize(st);
}

static void cache_clear(tctl_ledger *l)
{
	for (int i = 0; i < LEDGER_STMT_CACHE; i++) {
		sqlite3_finalize(l->stmts[i].st);
		free(l->stmts[i].sql);
		l->stmts[i].st = NULL;
		l->stmts[i].sql = NULL;
	}
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, (long)(1 + attempt % 20) * 1000000L };

	nanosleep(&ts, NULL);
}

int ledger_step(tctl_ledger *l, sqlite3_stmt *st)
{
	int rc;

	for (int attempt = 0; ; attempt++) {
		rc = sqlite3_step(st);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt > 20000)
			break;
		sqlite3_reset(st);
		backoff(attempt);
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	return ledger_error(l, "query");
}

int ledger_exec(tctl_ledger *l, const char *sql)
{
	int rc;

	for (int attempt = 0; ; attempt++) {
		rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt > 20000)
			break;
		backoff(attempt);
	}
	return rc == SQLITE_OK ? 0 : ledger_error(l, "exec");
}

char *ledger_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? strdup((const char *)t) : NULL;
}

static int user_version(tctl_ledger *l, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = ledger_prepare(l, &st, "PRAGMA user_version")) < 0)
		return rc;
	rc = ledger_step(l, st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	ledger_finish(l, st);
	return rc < 0 ? rc : 0;
}

int tctl_ledger_schema_check(tctl_ledger *l)
{
	int version, rc;

	if ((rc = user_version(l, &version)) < 0)
		return rc;
	if (version > TCTL_LEDGER_SCHEMA)
		return tctl_error_set(TCTL_EVERSION, "ledger '%s' is now at schema %d, newer than this "
				      "trainctl's %d", l->path, version, TCTL_LEDGER_SCHEMA);
	return 0;
}

/* Brings the schema up to date inside one write transaction. */
static int migrate(tctl_ledger *l)
{
	char sql[64];
	int version, error;

	if ((error = user_version(l, &version)) < 0)
		return error;
	if (version == TCTL_LEDGER_SCHEMA)
		return 0;
	if (version > TCTL_LEDGER_SCHEMA)
		goto newer;
	if ((error = tctl_ledger_begin(l)) < 0)
		return error;
	if ((error = user_version(l, &version)) < 0)
		goto fail;
	if (version > TCTL_LEDGER_SCHEMA) {
		tctl_ledger_rollback(l);
		goto newer;
	}
	for (; version < NMIGRATIONS; version++)
		if ((error = ledger_exec(l, migrations[version])) < 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", TCTL_LEDGER_SCHEMA);
	if ((error = ledger_exec(l, sql)) < 0)
		goto fail;
	return tctl_ledger_commit(l);
fail:
	tctl_ledger_rollback(l);
	return error;
newer:
	return tctl_error_set(TCTL_EVERSION,
		"ledger '%s' was written by a newer trainctl (schema %d, this one knows %d); "
		"upgrade trainctl", l->path, version, TCTL_LEDGER_SCHEMA);
}

#define WAL_PAGES 64

/* SQLite's memory for a short-lived process: by default each connection takes 120 KB of
 * lookaside slots and a page cache sized for 20 pages up front, and writes a header into every
 * slot and page, one page fault each (`list`: 196 faults, 171 without; a fault costs ~11 us on
 * the VM of docs/startup.md). Small slots cover the many small allocations; pages come one by
 * one. Measured at 1M runs (bench/list.sh): no query slower. */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 128, 32);
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

static int open_db(tctl_ledger *l)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	pthread_once(&once, configure_sqlite);
	if (sqlite3_open_v2(l->path, &l->db, flags, NULL) != SQLITE_OK)
		return ledger_error(l, "open");
	sqlite3_busy_timeout(l->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(l->db, 0);
	/* Many short-lived processes open the ledger: keep the WAL file between them and let
	 * auto-checkpoints do the work, instead of a checkpoint, a WAL delete and a re-create
	 * (each with fsyncs) on every close and open. The first connection to open rebuilds the
	 * WAL index by reading every frame since the last checkpoint: at SQLite's default of
	 * 1000 pages that read was most of a submit's time (strace: 1000 preads), so the WAL is
	 * checkpointed every WAL_PAGES pages instead (a checkpoint every few runs, two fsyncs). */
	sqlite3_db_config(l->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	int persist = 1;
	sqlite3_file_control(l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	sqlite3_wal_autocheckpoint(l->db, WAL_PAGES);
	return ledger_exec(l, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			      " PRAGMA foreign_keys=OFF");
}

static int ledger_paths(tctl_ledger *l, const char *path)
{
	char *slash;

	if (path) {
		/* its folder; "." for a bare name (and for "", too short to copy "." into) */
		if (!(l->path = strdup(path)) || !(l->dir = strdup(strrchr(path, '/') ? path : ".")))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		if ((slash = strrchr(l->dir, '/')))
			slash[slash == l->dir ? 1 : 0] = '\0';
		return 0;
	}
	if (tctl_dir_data(&l->dir) < 0)
		return tctl_error_last()->code;
	if (!(l->path = tctl_path_join(l->dir, "ledger.db")))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

int tctl_ledger_open(tctl_ledger **out, const char *path)
{
	tctl_ledger *l = calloc(1, sizeof(*l));
	int error;

	if (!l)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = ledger_paths(l, path)) < 0)
		goto fail;
	if ((error = tctl_mkdir_p(l->dir, 0700)) < 0) {
		tctl_error_prefix("cannot create the data folder");
		goto fail;
	}
	if (access(l->dir, W_OK) < 0) {
		error = tctl_error_set_os("data folder '%s' is not writable", l->dir);
		goto fail;
	}
	if ((error = open_db(l)) < 0 || (error = migrate(l)) < 0)
		goto fail;
	*out = l;
	return 0;
fail:
	tctl_ledger_free(l);
	return error;
}

int tctl_ledger_open_existing(tctl_ledger **out, const char *path)
{
	char *p = NULL;
	int rc;

	if (!path) {
		char *dir = NULL;
		if ((rc = tctl_dir_data(&dir)) < 0)
			return rc;
		p = tctl_path_join(dir, "ledger.db");
		free(dir);
		if (!p)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		path = p;
	}
	if (access(path, F_OK) < 0)
		rc = tctl_error_set(TCTL_ENOTFOUND, "no ledger at '%s' yet", path);
	else
		rc = tctl_ledger_open(out, path);
	free(p);
	return rc;
}

void tctl_ledger_free(tctl_ledger *l)
{
	if (!l)
		return;
	cache_clear(l);
	if (l->db)
		sqlite3_close_v2(l->db);
	free(l->dir);
	free(l->path);
	free(l);
}

const char *tctl_ledger_dir(const tctl_ledger *l)
{
	return l->dir;
}

const char *tctl_ledger_path(const tctl_ledger *l)
{
	return l->path;
}

int tctl_ledger_begin(tctl_ledger *l)
{
	int error = ledger_exec(l, "BEGIN IMMEDIATE");

	if (error == 0)
		l->in_txn = 1;
	return error;
}

int tctl_ledger_commit(tctl_ledger *l)
{
	int error = ledger_exec(l, "COMMIT");

	if (error < 0)
		tctl_ledger_rollback(l);
	l->in_txn = 0;
	return error;
}

void tctl_ledger_rollback(tctl_ledger *l)
{
	if (sqlite3_get_autocommit(l->db) == 0)
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	l->in_txn = 0;
}
