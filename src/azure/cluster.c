/* cluster.c: AmlCompute clusters: read first, write only what differs; idle-cost findings. */
#include "azure_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *priority_value(tctl_priority p)
{
	return p == TCTL_PRIORITY_LOW ? "LowPriority" : "Dedicated";
}

static tctl_priority priority_of(const char *v)
{
	return v && !strcasecmp(v, "LowPriority") ? TCTL_PRIORITY_LOW : TCTL_PRIORITY_DEDICATED;
}

void tctl_cluster_auto_name(char *buf, size_t size, const char *vm_size, tctl_priority p)
{
	const char *s = strncasecmp(vm_size, "Standard_", 9) ? vm_size : vm_size + 9;
	const char *suffix = p == TCTL_PRIORITY_LOW ? "-lp" : "-d";
	size_t n = 0, max = 24 - strlen(suffix);
	char name[32] = "tctl-";

	n = strlen(name);
	for (; *s && n < max; s++) {
		char c = (char)tolower((unsigned char)*s);
		name[n++] = isalnum((unsigned char)c) ? c : '-';
	}
	while (n > 5 && name[n - 1] == '-')
		n--;
	name[n] = '\0';
	/* the suffix ends in a letter, so the name never ends in '-' and digits */
	snprintf(buf, size, "%s%s", name, suffix);
}

/* ---- bodies ---- */

static json_t *scale_settings(int min, int max, int64_t idle)
{
	char iso[32];

	tctl_duration_format_iso(iso, sizeof(iso), idle);
	return json_pack("{s:i, s:i, s:s}", "maxNodeCount", max, "minNodeCount", min,
			 "nodeIdleTimeBeforeScaleDown", iso);
}

static json_t *put_body(const tctl_cluster_spec *s, const char *region)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s, s:s, s:{s:s, s:s, s:s, s:o}}}",
			 "location", region, "tags", "managed-by", "trainctl",
			 "properties", "computeType", "AmlCompute",
			 "description", "autoscaling cluster managed by trainctl",
			 "properties", "osType", "Linux", "vmSize", s->vm_size,
			 "vmPriority", priority_value(s->priority),
			 "scaleSettings", scale_settings(s->min_nodes, s->max_nodes, s->idle_seconds));
}

static json_t *patch_body(int min, int max, int64_t idle)
{
	return json_pack("{s:{s:{s:o}}}", "properties", "properties", "scaleSettings",
			 scale_settings(min, max, idle));
}

/* ---- reading ---- */

static int set_str(char **out, const char *v)
{
	if (v && !(*out = strdup(v)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

/* `c` from a ComputeResource (azure_internal.h). */
int azure_cluster_read(tctl_cluster *c, json_t *res)
{
	json_t *props = json_object_get(res, "properties"), *aml = json_object_get(props, "properties");
	json_t *scale = json_object_get(aml, "scaleSettings"), *counts = json_object_get(aml, "nodeStateCounts");
	const char *type = azure_str(props, "computeType"), *idle;
	int error;

	memset(c, 0, sizeof(*c));
	if (!type || strcasecmp(type, "AmlCompute"))
		return TCTL_ENOTFOUND;
	if ((error = set_str(&c->name, azure_str(res, "name"))) < 0 ||
	    (error = set_str(&c->vm_size, azure_str(aml, "vmSize"))) < 0 ||
	    (error = set_str(&c->region, azure_str(res, "location"))) < 0 ||
	    (error = set_str(&c->state, azure_str(props, "provisioningState"))) < 0)
		return error;
	c->priority = priority_of(azure_str(aml, "vmPriority"));
	c->min_nodes = (int)azure_int(scale, "minNodeCount", 0);
	c->max_nodes = (int)azure_int(scale, "maxNodeCount", 0);
	c->idle_seconds = -1;
	if ((idle = azure_str(scale, "nodeIdleTimeBeforeScaleDown")) &&
	    tctl_duration_parse(&c->idle_seconds, idle) < 0) {
		c->idle_seconds = -1;
		tctl_error_clear();
	}
	c->current_nodes = (int)azure_int(aml, "currentNodeCount", 0);
	c->preempted_nodes = (int)azure_int(counts, "preemptedNodeCount", 0);
	c->usd_per_node_hour = -1;
	return 0;
}

void tctl_cluster_clear(tctl_cluster *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->vm_size);
	free(c->region);
	free(c->state);
	memset(c, 0, sizeof(*c));
}

void tctl_clusters_free(tctl_cluster *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		tctl_cluster_clear(&c[i]);
	free(c);
}

/* ---- judging ---- */

static void judge(tctl_cluster *c, const tctl_catalog *cat)
{
	const tctl_price *p = cat && c->vm_size && c->region ? tctl_catalog_price(cat, c->vm_size, c->region) : NULL;
	double price = !p ? -1 : c->priority == TCTL_PRIORITY_LOW ? p->low_priority : p->dedicated;
	char d[32], cost[64] = "price unknown";
	size_t n = 0;

	c->usd_per_node_hour = price;
	c->finding[0] = '\0';
	if (c->min_nodes > 0) {
		if (price >= 0)
			snprintf(cost, sizeof(cost), "$%.2f/h", price * c->min_nodes);
		n += (size_t)snprintf(c->finding + n, sizeof(c->finding) - n, "min nodes %d > 0: "
				      "%d node%s billed while idle (%s)", c->min_nodes, c->min_nodes,
				      c->min_nodes == 1 ? "" : "s", cost);
	}
	if (c->idle_seconds > TCTL_CLUSTER_IDLE_FLAG && n < sizeof(c->finding)) {
		tctl_duration_format(d, sizeof(d), c->idle_seconds);
		if (price >= 0)
			snprintf(cost, sizeof(cost), "$%.2f per node", price * (double)c->idle_seconds / 3600.0);
		snprintf(c->finding + n, sizeof(c->finding) - n, "%sidle time %s > %dm: each node "
			 "stays billed that long after its last job (%s)", n ? "; " : "", d,
			 TCTL_CLUSTER_IDLE_FLAG / 60, cost);
	}
	c->costs_idle = c->finding[0] != '\0';
}

/* ---- ensure ---- */

static const char *NOTE_GET = "read first: nothing is written when the cluster matches";
static const char *NOTE_PUT = "sent only when the cluster does not exist (a long-running "
			      "operation, followed to its end)";
static const char *NOTE_PATCH = "sent instead of the PUT when the cluster exists with other "
				"scale settings";

static void spec_defaults(tctl_cluster_spec *s, const tctl_cluster_spec *in)
{
	*s = *in;
	if (s->max_nodes < 1)
		s->max_nodes = 1;
	if (s->min_nodes < 0)
		s->min_nodes = 0;
	if (s->idle_seconds <= 0)
		s->idle_seconds = TCTL_CLUSTER_IDLE_DEFAULT;
	if (s->priority == TCTL_PRIORITY_ANY)
		s->priority = TCTL_PRIORITY_DEDICATED;
}

static int dry_ensure(tctl_arm *arm, const char *path, const tctl_cluster_spec *s,
		      const char *region)
{
	json_t *out = NULL, *put = put_body(s, region), *patch = patch_body(s->min_nodes,
		s->max_nodes, s->idle_seconds);
	int error;

	if (!put || !patch)
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	else if ((error = arm_json(&out, NULL, arm, "GET", path, NULL, TCTL_ARM_ALLOW_404, NOTE_GET)) == 0 &&
		 (error = arm_json(&out, NULL, arm, "PUT", path, put, TCTL_ARM_WAIT, NOTE_PUT)) == 0)
		error = arm_json(&out, NULL, arm, "PATCH", path, patch, TCTL_ARM_WAIT, NOTE_PATCH);
	json_decref(put);
	json_decref(patch);
	return error;
}

static int mismatch(const tctl_cluster *c, const char *name, const tctl_cluster_spec *s)
{
	return tctl_error_set(TCTL_EEXISTS, "cluster '%s' is %s %s, not %s %s: AmlCompute cannot "
			      "change a cluster's VM size or priority; name another cluster "
			      "(cloud.compute) or delete this one", name, c->vm_size ? c->vm_size : "?",
			      tctl_priority_name(c->priority), s->vm_size, tctl_priority_name(s->priority));
}

static bool same_scale(const tctl_cluster *c, const tctl_cluster_spec *s)
{
	return c->min_nodes == s->min_nodes && c->max_nodes == s->max_nodes &&
	       c->idle_seconds == s->idle_seconds;
}

static int create(tctl_cluster_action *out, char *what, size_t size, tctl_arm *arm,
		  const char *path, const char *name, const tctl_cluster_spec *s, const char *region)
{
	json_t *body = put_body(s, region), *res = NULL;
	int error;

	if (!body)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = arm_json(&res, NULL, arm, "PUT", path, body, TCTL_ARM_WAIT, NOTE_PUT);
	json_decref(body);
	json_decref(res);
	if (error < 0)
		return error;
	*out = TCTL_CLUSTER_CREATED;
	if (what)
		snprintf(what, size, "cluster '%s' created: %s %s, %d-%d nodes, idle %llds before "
			 "scale-down", name, s->vm_size, tctl_priority_name(s->priority), s->min_nodes,
			 s->max_nodes, (long long)s->idle_seconds);
	return 0;
}

static int update(tctl_cluster_action *out, char *what, size_t size, tctl_arm *arm,
		  const char *path, const tctl_cluster *c, const tctl_cluster_spec *s)
{
	json_t *body = patch_body(s->min_nodes, s->max_nodes, s->idle_seconds), *res = NULL;
	int error;

	if (!body)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = arm_json(&res, NULL, arm, "PATCH", path, body, TCTL_ARM_WAIT, NOTE_PATCH);
	json_decref(body);
	json_decref(res);
	if (error < 0)
		return error;
	*out = TCTL_CLUSTER_UPDATED;
	if (what)
		snprintf(what, size, "cluster '%s' updated: nodes %d-%d -> %d-%d, idle %llds -> %llds",
			 c->name, c->min_nodes, c->max_nodes, s->min_nodes, s->max_nodes,
			 (long long)c->idle_seconds, (long long)s->idle_seconds);
	return 0;
}

int tctl_cluster_ensure(tctl_cluster_action *out, char *what, size_t what_size, tctl_arm *arm,
			const tctl_workspace *ws, const char *name, const tctl_cluster_spec *in)
{
	tctl_cluster_spec s;
	tctl_cluster c;
	const char *region;
	json_t *res = NULL;
	char *path = NULL;
	int status = 0, error;

	memset(&c, 0, sizeof(c));
	spec_defaults(&s, in);
	region = s.region ? s.region : ws->region;
	if (!region)
		return tctl_error_set(TCTL_EINVALID, "cluster '%s': no region: set the workspace "
				      "profile's region or AZURE_LOCATION", name);
	if ((error = azure_ws_path(&path, ws, "/computes/%s", name)) < 0)
		return error;
	*out = TCTL_CLUSTER_UNCHANGED;
	if (tctl_arm_dry_run(arm)) {
		*out = TCTL_CLUSTER_DRY_RUN;
		error = dry_ensure(arm, path, &s, region);
		goto done;
	}
	if ((error = arm_json(&res, &status, arm, "GET", path, NULL, TCTL_ARM_ALLOW_404, NOTE_GET)) < 0)
		goto done;
	if (status == 404) {
		error = create(out, what, what_size, arm, path, name, &s, region);
		goto done;
	}
	if ((error = azure_cluster_read(&c, res)) < 0) {
		error = error == TCTL_ENOTFOUND ? tctl_error_set(TCTL_EEXISTS, "compute '%s' exists "
					"and is not an AmlCompute cluster", name) : error;
		goto done;
	}
	if (s.grow_only && c.max_nodes > s.max_nodes)
		s.max_nodes = c.max_nodes;
	if ((c.vm_size && strcasecmp(c.vm_size, s.vm_size)) || c.priority != s.priority)
		error = mismatch(&c, name, &s);
	else if (!same_scale(&c, &s))
		error = update(out, what, what_size, arm, path, &c, &s);
	else if (what)
		snprintf(what, what_size, "cluster '%s' is as wanted: %s %s, %d-%d nodes, idle %llds",
			 name, s.vm_size, tctl_priority_name(s.priority), s.min_nodes, s.max_nodes,
			 (long long)s.idle_seconds);
done:
	tctl_cluster_clear(&c);
	json_decref(res);
	free(path);
	return error;
}

/* ---- list, fix ---- */

int tctl_cluster_list(tctl_cluster **out, size_t *out_len, tctl_arm *arm,
		      const tctl_workspace *ws, const tctl_catalog *cat)
{
	json_t *all = NULL, *item;
	tctl_cluster *list = NULL;
	char *path = NULL;
	size_t i, n = 0;
	int error;

	if ((error = azure_ws_path(&path, ws, "/computes")) < 0 ||
	    (error = arm_json_list(&all, arm, path, NULL)) < 0)
		goto done;
	if (!(list = calloc(json_array_size(all) + 1, sizeof(*list)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(all, i, item) {
		int rc = azure_cluster_read(&list[n], item);
		if (rc == TCTL_ENOTFOUND)
			continue;   /* another kind of compute: not ours to judge */
		if ((error = rc) < 0)
			break;
		judge(&list[n++], cat);
	}
done:
	if (error < 0) {
		tctl_clusters_free(list, n + 1);
	} else {
		*out = list;
		*out_len = n;
	}
	json_decref(all);
	free(path);
	return error;
}

int tctl_cluster_fix(tctl_arm *arm, const tctl_workspace *ws, const tctl_cluster *c)
{
	json_t *body = patch_body(0, c->max_nodes > 0 ? c->max_nodes : 1, TCTL_CLUSTER_IDLE_DEFAULT);
	json_t *res = NULL;
	char *path = NULL;
	int error;

	if (!body)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = azure_ws_path(&path, ws, "/computes/%s", c->name)) == 0)
		error = arm_json(&res, NULL, arm, "PATCH", path, body, TCTL_ARM_WAIT,
				 "scale to zero when idle, after 120 s");
	json_decref(body);
	json_decref(res);
	free(path);
	return error;
}
