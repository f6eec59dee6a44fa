/* auth_cli.c: tokens from the Azure CLI (`az account get-access-token`), run without a shell. */
#include "trainctl/auth.h"
#include "trainctl/error.h"
#include "trainctl/util.h"
#include "auth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AZ_TIMEOUT_MS 10000       /* azure-identity's process_timeout */
#define AZ_OUTPUT_MAX (1 << 20)


/* The first executable `az` on PATH; *out NULL when none. */
int auth_cli_find(char **out)
{
	const char *path = getenv("PATH");
	char candidate[PATH_MAX];
	struct stat st;

	*out = NULL;
	if (!path)
		return 0;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		if (n && n + 4 < sizeof(candidate)) {
			snprintf(candidate, sizeof(candidate), "%.*s/az", (int)n, p);
			if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0)
				return (*out = strdup(candidate)) ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
		}
		p += n + (p[n] == ':');
	}
	return 0;
}

/* The state of the CLI's profile (azureProfile.json: mtime and size), so a new
 * `az login` or `az account set` is not answered from trainctl's token cache. */
int auth_cli_profile_state(char **out)
{
	const char *dir = getenv("AZURE_CONFIG_DIR"), *home = getenv("HOME");
	char path[PATH_MAX];
	struct stat st;

	if (dir && *dir)
		snprintf(path, sizeof(path), "%s/azureProfile.json", dir);
	else
		snprintf(path, sizeof(path), "%s/.azure/azureProfile.json", home ? home : "");
	if (stat(path, &st) < 0)
		return (*out = strdup("no-profile")) ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (asprintf(out, "%lld.%09ld:%lld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		     (long long)st.st_size) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* ---- running az ---- */

typedef struct {
	const char *path;   /* the az program */
	pid_t pid;
	int out, err;
	tctl_buf stdout_buf, stderr_buf;
	int status;
	bool timed_out;
} az_run;

/* environ plus AZURE_CORE_NO_COLOR=true, built before fork (the child only calls exec). */
static char **child_env(void)
{
	size_t n = 0, k = 0;
	char **envp;

	while (environ[n])
		n++;
	if (!(envp = calloc(n + 2, sizeof(*envp))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "AZURE_CORE_NO_COLOR=", 20))
			envp[k++] = environ[i];
	envp[k++] = "AZURE_CORE_NO_COLOR=true";
	envp[k] = NULL;
	return envp;
}

static int spawn(az_run *run, const char *az, char *const argv[])
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char **envp = child_env();

	if (!envp || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		goto fail;
	if ((run->pid = fork()) < 0)
		goto fail;
	if (run->pid == 0) {
		/* from a folder the OS owns, not the caller's (azure-identity does the same) */
		if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0 || chdir("/") < 0)
			_exit(127);
		execve(az, argv, envp);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	free(envp);
	run->out = out[0];
	run->err = err[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free(envp);
	return tctl_error_set_os("cannot run '%s'", az);
}

/* Reads both pipes until EOF or the deadline; then reaps the child (killing it when late). */
static int collect(az_run *run)
{
	int64_t deadline = tctl_mono_ms() + AZ_TIMEOUT_MS;
	struct pollfd fds[2] = { { run->out, POLLIN, 0 }, { run->err, POLLIN, 0 } };
	tctl_buf *bufs[2] = { &run->stdout_buf, &run->stderr_buf };
	char chunk[4096];
	int open_fds = 2;

	while (open_fds) {
		int64_t left = deadline - tctl_mono_ms();
		if (left <= 0) {
			run->timed_out = true;
			kill(run->pid, SIGKILL);
			break;
		}
		if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n > 0 && bufs[i]->len < AZ_OUTPUT_MAX) {
				tctl_buf_put(bufs[i], chunk, (size_t)n);
			} else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	while (waitpid(run->pid, &run->status, 0) < 0 && errno == EINTR)
		;
	return tctl_buf_puts(&run->stdout_buf, "") < 0 || tctl_buf_puts(&run->stderr_buf, "") < 0
		? TCTL_ENOMEM : 0;
}

/* ---- its answer ---- */

/* expiresOn: "2026-11-27 10:12:01.123456", local time (datetime.fromtimestamp). */
static bool parse_local_time(int64_t *out, const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);

	if (!end || (*end && *end != '.'))
		return false;
	tm.tm_isdst = -1;
	*out = (int64_t)mktime(&tm);
	return *out > 0;
}

int auth_cli_parse_output(char **token, int64_t *expires, auth_link *link, const char *out)
{
	json_t *root = json_loads(out, 0, NULL), *tok, *v;
	int error = 0;

	tok = json_object_get(root, "accessToken");
	if (!json_is_string(tok) || !*json_string_value(tok)) {
		error = tctl_error_set(TCTL_EREMOTE, "'az account get-access-token' printed no accessToken");
		goto done;
	}
	v = json_object_get(root, "expires_on");  /* newer CLIs: POSIX seconds */
	if (json_is_integer(v) && json_integer_value(v) > 0)
		*expires = (int64_t)json_integer_value(v);
	else if (!json_is_string(v = json_object_get(root, "expiresOn")) ||
		 !parse_local_time(expires, json_string_value(v))) {
		error = tctl_error_set(TCTL_EREMOTE, "'az account get-access-token' printed neither "
				       "expires_on nor a readable expiresOn");
		goto done;
	}
	if (json_is_string(v = json_object_get(root, "tenant"))) {
		free(link->reported_tenant);
		link->reported_tenant = strdup(json_string_value(v));
	}
	if (!(*token = strdup(json_string_value(tok))))
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
done:
	if (json_is_string(tok))
		explicit_bzero((char *)json_string_value(tok), strlen(json_string_value(tok)));
	json_decref(root);
	return error;
}

/* A failed run as one line; "not logged in" is AUTH_UNAVAILABLE (the chain goes on). */
static int run_error(const az_run *run)
{
	const char *err = run->stderr_buf.ptr;
	char line[400], *clean = NULL;
	int code = WIFEXITED(run->status) ? WEXITSTATUS(run->status) : 128 + WTERMSIG(run->status);

	if (run->timed_out)
		return tctl_error_set(TCTL_ETIMEOUT, "'az account get-access-token' gave no answer "
				      "in %d s", AZ_TIMEOUT_MS / 1000);
	if (code == 127)
		return tctl_error_set(TCTL_EAUTH, "cannot run '%s'", run->path);
	if (strstr(err, "az login") || strstr(err, "az account set")) {
		tctl_error_set(TCTL_EAUTH, "Azure CLI: not logged in (run 'az login')");
		return AUTH_UNAVAILABLE;
	}
	while (*err == '\n' || *err == ' ')
		err++;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(err, "\r\n"), err);
	if (tctl_http_redact_text(&clean, line) < 0)
		return TCTL_ENOMEM;
	tctl_error_set(TCTL_EAUTH, "'az account get-access-token' failed (exit %d)%s%s", code,
		       *clean ? ": " : "", clean);
	free(clean);
	return TCTL_EAUTH;
}

int auth_cli_fetch(char **token, int64_t *expires, tctl_credential *cred, auth_link *link,
		   const char *scope)
{
	az_run run = { link->path, 0, -1, -1, TCTL_BUF_INIT, TCTL_BUF_INIT, 0, false };
	char *resource = NULL;
	char *argv[10];
	int n = 0, error;

	(void)cred;
	if ((error = auth_scope_resource(&resource, scope)) < 0)
		return error;
	argv[n++] = "az";
	argv[n++] = "account";
	argv[n++] = "get-access-token";
	argv[n++] = "--output";
	argv[n++] = "json";
	argv[n++] = "--resource";
	argv[n++] = resource;
	if (link->tenant_id) {  /* the user config's credentials.tenant_id */
		argv[n++] = "--tenant";
		argv[n++] = link->tenant_id;
	}
	argv[n] = NULL;
	if ((error = spawn(&run, link->path, argv)) == 0 && (error = collect(&run)) == 0) {
		if (run.timed_out || !WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0)
			error = run_error(&run);
		else
			error = auth_cli_parse_output(token, expires, link, run.stdout_buf.ptr);
	}
	if (run.stdout_buf.ptr)
		explicit_bzero(run.stdout_buf.ptr, run.stdout_buf.len);
	tctl_buf_free(&run.stdout_buf);
	tctl_buf_free(&run.stderr_buf);
	free(resource);
	return error;
}
