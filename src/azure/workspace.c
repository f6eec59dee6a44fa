/* workspace.c: the workspace a command uses: a config profile, with the AZURE_* variables over it. */
#include "azure_internal.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

static int dup_field(char **out, const char *v)
{
	if (v && !(*out = strdup(v)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* A variable that is set and not empty wins over the profile's value. */
static int overlay(char **field, const char *var)
{
	const char *v = getenv(var);
	char *copy;

	if (!v || !*v)
		return 0;
	if (!(copy = strdup(v)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

int tctl_azure_workspace(tctl_workspace *out, const tctl_config *cfg, const char *name)
{
	const tctl_workspace *p = NULL;
	tctl_workspace w;
	int error;

	memset(&w, 0, sizeof(w));
	if ((error = tctl_config_workspace(&p, cfg, name)) < 0)
		return error;
	if ((error = dup_field(&w.name, p->name)) < 0 ||
	    (error = dup_field(&w.subscription_id, p->subscription_id)) < 0 ||
	    (error = dup_field(&w.resource_group, p->resource_group)) < 0 ||
	    (error = dup_field(&w.workspace, p->workspace)) < 0 ||
	    (error = dup_field(&w.region, p->region)) < 0 ||
	    (error = dup_field(&w.default_compute, p->default_compute)) < 0 ||
	    (error = dup_field(&w.tenant_id, p->tenant_id)) < 0)
		goto fail;
	/* the default profile already has them (config.c); a named one gets them here, so CI
	 * variables win whichever profile the job names (docs/azure.md) */
	if (name && ((error = overlay(&w.subscription_id, "AZURE_SUBSCRIPTION_ID")) < 0 ||
		     (error = overlay(&w.resource_group, "AZURE_RESOURCE_GROUP")) < 0 ||
		     (error = overlay(&w.workspace, "AZUREML_WORKSPACE")) < 0 ||
		     (error = overlay(&w.region, "AZURE_LOCATION")) < 0))
		goto fail;
	*out = w;
	return 0;
fail:
	tctl_azure_workspace_clear(&w);
	return error;
}

void tctl_azure_workspace_clear(tctl_workspace *ws)
{
	if (!ws)
		return;
	free(ws->name);
	free(ws->subscription_id);
	free(ws->resource_group);
	free(ws->workspace);
	free(ws->region);
	free(ws->default_compute);
	free(ws->tenant_id);
	memset(ws, 0, sizeof(*ws));
}
