/* fake.h: start tests/fake/run.py (loopback HTTPS fakes of Azure endpoints) and drive it. */
#ifndef TRAINCTL_TEST_FAKE_H
#define TRAINCTL_TEST_FAKE_H

#include <jansson.h>
#include <sys/types.h>

typedef struct {
	pid_t pid;
	char dir[256];          /* scratch: tls/, ready, fake.log */
	char https[128];        /* "https://127.0.0.1:P" */
	char http[128];         /* "http://127.0.0.1:Q" (IMDS) */
	char control[128];
	char ca[384];           /* the CA that signed the server certificate */
	char other_ca[384];     /* a CA that signed nothing here */
} fake_server;

/* Start the fake with `services` ("aad,echo,prices") and extra arguments (NULL-terminated,
 * or NULL). Returns 0, or -1 with a line on stderr (python3 or openssl missing). */
int fake_start(fake_server *f, const char *services, const char *const *extra);

/* Stop it and remove its scratch folder. */
void fake_stop(fake_server *f);

/* A request to the control listener; the answer's body (caller frees), NULL on failure. */
char *fake_control(const fake_server *f, const char *method, const char *path, const char *json);

/* Queue one fault rule (JSON object, see tests/fake/server.py Faults); aborts the test on failure. */
void fake_fault(const fake_server *f, const char *rule);

/* Set knobs (JSON object); forget faults and the request log. */
void fake_knobs(const fake_server *f, const char *json);
void fake_reset(const fake_server *f);

/* The request log (a JSON array; caller decrefs), and how many entries have
 * `needle` in "METHOD target". */
json_t *fake_requests(const fake_server *f);
int fake_count(const fake_server *f, const char *needle);

#endif
