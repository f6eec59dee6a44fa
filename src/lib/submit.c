/* submit.c: one submission: provenance, plan, backend; the CLI and the git hook both come here. */
#include "submit_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The provenance fields the ledger keeps (the diff itself goes to dirty.patch). */
static void record_provenance(tctl_run *run, const tctl_provenance *p)
{
	tctl_buf changed = TCTL_BUF_INIT;

	run->prov.in_repo = p->in_repo;
	if (!p->in_repo)
		return;
	run->prov.repo_root = dup_or_null(p->root);
	run->prov.commit = dup_or_null(p->commit);
	run->prov.branch = dup_or_null(p->branch ? p->branch : p->head);
	run->prov.dirty = p->dirty;
	run->prov.remote_url = dup_or_null(p->remote_url);
	run->prov.diff_hash = p->diff_sha256[0] ? strdup(p->diff_sha256) : NULL;
	for (size_t i = 0; i < p->changes_len; i++)
		tctl_buf_printf(&changed, "%s %s\n", p->changes[i].status, p->changes[i].path);
	run->prov.changed_files = changed.len ? tctl_buf_detach(&changed) : NULL;
	tctl_buf_free(&changed);
}

static int provenance(submission *s)
{
	int rc;

	if (s->opts->prov) {
		s->prov = s->opts->prov;
		return 0;
	}
	if ((rc = tctl_vcs_provenance(&s->own_prov, s->job->workdir)) < 0) {
		/* provenance is worth having, not worth failing a run for: say so */
		snprintf(s->out->warning, sizeof(s->out->warning), "no provenance recorded: %s",
			 tctl_error_last()->message);
		tctl_error_clear();
		return 0;
	}
	s->prov = s->own_prov;
	return 0;
}

static int fill_run(submission *s)
{
	tctl_run *r = &s->run;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	r->attempt = 1;
	r->name = strdup(s->opts->name ? s->opts->name : s->job->name);
	r->spec_path = dup_or_null(s->job->path);
	if (!r->name || tctl_job_to_json(&r->spec, s->job) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if (s->prov)
		record_provenance(r, s->prov);
	submit_record_plan(s);
	return 0;
}

/* dirty.patch in the run's folder: the diff the run started from. */
static void save_diff(submission *s)
{
	char *path;

	if (!s->prov || !s->prov->dirty || !s->prov->diff || !s->run.run_dir)
		return;
	if ((path = tctl_path_join(s->run.run_dir, "dirty.patch"))) {
		if (tctl_file_write_atomic(path, s->prov->diff, s->prov->diff_len, 0600) < 0)
			snprintf(s->out->warning, sizeof(s->out->warning), "dirty.patch not saved: %s",
				 tctl_error_last()->message);
		free(path);
	}
}

static int open_ledger(submission *s)
{
	int rc;

	if ((rc = tctl_ledger_open(&s->l, NULL)) < 0)
		return rc;
	return tctl_local_recover(s->l, &s->out->lost);
}

/* The run went over a budget with --allow-over-budget: its history says which. */
static void note_over_budget(submission *s)
{
	if (!s->over_budget || !s->budget_note)
		return;
	/* starting a dispatcher closed the connection (none crosses a fork) */
	if ((!s->l && tctl_ledger_open(&s->l, NULL) < 0) ||
	    tctl_ledger_event_add(s->l, s->run.id, "queued", s->budget_note) < 0)
		tctl_error_clear();
}

static int run_local(submission *s)
{
	int rc;

	s->out->placement = "local";
	/* a dispatcher started here also starts what the lost runs' end made room for */
	if (s->job->sweep.enabled)
		rc = tctl_local_submit_sweep(&s->l, s->job, &s->cap, &s->run);
	else if (s->job->parallel.enabled)
		rc = tctl_local_submit_parallel(&s->l, s->job, &s->cap, &s->run);
	else
		rc = tctl_local_submit(&s->l, s->job, &s->cap, &s->run);
	if (rc == 0 && s->out->lost && s->l)
		rc = tctl_local_kick(&s->l, &s->cap);
	return rc;
}

/* A local run with nothing to plan: it may go through the spool, without the ledger. */
static bool spool_candidate(const submission *s)
{
	return s->opts->spool && s->opts->placement != TCTL_PLACEMENT_CLOUD &&
	       !submit_has_estimate(s->job) && !s->job->sweep.enabled && !s->job->parallel.enabled;
}

/* No dispatcher was woken: the ledger's recovery imports the spooled run, then one starts. */
static int start_from_spool(submission *s, const char *spooled)
{
	int rc;

	if ((rc = open_ledger(s)) < 0) {
		if (tctl_local_spool_withdraw(spooled) == 1)
			return rc;   /* nothing recorded */
		tctl_error_clear();
		return 0;            /* an importer recorded it first, and starts it */
	}
	return tctl_local_start_queued(&s->l, &s->cap);
}

/*
 * The run recorded in the spool and handed to an idle dispatcher: no ledger
 * opened here (docs/local.md). 1 when submitted, 0 when a budget needs the
 * ledger after all (nothing recorded; the caller submits the usual way).
 */
static int submit_spooled(submission *s)
{
	tctl_run_file diff = { "dirty.patch", NULL, 0 };
	char *data = NULL, *spooled = NULL;
	bool local = true, woken = false;
	int rc;

	if ((rc = submit_decide(s, &local)) < 0)
		return rc;
	if (s->needs_ledger || !local) {
		tctl_config_free(s->own_cfg);
		s->own_cfg = NULL;
		s->cfg = NULL;
		s->needs_ledger = false;
		return 0;
	}
	if ((rc = fill_run(s)) < 0 || (rc = tctl_dir_data(&data)) < 0)
		return rc;
	s->out->placement = "local";
	if (s->prov && s->prov->dirty && s->prov->diff) {
		diff.data = s->prov->diff;
		diff.len = s->prov->diff_len;
	}
	rc = tctl_local_submit_spooled(&spooled, data, s->job, &s->cap, &s->run, &diff,
				       diff.data ? 1 : 0, &woken);
	if (rc == 0 && !woken)
		rc = start_from_spool(s, spooled);
	free(spooled);
	free(data);
	return rc < 0 ? rc : 1;
}

int tctl_submit(tctl_submit_result *out, const tctl_job *job, const tctl_submit_options *opts)
{
	submission s;
	bool local = true;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.job = job;
	s.opts = opts;
	s.out = out;
	if ((rc = provenance(&s)) < 0)
		goto done;
	if (spool_candidate(&s) && (rc = submit_spooled(&s)) != 0) {
		if (rc > 0) {
			rc = 0;
			memcpy(out->run_id, s.run.id, sizeof(out->run_id));
		}
		goto done;
	}
	if ((rc = open_ledger(&s)) < 0 || (rc = submit_decide(&s, &local)) < 0)
		goto done;
	if (!local && (rc = submit_cloud_preflight(&s, &local)) < 0)
		goto done;
	if ((rc = fill_run(&s)) < 0 || (rc = local ? run_local(&s) : submit_run_cloud(&s)) < 0)
		goto done;
	memcpy(out->run_id, s.run.id, sizeof(out->run_id));
	if (!local && opts->azure && opts->azure->dry_run)
		goto done;   /* nothing was recorded */
	save_diff(&s);
	note_over_budget(&s);
done:
	tctl_azure_preflight_clear(&s.pf);
	tctl_run_clear(&s.run);
	free(s.budget_note);
	tctl_plan_free(s.alt);
	tctl_config_free(s.own_cfg);
	tctl_provenance_free(s.own_prov);
	tctl_planning_clear(&s.pl);
	tctl_profile_free(s.profile);
	tctl_ledger_free(s.l);
	return rc;
}

int tctl_submit_detached(char **out_run_id, const char *job_path, const tctl_provenance *prov)
{
	tctl_submit_options opts = TCTL_SUBMIT_OPTIONS_INIT;
	tctl_submit_result res;
	tctl_job *job = NULL;
	int rc;

	opts.prov = prov;
	if ((rc = tctl_job_load(&job, job_path)) < 0)
		return rc;
	rc = tctl_submit(&res, job, &opts);
	tctl_job_free(job);
	if (rc == 0 && !(*out_run_id = strdup(res.run_id)))
		rc = tctl_error_set(TCTL_ENOMEM, "out of memory");
	return rc;
}
