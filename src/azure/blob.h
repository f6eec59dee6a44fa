/* blob.h: uploading files as block blobs under a SAS container URL (not a public header). */
#ifndef TRAINCTL_AZURE_BLOB_H
#define TRAINCTL_AZURE_BLOB_H

#include "trainctl/azure.h"
#include "trainctl/http.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *path;          /* blob name below the base, '/'-separated */
	const char *abs_path;      /* the file to read, or NULL: */
	const void *data;          /* the bytes themselves */
	uint64_t size;
} blob_file;

typedef struct {
	const char *base;          /* https://account.blob.../container[/folder], no query */
	const char *sas;           /* the SAS query, without '?' */
	const blob_file *files;
	size_t files_len;
	size_t block_size;         /* files above this go in blocks of this size */
	int parallel;              /* requests in flight */
	tctl_http_options http;    /* each thread's client */
	tctl_upload_progress_fn progress;  /* called under a lock, from any thread */
	void *progress_payload;
} blob_upload;

/*
 * Upload every file: a file up to block_size with one Put Blob; a larger one
 * with Put Block per block (all files' blocks share `parallel` threads, each
 * with its own HTTP client), then Put Block List. Returns 0, or the first
 * error (the HTTP status and the storage error code, the URL redacted).
 */
int blob_upload_files(const blob_upload *u);

#endif
