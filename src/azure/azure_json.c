/* azure_json.c: JSON over the ARM client, resource paths, and small JSON getters. */
#include "azure_internal.h"
#include "trainctl/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int arm_json(json_t **out, int *out_status, tctl_arm *arm, const char *method, const char *path,
	     json_t *body, unsigned flags, const char *note)
{
	tctl_arm_response *r = NULL;
	json_error_t jerr;
	char *text = NULL;
	int error;

	*out = NULL;
	if (body && !(text = json_dumps(body, AZURE_JSON_FLAGS)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = tctl_arm_call(&r, arm, method, path, text, flags, note);
	free(text);
	if (error < 0)
		return error;
	if (out_status)
		*out_status = r->status;
	if (r->status != 404 && r->body[0] && !(*out = json_loads(r->body, 0, &jerr)))
		error = tctl_error_set(TCTL_EREMOTE, "%s: the answer is not JSON: %s (request id %s)",
				       arm->what, jerr.text, r->request_id ? r->request_id : "-");
	tctl_arm_response_free(r);
	return error;
}

char *azure_json_text(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));

	if (!s)
		tctl_error_set(TCTL_ENOMEM, "out of memory");
	return s;
}

const char *azure_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

json_int_t azure_int(const json_t *obj, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

json_t *azure_path(json_t *obj, const char *dotted)
{
	char key[128];
	const char *p = dotted, *dot;

	while (obj && *p) {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - p) : (int)strlen(p), p);
		obj = json_object_get(obj, key);
		p = dot ? dot + 1 : p + strlen(p);
	}
	return obj;
}

int azure_ws_path(char **out, const tctl_workspace *ws, const char *fmt, ...)
{
	char *tail = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&tail, fmt, ap);
	va_end(ap);
	if (n < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	n = asprintf(out, "/subscriptions/%s/resourceGroups/%s/providers/"
		     "Microsoft.MachineLearningServices/workspaces/%s%s", ws->subscription_id,
		     ws->resource_group, ws->workspace, tail);
	free(tail);
	return n < 0 ? tctl_error_set(TCTL_ENOMEM, "out of memory") : 0;
}

int azure_loc_path(char **out, const tctl_workspace *ws, const char *region, const char *suffix)
{
	if (!region || !*region)
		return tctl_error_set(TCTL_EINVALID, "workspace profile '%s' has no region: set "
				      "workspaces.%s.region or AZURE_LOCATION", ws->name, ws->name);
	if (asprintf(out, "/subscriptions/%s/providers/Microsoft.MachineLearningServices/locations/%s%s",
		     ws->subscription_id, region, suffix) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}
