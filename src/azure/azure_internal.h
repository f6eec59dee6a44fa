/* azure_internal.h: what the Azure ML files share (not a public header). */
#ifndef TRAINCTL_AZURE_INTERNAL_H
#define TRAINCTL_AZURE_INTERNAL_H

#include "trainctl/arm.h"
#include "trainctl/azure.h"

#include <jansson.h>
#include <stdarg.h>

/* ---- the ARM client's insides (arm.c, arm_lro.c) ---- */

struct tctl_arm {
	const tctl_config *cfg;
	tctl_arm_options o;
	char *endpoint;                 /* cloud.arm without a trailing '/' */
	tctl_http_client *http;
	struct tctl_credential *cred;   /* found on the first request sent */
	char *scope;
	char *token;
	int64_t token_expires;
	char what[320];                 /* "PUT workspaces/ws/computes/c": the request in flight */
};

/* One request sent as is (absolute `url`), with the token; *out any HTTP answer. */
int arm_send(tctl_http_response **out, tctl_arm *arm, const char *method, const char *url,
	     const char *body);

/* arm_send after getting a token; a token refused as expired or invalid is replaced once. */
int arm_send_authed(tctl_http_response **out, tctl_arm *arm, const char *method, const char *url,
		    const char *body);

/* The error for a non-2xx answer: Azure's code and message, the HTTP status, the request id. */
int arm_error(const tctl_http_response *r, const char *what);

/* `url` is on the configured ARM host (scheme, host and port). */
bool arm_same_origin(const tctl_arm *arm, const char *url);

/* The short form of a path for messages: what follows ".../Microsoft.MachineLearningServices/". */
void arm_short_path(char *buf, size_t size, const char *method, const char *path_or_url);

void arm_notice(const tctl_arm *arm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Follow the long-running operation `first` started (method on `url`) to its end. */
int arm_follow(tctl_arm_response **out, tctl_arm *arm, const char *method, const char *url,
	       tctl_http_response *first);

/* One answer of a long-running operation's poll: *out_done when it ends the wait (a terminal
 * status; for a resource (!monitor) also no provisioningState at all). A terminal status other
 * than Succeeded is an error naming `what`, Azure's code and message (arm_lro.c). */
int arm_lro_read(bool *out_done, const char *what, bool monitor, const tctl_http_response *r);

/* One page of a pageable list: its "value" items appended to `all`, *next its nextLink (NULL at
 * the end; caller frees). An answer that is not a page is TCTL_EREMOTE naming `what`. */
int arm_list_page(json_t *all, char **next, const tctl_http_response *r, const char *what);

/* An arm response from an HTTP one (headers copied). */
int arm_response_from(tctl_arm_response **out, const tctl_http_response *r);

void arm_sleep_ms(int64_t ms);

/* ---- JSON over the client ---- */

/* How bodies are written: keys in the order built, numbers with 15 significant digits (0.9, not
 * 0.90000000000000002). */
#define AZURE_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* tctl_arm_call with a JSON body (borrowed; may be NULL); *out the answer's JSON (NULL when
 * empty, a dry run, or a 404 allowed by the flags). *out_status (may be NULL) the HTTP status. */
int arm_json(json_t **out, int *out_status, tctl_arm *arm, const char *method, const char *path,
	     json_t *body, unsigned flags, const char *note);

/* All items of a pageable list (a new array). */
int arm_json_list(json_t **out, tctl_arm *arm, const char *path, const char *note);

/* JSON text, indented, keys in insertion order; NULL on ENOMEM (error set). */
char *azure_json_text(const json_t *v);

/* Small getters that tolerate missing members. */
const char *azure_str(const json_t *obj, const char *key);
json_int_t azure_int(const json_t *obj, const char *key, json_int_t dflt);
json_t *azure_path(json_t *obj, const char *dotted);

/* `c` from one ComputeResource of an ARM answer; TCTL_ENOTFOUND when it is not an AmlCompute
 * cluster (cluster.c). The caller clears c either way. */
int azure_cluster_read(tctl_cluster *c, json_t *res);

/* The quotas of a region from ARM's answers (each may be NULL): the usages and quotas lists'
 * items and the vmSizes "value" array, into q (set up by the caller; quota.c). */
int azure_quotas_from_lists(tctl_azure_quotas *q, const tctl_workspace *ws, json_t *usages,
			    json_t *quotas, json_t *sizes);

/* The parallel step's entry script and items folder, in the uploaded code (parallel_files.c). */
#define AZURE_PARALLEL_ENTRY "trainctl_parallel_entry.py"
#define AZURE_PARALLEL_ITEMS_DIR ".trainctl-items"

/* argv as one /bin/sh command line (plain words as they are, others single-quoted). */
int azure_command_line(char **out, const tctl_job *job);

/* "/subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/W" */
int azure_ws_path(char **out, const tctl_workspace *ws, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "/subscriptions/S/providers/Microsoft.MachineLearningServices/locations/L" + suffix */
int azure_loc_path(char **out, const tctl_workspace *ws, const char *region, const char *suffix);

#endif
