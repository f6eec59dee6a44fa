/* parallel.c: a job's items run as mini-batches across the local slots, with retries and an error threshold. */
#include "group.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { B_PENDING, B_ACTIVE, B_DONE, B_FAILED } batch_state;

typedef struct {
	size_t first, count;     /* items[first .. first+count) */
	int attempts;
	batch_state state;
	char run_id[TCTL_RUN_ID_SIZE];
} batch;

typedef struct {
	char **items;
	size_t len;
} item_list;

static void items_free(item_list *it)
{
	for (size_t i = 0; i < it->len; i++)
		free(it->items[i]);
	free(it->items);
	it->items = NULL;
	it->len = 0;
}

static int items_push(item_list *it, const char *s)
{
	char **p = realloc(it->items, (it->len + 1) * sizeof(*p));

	if (!p || !(p[it->len] = strdup(s))) {
		if (p)
			it->items = p;
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	it->items = p;
	it->len++;
	return 0;
}

static int push_item(void *it, const char *item)
{
	return items_push(it, item);
}

static int items_from_file(item_list *it, const char *path)
{
	return tctl_parallel_items_read(path, push_item, it);
}

static int items_from_glob(item_list *it, const char *pattern)
{
	glob_t g;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	if (glob(pattern, GLOB_ERR, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
			rc = items_push(it, g.gl_pathv[i]);
	globfree(&g);
	return rc;
}

/* The job's items, with items_file / items_glob resolved against workdir. */
static int expand_items(item_list *out, const tctl_parallel *p, const char *workdir)
{
	char *path = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->items_len && rc == 0; i++)
		rc = items_push(out, p->items[i]);
	if (p->items_file || p->items_glob) {
		const char *rel = p->items_file ? p->items_file : p->items_glob;
		path = rel[0] == '/' ? strdup(rel) : tctl_path_join(workdir ? workdir : ".", rel);
		if (!path)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		rc = p->items_file ? items_from_file(out, path) : items_from_glob(out, path);
	}
	if (rc == 0 && out->len == 0)
		rc = tctl_error_set(TCTL_EINVALID, "parallel: no items to process%s%s%s",
				    p->items_glob ? " ('" : "", p->items_glob ? p->items_glob : "",
				    p->items_glob ? "' matched no file)" : "");
	free(path);
	if (rc < 0)
		items_free(out);
	return rc;
}

/* Single quotes for /bin/sh. */
static void shell_quote(tctl_buf *b, const char *s)
{
	tctl_buf_puts(b, "'");
	for (; *s; s++)
		tctl_buf_puts(b, *s == '\'' ? "'\\''" : (char[2]){ *s, 0 });
	tctl_buf_puts(b, "'");
}

static char *replace_all(const char *s, const char *token, const char *with)
{
	tctl_buf b = TCTL_BUF_INIT;
	size_t tl = strlen(token);
	const char *hit;

	while ((hit = strstr(s, token))) {
		tctl_buf_put(&b, s, (size_t)(hit - s));
		tctl_buf_puts(&b, with);
		s = hit + tl;
	}
	tctl_buf_puts(&b, s);
	return tctl_buf_detach(&b);
}

/* argv with the placeholder: an argument equal to it becomes the items; inside one, items joined by spaces. */
static int child_argv(tctl_job *child, const item_list *it, const batch *bt, const char *ph)
{
	tctl_buf joined = TCTL_BUF_INIT;
	char **argv = calloc(child->command_len + bt->count + 1, sizeof(*argv));
	size_t n = 0;

	if (!argv)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t k = 0; k < bt->count; k++)
		tctl_buf_printf(&joined, "%s%s", k ? " " : "", it->items[bt->first + k]);
	for (size_t i = 0; i < child->command_len; i++) {
		if (!strcmp(child->command[i], ph)) {
			for (size_t k = 0; k < bt->count; k++)
				argv[n++] = strdup(it->items[bt->first + k]);
		} else {
			argv[n++] = replace_all(child->command[i], ph, joined.ptr ? joined.ptr : "");
		}
	}
	tctl_buf_free(&joined);
	for (size_t i = 0; i < child->command_len; i++)
		free(child->command[i]);
	free(child->command);
	child->command = argv;
	child->command_len = n;
	return 0;
}

static int child_shell(tctl_job *child, const item_list *it, const batch *bt, const char *ph)
{
	tctl_buf q = TCTL_BUF_INIT;
	char *s;

	for (size_t k = 0; k < bt->count; k++) {
		if (k)
			tctl_buf_puts(&q, " ");
		shell_quote(&q, it->items[bt->first + k]);
	}
	s = replace_all(child->shell, ph, q.ptr ? q.ptr : "");
	tctl_buf_free(&q);
	free(child->shell);
	child->shell = s;
	return 0;
}

/* The job one mini-batch runs: the parallel section gone, the placeholder replaced. */
static int child_job(tctl_job **out, const tctl_job *job, const item_list *it, const batch *bt)
{
	tctl_job *c = NULL;
	const char *ph = job->parallel.item_placeholder ? job->parallel.item_placeholder : "{items}";
	int rc;

	if ((rc = tctl_job_dup(&c, job)) < 0)
		return rc;
	rc = c->shell ? child_shell(c, it, bt, ph) : child_argv(c, it, bt, ph);
	c->parallel.enabled = false;
	if (rc < 0) {
		tctl_job_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

typedef struct {
	group g;
	tctl_job *job;
	item_list *items;
	batch *batches;
	size_t nbatches;
	size_t failed_items;
	char *run_dir;
} coord;

static int launch(coord *c, batch *bt, size_t index)
{
	tctl_job *cj = NULL;
	char name[200];
	int rc;

	if ((rc = child_job(&cj, c->job, c->items, bt)) < 0)
		return rc;
	snprintf(name, sizeof(name), "%s.%zu", c->job->name, index + 1);
	bt->attempts++;
	rc = group_submit_child(&c->g, cj, name, bt->attempts, NULL, bt->run_id);
	tctl_job_free(cj);
	if (rc == 0)
		bt->state = B_ACTIVE;
	return rc;
}

static size_t count_state(const coord *c, batch_state s)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nbatches; i++)
		n += c->batches[i].state == s;
	return n;
}

static void launch_more(coord *c)
{
	size_t cap = (size_t)(c->job->parallel.max_concurrency_per_instance > 0
			      ? c->job->parallel.max_concurrency_per_instance : 1);

	for (size_t i = 0; i < c->nbatches && count_state(c, B_ACTIVE) < cap; i++)
		if (c->batches[i].state == B_PENDING && launch(c, &c->batches[i], i) < 0)
			c->batches[i].state = B_FAILED;
}

static void note_batch_end(coord *c, batch *bt, size_t index, const tctl_run *r)
{
	char detail[300];

	if (r->state == TCTL_RUN_SUCCEEDED) {
		bt->state = B_DONE;
		return;
	}
	if (bt->attempts <= c->job->parallel.retries) {
		bt->state = B_PENDING;
		snprintf(detail, sizeof(detail), "mini-batch %zu attempt %d %s (%s); retrying", index + 1,
			 bt->attempts, tctl_run_state_name(r->state), r->reason ? r->reason : "");
	} else {
		bt->state = B_FAILED;
		c->failed_items += bt->count;
		snprintf(detail, sizeof(detail), "mini-batch %zu failed after %d attempt%s (%s)",
			 index + 1, bt->attempts, bt->attempts == 1 ? "" : "s", r->reason ? r->reason : "");
	}
	tctl_ledger_event_add(c->g.l, c->g.parent_id, "running", detail);
}

static int poll_children(coord *c)
{
	tctl_run_list kids = { 0 };
	int rc;

	if ((rc = group_children(&c->g, &kids)) < 0)
		return rc;
	for (size_t i = 0; i < c->nbatches; i++) {
		batch *bt = &c->batches[i];
		if (bt->state != B_ACTIVE)
			continue;
		for (size_t k = 0; k < kids.len; k++)
			if (!strcmp(kids.runs[k].id, bt->run_id) &&
			    tctl_run_state_terminal(kids.runs[k].state))
				note_batch_end(c, bt, i, &kids.runs[k]);
	}
	tctl_run_list_free(&kids);
	return 0;
}

static bool over_threshold(const coord *c)
{
	int t = c->job->parallel.error_threshold;

	return t >= 0 && c->failed_items > (size_t)t;
}

/* <run dir>/failed_items.txt: one failed item per line. */
static void write_failed(const coord *c)
{
	tctl_buf b = TCTL_BUF_INIT;
	char *path;

	if (!c->run_dir || !(path = tctl_path_join(c->run_dir, "failed_items.txt")))
		return;
	for (size_t i = 0; i < c->nbatches; i++)
		if (c->batches[i].state == B_FAILED)
			for (size_t k = 0; k < c->batches[i].count; k++)
				tctl_buf_printf(&b, "%s\n", c->items->items[c->batches[i].first + k]);
	tctl_mkdir_p(c->run_dir, 0700);
	tctl_file_write_atomic(path, b.ptr ? b.ptr : "", b.len, 0600);
	tctl_buf_free(&b);
	free(path);
}

static void finish(coord *c)
{
	char reason[400];
	size_t total = c->items->len;

	write_failed(c);
	if (c->g.cancelled) {
		group_finish(&c->g, TCTL_RUN_CANCELLED, "cancelled on request");
	} else if (over_threshold(c)) {
		snprintf(reason, sizeof(reason), "%zu of %zu items failed, over error_threshold %d "
			 "(failed_items.txt lists them)", c->failed_items, total,
			 c->job->parallel.error_threshold);
		group_finish(&c->g, TCTL_RUN_FAILED, reason);
	} else if (c->failed_items) {
		snprintf(reason, sizeof(reason), "%zu of %zu items failed, within error_threshold "
			 "(failed_items.txt lists them)", c->failed_items, total);
		group_finish(&c->g, TCTL_RUN_SUCCEEDED, reason);
	} else {
		snprintf(reason, sizeof(reason), "all %zu items processed in %zu mini-batches", total,
			 c->nbatches);
		group_finish(&c->g, TCTL_RUN_SUCCEEDED, reason);
	}
}

static void coordinate(coord *c)
{
	int delay = 10;

	for (;;) {
		if (group_cancel_requested(&c->g) || over_threshold(c)) {
			group_cancel_children(&c->g);
			break;
		}
		launch_more(c);
		if (count_state(c, B_ACTIVE) == 0 && count_state(c, B_PENDING) == 0)
			break;
		group_nap(delay);
		delay = delay < 200 ? delay * 2 : 200;
		if (poll_children(c) < 0)
			break;
	}
	finish(c);
}

static int plan_batches(coord *c)
{
	size_t mbs = (size_t)(c->job->parallel.mini_batch_size > 0 ? c->job->parallel.mini_batch_size : 1);

	c->nbatches = (c->items->len + mbs - 1) / mbs;
	if (!(c->batches = calloc(c->nbatches, sizeof(*c->batches))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->nbatches; i++) {
		c->batches[i].first = i * mbs;
		c->batches[i].count = c->items->len - i * mbs < mbs ? c->items->len - i * mbs : mbs;
	}
	return 0;
}

static void parallel_main(const char *path, const tctl_local_capacity *cap, const char *parent_id,
			  void *arg)
{
	coord c;
	tctl_run *parent = NULL;

	memset(&c, 0, sizeof(c));
	c.items = arg;
	if (group_attach(&c.g, path, cap, parent_id, &parent) < 0)
		_exit(1);
	c.run_dir = parent->run_dir ? strdup(parent->run_dir) : NULL;
	if (tctl_job_parse(&c.job, parent->spec, strlen(parent->spec), "ledger spec") < 0 ||
	    plan_batches(&c) < 0)
		group_finish(&c.g, TCTL_RUN_FAILED, tctl_error_last()->message);
	else
		coordinate(&c);
	tctl_run_free(parent);
	tctl_job_free(c.job);
	free(c.batches);
	free(c.run_dir);
	tctl_ledger_free(c.g.l);
	_exit(0);
}

int tctl_local_submit_parallel(tctl_ledger **l, const tctl_job *job, const tctl_local_capacity *cap,
			       tctl_run *parent)
{
	item_list items;
	int rc;

	if ((rc = tctl_local_check_fit(job, cap)) < 0)
		return rc;
	if ((rc = expand_items(&items, &job->parallel, job->workdir)) < 0)
		return rc;
	tctl_run_id_new(parent->id, tctl_now_ms());
	free(parent->run_dir);
	parent->run_dir = run_dir_path(tctl_ledger_dir(*l), parent->id);
	if (!parent->run_dir || tctl_mkdir_p(parent->run_dir, 0700) < 0)
		rc = parent->run_dir ? tctl_error_last()->code : tctl_error_set(TCTL_ENOMEM, "out of memory");
	else
		rc = group_start(l, parent, cap, parallel_main, &items);
	items_free(&items);
	return rc;
}
