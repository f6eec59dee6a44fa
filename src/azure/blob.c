/* blob.c: files to block blobs under a SAS container URL: Put Blob, or parallel Put Block + Put Block List. */
#include "blob.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The Blob service version sent (x-ms-version); Azurite and Azure both accept it. */
#define BLOB_VERSION "2021-08-06"
#define MAX_THREADS 16

/* One unit of work: a whole small file (block < 0) or one block of a large one. */
typedef struct {
	size_t file;
	long block;
} work_item;

typedef struct {
	const blob_upload *u;
	work_item *items;
	size_t nitems, next;
	size_t *blocks;             /* per file: how many blocks (0: uploaded whole) */
	size_t *blocks_done;        /* per file */
	tctl_upload_progress prog;
	pthread_mutex_t lock;
	int error;
	char message[1024];
} job_state;

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Block ids: base64 of a fixed-length text (all ids of a blob must have one length). */
static void block_id(char out[32], long block)
{
	char raw[16];
	size_t n, o = 0;

	n = (size_t)snprintf(raw, sizeof(raw), "tctl-%08ld", block);   /* 13 bytes */
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;
		v |= i + 1 < n ? (unsigned char)raw[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned char)raw[i + 2] : 0;
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

/* base + "/" + the path's segments escaped + "?" + sas [+ "&" + extra]. */
static int blob_url(char **out, const blob_upload *u, const char *path, const char *extra)
{
	tctl_buf b = TCTL_BUF_INIT;
	const char *p = path;

	tctl_buf_printf(&b, "%s/", u->base);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		char *seg = strndup(p, n), *esc = NULL;
		if (!seg || tctl_http_escape(&esc, seg) < 0) {
			free(seg);
			tctl_buf_free(&b);
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		}
		tctl_buf_printf(&b, "%s%s", esc, slash ? "/" : "");
		free(seg);
		free(esc);
		p += n + (slash ? 1 : 0);
	}
	tctl_buf_printf(&b, "?%s%s%s", u->sas, extra ? "&" : "", extra ? extra : "");
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* The storage error's <Code>, for messages. */
static void storage_code(char *buf, size_t size, const tctl_http_response *r)
{
	const char *s = strstr(r->body, "<Code>"), *e = s ? strstr(s, "</Code>") : NULL;

	if (s && e)
		snprintf(buf, size, ": %.*s", (int)(e - s - 6), s + 6);
	else
		buf[0] = '\0';
}

static int put(tctl_http_client *c, const char *url, const char *blob_type, const void *data,
	       size_t len, const char *content_type, const char *what)
{
	tctl_http_request req = TCTL_HTTP_REQUEST_INIT;
	tctl_http_header h[3] = { { "x-ms-version", BLOB_VERSION },
				  { "Content-Type", content_type },
				  { "x-ms-blob-type", blob_type } };
	tctl_http_response *r = NULL;
	char code[128];
	int error;

	req.method = "PUT";
	req.url = url;
	req.headers = h;
	req.headers_len = blob_type ? 3 : 2;
	req.body = data ? data : "";
	req.body_len = len;
	if ((error = tctl_http_send(&r, c, &req)) < 0)
		return error;
	if (r->status != 201) {
		storage_code(code, sizeof(code), r);
		error = tctl_error_set(r->status == 403 ? TCTL_EAUTH : TCTL_EREMOTE,
				       "blob upload of '%s' refused: HTTP %d%s (%s)", what, r->status,
				       code, r->url);
	}
	tctl_http_response_free(r);
	return error;
}

static int read_range(char **out, const char *path, uint64_t off, size_t len)
{
	char *buf = malloc(len ? len : 1);
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? tctl_error_set_os("cannot open '%s'", path)
			      : tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			close(fd);
			free(buf);
			return n < 0 ? tctl_error_set_os("cannot read '%s'", path)
				     : tctl_error_set(TCTL_ERROR, "'%s' changed while being uploaded", path);
		}
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	return 0;
}

/* Upload one work item with the thread's client. */
static int do_item(job_state *st, tctl_http_client *c, const work_item *it, size_t *out_bytes)
{
	const blob_file *f = &st->u->files[it->file];
	uint64_t off = it->block < 0 ? 0 : (uint64_t)it->block * st->u->block_size;
	size_t len = it->block < 0 ? (size_t)f->size
				   : (size_t)(f->size - off < st->u->block_size ? f->size - off : st->u->block_size);
	char *data = NULL, *url = NULL, extra[96] = "", id[32];
	int error;

	if (!f->abs_path) {
		if (!(data = malloc(len ? len : 1)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		memcpy(data, (const char *)f->data + off, len);
	} else if ((error = read_range(&data, f->abs_path, off, len)) < 0) {
		return error;
	}
	if (it->block >= 0) {
		char *esc = NULL;
		block_id(id, it->block);
		if (tctl_http_escape(&esc, id) < 0) {   /* base64's '+', '/' and '=' */
			free(data);
			return TCTL_ENOMEM;
		}
		snprintf(extra, sizeof(extra), "comp=block&blockid=%s", esc);
		free(esc);
	}
	if ((error = blob_url(&url, st->u, f->path, it->block < 0 ? NULL : extra)) == 0)
		error = put(c, url, it->block < 0 ? "BlockBlob" : NULL, data, len,
			    "application/octet-stream", f->path);
	*out_bytes = len;
	free(url);
	free(data);
	return error;
}

static void record_error(job_state *st, int error)
{
	if (st->error)
		return;
	st->error = error;
	snprintf(st->message, sizeof(st->message), "%s", tctl_error_last()->message);
}

static void progress_after(job_state *st, const work_item *it, size_t bytes)
{
	st->prog.bytes_done += bytes;
	if (it->block < 0 || ++st->blocks_done[it->file] == st->blocks[it->file])
		st->prog.files_done++;
	if (st->u->progress)
		st->u->progress(&st->prog, st->u->progress_payload);
}

static void *worker(void *arg)
{
	job_state *st = arg;
	tctl_http_client *c = NULL;
	int error;

	if ((error = tctl_http_client_new(&c, &st->u->http)) < 0) {
		pthread_mutex_lock(&st->lock);
		record_error(st, error);
		pthread_mutex_unlock(&st->lock);
		return NULL;
	}
	for (;;) {
		work_item it;
		size_t bytes = 0;
		pthread_mutex_lock(&st->lock);
		if (st->error || st->next >= st->nitems) {
			pthread_mutex_unlock(&st->lock);
			break;
		}
		it = st->items[st->next++];
		pthread_mutex_unlock(&st->lock);
		error = do_item(st, c, &it, &bytes);
		pthread_mutex_lock(&st->lock);
		if (error < 0)
			record_error(st, error);
		else
			progress_after(st, &it, bytes);
		pthread_mutex_unlock(&st->lock);
	}
	tctl_http_client_free(c);
	return NULL;
}

static int plan_items(job_state *st)
{
	const blob_upload *u = st->u;
	size_t n = 0;

	for (size_t i = 0; i < u->files_len; i++) {
		uint64_t sz = u->files[i].size;
		st->blocks[i] = sz > u->block_size ? (size_t)((sz + u->block_size - 1) / u->block_size) : 0;
		n += st->blocks[i] ? st->blocks[i] : 1;
	}
	if (!(st->items = calloc(n + 1, sizeof(*st->items))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < u->files_len; i++) {
		if (!st->blocks[i])
			st->items[st->nitems++] = (work_item){ i, -1 };
		for (size_t b = 0; b < st->blocks[i]; b++)
			st->items[st->nitems++] = (work_item){ i, (long)b };
		st->prog.bytes_total += u->files[i].size;
	}
	st->prog.files_total = u->files_len;
	return 0;
}

/* Put Block List for each file uploaded in blocks. */
static int commit_blocks(job_state *st)
{
	const blob_upload *u = st->u;
	tctl_http_client *c = NULL;
	int error;

	if ((error = tctl_http_client_new(&c, &u->http)) < 0)
		return error;
	for (size_t i = 0; i < u->files_len && !error; i++) {
		tctl_buf xml = TCTL_BUF_INIT;
		char *url = NULL, id[32];
		if (!st->blocks[i])
			continue;
		tctl_buf_puts(&xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<BlockList>\n");
		for (size_t b = 0; b < st->blocks[i]; b++) {
			block_id(id, (long)b);
			tctl_buf_printf(&xml, "  <Latest>%s</Latest>\n", id);
		}
		tctl_buf_puts(&xml, "</BlockList>\n");
		if ((error = blob_url(&url, u, u->files[i].path, "comp=blocklist")) == 0)
			error = put(c, url, NULL, xml.ptr, xml.len, "application/xml", u->files[i].path);
		free(url);
		tctl_buf_free(&xml);
	}
	tctl_http_client_free(c);
	return error;
}

int blob_upload_files(const blob_upload *u)
{
	job_state st;
	pthread_t threads[MAX_THREADS];
	int nthreads = u->parallel < 1 ? 1 : u->parallel > MAX_THREADS ? MAX_THREADS : u->parallel;
	int started = 0, error;

	memset(&st, 0, sizeof(st));
	st.u = u;
	if (!(st.blocks = calloc(u->files_len + 1, sizeof(size_t))) ||
	    !(st.blocks_done = calloc(u->files_len + 1, sizeof(size_t)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = plan_items(&st)) < 0)
		goto done;
	pthread_mutex_init(&st.lock, NULL);
	for (; started < nthreads && (size_t)started < st.nitems; started++)
		if (pthread_create(&threads[started], NULL, worker, &st) != 0)
			break;
	if (!started && st.nitems)
		worker(&st);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&st.lock);
	if (st.error)
		error = tctl_error_set(st.error, "%s", st.message);
	else
		error = commit_blocks(&st);
done:
	free(st.items);
	free(st.blocks);
	free(st.blocks_done);
	return error;
}
