/* ledger_internal.h: what the ledger's .c files share; SQLite is included only here. */
#ifndef TRAINCTL_LEDGER_INTERNAL_H
#define TRAINCTL_LEDGER_INTERNAL_H

#include "trainctl/ledger.h"

#include <sqlite3.h>

struct tctl_ledger {
	sqlite3 *db;
	char *dir;
	char *path;
	int in_txn;
};

/* Prepare, or set a TCTL error naming the statement. */
int ledger_prepare(tctl_ledger *l, sqlite3_stmt **out, const char *sql);

/* Step with a retry loop on SQLITE_BUSY / SQLITE_LOCKED (never "database is locked"). */
int ledger_step(tctl_ledger *l, sqlite3_stmt *st);

/* Execute SQL without results. */
int ledger_exec(tctl_ledger *l, const char *sql);

/* Turn the connection's last error into a TCTL error. */
int ledger_error(tctl_ledger *l, const char *what);

char *ledger_col_text(sqlite3_stmt *st, int col);

#endif
