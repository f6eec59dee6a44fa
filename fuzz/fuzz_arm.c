/* fuzz_arm.c: Azure Resource Manager answers as the Azure ML backend reads them. The first
 * line names the answer ("error STATUS", "monitor", "resource", "page", "computes", "usages",
 * "quotas", "vmsizes", "region", "job"); the rest is its body. An unknown first line picks one
 * by its first byte, so mutations of the name still reach a reader. */
#include "fuzz_catalog_once.h"

#include "../src/azure/azure_internal.h"
#include "trainctl/catalog.h"

#include <jansson.h>

#define WHAT "GET workspaces/ws/computes"


static tctl_http_response answer(int status, char *body)
{
	static tctl_http_header h[] = { { "x-ms-request-id", "c0ffee" } };
	tctl_http_response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.body_len = strlen(body);
	r.attempts = 1;
	r.request_id = (char *)"req-1";
	r.headers = h;
	r.headers_len = 1;
	return r;
}

/* A refusal is always an error, with Azure's status and the request ids in its message. */
static void error_answer(int status, char *body)
{
	tctl_http_response r = answer(status, body);
	int rc = arm_error(&r, WHAT);

	FUZZ_CHECK(rc < 0);
	FUZZ_CHECK(!strncmp(tctl_error_last()->message, "Azure refused " WHAT ": ", 23));
	FUZZ_CHECK(strstr(tctl_error_last()->message, "request id req-1, x-ms-request-id c0ffee"));
	fuzz_check_error(rc);
}

/* A poll ends the wait or not; a failed operation is an error naming the request. */
static void lro_answer(bool monitor, char *body)
{
	tctl_http_response r = answer(200, body);
	bool done = false;
	int rc = arm_lro_read(&done, WHAT, monitor, &r);

	if (rc < 0) {
		FUZZ_CHECK(done);
		FUZZ_CHECK(strstr(tctl_error_last()->message, WHAT));
	}
	fuzz_check_error(rc);
}

/* A list page adds exactly its items. */
static void page_answer(char *body)
{
	tctl_http_response r = answer(200, body);
	json_t *all = json_array();
	char *next = NULL;
	int rc = arm_list_page(all, &next, &r, WHAT);

	fuzz_check_error(rc);
	if (rc < 0)
		FUZZ_CHECK(json_array_size(all) == 0 && next == NULL);
	else
		FUZZ_CHECK(!next || next[0]);
	free(next);
	json_decref(all);
}

/* Every compute of a page: read as a cluster, or skipped when not AmlCompute. */
static void computes_answer(json_t *body)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(body, "value"), i, item) {
		tctl_cluster c;
		int rc = azure_cluster_read(&c, item);
		if (rc == 0) {
			FUZZ_CHECK(c.idle_seconds >= -1);
			FUZZ_CHECK(c.usd_per_node_hour < 0);
		}
		if (rc != TCTL_ENOTFOUND)
			fuzz_check_error(rc);
		tctl_error_clear();
		tctl_cluster_clear(&c);
	}
}

/* The region's quotas from its three lists, and what the planner reads of them. */
static void quotas_answer(json_t *usages, json_t *quotas, json_t *sizes)
{
	tctl_workspace ws = { .name = (char *)"dev", .workspace = (char *)"ws", .region = (char *)"eastus" };
	tctl_azure_quotas q;
	tctl_plan_quota *pq = NULL;
	tctl_price *prices = NULL;
	size_t n = 0;
	int rc;

	memset(&q, 0, sizeof(q));
	q.dedicated_limit = q.low_limit = -1;
	q.read = true;
	rc = azure_quotas_from_lists(&q, &ws, usages, quotas, sizes);
	fuzz_check_error(rc);
	if (rc == 0) {
		for (size_t i = 0; i < q.families_len; i++) {
			FUZZ_CHECK(q.families[i].family && q.families[i].label && q.families[i].quota_id);
			FUZZ_CHECK(tctl_azure_quota_family(&q, q.families[i].family) != NULL);
			tctl_azure_quota_free(&q, q.families[i].family, TCTL_PRIORITY_DEDICATED);
			tctl_azure_quota_free(&q, q.families[i].family, TCTL_PRIORITY_LOW);
		}
		FUZZ_CHECK(tctl_azure_plan_quotas(&pq, &n, &q) == 0);
		free(pq);
		FUZZ_CHECK(tctl_azure_catalog_prices(&prices, &n, &q, cat, "fuzz", "2026-01-01") == 0);
		free(prices);
	}
	tctl_azure_quotas_clear(&q);
}

static void region_answer(json_t *body)
{
	quotas_answer(json_object_get(json_array_get(body, 0), "value"),
		      json_object_get(json_array_get(body, 1), "value"),
		      json_object_get(json_array_get(body, 2), "value"));
}

/* A job's status maps to a run state; the terminal ones are terminal run states. */
static void job_answer(json_t *body)
{
	const char *status = azure_str(json_object_get(body, "properties"), "status");
	bool terminal = false;
	tctl_run_state st = tctl_azure_job_state(status, &terminal);

	FUZZ_CHECK(terminal == tctl_run_state_terminal(st));
	if (!status)
		FUZZ_CHECK(st == TCTL_RUN_QUEUED && !terminal);
}

static const char *const kinds[] = { "error", "monitor", "resource", "page", "computes",
				     "usages", "quotas", "vmsizes", "region", "job" };
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static size_t kind_of(const char *line)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strncmp(line, kinds[i], strlen(kinds[i])))
			return i;
	return (unsigned char)line[0] % NKINDS;
}

static void json_kind(size_t k, const char *body)
{
	json_t *j = json_loads(body, 0, NULL);

	if (k == 4)
		computes_answer(j);
	else if (k == 5)
		quotas_answer(json_object_get(j, "value"), NULL, NULL);
	else if (k == 6)
		quotas_answer(NULL, json_object_get(j, "value"), NULL);
	else if (k == 7)
		quotas_answer(NULL, NULL, json_object_get(j, "value"));
	else if (k == 8)
		region_answer(j);
	else
		job_answer(j);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size), *body = fuzz_split_line(line);
	size_t k = kind_of(line);

	if (k == 0)
		error_answer(strncmp(line, "error ", 6) ? 400 : fuzz_status(line + 6), body);
	else if (k == 1 || k == 2)
		lro_answer(k == 1, body);
	else if (k == 3)
		page_answer(body);
	else
		json_kind(k, body);
	tctl_error_clear();
	free(line);
	return 0;
}
