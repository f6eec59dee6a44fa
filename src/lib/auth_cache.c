/* auth_cache.c: access tokens kept between runs in tctl_dir_cache()/tokens.json, mode 0600. */
#include "trainctl/error.h"
#include "trainctl/sha256.h"
#include "trainctl/util.h"
#include "auth_internal.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Format: {"version": 1, "tokens": {"<sha256 of the cache key>": {"access_token": "...",
 * "expires_on": <unix seconds>}}}. Keys are hashed: the file names no tenant,
 * client or scope. The file is only trusted when it is a regular file owned
 * by this user and unreadable by others; otherwise it is ignored (and
 * replaced on the next store). Expired entries are dropped on each store.
 */

int auth_cache_path(char **out)
{
	return tctl_cache_path(out, "tokens.json");
}

static void hash_key(char out[TCTL_SHA256_HEX_SIZE], const char *key)
{
	unsigned char d[TCTL_SHA256_SIZE];

	tctl_sha256(d, key, strlen(key));
	tctl_sha256_hex(out, d);
}

/* The file's JSON when it is safe to trust; NULL otherwise (missing, foreign, too open, bad). */
static json_t *load_safe(const char *path)
{
	struct stat st;
	json_t *root = NULL;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || st.st_size > (1 << 20) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	root = json_loadf(f, 0, NULL);
	fclose(f);
	if (!json_is_object(json_object_get(root, "tokens")) ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Wipes every token string in the document, then frees it. */
static void wipe_decref(json_t *root)
{
	const char *k;
	json_t *v, *t;

	json_object_foreach(json_object_get(root, "tokens"), k, v)
		if (json_is_string(t = json_object_get(v, "access_token")))
			explicit_bzero((char *)json_string_value(t), strlen(json_string_value(t)));
	json_decref(root);
}

int auth_cache_load(char **token, int64_t *expires, const char *path, const char *key,
		    int64_t min_expiry)
{
	char h[TCTL_SHA256_HEX_SIZE];
	json_t *root = load_safe(path), *e, *t, *x;
	int found = 0;

	if (!root)
		return 0;
	hash_key(h, key);
	e = json_object_get(json_object_get(root, "tokens"), h);
	t = json_object_get(e, "access_token");
	x = json_object_get(e, "expires_on");
	if (json_is_string(t) && json_is_integer(x) && json_integer_value(x) > min_expiry &&
	    (*token = strdup(json_string_value(t)))) {
		*expires = (int64_t)json_integer_value(x);
		found = 1;
	}
	wipe_decref(root);
	return found;
}

static void drop_expired(json_t *tokens, int64_t now)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(tokens, tmp, k, v)
		if (json_integer_value(json_object_get(v, "expires_on")) <= now)
			json_object_del(tokens, k);
}

int auth_cache_store(const char *path, const char *key, const char *token, int64_t expires)
{
	char h[TCTL_SHA256_HEX_SIZE], *dir = NULL, *slash, *text = NULL;
	json_t *root = load_safe(path), *tokens;
	int error = 0;

	if (!root)
		root = json_pack("{s:i, s:{}}", "version", 1, "tokens");
	tokens = json_object_get(root, "tokens");
	drop_expired(tokens, tctl_now());
	hash_key(h, key);
	if (!root || json_object_set_new(tokens, h, json_pack("{s:s, s:I}", "access_token", token,
							      "expires_on", (json_int_t)expires)) < 0 ||
	    !(text = json_dumps(root, JSON_COMPACT)) || !(dir = strdup(path))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if ((error = tctl_mkdir_p(dir, 0700)) == 0)
		error = tctl_file_write_atomic(path, text, strlen(text), 0600);
done:
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	free(dir);
	wipe_decref(root);
	return error;
}
