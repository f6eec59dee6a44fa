/* fake.c: start tests/fake/run.py and talk to its plain-HTTP control listener. */
#include "fake.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static void copy_field(char *dst, size_t size, json_t *root, const char *key)
{
	const char *v = json_string_value(json_object_get(root, key));
	snprintf(dst, size, "%s", v ? v : "");
}

static int read_ready(fake_server *f, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	if (!root)
		return -1;
	copy_field(f->https, sizeof(f->https), root, "https");
	copy_field(f->http, sizeof(f->http), root, "http");
	copy_field(f->control, sizeof(f->control), root, "control");
	copy_field(f->ca, sizeof(f->ca), root, "ca");
	copy_field(f->other_ca, sizeof(f->other_ca), root, "other_ca");
	json_decref(root);
	return 0;
}

static void exec_fake(const fake_server *f, const char *services, const char *const *extra)
{
	const char *src = getenv("TESTS_SRC");
	char script[512], tls[300], ready[300], log[300];
	const char *argv[40];
	int n = 0, fd;

	snprintf(script, sizeof(script), "%s/fake/run.py", src ? src : "tests");
	snprintf(tls, sizeof(tls), "%s/tls", f->dir);
	snprintf(ready, sizeof(ready), "%s/ready", f->dir);
	snprintf(log, sizeof(log), "%s/fake.log", f->dir);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--dir";
	argv[n++] = tls;
	argv[n++] = "--services";
	argv[n++] = services;
	argv[n++] = "--ready";
	argv[n++] = ready;
	for (size_t i = 0; extra && extra[i] && n < 38; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	execvp("python3", (char *const *)argv);
	_exit(127);
}

int fake_start(fake_server *f, const char *services, const char *const *extra)
{
	char ready[300];
	int status;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/trainctl-fake.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(ready, sizeof(ready), "%s/ready", f->dir);
	if ((f->pid = fork()) == 0)
		exec_fake(f, services, extra);
	for (int i = 0; i < 1500; i++) {  /* up to 15 s: the first start makes the CA */
		if (access(ready, R_OK) == 0 && read_ready(f, ready) == 0)
			return 0;
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			fprintf(stderr, "# the fake exited (see %s/fake.log)\n", f->dir);
			f->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "# the fake did not start in 15 s\n");
	return -1;
}

void fake_stop(fake_server *f)
{
	char cmd[400];

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	if (f->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# cannot remove %s\n", f->dir);
		f->dir[0] = '\0';
	}
}

/* A minimal HTTP/1.0 exchange with the control listener (plain HTTP on loopback). */
char *fake_control(const fake_server *f, const char *method, const char *path, const char *json)
{
	struct sockaddr_in sa = { 0 };
	const char *port = strrchr(f->control, ':');
	char head[512], buf[4096], *body;
	size_t len = json ? strlen(json) : 0, cap = 0, n = 0;
	ssize_t got;
	int fd;

	if (!port || (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return NULL;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return NULL;
	}
	snprintf(head, sizeof(head), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n", method, path, len);
	if (write(fd, head, strlen(head)) < 0 || (len && write(fd, json, len) < 0)) {
		close(fd);
		return NULL;
	}
	body = NULL;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (n + (size_t)got + 1 > cap) {
			char *grown = realloc(body, (n + (size_t)got + 1) * 2);
			if (!grown)
				break;   /* out of memory: the answer so far, cut short */
			body = grown;
			cap = (n + (size_t)got + 1) * 2;
		}
		memcpy(body + n, buf, (size_t)got);
		n += (size_t)got;
	}
	close(fd);
	if (!body)
		return NULL;
	body[n] = '\0';
	char *start = strstr(body, "\r\n\r\n");
	if (!start) {
		free(body);
		return NULL;
	}
	memmove(body, start + 4, strlen(start + 4) + 1);
	return body;
}

static void post(const fake_server *f, const char *path, const char *json)
{
	char *r = fake_control(f, "POST", path, json);

	if (!r || strstr(r, "\"error\"")) {
		fprintf(stderr, "# fake control %s %s failed: %s\n", path, json ? json : "", r ? r : "(no answer)");
		free(r);
		fail();
		return;   /* fail() does not return; this tells cppcheck so (doubleFree) */
	}
	free(r);
}

void fake_fault(const fake_server *f, const char *rule)
{
	char *json = malloc(strlen(rule) + 32);

	sprintf(json, "{\"faults\": [%s]}", rule);
	post(f, "/faults", json);
	free(json);
}

void fake_knobs(const fake_server *f, const char *json)
{
	post(f, "/knobs", json);
}

void fake_reset(const fake_server *f)
{
	post(f, "/reset", "{}");
}

json_t *fake_requests(const fake_server *f)
{
	char *text = fake_control(f, "GET", "/requests", NULL);
	json_t *log = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	assert_non_null(log);
	return log;
}

int fake_count(const fake_server *f, const char *needle)
{
	json_t *log = fake_requests(f), *e;
	size_t i;
	int n = 0;
	char line[2048];

	json_array_foreach(log, i, e) {
		snprintf(line, sizeof(line), "%s %s", json_string_value(json_object_get(e, "method")),
			 json_string_value(json_object_get(e, "target")));
		n += strstr(line, needle) != NULL;
	}
	json_decref(log);
	return n;
}
