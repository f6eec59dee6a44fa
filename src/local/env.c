/* env.c: the environment a run starts with: the submitter's, minus credentials, saved in the run folder. */
#include "local_internal.h"
#include "trainctl/error.h"
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

static bool is_withheld(const char *kv)
{
	size_t n = strcspn(kv, "=");

	for (size_t i = 0; i < sizeof(withheld) / sizeof(withheld[0]); i++)
		if (strlen(withheld[i]) == n && !strncmp(kv, withheld[i], n))
			return true;
	return false;
}

int env_save(const char *run_dir)
{
	tctl_buf b = TCTL_BUF_INIT;
	char *path = tctl_path_join(run_dir, "env");
	int fd, error = 0;

	if (!path)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (char **e = environ; e && *e; e++)
		if (!is_withheld(*e))
			tctl_buf_put(&b, *e, strlen(*e) + 1);
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
