/* common.h: setup shared by the commands that read the ledger or the machine. */
#ifndef TRAINCTL_CLI_COMMON_H
#define TRAINCTL_CLI_COMMON_H

#include "trainctl/ledger.h"
#include "trainctl/local.h"
#include "trainctl/util.h"

#include <stddef.h>
#include <stdint.h>

/* What local runs may use, from the (cached) live profile. */
int cli_capacity(tctl_local_capacity *out);

/* Open the ledger and notice lost runs (starting queued runs their end freed room for). */
int cli_ledger_open(tctl_ledger **out);

/* "2026-11-27 09:12:01" in local time; "-" for 0. */
void cli_format_time(char *buf, size_t size, int64_t ms);

/* How long a run ran (or has been running). */
void cli_format_runtime(char *buf, size_t size, const tctl_run *r);

/* The exit status `--wait` passes on (docs/cli.md): the run's own, 128+signal, 124 timeout, 130 cancelled. */
int cli_run_exit_status(const tctl_run *r);

#endif
