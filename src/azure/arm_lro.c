/* arm_lro.c: long-running operations followed to their end, and pageable lists. */
#include "azure_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_POLL_MS 60000
#define MAX_PAGES 1000

/* "Succeeded", "Failed", "Canceled" end an operation (ARM's async operations guide). */
static bool terminal(const char *status)
{
	return status && (!strcasecmp(status, "Succeeded") || !strcasecmp(status, "Failed") ||
			  !strcasecmp(status, "Canceled") || !strcasecmp(status, "Cancelled"));
}

static int64_t poll_delay(const tctl_arm *arm, const tctl_http_response *r)
{
	const char *ra = tctl_http_response_header(r, "Retry-After");
	int64_t ms = -1;

	if (ra && tctl_http_retry_after(&ms, ra, tctl_now()) < 0) {
		ms = -1;
		tctl_error_clear();
	}
	if (ms < 0)
		ms = arm->o.poll_ms;
	return ms > MAX_POLL_MS ? MAX_POLL_MS : ms;
}

/* A failed or cancelled operation: its error.code and error.message. */
static int operation_failed(const tctl_arm *arm, const char *status, json_t *body,
			    const tctl_http_response *r)
{
	json_t *e = json_object_get(body, "error");
	const char *code = azure_str(e, "code"), *msg = azure_str(e, "message");
	char *text = NULL;
	int rc = code && strcasestr(code, "quota") ? TCTL_EQUOTA : TCTL_EREMOTE;

	if (tctl_http_redact_text(&text, msg ? msg : "no error details") < 0)
		return TCTL_ENOMEM;
	tctl_error_set(rc, "Azure's operation for %s ended %s: %s%s%.300s (request id %s)",
		       arm->what, status, code ? code : "", code ? ": " : "", text,
		       r->request_id ? r->request_id : "-");
	free(text);
	return rc;
}

static int poll_get(tctl_http_response **out, tctl_arm *arm, const char *url)
{
	char saved[sizeof(arm->what)];
	int error;

	memcpy(saved, arm->what, sizeof(saved));
	error = arm_send_authed(out, arm, "GET", url, NULL);
	memcpy(arm->what, saved, sizeof(saved));
	if (error == 0 && ((*out)->status < 200 || (*out)->status > 299)) {
		error = arm_error(*out, arm->what);
		tctl_http_response_free(*out);
		*out = NULL;
	}
	return error;
}

static int timed_out(const tctl_arm *arm, const char *where)
{
	char d[32];

	tctl_duration_format(d, sizeof(d), arm->o.lro_timeout_ms / 1000);
	return tctl_error_set(TCTL_ETIMEOUT, "%s: Azure's operation is still running after %s (%s); "
			      "it goes on in Azure: check again later", arm->what, d, where);
}

/* Poll the Azure-AsyncOperation monitor until its status is terminal. */
static int wait_monitor(tctl_arm *arm, const char *monitor, const tctl_http_response *first)
{
	int64_t start = tctl_mono_ms(), delay = poll_delay(arm, first);
	tctl_http_response *r = NULL;
	json_t *j = NULL;
	int error = 0;

	if (!arm_same_origin(arm, monitor))
		return tctl_error_set(TCTL_ESECURITY, "%s: Azure-AsyncOperation points away from the "
				      "Resource Manager endpoint %s", arm->what, arm->endpoint);
	for (;;) {
		const char *status;
		if (tctl_mono_ms() - start > arm->o.lro_timeout_ms)
			return timed_out(arm, "Azure-AsyncOperation");
		arm_sleep_ms(delay);
		if ((error = poll_get(&r, arm, monitor)) < 0)
			return error;
		j = json_loadb(r->body, r->body_len, 0, NULL);
		status = azure_str(j, "status");
		if (terminal(status)) {
			if (strcasecmp(status, "Succeeded"))
				error = operation_failed(arm, status, j, r);
			break;
		}
		delay = poll_delay(arm, r);
		json_decref(j);
		j = NULL;
		tctl_http_response_free(r);
		r = NULL;
	}
	json_decref(j);
	tctl_http_response_free(r);
	return error;
}

/* Poll Location while it answers 202; *out the answer that ends it. */
static int wait_location(tctl_http_response **out, tctl_arm *arm, const char *location,
			 const tctl_http_response *first)
{
	int64_t start = tctl_mono_ms(), delay = poll_delay(arm, first);
	tctl_http_response *r = NULL;
	int error;

	if (!arm_same_origin(arm, location))
		return tctl_error_set(TCTL_ESECURITY, "%s: Location points away from the Resource "
				      "Manager endpoint %s", arm->what, arm->endpoint);
	for (;;) {
		if (tctl_mono_ms() - start > arm->o.lro_timeout_ms)
			return timed_out(arm, "Location");
		arm_sleep_ms(delay);
		if ((error = poll_get(&r, arm, location)) < 0)
			return error;
		if (r->status != 202)
			break;
		delay = poll_delay(arm, r);
		tctl_http_response_free(r);
		r = NULL;
	}
	*out = r;
	return 0;
}

static const char *provisioning_state(json_t *j)
{
	return azure_str(json_object_get(j, "properties"), "provisioningState");
}

/* Poll the resource itself until its provisioningState is terminal. */
static int wait_resource(tctl_http_response **out, tctl_arm *arm, const char *url,
			 const tctl_http_response *first)
{
	int64_t start = tctl_mono_ms(), delay = poll_delay(arm, first);
	tctl_http_response *r = NULL;
	json_t *j = NULL;
	int error = 0;

	for (;;) {
		const char *state;
		if (tctl_mono_ms() - start > arm->o.lro_timeout_ms)
			return timed_out(arm, "provisioningState");
		arm_sleep_ms(delay);
		if ((error = poll_get(&r, arm, url)) < 0)
			return error;
		j = json_loadb(r->body, r->body_len, 0, NULL);
		state = provisioning_state(j);
		if (!state || terminal(state)) {
			if (state && strcasecmp(state, "Succeeded"))
				error = operation_failed(arm, state, j, r);
			break;
		}
		delay = poll_delay(arm, r);
		json_decref(j);
		tctl_http_response_free(r);
		r = NULL;
	}
	json_decref(j);
	if (error < 0)
		tctl_http_response_free(r);
	else
		*out = r;
	return error;
}

static bool still_provisioning(const tctl_http_response *r)
{
	json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
	const char *state = provisioning_state(j);
	bool busy = state && !terminal(state);

	json_decref(j);
	return busy;
}

int arm_follow(tctl_arm_response **out, tctl_arm *arm, const char *method, const char *url,
	       tctl_http_response *first)
{
	const char *monitor = tctl_http_response_header(first, "Azure-AsyncOperation");
	const char *location = tctl_http_response_header(first, "Location");
	bool resource = !strcmp(method, "PUT") || !strcmp(method, "PATCH");
	tctl_http_response *final = NULL;
	int error;

	if (monitor) {
		arm_notice(arm, "%s: waiting for Azure to finish (Azure-AsyncOperation)", arm->what);
		if ((error = wait_monitor(arm, monitor, first)) < 0)
			return error;
		if (resource)
			error = poll_get(&final, arm, url);
		else if (location)
			error = poll_get(&final, arm, location);
	} else if (first->status == 202 && location) {
		arm_notice(arm, "%s: waiting for Azure to finish (Location)", arm->what);
		error = wait_location(&final, arm, location, first);
	} else if (resource && still_provisioning(first)) {
		arm_notice(arm, "%s: waiting for Azure to finish (provisioningState)", arm->what);
		error = wait_resource(&final, arm, url, first);
	} else {
		error = 0;
	}
	if (error < 0)
		return error;
	error = arm_response_from(out, final ? final : first);
	tctl_http_response_free(final);
	return error;
}

/* ---- pageable lists ---- */

static int append_page(json_t *all, char **next, const tctl_http_response *r, const char *what)
{
	json_error_t jerr;
	json_t *j = json_loadb(r->body, r->body_len, 0, &jerr), *v;
	const char *nl;
	bool linked;

	if (!j || !json_is_array(v = json_object_get(j, "value"))) {
		json_decref(j);
		return tctl_error_set(TCTL_EREMOTE, "%s: the answer is not a list page (expected an "
				      "object with a \"value\" array)", what);
	}
	json_array_extend(all, v);
	nl = azure_str(j, "nextLink");
	linked = nl && *nl;      /* nl lives in j: decided before j goes */
	*next = linked ? strdup(nl) : NULL;
	json_decref(j);
	return linked && !*next ? tctl_error_set(TCTL_ENOMEM, "out of memory") : 0;
}

int arm_json_list(json_t **out, tctl_arm *arm, const char *path, const char *note)
{
	tctl_arm_response *first = NULL;
	tctl_http_response *r = NULL;
	json_t *all = json_array();
	char *next = NULL, *cur = NULL;
	int error, pages = 0;

	if (!all)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = tctl_arm_call(&first, arm, "GET", path, NULL, 0, note)) < 0 || arm->o.dry_run)
		goto done;
	r = &(tctl_http_response){ .status = first->status, .body = first->body,
				   .body_len = strlen(first->body) };
	if ((error = append_page(all, &next, r, arm->what)) < 0)
		goto done;
	while (next && !error) {
		if (++pages > MAX_PAGES) {
			error = tctl_error_set(TCTL_EREMOTE, "%s: more than %d pages: a nextLink loop?",
					       arm->what, MAX_PAGES);
			break;
		}
		free(cur);
		cur = next;
		next = NULL;
		if (!arm_same_origin(arm, cur)) {
			error = tctl_error_set(TCTL_ESECURITY, "%s: nextLink points away from the "
					       "Resource Manager endpoint %s", arm->what, arm->endpoint);
			break;
		}
		r = NULL;
		if ((error = poll_get(&r, arm, cur)) == 0)
			error = append_page(all, &next, r, arm->what);
		tctl_http_response_free(r);
	}
done:
	free(cur);
	free(next);
	tctl_arm_response_free(first);
	if (error < 0)
		json_decref(all);
	else
		*out = all;
	return error;
}

int tctl_arm_list(char **out, tctl_arm *arm, const char *path, const char *note)
{
	json_t *all = NULL;
	int error;

	if ((error = arm_json_list(&all, arm, path, note)) < 0)
		return error;
	*out = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}
