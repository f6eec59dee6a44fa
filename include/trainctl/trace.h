/** @file trace.h  Job traces (CSV) for `trainctl simulate`. */
#ifndef TRAINCTL_TRACE_H
#define TRAINCTL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ownership: a tctl_trace owns its jobs and their strings; tctl_trace_free()
 * releases them. Column specs own their strings too. */

/** One job of a trace, in the trace's units: seconds, GPUs, cores, bytes. */
typedef struct {
	size_t line;        /**< line of the file the job came from (the header is line 1) */
	char *id;           /**< the id column, or "line N" */
	int64_t submit;     /**< seconds from the trace's origin */
	double gpus;        /**< as computed; may be fractional (the simulator rounds up) */
	int64_t duration;   /**< seconds of runtime on the trace's reference GPU */
	double cpus;        /**< cores; 0 when the trace has no cpus column */
	uint64_t memory;    /**< bytes; 0 when the trace has no memory column */
} tctl_trace_job;

/**
 * Which CSV columns hold what: each value is an expression over column
 * names and numbers with + - * / and no parentheses ("deletion_time-
 * scheduled_time", "cpu_milli/1000", "memory_mib*1048576"). Defaults:
 * submit=submit_time, gpus=gpus, duration=duration (seconds); cpus, memory
 * and id are optional.
 */
typedef struct {
	char *submit, *gpus, *duration, *cpus, *memory, *id;
	bool skip_incomplete;   /**< skip (and count) rows with an empty cell the expressions use */
} tctl_trace_columns;

typedef struct {
	tctl_trace_job *jobs;
	size_t jobs_len;
	size_t rows;                /**< data rows in the file */
	size_t skipped_incomplete;  /**< rows skipped for an empty cell (skip_incomplete) */
	char skipped_example[160];  /**< the first such row and cell */
} tctl_trace;

/** Defaults in *out, then the assignments of `spec` ("submit=COL,gpus=EXPR"); NULL spec: defaults. */
int tctl_trace_columns_parse(tctl_trace_columns *out, const char *spec);

void tctl_trace_columns_free(tctl_trace_columns *cols);

/**
 * Read a trace. Every problem names the file, the line and the field:
 * an unknown column (with the columns the header has), a missing or
 * non-numeric cell, a negative value, a row with the wrong number of
 * fields, a submit time before the previous row's (the trace must be
 * sorted). Caller frees *out.
 */
int tctl_trace_read(tctl_trace **out, const char *path, const tctl_trace_columns *cols);

/**
 * As tctl_trace_read, from `text` (`len` bytes, not necessarily NUL-terminated);
 * `path` names it in messages. A NUL byte in the text is an error.
 */
int tctl_trace_parse(tctl_trace **out, const char *text, size_t len, const char *path,
		     const tctl_trace_columns *cols);

void tctl_trace_free(tctl_trace *trace);

#endif
