/* retention.c: the retention policy (which runs' files to collect) and its Azure Storage lifecycle rule. */
#include "trainctl/retention.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (86400LL * 1000)

bool tctl_retention_is_set(const tctl_retention *r)
{
	return r && (r->keep_days > 0 || r->keep_last > 0 || r->max_total_size > 0);
}

/* The count and age rules: a unit is collected when no rule given keeps it. */
static void count_and_age(tctl_retention_unit *u, size_t n, const tctl_retention *p,
			  int64_t now_ms)
{
	for (size_t i = 1; i < n; i++) {
		bool in_last = p->keep_last > 0 && i < (size_t)p->keep_last;
		bool young = p->keep_days > 0 && now_ms - u[i].ended_ms <= p->keep_days * DAY_MS;
		if (!(p->keep_last > 0 || p->keep_days > 0) || in_last || young)
			continue;
		u[i].collect = true;
		if (p->keep_last > 0 && p->keep_days > 0)
			snprintf(u[i].why, sizeof(u[i].why), "not among the last %d runs and ended more "
				 "than %d days ago (keep_last, keep_days)", p->keep_last, p->keep_days);
		else if (p->keep_last > 0)
			snprintf(u[i].why, sizeof(u[i].why), "not among the last %d runs (keep_last)",
				 p->keep_last);
		else
			snprintf(u[i].why, sizeof(u[i].why), "ended more than %d days ago (keep_days)",
				 p->keep_days);
	}
}

/* max_total_size: the oldest kept units go until the rest fits (the newest always stays). */
static void size_cap(tctl_retention_unit *u, size_t n, const tctl_retention *p)
{
	uint64_t total = 0;

	if (!p->max_total_size)
		return;
	for (size_t i = 0; i < n; i++)
		if (!u[i].collect)
			total += u[i].bytes;
	for (size_t i = n; i-- > 1 && total > p->max_total_size;) {
		if (u[i].collect)
			continue;
		u[i].collect = true;
		total -= u[i].bytes;
		snprintf(u[i].why, sizeof(u[i].why), "the job's runs hold more than max_total_size "
			 "(%llu bytes); the oldest go first", (unsigned long long)p->max_total_size);
	}
}

void tctl_retention_apply(tctl_retention_unit *units, size_t n, const tctl_retention *policy,
			  int64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		units[i].collect = false;
		units[i].why[0] = '\0';
	}
	if (!n || !tctl_retention_is_set(policy))
		return;
	count_and_age(units, n, policy, now_ms);
	size_cap(units, n, policy);
}

/* Container and prefix as one prefixMatch entry: "container/prefix". */
static char *prefix_match(const char *container, const char *prefix)
{
	char *s = NULL;

	while (prefix && *prefix == '/')
		prefix++;
	if (asprintf(&s, "%s/%s", container ? container : "<container>",
		     prefix ? prefix : "azureml/") < 0)
		return NULL;
	return s;
}

static json_t *rule_json(const tctl_retention *policy, const char *match)
{
	json_t *rule = json_object(), *def = json_object(), *actions = json_object();
	json_t *base = json_object(), *del = json_object(), *filters = json_object();

	json_object_set_new(del, "daysAfterModificationGreaterThan", json_integer(policy->keep_days));
	json_object_set_new(base, "delete", del);
	json_object_set_new(actions, "baseBlob", base);
	json_object_set_new(filters, "blobTypes", json_pack("[s]", "blockBlob"));
	json_object_set_new(filters, "prefixMatch", json_pack("[s]", match));
	json_object_set_new(def, "actions", actions);
	json_object_set_new(def, "filters", filters);
	json_object_set_new(rule, "enabled", json_true());
	json_object_set_new(rule, "name", json_string("trainctlRetention"));
	json_object_set_new(rule, "type", json_string("Lifecycle"));
	json_object_set_new(rule, "definition", def);
	return rule;
}

int tctl_retention_lifecycle_rule(char **out, const tctl_retention *policy, const char *container,
				  const char *prefix)
{
	json_t *doc;
	char *match;

	*out = NULL;
	if (!policy || policy->keep_days <= 0)
		return tctl_error_set(TCTL_ENOTSUPPORTED, "a storage lifecycle rule can express "
				      "keep_days only (blobs older than N days); this policy has none");
	if (!(match = prefix_match(container, prefix)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	doc = json_pack("{s:[o]}", "rules", rule_json(policy, match));
	free(match);
	*out = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

int tctl_gc_cloud_outputs(tctl_cloud_output **out, size_t *out_len, tctl_ledger *l,
			  const tctl_config *cfg)
{
	*out = NULL;
	*out_len = 0;
	/* trainctl's Azure ML jobs declare no outputs: they write under azureml/ in the
	 * workspace's default datastore, whose blobs Resource Manager does not list (docs/azure.md) */
	return tctl_error_set(TCTL_ENOTSUPPORTED, "the outputs of Azure ML jobs are not listed "
			      "(Resource Manager does not list a datastore's blobs); the storage "
			      "lifecycle rule applies the same keep_days in the storage account");
}
