/* backend.c: finding a backend by the name a run records. */
#include "trainctl/backend.h"
#include "trainctl/error.h"

#include <string.h>

int tctl_backend_open(tctl_backend **out, const char *name, const tctl_backend_options *opts)
{
	tctl_backend_options defaults = TCTL_BACKEND_OPTIONS_INIT;

	if (!opts)
		opts = &defaults;
	if (name && !strcmp(name, "local"))
		return tctl_backend_local_open(out, opts);
	if (name && !strcmp(name, "azureml"))
		return tctl_backend_azureml_open(out, opts);
	return tctl_error_set(TCTL_ENOTSUPPORTED, "backend '%s' is not part of this build",
			      name ? name : "(none)");
}

void tctl_backend_free(tctl_backend *b)
{
	if (b)
		b->free(b);
}
