/* ledger_internal.h: what the ledger's .c files share; SQLite is included only here. */
#ifndef TRAINCTL_LEDGER_INTERNAL_H
#define TRAINCTL_LEDGER_INTERNAL_H

#include "trainctl/ledger.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#define LEDGER_STMT_CACHE 32

struct tctl_ledger {
	sqlite3 *db;
	char *dir;
	char *path;
	int in_txn;
	struct {
		char *sql;
		sqlite3_stmt *st;
		int busy;
	} stmts[LEDGER_STMT_CACHE];   /* prepared once per connection: parsing SQL was half
					 of a submit's instructions */
};

/*
 * A prepared statement for `sql`: from the connection's cache when it holds
 * one not in use, else newly prepared (and cached while there is room). Hand
 * it back with ledger_finish(). Sets a TCTL error naming the statement on failure.
 */
int ledger_prepare(tctl_ledger *l, sqlite3_stmt **out, const char *sql);

/* Done with a statement from ledger_prepare: reset into the cache, or finalized. */
void ledger_finish(tctl_ledger *l, sqlite3_stmt *st);

/* Step with a retry loop on SQLITE_BUSY / SQLITE_LOCKED (never "database is locked"). */
int ledger_step(tctl_ledger *l, sqlite3_stmt *st);

/* Execute SQL without results. */
int ledger_exec(tctl_ledger *l, const char *sql);

/* Turn the connection's last error into a TCTL error. */
int ledger_error(tctl_ledger *l, const char *what);

char *ledger_col_text(sqlite3_stmt *st, int col);

/* The columns of a run row after its id, in schema order: name, type, field of tctl_run. */
typedef enum { C_TEXT, C_I64, C_INT, C_U64, C_REAL, C_BOOL, C_STATE } col_type;

struct ledger_column {
	const char *name;
	col_type type;
	size_t offset;
	bool brief;       /* read by a brief listing (tctl_run_filter.brief) */
};

const struct ledger_column *ledger_run_columns(size_t *out_n);

#endif
