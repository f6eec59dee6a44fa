/* job_priv.h: the job spec's parts shared between job_*.c files (library-internal). */
#ifndef TRAINCTL_JOB_PRIV_H
#define TRAINCTL_JOB_PRIV_H

#include "json_check.h"
#include "trainctl/job.h"

#define TCTL_JOB_DEFAULT_FILE "trainctl.json"
#define TCTL_JOB_DEFAULT_PLACEHOLDER "{items}"
#define TCTL_JOB_DEFAULT_RANDOM_TRIALS 20

/* Set every default that is a plain number (job_fill_defaults does the rest). */
void tctl_job_init_defaults(tctl_job *job);

/* Read the top-level sections of `root` into `job`, reporting through `jc`. */
void tctl_job_read(tctl_jc *jc, const json_t *root, tctl_job *job);
/* The sweep and parallel sections (job_fanout.c). */
void tctl_job_read_sweep(tctl_jc *jc, const json_t *root, tctl_job *job);
void tctl_job_read_parallel(tctl_jc *jc, const json_t *root, tctl_job *job);
/* Checks across fields, once everything is read (job_check.c). */
void tctl_job_check(tctl_jc *jc, const json_t *root, const tctl_job *job);

/* A retention policy object (shared with the config's retention defaults). */
int tctl_retention_read(tctl_jc *jc, const json_t *obj, const char *key, tctl_retention *out);
/* Retention as JSON (NULL on ENOMEM). */
json_t *tctl_retention_to_json(const tctl_retention *r);

/* Fill the defaults that depend on other fields: name, workdir, trials, placeholder. */
int tctl_job_fill_defaults(tctl_job *job, const char *spec_path);

/* Compact lossless duration text: "2h", "1h30m", "1d2h3m4s". */
void tctl_job_duration_str(char *buf, size_t size, int64_t seconds);

#endif
