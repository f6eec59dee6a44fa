/* plan_format.c: a plan as the table a person reads, and as JSON. */
#include "plan_internal.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void money(char *buf, size_t size, double usd)
{
	if (usd > 0 && usd < 0.005)
		snprintf(buf, size, "<$0.01");
	else
		snprintf(buf, size, "$%.2f", usd);
}

static void offset(char *buf, size_t size, int64_t t, int64_t now)
{
	char d[32];

	if (t <= now) {
		snprintf(buf, size, "now");
		return;
	}
	tctl_duration_format(d, sizeof(d), t - now);
	plan_fmt(buf, size, "+%s", d);
}

static const char *priority_word(const tctl_candidate *c)
{
	if (c->local)
		return "-";
	return c->priority == TCTL_PRIORITY_LOW ? "low" : "dedicated";
}

/* Display order: the chosen one, the other feasible ones by cost, then the rejected ones. */
static int rank(const tctl_plan *p, size_t i)
{
	const tctl_candidate *c = &p->candidates[i];

	if ((int)i == p->chosen)
		return 0;
	if (c->feasible)
		return 1;
	return c->has_estimate ? 2 : 3;
}

static bool before(const tctl_plan *p, size_t a, size_t b)
{
	const tctl_candidate *x = &p->candidates[a], *y = &p->candidates[b];
	int ra = rank(p, a), rb = rank(p, b);

	if (ra != rb)
		return ra < rb;
	if (x->local != y->local)
		return x->local;
	if (ra <= 2 && x->cost != y->cost)
		return x->cost < y->cost;
	return a < b;
}

static size_t *display_order(const tctl_plan *p)
{
	size_t *idx = malloc((p->candidates_len + 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < p->candidates_len; i++) {
		size_t j = i;
		while (j > 0 && before(p, i, idx[j - 1])) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return idx;
}

/* Rejected rows that differ only in node count and share a reason print as one ("1-4"). */
static bool same_row(const tctl_candidate *a, const tctl_candidate *b)
{
	return !a->feasible && !b->feasible && !a->local && !b->local &&
	       !strcmp(a->size_name, b->size_name) && a->priority == b->priority &&
	       !strcmp(a->reason, b->reason) && b->nodes == a->nodes + 1 &&
	       !a->has_estimate && !b->has_estimate;
}

static int row(tctl_buf *b, const tctl_plan *p, const tctl_candidate *c, int last_nodes, bool mark)
{
	char nodes[16], gpus[16], start[32], run[32], fin[32], cost[32], note[160];
	const char *inst = c->local ? p->local_name : c->size_name;

	if (last_nodes > c->nodes)
		plan_fmt(nodes, sizeof(nodes), "%d-%d", c->nodes, last_nodes);
	else
		plan_fmt(nodes, sizeof(nodes), "%d", c->nodes);
	snprintf(gpus, sizeof(gpus), "%d", c->gpus);
	snprintf(start, sizeof(start), "-");
	snprintf(run, sizeof(run), "-");
	snprintf(fin, sizeof(fin), "-");
	snprintf(cost, sizeof(cost), "-");
	if (c->has_estimate) {
		offset(start, sizeof(start), c->start, p->now);
		tctl_duration_format(run, sizeof(run), c->estimate.runtime);
		offset(fin, sizeof(fin), c->finish, p->now);
		money(cost, sizeof(cost), c->cost);
	}
	if (!c->feasible)
		snprintf(note, sizeof(note), "%s", c->reason);
	else if (c->rework > 0) {
		char d[32];
		tctl_duration_format(d, sizeof(d), c->rework);
		snprintf(note, sizeof(note), "+%s expected eviction rework", d);
	} else if (c->reserved_nodes)
		snprintf(note, sizeof(note), "%d reserved node%s at no marginal cost", c->reserved_nodes,
			 c->reserved_nodes == 1 ? "" : "s");
	else
		note[0] = '\0';
	return tctl_buf_printf(b, "%c %-6s %-28s %4s %5s %-9s %-14s %-7s %-8s %-8s %8s  %s\n",
			       mark ? '*' : ' ', c->local ? "local" : "cloud", inst, gpus, nodes,
			       priority_word(c), c->local ? "-" : c->region, start, run, fin, cost, note);
}

static int table(tctl_buf *b, const tctl_plan *p)
{
	size_t *idx = display_order(p);
	int error = 0;

	if (!idx)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	error = tctl_buf_printf(b, "  %-6s %-28s %4s %5s %-9s %-14s %-7s %-8s %-8s %8s  %s\n", "target",
				"instance", "gpus", "nodes", "priority", "region", "start", "runtime",
				"finish", "cost", "note");
	for (size_t i = 0; error >= 0 && i < p->candidates_len; i++) {
		size_t j = i;
		while (j + 1 < p->candidates_len &&
		       same_row(&p->candidates[idx[j]], &p->candidates[idx[j + 1]]))
			j++;
		error = row(b, p, &p->candidates[idx[i]], p->candidates[idx[j]].nodes,
			    (int)idx[i] == p->chosen);
		i = j;
	}
	free(idx);
	return error;
}

static int sources(tctl_buf *b, const tctl_plan *p)
{
	const tctl_candidate *c = tctl_plan_choice(p);
	int error = 0;

	if (c && c->has_estimate)
		error = tctl_buf_printf(b, "  runtime  %s\n", c->estimate.source);
	if (error >= 0)
		error = tctl_buf_printf(b, "  catalog  %s, dated %s\n", p->catalog_origin, p->catalog_date);
	if (error >= 0 && p->price_source)
		error = tctl_buf_printf(b, "  prices   %s (read %s)\n", p->price_source, p->price_date);
	if (error >= 0)
		error = tctl_buf_printf(b, "  energy   %s\n", p->energy_source);
	if (error >= 0)
		error = tctl_buf_printf(b, "  cloud    %s%s\n", p->cloud_source,
					p->quota_checked ? "" : "; quota not checked (none configured)");
	return error;
}

int tctl_plan_to_text(char **out, const tctl_plan *p)
{
	tctl_buf b = TCTL_BUF_INIT;
	char when[64];
	int error;

	tctl_time_format(when, sizeof(when), p->now);
	if ((error = tctl_buf_printf(&b, "plan at %s", when)) < 0)
		goto done;
	if (p->deadline) {
		char d[32];
		tctl_duration_format(d, sizeof(d), p->deadline - p->now);
		error = tctl_buf_printf(&b, ", deadline in %s", d);
	}
	if (error >= 0 && p->max_cost > 0)
		error = tctl_buf_printf(&b, ", max_cost $%.2f", p->max_cost);
	if (error >= 0)
		error = tctl_buf_printf(&b, "%s\n\n", p->prefer == TCTL_PREFER_TIME ? ", prefer time" : "");
	if (error >= 0)
		error = table(&b, p);
	if (error >= 0 && p->local_note[0])
		error = tctl_buf_printf(&b, "  (%s)\n", p->local_note);
	if (error >= 0 && p->cloud_note[0])
		error = tctl_buf_printf(&b, "  (%s)\n", p->cloud_note);
	if (error >= 0)
		error = tctl_buf_printf(&b, "\n%s%s\n\nwhere the numbers come from:\n",
					p->chosen >= 0 ? "choice: " : "", p->why);
	if (error >= 0)
		error = sources(&b, p);
done:
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	*out = tctl_buf_detach(&b);
	return 0;
}

/* ---- JSON ---- */

static json_t *time_json(int64_t t)
{
	char buf[64];

	tctl_time_format(buf, sizeof(buf), t);
	return json_string(buf);
}

static json_t *costs_json(const tctl_costs *c)
{
	return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "energy", c->energy, "compute", c->compute,
			 "provisioning", c->provisioning, "idle", c->idle, "rework", c->rework,
			 "egress", c->egress);
}

static json_t *candidate_json(const tctl_plan *p, const tctl_candidate *c)
{
	json_t *o = json_pack("{s:s,s:s?,s:s?,s:s?,s:i,s:i,s:b}", "target", c->local ? "local" : "cloud",
			      "vm_size", c->local ? NULL : c->size_name, "priority",
			      c->local ? NULL : (c->priority == TCTL_PRIORITY_LOW ? "low" : "dedicated"),
			      "region", c->region, "gpus", c->gpus, "nodes", c->nodes, "feasible",
			      c->feasible);

	if (!o)
		return NULL;
	if (c->local)
		json_object_set_new(o, "instance", json_string(p->local_name));
	if (!c->feasible)
		json_object_set_new(o, "reason", json_string(c->reason));
	if (!c->has_estimate)
		return o;
	json_object_set_new(o, "start", time_json(c->start));
	json_object_set_new(o, "runtime_s", json_integer(c->estimate.runtime));
	json_object_set_new(o, "rework_s", json_integer(c->rework));
	json_object_set_new(o, "finish", time_json(c->finish));
	json_object_set_new(o, "cost", json_real(c->cost));
	json_object_set_new(o, "costs", costs_json(&c->costs));
	json_object_set_new(o, "runtime_source", json_string(c->estimate.source));
	if (c->estimate.calibration_runs)
		json_object_set_new(o, "calibration_runs", json_integer(c->estimate.calibration_runs));
	if (!c->local)
		json_object_set_new(o, "price_per_node_hour", json_real(c->price_per_node_hour));
	if (c->reserved_nodes)
		json_object_set_new(o, "reserved_nodes", json_integer(c->reserved_nodes));
	return o;
}

static json_t *sources_json(const tctl_plan *p)
{
	return json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:s,s:b}", "catalog", p->catalog_origin,
			 "catalog_date", p->catalog_date, "prices", p->price_source, "prices_read",
			 p->price_date, "energy", p->energy_source, "cloud", p->cloud_source,
			 "quota_checked", p->quota_checked);
}

static json_t *plan_json(const tctl_plan *p)
{
	json_t *o = json_object(), *cands = json_array();

	if (!o || !cands) {
		json_decref(o);
		json_decref(cands);
		return NULL;
	}
	json_object_set_new(o, "now", time_json(p->now));
	json_object_set_new(o, "deadline", p->deadline ? time_json(p->deadline) : json_null());
	json_object_set_new(o, "max_cost", p->max_cost > 0 ? json_real(p->max_cost) : json_null());
	json_object_set_new(o, "prefer", json_string(p->prefer == TCTL_PREFER_TIME ? "time" : "cost"));
	json_object_set_new(o, "region", p->region ? json_string(p->region) : json_null());
	json_object_set_new(o, "choice", p->chosen >= 0 ? json_integer(p->chosen) : json_null());
	json_object_set_new(o, "why", json_string(p->why));
	if (p->local_note[0])
		json_object_set_new(o, "local_note", json_string(p->local_note));
	if (p->cloud_note[0])
		json_object_set_new(o, "cloud_note", json_string(p->cloud_note));
	for (size_t i = 0; i < p->candidates_len; i++)
		json_array_append_new(cands, candidate_json(p, &p->candidates[i]));
	json_object_set_new(o, "candidates", cands);
	json_object_set_new(o, "sources", sources_json(p));
	return o;
}

int tctl_plan_to_json(char **out, const tctl_plan *p)
{
	json_t *o = plan_json(p);
	char *s;

	if (!o)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(o);
	if (!s)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*out = s;
	return 0;
}
