/** @file backend.h  The ops table every backend implements: submit, status, logs, cancel, free. */
#ifndef TRAINCTL_BACKEND_H
#define TRAINCTL_BACKEND_H

#include "trainctl/azure.h"
#include "trainctl/job.h"
#include "trainctl/ledger.h"
#include "trainctl/local.h"

#include <stdbool.h>

typedef struct tctl_backend tctl_backend;

/**
 * A backend. Implementations embed this struct first and fill the slots;
 * a slot a backend cannot do is set to a function returning
 * TCTL_ENOTSUPPORTED (never NULL, never a silent success).
 */
struct tctl_backend {
	const char *name;   /**< "local", "azureml"; what runs.backend holds */

	/** Record `run` (prefilled: name, spec, plan fields, provenance) and start it. The ledger
	 *  connection may be closed and *l set to NULL across a fork (reopen to go on). */
	int (*submit)(tctl_backend *b, tctl_ledger **l, const tctl_job *job, tctl_run *run);

	/** Bring `run` up to date with the backend (poll a cloud job; notice a lost supervisor). */
	int (*status)(tctl_backend *b, tctl_ledger *l, tctl_run *run);

	/** Copy the run's output to the descriptors; with `follow`, until it ends. */
	int (*logs)(tctl_backend *b, tctl_ledger *l, const tctl_run *run, int out_fd, int err_fd,
		    bool follow);

	/** Ask the run to stop (queued: at once; running: TERM, then KILL / the cloud's cancel). */
	int (*cancel)(tctl_backend *b, tctl_ledger *l, tctl_run *run);

	void (*free)(tctl_backend *b);
};

/** What backends need to be opened. */
typedef struct {
	unsigned version;
	const tctl_local_capacity *capacity;   /**< local: what runs may use (NULL: from the profile) */
	const tctl_azure_options *azure;       /**< azureml: workspace, dry run, callbacks (NULL: none) */
} tctl_backend_options;

#define TCTL_BACKEND_OPTIONS_VERSION 1
#define TCTL_BACKEND_OPTIONS_INIT { TCTL_BACKEND_OPTIONS_VERSION, NULL, NULL }

/**
 * Open the backend called `name` ("local", "azureml"). TCTL_ENOTSUPPORTED for a backend
 * this build does not have, naming it. Free with tctl_backend_free().
 */
int tctl_backend_open(tctl_backend **out, const char *name, const tctl_backend_options *opts);

void tctl_backend_free(tctl_backend *b);

/** The local backend (local/backend_local.c). */
int tctl_backend_local_open(tctl_backend **out, const tctl_backend_options *opts);

/** The Azure ML backend (azure/backend_azureml.c). */
int tctl_backend_azureml_open(tctl_backend **out, const tctl_backend_options *opts);

#endif
