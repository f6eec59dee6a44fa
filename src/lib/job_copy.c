/* job_copy.c: deep copy and release of a tctl_job. */
#include "job_priv.h"
#include "trainctl/error.h"

#include <stdlib.h>
#include <string.h>

static void free_params(tctl_param *params, size_t n)
{
	for (size_t i = 0; params && i < n; i++) {
		free(params[i].name);
		for (size_t k = 0; k < params[i].values_len; k++)
			free(params[i].values[k]);
		free(params[i].values);
	}
	free(params);
}

void tctl_job_free(tctl_job *job)
{
	if (!job)
		return;
	free(job->path);
	free(job->name);
	tctl_jc_strv_free(job->command);
	free(job->shell);
	free(job->workdir);
	tctl_jc_strv_free(job->env);
	free(job->estimate.reference_gpu);
	free(job->data.region);
	free(job->cloud.workspace);
	free(job->cloud.compute);
	tctl_jc_strv_free(job->cloud.vm_sizes);
	free(job->cloud.environment);
	free(job->cloud.region);
	free(job->cloud.experiment_name);
	tctl_jc_strv_free(job->parallel.items);
	free(job->parallel.items_file);
	free(job->parallel.items_glob);
	free(job->parallel.item_placeholder);
	free_params(job->sweep.params, job->sweep.params_len);
	free(job->sweep.primary_metric);
	tctl_jc_strv_free(job->trigger.events);
	tctl_jc_strv_free(job->trigger.branches);
	tctl_jc_strv_free(job->trigger.paths);
	free(job);
}

/* Copies `src` into *dst (NULL stays NULL); -1 on ENOMEM with *dst NULL. */
static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	return src && !(*dst = strdup(src)) ? -1 : 0;
}

/* A NULL-terminated array of `n` strings; on failure *dst is NULL and nothing leaks. */
static int dup_strv(char ***dst, char *const *src, size_t n)
{
	char **v;

	*dst = NULL;
	if (!src)
		return 0;
	if (!(v = calloc(n + 1, sizeof(*v))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(v[i] = strdup(src[i]))) {
			tctl_jc_strv_free(v);
			return -1;
		}
	}
	*dst = v;
	return 0;
}

static int dup_params(tctl_sweep *d, const tctl_sweep *s)
{
	d->params = NULL;
	d->params_len = 0;
	if (!s->params)
		return 0;
	if (!(d->params = calloc(s->params_len ? s->params_len : 1, sizeof(*d->params))))
		return -1;
	for (size_t i = 0; i < s->params_len; i++) {
		d->params[i] = s->params[i];
		d->params[i].name = NULL;
		d->params[i].values = NULL;
		d->params[i].values_len = 0;
		d->params_len++;
		if (dup_str(&d->params[i].name, s->params[i].name) < 0 ||
		    dup_strv(&d->params[i].values, s->params[i].values, s->params[i].values_len) < 0)
			return -1;
		d->params[i].values_len = s->params[i].values_len;
	}
	return 0;
}

/* Every pointer of `d` (a struct copy of `s`) is replaced by its own copy, in
 * order; a failure leaves the rest NULL so tctl_job_free(d) frees only d's. */
static int dup_all(tctl_job *d, const tctl_job *s)
{
	const tctl_cloud *c = &s->cloud;
	const tctl_parallel *p = &s->parallel;
	const tctl_trigger *t = &s->trigger;

	d->path = d->name = d->shell = d->workdir = d->estimate.reference_gpu = d->data.region = NULL;
	d->command = d->env = d->cloud.vm_sizes = d->parallel.items = NULL;
	d->cloud.workspace = d->cloud.compute = d->cloud.environment = NULL;
	d->cloud.region = d->cloud.experiment_name = d->sweep.primary_metric = NULL;
	d->parallel.items_file = d->parallel.items_glob = d->parallel.item_placeholder = NULL;
	d->sweep.params = NULL;
	d->sweep.params_len = 0;
	d->trigger.events = d->trigger.branches = d->trigger.paths = NULL;
	return (dup_str(&d->path, s->path) || dup_str(&d->name, s->name) ||
		dup_strv(&d->command, s->command, s->command_len) ||
		dup_str(&d->shell, s->shell) || dup_str(&d->workdir, s->workdir) ||
		dup_strv(&d->env, s->env, s->env_len) ||
		dup_str(&d->estimate.reference_gpu, s->estimate.reference_gpu) ||
		dup_str(&d->data.region, s->data.region) ||
		dup_str(&d->cloud.workspace, c->workspace) ||
		dup_str(&d->cloud.compute, c->compute) ||
		dup_strv(&d->cloud.vm_sizes, c->vm_sizes, c->vm_sizes_len) ||
		dup_str(&d->cloud.environment, c->environment) ||
		dup_str(&d->cloud.region, c->region) ||
		dup_str(&d->cloud.experiment_name, c->experiment_name) ||
		dup_strv(&d->parallel.items, p->items, p->items_len) ||
		dup_str(&d->parallel.items_file, p->items_file) ||
		dup_str(&d->parallel.items_glob, p->items_glob) ||
		dup_str(&d->parallel.item_placeholder, p->item_placeholder) ||
		dup_params(&d->sweep, &s->sweep) ||
		dup_str(&d->sweep.primary_metric, s->sweep.primary_metric) ||
		dup_strv(&d->trigger.events, t->events, t->events_len) ||
		dup_strv(&d->trigger.branches, t->branches, t->branches_len) ||
		dup_strv(&d->trigger.paths, t->paths, t->paths_len)) ? -1 : 0;
}

int tctl_job_dup(tctl_job **out, const tctl_job *job)
{
	tctl_job *d = malloc(sizeof(*d));

	if (!d)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	*d = *job;
	if (dup_all(d, job) < 0) {
		tctl_job_free(d);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	*out = d;
	return 0;
}
