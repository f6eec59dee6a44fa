/* code.c: a run's code in Azure ML: snapshot, content hash, code version found or uploaded. */
#include "azure_internal.h"
#include "blob.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "trainctl/vcs.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BLOCK ((size_t)4 << 20)
#define DEFAULT_PARALLEL 4

typedef struct {
	tctl_arm *arm;
	const tctl_workspace *ws;
	const tctl_code_options *o;
	tctl_code_result *out;
	tctl_snapshot *snap;
	char *container_path, *version_path;
	char *blob_uri, *sas;
} upload;

static void container_name(char *buf, size_t size, const char *root)
{
	const char *base = strrchr(root, '/');
	size_t n = (size_t)snprintf(buf, size, "trainctl-");

	base = base && base[1] ? base + 1 : "code";
	for (; *base && n + 1 < size && n < 64; base++)
		buf[n++] = isalnum((unsigned char)*base) || *base == '-' || *base == '_'
			   ? (char)tolower((unsigned char)*base) : '-';
	buf[n] = '\0';
}

static int block_size(size_t *out, const tctl_code_options *o)
{
	const char *s = getenv("TRAINCTL_BLOCK_SIZE");
	char *end;
	unsigned long long v;

	*out = o->block_size ? o->block_size : DEFAULT_BLOCK;
	if (o->block_size || !s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < 1024 || v > ((unsigned long long)100 << 20))
		return tctl_error_set(TCTL_EINVALID, "env TRAINCTL_BLOCK_SIZE: expected bytes between "
				      "1024 and 104857600, got \"%s\"", s);
	*out = (size_t)v;
	return 0;
}

/* GET the version named by the hash: found means the same tree is there already. */
static int find_version(bool *found, upload *u)
{
	json_t *res = NULL;
	int status = 0, error;

	*found = false;
	error = arm_json(&res, &status, u->arm, "GET", u->version_path, NULL, TCTL_ARM_ALLOW_404,
			 "the code version named by the snapshot's content hash: found, nothing is "
			 "uploaded");
	if (error == 0 && status == 200) {
		const char *uri = azure_str(json_object_get(res, "properties"), "codeUri");
		*found = uri != NULL;
		if (uri && !(u->out->code_uri = strdup(uri)))
			error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	json_decref(res);
	return error;
}

static int put_container(upload *u)
{
	json_t *body = json_pack("{s:{s:s, s:{s:s}}}", "properties", "description",
				 "code uploaded by trainctl", "tags", "managed-by", "trainctl");
	json_t *res = NULL;
	int error;

	if (!body)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = arm_json(&res, NULL, u->arm, "PUT", u->container_path, body, 0, NULL);
	json_decref(body);
	json_decref(res);
	return error;
}

/* startPendingUpload: a blob folder and a container-level SAS to write it with. */
static int pending_upload(upload *u)
{
	char uuid[40], *path = NULL, *q;
	json_t *body, *res = NULL, *ref;
	const char *uri, *sas;
	int error;

	if ((error = tctl_http_uuid(uuid, sizeof(uuid))) < 0)
		return error;
	body = json_pack("{s:s, s:s}", "pendingUploadId", uuid, "pendingUploadType",
			 "TemporaryBlobReference");
	if (!body || asprintf(&path, "%s/startPendingUpload", u->version_path) < 0) {
		json_decref(body);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	error = arm_json(&res, NULL, u->arm, "POST", path, body, 0, "where to upload the files: "
			 "a blob folder and a SAS for its container");
	json_decref(body);
	free(path);
	if (error < 0 || tctl_arm_dry_run(u->arm))
		goto done;
	ref = json_object_get(res, "blobReferenceForConsumption");
	uri = azure_str(ref, "blobUri");
	sas = azure_str(json_object_get(ref, "credential"), "sasUri");
	if (!uri || !sas || !(q = strchr(sas, '?')) || strncmp(uri, "https://", 8)) {
		error = tctl_error_set(TCTL_EREMOTE, "startPendingUpload gave no https blobUri and "
				       "sasUri to upload the code with");
		goto done;
	}
	if (!(u->blob_uri = strndup(uri, strcspn(uri, "?"))) || !(u->sas = strdup(q + 1)))
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	while (!error && strlen(u->blob_uri) > 8 && u->blob_uri[strlen(u->blob_uri) - 1] == '/')
		u->blob_uri[strlen(u->blob_uri) - 1] = '\0';
done:
	json_decref(res);
	return error;
}

static int upload_files(upload *u)
{
	blob_upload b;
	blob_file *files = calloc(u->snap->files_len + u->o->extra_len + 1, sizeof(*files));
	int error;

	if (!files)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	memset(&b, 0, sizeof(b));
	for (size_t i = 0; i < u->snap->files_len; i++)
		files[i] = (blob_file){ u->snap->files[i].path, u->snap->files[i].abs_path, NULL,
					u->snap->files[i].size };
	for (size_t i = 0; i < u->o->extra_len; i++)
		files[u->snap->files_len + i] = (blob_file){ u->o->extra[i].path, NULL,
							     u->o->extra[i].data, u->o->extra[i].len };
	b.base = u->blob_uri;
	b.sas = u->sas;
	b.files = files;
	b.files_len = u->snap->files_len + u->o->extra_len;
	b.parallel = u->o->parallel > 0 ? u->o->parallel : DEFAULT_PARALLEL;
	b.progress = u->o->progress;
	b.progress_payload = u->o->progress_payload;
	if ((error = block_size(&b.block_size, u->o)) == 0 &&
	    (error = tctl_http_options_from_config(&b.http, u->arm->cfg)) == 0)
		error = blob_upload_files(&b);
	free(files);
	return error;
}

static int put_version(upload *u)
{
	char files[32], bytes[32], placeholder[256];
	const char *uri = u->blob_uri;
	json_t *body, *res = NULL;
	int error;

	snprintf(files, sizeof(files), "%zu", u->snap->files_len);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)u->snap->total_size);
	if (!uri) {   /* a dry run: the folder startPendingUpload would name */
		snprintf(placeholder, sizeof(placeholder), "https://ACCOUNT.blob.%s/CONTAINER/PATH",
			 u->arm->cfg && u->arm->cfg->cloud.storage_suffix ? u->arm->cfg->cloud.storage_suffix
									 : "core.windows.net");
		uri = placeholder;
	}
	body = json_pack("{s:{s:s, s:s, s:b, s:{s:s, s:s, s:s}, s:{s:s}}}", "properties",
			 "codeUri", uri, "description", "code snapshot uploaded by trainctl",
			 "isAnonymous", 0, "properties", "trainctl.content_hash", u->out->hash,
			 "trainctl.files", files, "trainctl.bytes", bytes, "tags", "managed-by",
			 "trainctl");
	if (!body)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = arm_json(&res, NULL, u->arm, "PUT", u->version_path, body, 0,
			 "registers the uploaded folder as the code version");
	if (error == 0 && u->blob_uri && !(u->out->code_uri = strdup(u->blob_uri)))
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	json_decref(body);
	json_decref(res);
	return error;
}

/* With extra files, the version is sha256 over the snapshot's hash and each file's path and bytes. */
static void with_extra(char hash[TCTL_SHA256_HEX_SIZE], const tctl_code_options *o)
{
	unsigned char raw[TCTL_SHA256_SIZE];
	tctl_sha256_ctx ctx;

	if (!o->extra_len)
		return;
	tctl_sha256_init(&ctx);
	tctl_sha256_update(&ctx, "trainctl-code-v1\n", 17);
	tctl_sha256_update(&ctx, hash, strlen(hash));
	for (size_t i = 0; i < o->extra_len; i++) {
		char len[32];
		snprintf(len, sizeof(len), "\n%zu ", o->extra[i].len);
		tctl_sha256_update(&ctx, len, strlen(len));
		tctl_sha256_update(&ctx, o->extra[i].path, strlen(o->extra[i].path) + 1);
		tctl_sha256_update(&ctx, o->extra[i].data, o->extra[i].len);
	}
	tctl_sha256_final(&ctx, raw);
	tctl_sha256_hex(hash, raw);
}

static int paths(upload *u, const char *name)
{
	int error;

	if ((error = azure_ws_path(&u->container_path, u->ws, "/codes/%s", name)) < 0 ||
	    (error = azure_ws_path(&u->version_path, u->ws, "/codes/%s/versions/%s", name,
				   u->out->hash)) < 0)
		return error;
	if (!(u->out->code_id = strdup(u->version_path)) || !(u->out->name = strdup(name)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static int send_code(upload *u)
{
	bool found = false;
	int error;

	if ((error = find_version(&found, u)) < 0)
		return error;
	if (found && !tctl_arm_dry_run(u->arm)) {
		u->out->reused = true;
		return 0;
	}
	if ((error = put_container(u)) < 0 || (error = pending_upload(u)) < 0)
		return error;
	if (tctl_arm_dry_run(u->arm))
		arm_notice(u->arm, "then %zu file%s (%llu bytes) go up as block blobs under the "
			   "blobUri the answer names (Put Blob; Put Block and Put Block List above "
			   "the block size)", u->out->files, u->out->files == 1 ? "" : "s",
			   (unsigned long long)u->out->bytes);
	else if ((error = upload_files(u)) < 0)
		return error;
	return put_version(u);
}

int tctl_azure_code_upload(tctl_code_result *out, tctl_arm *arm, const tctl_workspace *ws,
			   const char *dir, const tctl_code_options *opts)
{
	tctl_code_options dflt = TCTL_CODE_OPTIONS_INIT;
	char name[80];
	upload u;
	int error;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	u.arm = arm;
	u.ws = ws;
	u.o = opts ? opts : &dflt;
	u.out = out;
	if ((error = tctl_vcs_snapshot(&u.snap, dir, NULL)) < 0 ||
	    (error = tctl_snapshot_hash(out->hash, u.snap)) < 0)
		goto done;
	with_extra(out->hash, u.o);
	out->files = u.snap->files_len + u.o->extra_len;
	out->bytes = u.snap->total_size;
	for (size_t i = 0; i < u.o->extra_len; i++)
		out->bytes += u.o->extra[i].len;
	if (u.o->name)
		snprintf(name, sizeof(name), "%s", u.o->name);
	else
		container_name(name, sizeof(name), u.snap->root);
	if ((error = paths(&u, name)) < 0)
		goto done;
	error = send_code(&u);
done:
	tctl_snapshot_free(u.snap);
	free(u.container_path);
	free(u.version_path);
	free(u.blob_uri);
	if (u.sas)
		explicit_bzero(u.sas, strlen(u.sas));
	free(u.sas);
	if (error < 0)
		tctl_code_result_clear(out);
	return error;
}

void tctl_code_result_clear(tctl_code_result *r)
{
	if (!r)
		return;
	free(r->code_id);
	free(r->code_uri);
	free(r->name);
	memset(r, 0, sizeof(*r));
}
