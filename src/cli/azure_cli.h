/* azure_cli.h: what the Azure commands share: dry-run printing, notices, upload progress, traces. */
#ifndef TRAINCTL_CLI_AZURE_H
#define TRAINCTL_CLI_AZURE_H

#include "trainctl/arm.h"
#include "trainctl/azure.h"
#include "trainctl/backend.h"

#include <stdbool.h>

typedef struct {
	bool dry_run, json, verbose;
	void *requests;                  /* json_t array of the requests shown (dry run with --json) */
	tctl_arm_options arm;            /* callbacks wired to the printers below */
	tctl_azure_options azure;
	bool progress_shown;
} cli_azure;

/*
 * Wire the callbacks: in a dry run each request is printed (method, URL, the
 * note as a '#' line, the body), or collected for --json; notices go to
 * stderr as "trainctl: ..." lines (in a text dry run, to stdout as '#'
 * lines); --verbose traces HTTP on stderr; upload progress is drawn on a
 * terminal only.
 */
void cli_azure_init(cli_azure *a, bool dry_run, bool json, bool verbose);

/* Print the collected requests (dry run with --json) and free them; returns `rc`. */
int cli_azure_finish(cli_azure *a, int rc);

/* Backend options whose Azure ML notices go to stderr ("trainctl: ..."): status, list, logs, cancel. */
const tctl_backend_options *cli_backend_options(void);

/* Bring the active Azure ML runs of the ledger up to date (one GET each); a failure is a warning. */
void cli_refresh_cloud_runs(tctl_ledger *l);

/* Open the config and an ARM client for the command. */
int cli_azure_open(cli_azure *a, tctl_config **cfg, tctl_arm **arm);

#endif
