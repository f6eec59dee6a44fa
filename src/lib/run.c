/* run.c: run states and time-sortable run ids. */
#include "trainctl/run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char *state_names[TCTL_RUN_STATE_COUNT] = {
	"queued", "running", "succeeded", "failed", "timed_out", "cancelled", "lost",
};

static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";

const char *tctl_run_state_name(tctl_run_state s)
{
	return (s >= 0 && s < TCTL_RUN_STATE_COUNT) ? state_names[s] : "unknown";
}

int tctl_run_state_parse(const char *name)
{
	for (int i = 0; i < TCTL_RUN_STATE_COUNT; i++)
		if (!strcmp(state_names[i], name))
			return i;
	return -1;
}

bool tctl_run_state_terminal(tctl_run_state s)
{
	return s >= TCTL_RUN_SUCCEEDED;
}

static void encode_time(char *out, int64_t ms)
{
	uint64_t v = (uint64_t)(ms < 0 ? 0 : ms);

	for (int i = 8; i >= 0; i--) {
		out[i] = b32[v & 31];
		v >>= 5;
	}
}

void tctl_run_id_new(char out[TCTL_RUN_ID_SIZE], int64_t now_ms)
{
	unsigned short r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		/* only where getrandom fails: ids need to differ, not to be secret */
		r = (unsigned short)(rand() ^ (int)now_ms); /* NOLINT(cert-msc30-c,cert-msc50-cpp) */
	encode_time(out, now_ms);
	out[9] = b32[r & 31];
	out[10] = b32[(r >> 5) & 31];
	out[11] = '\0';
}

void tctl_run_id_floor(char out[TCTL_RUN_ID_SIZE], int64_t ms)
{
	encode_time(out, ms);
	out[9] = out[10] = '0';
	out[11] = '\0';
}

int64_t tctl_run_id_time(const char *id)
{
	uint64_t v = 0;

	if (!id || strlen(id) != TCTL_RUN_ID_LEN)
		return -1;
	for (int i = 0; i < TCTL_RUN_ID_LEN; i++) {
		const char *p = strchr(b32, id[i]);
		if (!p || !id[i])
			return -1;
		if (i < 9)
			v = (v << 5) | (uint64_t)(p - b32);
	}
	return (int64_t)v;
}

void tctl_run_clear(tctl_run *r)
{
	if (!r)
		return;
	free(r->name); free(r->spec); free(r->spec_path); free(r->placement);
	free(r->backend); free(r->backend_id); free(r->parent_id); free(r->reason);
	free(r->gpu_ids); free(r->boot_id); free(r->run_dir); free(r->target);
	free(r->priority); free(r->region); free(r->price_source);
	free(r->prov.repo_root); free(r->prov.commit); free(r->prov.branch);
	free(r->prov.changed_files); free(r->prov.diff_hash); free(r->prov.remote_url);
	free(r->cloud_equiv_target); free(r->params);
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
}

void tctl_run_free(tctl_run *r)
{
	tctl_run_clear(r);
	free(r);
}

void tctl_run_list_free(tctl_run_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->len; i++)
		tctl_run_clear(&list->runs[i]);
	free(list->runs);
	list->runs = NULL;
	list->len = 0;
}
