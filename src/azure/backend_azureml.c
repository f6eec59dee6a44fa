/* backend_azureml.c: the Azure ML backend: cluster, code, job PUT and ledger record; status, logs, cancel. */
#include "azure_internal.h"
#include "trainctl/backend.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define JOB_EVENT "azureml job "        /* the event that names a run's job by its ARM id */
#define BODY_FILE "azureml-job.json"    /* the body sent, kept in the run's folder */

typedef struct {
	tctl_backend base;
	tctl_azure_options o;
} azure_backend;

/* What one call needs: the config, the workspace, a client. */
typedef struct {
	tctl_config *cfg;
	tctl_workspace ws;
	tctl_arm *arm;
} session;

static void session_clear(session *s)
{
	tctl_arm_free(s->arm);
	tctl_azure_workspace_clear(&s->ws);
	tctl_config_free(s->cfg);
	memset(s, 0, sizeof(*s));
}

static int session_open(session *s, const azure_backend *ab, const tctl_job *job, const char *dir)
{
	int error;

	memset(s, 0, sizeof(*s));
	if ((error = tctl_config_load(&s->cfg, dir)) < 0 ||
	    (error = tctl_azure_workspace(&s->ws, s->cfg, ab->o.workspace ? ab->o.workspace
					  : job ? job->cloud.workspace : NULL)) < 0 ||
	    (error = tctl_azure_arm_open(&s->arm, s->cfg, &ab->o)) < 0)
		session_clear(s);
	return error;
}

static void notice(const azure_backend *ab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void notice(const azure_backend *ab, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	if (!ab->o.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ab->o.notice(line, ab->o.notice_payload);
}

static tctl_priority run_priority(const tctl_run *run)
{
	return run->priority && !strcmp(run->priority, "low_priority") ? TCTL_PRIORITY_LOW
								       : TCTL_PRIORITY_DEDICATED;
}

/* ---- submit ---- */

/* The cluster: the job's, else the workspace's default when it is of this size and priority,
 * else trainctl's own for the size and priority. */
static int ensure_cluster(char *name, size_t size, session *s, const azure_backend *ab,
			  const tctl_job *job, const tctl_run *run)
{
	tctl_cluster_spec spec = { run->target, run_priority(run), 0,
				   run->nodes > job->cloud.max_nodes ? run->nodes : job->cloud.max_nodes,
				   job->cloud.idle_time_before_scale_down, run->region, true };
	tctl_cluster_action act;
	char what[400] = "";
	int error;

	snprintf(name, size, "%s", job->cloud.compute ? job->cloud.compute
		 : s->ws.default_compute ? s->ws.default_compute : "");
	if (!name[0])
		tctl_cluster_auto_name(name, size, run->target, spec.priority);
	error = tctl_cluster_ensure(&act, what, sizeof(what), s->arm, &s->ws, name, &spec);
	if (error == TCTL_EEXISTS && !job->cloud.compute && s->ws.default_compute) {
		notice(ab, "the workspace's default cluster '%s' is of another size or priority; "
		       "using trainctl's own", name);
		tctl_cluster_auto_name(name, size, run->target, spec.priority);
		error = tctl_cluster_ensure(&act, what, sizeof(what), s->arm, &s->ws, name, &spec);
	}
	if (error == 0 && (act == TCTL_CLUSTER_CREATED || act == TCTL_CLUSTER_UPDATED))
		notice(ab, "%s", what);
	return error;
}

static int upload_code(tctl_code_result *code, session *s, const azure_backend *ab,
		       const tctl_job *job)
{
	tctl_code_options co = TCTL_CODE_OPTIONS_INIT;
	tctl_code_file *extra = NULL;
	size_t n = 0;
	int error;

	if (job->parallel.enabled && (error = tctl_azure_parallel_files(&extra, &n, job)) < 0)
		return error;
	co.extra = extra;
	co.extra_len = n;
	co.progress = ab->o.progress;
	co.progress_payload = ab->o.progress_payload;
	error = tctl_azure_code_upload(code, s->arm, &s->ws, job->workdir ? job->workdir : ".", &co);
	if (error == 0 && !tctl_arm_dry_run(s->arm))
		notice(ab, code->reused ? "code %s:%.12s unchanged: not uploaded again"
		       : "code %s:%.12s uploaded (%zu files)", code->name, code->hash, code->files);
	tctl_code_files_free(extra, n);
	return error;
}

/* The repository's name: the remote's last path part without ".git", else the folder's name. */
static bool repo_name(char *buf, size_t size, const tctl_run *run)
{
	const char *src = run->prov.remote_url ? run->prov.remote_url : run->prov.repo_root;
	const char *base;
	size_t n;

	if (!src)
		return false;
	n = strlen(src);
	while (n && src[n - 1] == '/')
		n--;
	for (base = src + n; base > src && base[-1] != '/' && base[-1] != ':'; base--)
		;
	n -= (size_t)(base - src);
	if (n > 4 && !strncmp(base + n - 4, ".git", 4))
		n -= 4;
	if (!n)
		return false;
	snprintf(buf, size, "%.*s", (int)n, base);
	return true;
}

static int job_body(char **out, const session *s, const tctl_job *job, const tctl_run *run,
		    const char *cluster, const tctl_code_result *code)
{
	tctl_azure_job_input in = { job, run->id, run->name, cluster, code->code_id, code->code_uri,
				    run->nodes > 0 ? run->nodes : 1, NULL, run->prov.commit,
				    run->prov.branch, run->prov.dirty };
	char repo[128];

	if (!job->cloud.experiment_name && repo_name(repo, sizeof(repo), run))
		in.experiment = repo;
	return tctl_azure_job_body(out, &s->ws, &in);
}

/*
 * The run as the ledger keeps it, recorded before the PUT so a job never goes unrecorded:
 * the row and the event naming its job in one transaction, then the body kept for a
 * resubmission in the run's folder (made only once the run exists, so a submit killed
 * half-way leaves either nothing or a whole run).
 */
static int record(tctl_ledger *l, tctl_run *run, const tctl_job *job, const char *path,
		  const char *body)
{
	char *file = NULL, *runs = NULL, detail[1024];
	int error;

	free(run->placement);
	free(run->backend);
	free(run->backend_id);
	run->placement = strdup("cloud");
	run->backend = strdup("azureml");
	run->backend_id = strdup(run->id);
	run->state = TCTL_RUN_QUEUED;
	run->cpus = job->resources.cpus;
	run->memory = job->resources.memory;
	run->gpus = job->resources.gpus * (run->nodes > 0 ? run->nodes : 1);
	if (!run->placement || !run->backend || !run->backend_id ||
	    !(runs = tctl_path_join(tctl_ledger_dir(l), "runs")))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	free(run->run_dir);
	run->run_dir = tctl_path_join(runs, run->id);
	free(runs);
	if (!run->run_dir || !(file = tctl_path_join(run->run_dir, BODY_FILE)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	snprintf(detail, sizeof(detail), JOB_EVENT "%s", path);
	if ((error = tctl_ledger_begin(l)) < 0)
		goto done;
	if ((error = tctl_ledger_run_insert(l, run)) < 0 ||
	    (error = tctl_ledger_event_add(l, run->id, "queued", detail)) < 0 ||
	    (error = tctl_ledger_commit(l)) < 0) {
		tctl_ledger_rollback(l);
		goto done;
	}
	if ((error = tctl_mkdir_p(run->run_dir, 0700)) < 0 ||
	    (error = tctl_file_write_atomic(file, body, strlen(body), 0600)) < 0)
		tctl_ledger_run_transition(l, run, TCTL_RUN_FAILED, tctl_error_last()->message);
done:
	free(file);
	return error;
}

static int put_job(session *s, tctl_ledger *l, tctl_run *run, const char *path, const char *body,
		   const azure_backend *ab)
{
	tctl_arm_response *r = NULL;
	char *url = NULL;
	int error;

	error = tctl_arm_call(&r, s->arm, "PUT", path, body, 0, "the job, named by the run id: a "
			      "PUT sent again never makes a second job");
	tctl_arm_response_free(r);
	if (tctl_arm_dry_run(s->arm))
		return error;
	if (error < 0) {
		char reason[600];
		snprintf(reason, sizeof(reason), "Azure ML job not created: %s", tctl_error_last()->message);
		tctl_ledger_run_transition(l, run, TCTL_RUN_FAILED, reason);
		tctl_error_set(error, "%s", reason);
		return error;
	}
	if (tctl_azure_studio_url(&url, &s->ws, run->id) == 0) {
		tctl_ledger_event_add(l, run->id, "queued", url);
		notice(ab, "Azure ML job %s created: %s", run->id, url);
	}
	free(url);
	return 0;
}

static int az_submit(tctl_backend *b, tctl_ledger **l, const tctl_job *job, tctl_run *run)
{
	azure_backend *ab = (azure_backend *)b;
	tctl_code_result code;
	session s;
	char cluster[64], *body = NULL, *path = NULL;
	int error;

	memset(&code, 0, sizeof(code));
	if (!run->target || !run->region)
		return tctl_error_set(TCTL_EINVALID, "run '%s': no VM size or region chosen for the "
				      "cloud", run->name);
	if ((error = session_open(&s, ab, job, job->workdir)) < 0)
		return error;
	if (!run->id[0])
		tctl_run_id_new(run->id, tctl_now_ms());
	if ((error = ensure_cluster(cluster, sizeof(cluster), &s, ab, job, run)) < 0 ||
	    (error = upload_code(&code, &s, ab, job)) < 0 ||
	    (error = job_body(&body, &s, job, run, cluster, &code)) < 0 ||
	    (error = tctl_azure_job_path(&path, &s.ws, run->id)) < 0)
		goto done;
	if (!tctl_arm_dry_run(s.arm) && (error = record(*l, run, job, path, body)) < 0)
		goto done;
	error = put_job(&s, *l, run, path, body, ab);
done:
	free(body);
	free(path);
	tctl_code_result_clear(&code);
	session_clear(&s);
	return error;
}

/* ---- status ---- */

/* The ARM id of the run's current job: its last JOB_EVENT. */
static int job_path(char **out, tctl_ledger *l, const tctl_run *run)
{
	tctl_run_event *ev = NULL;
	size_t n = 0;
	int error;

	*out = NULL;
	if ((error = tctl_ledger_events(l, &ev, &n, run->id)) < 0)
		return error;
	for (size_t i = n; i-- > 0 && !*out;)
		if (ev[i].detail && !strncmp(ev[i].detail, JOB_EVENT, strlen(JOB_EVENT)) &&
		    !(*out = strdup(ev[i].detail + strlen(JOB_EVENT))))
			error = tctl_error_set(TCTL_ENOMEM, "out of memory");
	tctl_run_events_free(ev, n);
	if (!error && !*out)
		error = tctl_error_set(TCTL_ENOTFOUND, "run %s: the ledger does not say which Azure ML "
				       "job it is", run->id);
	return error;
}

/* The session for a recorded run: the workspace comes from the job's ARM id. */
static int session_for(session *s, const azure_backend *ab, const char *path)
{
	char sub[64], rg[128], ws[128];
	int error;

	memset(s, 0, sizeof(*s));
	if (sscanf(path, "/subscriptions/%63[^/]/resourceGroups/%127[^/]/providers/"
		   "Microsoft.MachineLearningServices/workspaces/%127[^/]", sub, rg, ws) != 3)
		return tctl_error_set(TCTL_EINVALID, "'%s' is not an Azure ML job id", path);
	if ((error = tctl_config_load(&s->cfg, NULL)) < 0 ||
	    (error = tctl_azure_arm_open(&s->arm, s->cfg, &ab->o)) < 0)
		goto fail;
	if (!(s->ws.subscription_id = strdup(sub)) || !(s->ws.resource_group = strdup(rg)) ||
	    !(s->ws.workspace = strdup(ws)) || !(s->ws.name = strdup(ws))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto fail;
	}
	return 0;
fail:
	session_clear(s);
	return error;
}

tctl_run_state tctl_azure_job_state(const char *status, bool *out_terminal)
{
	static const struct { const char *name; tctl_run_state state; bool terminal; } map[] = {
		{ "NotStarted", TCTL_RUN_QUEUED, false }, { "Starting", TCTL_RUN_QUEUED, false },
		{ "Provisioning", TCTL_RUN_QUEUED, false }, { "Preparing", TCTL_RUN_QUEUED, false },
		{ "Queued", TCTL_RUN_QUEUED, false }, { "Running", TCTL_RUN_RUNNING, false },
		{ "Finalizing", TCTL_RUN_RUNNING, false }, { "CancelRequested", TCTL_RUN_RUNNING, false },
		{ "Completed", TCTL_RUN_SUCCEEDED, true }, { "Failed", TCTL_RUN_FAILED, true },
		{ "Canceled", TCTL_RUN_CANCELLED, true }, { "NotResponding", TCTL_RUN_RUNNING, false },
		{ "Paused", TCTL_RUN_RUNNING, false },
	};

	*out_terminal = false;
	for (size_t i = 0; status && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(status, map[i].name)) {
			*out_terminal = map[i].terminal;
			return map[i].state;
		}
	return TCTL_RUN_QUEUED;   /* "Unknown" and anything new: not started, as far as we know */
}

/* Cost so far at the price recorded at launch: price x hours since the nodes first ran. */
static void update_cost(tctl_run *run, int64_t now_ms)
{
	int64_t end = run->ended_ms ? run->ended_ms : now_ms;

	if (run->started_ms && end > run->started_ms && run->price_per_hour > 0)
		run->cost = run->price_per_hour * (double)(end - run->started_ms) / 3600000.0;
}

static bool checkpointable(const tctl_run *run)
{
	tctl_job *job = NULL;
	bool yes;

	if (!run->spec || tctl_job_parse(&job, run->spec, strlen(run->spec), "run spec") < 0) {
		tctl_error_clear();
		return false;
	}
	yes = job->checkpointable;
	tctl_job_free(job);
	return yes;
}

/* Were the run's low-priority nodes preempted? The job says only "Failed"; its cluster's
 * nodeStateCounts.preemptedNodeCount says why (docs/azure.md, "Preemption"). */
static bool preempted(session *s, const tctl_run *run, json_t *job)
{
	const char *compute = azure_str(json_object_get(job, "properties"), "computeId");
	json_t *res = NULL;
	char *path = NULL;
	int status = 0, n = 0;

	if (run_priority(run) != TCTL_PRIORITY_LOW || !compute || !strrchr(compute, '/'))
		return false;
	if (azure_ws_path(&path, &s->ws, "/computes/%s", strrchr(compute, '/') + 1) == 0 &&
	    arm_json(&res, &status, s->arm, "GET", path, NULL, TCTL_ARM_ALLOW_404, NULL) == 0 &&
	    status == 200)
		n = (int)azure_int(azure_path(res, "properties.properties.nodeStateCounts"),
				   "preemptedNodeCount", 0);
	tctl_error_clear();
	json_decref(res);
	free(path);
	return n > 0;
}

/* PUT the run's job again under a new name: the next attempt after a preemption. */
static int resubmit(session *s, tctl_ledger *l, tctl_run *run, const azure_backend *ab)
{
	char *file = tctl_path_join(run->run_dir ? run->run_dir : ".", BODY_FILE), *text = NULL;
	char name[48], attempt[16], *path = NULL, *out = NULL, detail[1024];
	tctl_arm_response *resp = NULL;
	json_t *body = NULL, *tags;
	int error;

	snprintf(name, sizeof(name), "%s-%d", run->id, run->attempt + 1);
	snprintf(attempt, sizeof(attempt), "%d", run->attempt + 1);
	if (!file || (error = tctl_file_read(&text, NULL, file)) < 0 ||
	    !(body = json_loads(text, 0, NULL))) {
		error = tctl_error_set(TCTL_ENOTFOUND, "run %s: the job body it was sent with is gone "
				       "(%s)", run->id, file ? file : "?");
		goto done;
	}
	if ((tags = azure_path(body, "properties.tags")))
		json_object_set_new(tags, "trainctl.attempt", json_string(attempt));
	if (!(out = json_dumps(body, AZURE_JSON_FLAGS)) ||
	    (error = tctl_azure_job_path(&path, &s->ws, name)) < 0) {
		error = out ? error : tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(detail, sizeof(detail), JOB_EVENT "%s", path);
	if ((error = tctl_arm_call(&resp, s->arm, "PUT", path, out, 0, NULL)) < 0)
		goto done;
	tctl_ledger_event_add(l, run->id, "queued", detail);
	run->attempt++;
	free(run->backend_id);
	run->backend_id = strdup(name);
	notice(ab, "run %s: its low-priority nodes were preempted; attempt %d of %d submitted as "
	       "Azure ML job %s", run->id, run->attempt, TCTL_AZURE_MAX_ATTEMPTS, name);
done:
	tctl_arm_response_free(resp);
	json_decref(body);
	free(text);
	free(file);
	free(path);
	free(out);
	return error;
}

/* A failed low-priority job whose nodes were preempted: try again, or say why not. */
static int after_preemption(session *s, tctl_ledger *l, tctl_run *run, const azure_backend *ab,
			    bool *out_retried)
{
	char reason[256];

	*out_retried = false;
	if (!checkpointable(run)) {
		snprintf(reason, sizeof(reason), "preempted: its low-priority nodes were reclaimed; "
			 "not retried, the job is not checkpointable");
	} else if (run->attempt >= TCTL_AZURE_MAX_ATTEMPTS) {
		snprintf(reason, sizeof(reason), "preempted on all %d attempts", run->attempt);
	} else {
		int error = resubmit(s, l, run, ab);
		if (error < 0)
			return error;
		*out_retried = true;
		return tctl_ledger_run_transition(l, run, TCTL_RUN_QUEUED, "preempted; retrying");
	}
	notice(ab, "run %s: %s", run->id, reason);
	return tctl_ledger_run_transition(l, run, TCTL_RUN_FAILED, reason);
}

/* Canceled without being asked, at or past limits.timeout: timed out. */
static bool timed_out(const tctl_run *run, int64_t now_ms)
{
	tctl_job *job = NULL;
	int64_t limit = 0;

	if (run->cancel_requested || !run->spec ||
	    tctl_job_parse(&job, run->spec, strlen(run->spec), "run spec") < 0) {
		tctl_error_clear();
		return false;
	}
	limit = job->limits.max_run_duration;
	tctl_job_free(job);
	return limit > 0 && run->started_ms && now_ms - run->started_ms >= limit * 1000 - 5000;
}

static int apply_status(session *s, tctl_ledger *l, tctl_run *run, json_t *job,
			const azure_backend *ab)
{
	const char *status = azure_str(json_object_get(job, "properties"), "status");
	int64_t now = tctl_now_ms();
	bool terminal, retried = false;
	tctl_run_state st = tctl_azure_job_state(status, &terminal);
	char reason[256];

	if (!run->started_ms && (st == TCTL_RUN_RUNNING || terminal))
		run->started_ms = now;
	if (st == TCTL_RUN_FAILED && preempted(s, run, job)) {
		update_cost(run, now);
		return after_preemption(s, l, run, ab, &retried);
	}
	if (terminal)
		run->ended_ms = now;
	update_cost(run, now);
	if (st == TCTL_RUN_CANCELLED && timed_out(run, now))
		st = TCTL_RUN_TIMED_OUT;
	if (st == run->state && !terminal)
		return tctl_ledger_run_save(l, run);
	snprintf(reason, sizeof(reason), "Azure ML status %s%s", status ? status : "?",
		 st == TCTL_RUN_TIMED_OUT ? " at limits.timeout" : "");
	return tctl_ledger_run_transition(l, run, st, reason);
}

static int az_status(tctl_backend *b, tctl_ledger *l, tctl_run *run)
{
	azure_backend *ab = (azure_backend *)b;
	char *path = NULL;
	json_t *job = NULL;
	session s;
	int status = 0, error;

	memset(&s, 0, sizeof(s));
	if (tctl_run_state_terminal(run->state))
		return 0;
	if ((error = job_path(&path, l, run)) < 0 || (error = session_for(&s, ab, path)) < 0 ||
	    (error = arm_json(&job, &status, s.arm, "GET", path, NULL, TCTL_ARM_ALLOW_404, NULL)) < 0)
		goto done;
	if (status == 404) {
		run->ended_ms = tctl_now_ms();
		error = tctl_ledger_run_transition(l, run, TCTL_RUN_FAILED, "the Azure ML job is gone "
						   "(GET answered 404)");
		goto done;
	}
	error = apply_status(&s, l, run, job, ab);
done:
	json_decref(job);
	free(path);
	session_clear(&s);
	return error;
}

/* ---- logs, cancel ---- */

static void print_services(int fd, json_t *job)
{
	json_t *services = azure_path(job, "properties.services"), *svc;
	const char *name;

	json_object_foreach(services, name, svc) {
		const char *ep = azure_str(svc, "endpoint");
		if (ep)
			dprintf(fd, "%-10s %s\n", name, ep);
	}
}

static int az_logs(tctl_backend *b, tctl_ledger *l, const tctl_run *run, int out_fd, int err_fd,
		   bool follow)
{
	azure_backend *ab = (azure_backend *)b;
	tctl_run *now = NULL;
	char *path = NULL, *url = NULL;
	json_t *job = NULL;
	session s;
	int error;

	(void)err_fd;
	memset(&s, 0, sizeof(s));
	if ((error = job_path(&path, l, run)) < 0 || (error = session_for(&s, ab, path)) < 0 ||
	    (error = tctl_azure_studio_url(&url, &s.ws, run->backend_id ? run->backend_id : run->id)) < 0 ||
	    (error = arm_json(&job, NULL, s.arm, "GET", path, NULL, 0, NULL)) < 0)
		goto done;
	dprintf(out_fd, "Azure ML job %s: %s\nstudio     %s\n", run->backend_id ? run->backend_id
		: run->id, azure_str(azure_path(job, "properties"), "status") ? azure_str(
		azure_path(job, "properties"), "status") : "?", url);
	print_services(out_fd, job);
	dprintf(out_fd, "The Resource Manager API does not serve a job's output: read it in the "
		"studio, or with 'az ml job stream --name %s'.\n", run->backend_id ? run->backend_id : run->id);
	while (follow && error == 0) {
		if ((error = tctl_ledger_run_get(l, &now, run->id)) < 0 ||
		    (error = az_status(b, l, now)) < 0)
			break;
		if (tctl_run_state_terminal(now->state)) {
			dprintf(out_fd, "run %s %s%s%s\n", now->id, tctl_run_state_name(now->state),
				now->reason ? ": " : "", now->reason ? now->reason : "");
			break;
		}
		tctl_run_free(now);
		now = NULL;
		arm_sleep_ms(s.arm->o.poll_ms > 0 ? s.arm->o.poll_ms : 1000);
	}
done:
	tctl_run_free(now);
	json_decref(job);
	free(path);
	free(url);
	session_clear(&s);
	return error;
}

static int az_cancel(tctl_backend *b, tctl_ledger *l, tctl_run *run)
{
	azure_backend *ab = (azure_backend *)b;
	tctl_arm_response *r = NULL;
	char *path = NULL, *cancel = NULL;
	session s;
	int error;

	memset(&s, 0, sizeof(s));
	if (tctl_run_state_terminal(run->state))
		return 0;
	if ((error = job_path(&path, l, run)) < 0 || (error = session_for(&s, ab, path)) < 0)
		goto done;
	if (asprintf(&cancel, "%s/cancel", path) < 0) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	run->cancel_requested = true;
	if ((error = tctl_ledger_run_save(l, run)) < 0 ||
	    (error = tctl_arm_call(&r, s.arm, "POST", cancel, NULL, TCTL_ARM_WAIT, NULL)) < 0)
		goto done;
	run->ended_ms = tctl_now_ms();
	update_cost(run, run->ended_ms);
	error = tctl_ledger_run_transition(l, run, TCTL_RUN_CANCELLED, "cancelled on request "
					   "(Azure ML job cancelled)");
done:
	tctl_arm_response_free(r);
	free(cancel);
	free(path);
	session_clear(&s);
	return error;
}

static void az_free(tctl_backend *b)
{
	free(b);
}

int tctl_backend_azureml_open(tctl_backend **out, const tctl_backend_options *opts)
{
	tctl_azure_options dflt = TCTL_AZURE_OPTIONS_INIT;
	azure_backend *ab = calloc(1, sizeof(*ab));

	if (!ab)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	ab->base.name = "azureml";
	ab->base.submit = az_submit;
	ab->base.status = az_status;
	ab->base.logs = az_logs;
	ab->base.cancel = az_cancel;
	ab->base.free = az_free;
	ab->o = opts && opts->azure ? *opts->azure : dflt;
	*out = &ab->base;
	return 0;
}
