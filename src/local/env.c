/* env.c: the environment a run starts with: the submitter's, minus credentials, saved in the run folder. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/http.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Credentials trainctl itself reads: never written to disk (docs/security.md). */
static const char *const withheld[] = {
	"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD",
	"AZURE_ACCESS_TOKEN", "IDENTITY_HEADER", "MSI_SECRET", "TRAINCTL_AZURE_TOKEN",
};

/* Endpoints trainctl reads: a password in their URL (https://user:pass@host) is saved as ***. */
static const char *const endpoints[] = {
	"TRAINCTL_ARM_ENDPOINT", "TRAINCTL_PRICES_ENDPOINT", "TRAINCTL_IMDS_ENDPOINT",
	"AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "MSI_ENDPOINT", "IMDS_ENDPOINT",
};

static bool named(const char *kv, const char *const *names, size_t n_names)
{
	size_t n = strcspn(kv, "=");

	for (size_t i = 0; i < n_names; i++)
		if (strlen(names[i]) == n && !strncmp(kv, names[i], n))
			return true;
	return false;
}

/* Appends "K=V\0" with V's URL redacted (tctl_http_redact_url) when it holds a password. */
static void put_endpoint(tctl_buf *b, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *shown = NULL;

	if (!eq || tctl_http_redact_url(&shown, eq + 1) < 0) {
		tctl_error_clear();
		return;   /* dropped rather than kept unredacted */
	}
	tctl_buf_put(b, kv, (size_t)(eq + 1 - kv));
	tctl_buf_put(b, shown, strlen(shown) + 1);
	free(shown);
}

static bool is_withheld(const char *kv)
{
	return named(kv, withheld, sizeof(withheld) / sizeof(withheld[0]));
}

int env_save(const char *run_dir)
{
	tctl_buf b = TCTL_BUF_INIT;
	char *path = tctl_path_join(run_dir, "env");
	int fd, error = 0;

	if (!path)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (char **e = environ; e && *e; e++) {
		if (is_withheld(*e))
			continue;
		if (named(*e, endpoints, sizeof(endpoints) / sizeof(endpoints[0])))
			put_endpoint(&b, *e);
		else
			tctl_buf_put(&b, *e, strlen(*e) + 1);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		error = tctl_error_set_os("cannot write '%s'", path);
	} else {
		ssize_t n = b.len ? write(fd, b.ptr, b.len) : 0;
		if (n != (ssize_t)b.len)
			error = tctl_error_set_os("cannot write '%s'", path);
		if (close(fd) < 0 && !error)
			error = tctl_error_set_os("cannot write '%s'", path);
	}
	tctl_buf_free(&b);
	free(path);
	return error;
}

int env_load(char ***out, const char *run_dir)
{
	char *path = tctl_path_join(run_dir, "env"), *data = NULL, **env;
	size_t len = 0, n = 0, i = 0;
	int error;

	if (!path)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = tctl_file_read(&data, &len, path);
	free(path);
	if (error < 0)
		return error;
	for (size_t k = 0; k < len; k++)
		n += data[k] == '\0';
	if (!(env = calloc(n + 1, sizeof(*env)))) {
		free(data);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < len; k += strlen(data + k) + 1)
		env[i++] = strdup(data + k);
	free(data);
	*out = env;
	return 0;
}

void env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}
