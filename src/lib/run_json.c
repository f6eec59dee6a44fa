/* run_json.c: a run as JSON, for status --json and list --json (docs/cli.md lists the keys). */
#include "trainctl/run.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <jansson.h>
#include <stdlib.h>

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

static void set_time(json_t *o, const char *k, int64_t ms)
{
	char buf[32];

	if (!ms) {
		json_object_set_new(o, k, json_null());
		return;
	}
	tctl_time_format(buf, sizeof(buf), ms / 1000);
	json_object_set_new(o, k, json_string(buf));
}

static json_t *provenance(const tctl_run_provenance *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "in_repo", json_boolean(p->in_repo));
	if (!p->in_repo)
		return o;
	set_str(o, "repo_root", p->repo_root);
	set_str(o, "commit", p->commit);
	set_str(o, "branch", p->branch);
	json_object_set_new(o, "dirty", json_boolean(p->dirty));
	set_str(o, "changed_files", p->changed_files);
	set_str(o, "diff_hash", p->diff_hash);
	set_str(o, "remote_url", p->remote_url);
	return o;
}

/* What a local run would have cost on the cheapest cloud option that fit (priced at submit). */
static json_t *cloud_equivalent(const tctl_run *r)
{
	json_t *o;

	if (!(r->cloud_equiv_per_hour > 0))
		return json_null();
	o = json_object();
	set_str(o, "target", r->cloud_equiv_target);
	json_object_set_new(o, "per_hour", json_real(r->cloud_equiv_per_hour));
	json_object_set_new(o, "cost", json_real(r->cloud_equiv_cost));
	return o;
}

static json_t *params(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	return v ? v : json_null();
}

void *tctl_run_to_jansson(const tctl_run *r)
{
	json_t *o = json_object();
	int64_t end = r->ended_ms;

	json_object_set_new(o, "id", json_string(r->id));
	set_str(o, "name", r->name);
	json_object_set_new(o, "state", json_string(tctl_run_state_name(r->state)));
	set_str(o, "reason", r->reason);
	set_str(o, "placement", r->placement);
	set_str(o, "backend", r->backend);
	set_str(o, "backend_id", r->backend_id);
	set_str(o, "parent_id", r->parent_id);
	set_time(o, "submitted", r->submitted_ms);
	set_time(o, "started", r->started_ms);
	set_time(o, "ended", r->ended_ms);
	json_object_set_new(o, "runtime_s", r->started_ms
		? json_real((double)((end ? end : r->started_ms) - r->started_ms) / 1000.0) : json_null());
	json_object_set_new(o, "exit_code", r->exit_code >= 0 ? json_integer(r->exit_code) : json_null());
	json_object_set_new(o, "signal", r->term_signal ? json_integer(r->term_signal) : json_null());
	json_object_set_new(o, "cpus", json_real(r->cpus));
	json_object_set_new(o, "memory", json_integer((json_int_t)r->memory));
	json_object_set_new(o, "gpus", json_integer(r->gpus));
	set_str(o, "gpu_ids", r->gpu_ids);
	json_object_set_new(o, "peak_rss", json_integer((json_int_t)r->peak_rss));
	set_str(o, "run_dir", r->run_dir);
	set_str(o, "target", r->target);
	set_str(o, "priority", r->priority);
	json_object_set_new(o, "nodes", json_integer(r->nodes));
	set_str(o, "region", r->region);
	json_object_set_new(o, "estimate_s", r->estimate_s > 0 ? json_real(r->estimate_s) : json_null());
	json_object_set_new(o, "price_per_hour", json_real(r->price_per_hour));
	set_str(o, "price_source", r->price_source);
	json_object_set_new(o, "cost_estimate", json_real(r->cost_estimate));
	json_object_set_new(o, "cost", json_real(r->cost));
	json_object_set_new(o, "attempt", json_integer(r->attempt));
	json_object_set_new(o, "over_budget_allowed", json_boolean(r->over_budget_allowed));
	json_object_set_new(o, "cloud_equivalent", cloud_equivalent(r));
	json_object_set_new(o, "params", params(r->params));
	set_time(o, "collected", r->collected_ms);
	json_object_set_new(o, "provenance", provenance(&r->prov));
	return o;
}

int tctl_run_to_json(char **out, const tctl_run *run)
{
	json_t *o = tctl_run_to_jansson(run);
	char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	if (!s)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = s;
	return 0;
}
