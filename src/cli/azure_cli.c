/* azure_cli.c: printing for the Azure commands: dry-run requests, notices, upload progress. */
#include "azure_cli.h"
#include "cli.h"
#include "trainctl/error.h"
#include "trainctl/units.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_request(const tctl_arm_request_info *r, void *payload)
{
	cli_azure *a = payload;
	json_t *body = r->body ? json_loads(r->body, 0, NULL) : NULL;

	if (a->json) {
		json_t *req = json_pack("{s:s, s:s, s:o, s:o}", "method", r->method, "url", r->url,
					"body", body ? body : json_null(), "note",
					r->note ? json_string(r->note) : json_null());
		if (req)
			json_array_append_new(a->requests, req);
		return;
	}
	json_decref(body);
	printf("%s %s\n", r->method, r->url);
	if (r->note)
		printf("# %s\n", r->note);
	if (r->body)
		printf("%s\n", r->body);
	printf("\n");
}

static void on_notice(const char *line, void *payload)
{
	cli_azure *a = payload;

	if (a->progress_shown) {
		fputc('\n', stderr);
		a->progress_shown = false;
	}
	if (a->dry_run && !a->json)
		printf("# %s\n\n", line);
	else
		fprintf(stderr, "trainctl: %s\n", line);
}

static void on_trace(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "http: %s\n", line);
}

static void on_progress(const tctl_upload_progress *p, void *payload)
{
	cli_azure *a = payload;
	char done[32], total[32];

	if (!isatty(STDERR_FILENO))
		return;
	tctl_size_format(done, sizeof(done), p->bytes_done);
	tctl_size_format(total, sizeof(total), p->bytes_total);
	fprintf(stderr, "\rupload: %zu/%zu files, %s of %s ", p->files_done, p->files_total, done,
		total);
	a->progress_shown = p->files_done < p->files_total;
	if (!a->progress_shown)
		fputc('\n', stderr);
	fflush(stderr);
}

void cli_azure_init(cli_azure *a, bool dry_run, bool json, bool verbose)
{
	tctl_arm_options ao = TCTL_ARM_OPTIONS_INIT;
	tctl_azure_options zo = TCTL_AZURE_OPTIONS_INIT;

	memset(a, 0, sizeof(*a));
	a->dry_run = dry_run;
	a->json = json;
	a->verbose = verbose;
	a->requests = json_array();
	ao.dry_run = dry_run;
	ao.on_request = dry_run ? on_request : NULL;
	ao.request_payload = a;
	ao.notice = on_notice;
	ao.notice_payload = a;
	ao.trace = verbose ? on_trace : NULL;
	a->arm = ao;
	zo.dry_run = dry_run;
	zo.on_request = ao.on_request;
	zo.request_payload = a;
	zo.notice = on_notice;
	zo.notice_payload = a;
	zo.progress = on_progress;
	zo.progress_payload = a;
	zo.trace = ao.trace;
	a->azure = zo;
}

int cli_azure_finish(cli_azure *a, int rc)
{
	char *text;

	if (a->dry_run && a->json && rc == 0) {
		if ((text = json_dumps(a->requests, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
			puts(text);
			free(text);
		}
	}
	json_decref(a->requests);
	a->requests = NULL;
	return rc;
}

int cli_azure_open(cli_azure *a, tctl_config **cfg, tctl_arm **arm)
{
	int rc;

	if ((rc = tctl_config_load(cfg, NULL)) < 0)
		return rc;
	return tctl_arm_new(arm, *cfg, &a->arm);
}

static void stderr_notice(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "trainctl: %s\n", line);
}

const tctl_backend_options *cli_backend_options(void)
{
	static tctl_azure_options az = TCTL_AZURE_OPTIONS_INIT;
	static tctl_backend_options bo = TCTL_BACKEND_OPTIONS_INIT;

	az.notice = stderr_notice;
	bo.azure = &az;
	return &bo;
}

void cli_refresh_cloud_runs(tctl_ledger *l)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list runs = { 0 };
	tctl_backend *b = NULL;

	f.active = true;
	f.backend = "azureml";
	if (tctl_ledger_run_list(l, &runs, &f) < 0 || !runs.len) {
		tctl_error_clear();
		tctl_run_list_free(&runs);
		return;
	}
	if (tctl_backend_open(&b, "azureml", cli_backend_options()) == 0) {
		for (size_t i = 0; i < runs.len; i++)
			if (b->status(b, l, &runs.runs[i]) < 0)
				fprintf(stderr, "warning: run %s not brought up to date: %s\n",
					runs.runs[i].id, tctl_error_last()->message);
	}
	tctl_backend_free(b);
	tctl_run_list_free(&runs);
}
