/* plan_ledger.c: what the planner reads from the ledger (the local queue, one job's calibration),
 * and a cache of it checked against the ledger files' identity, so that `plan` answers without
 * opening SQLite while the ledger is unchanged (opening it is most of a plan's time: docs/startup.md). */
#include "trainctl/plan_ledger.h"
#include "json_check.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CACHE_FORMAT 1
#define STAMP_SIZE 96

/* The identity of the ledger's two files: what any write to the ledger changes. */
typedef struct {
	char db[STAMP_SIZE], wal[STAMP_SIZE];
	int64_t newest;      /* latest modification of either, unix seconds, rounded up */
	bool ok;             /* both could be looked at (present or absent) */
	bool db_present;
} ledger_stamp;

static void stamp_file(ledger_stamp *s, char *out, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		s->ok = s->ok && errno == ENOENT;
		snprintf(out, STAMP_SIZE, "absent");
		return;
	}
	snprintf(out, STAMP_SIZE, "%ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
		 (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	if ((int64_t)st.st_mtim.tv_sec + 1 > s->newest)
		s->newest = (int64_t)st.st_mtim.tv_sec + 1;
}

static int stamp_ledger(ledger_stamp *s, const char *ledger_path)
{
	char *wal = NULL;

	memset(s, 0, sizeof(*s));
	s->ok = true;
	stamp_file(s, s->db, ledger_path);
	s->db_present = strcmp(s->db, "absent") != 0;
	if (asprintf(&wal, "%s-wal", ledger_path) < 0)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	stamp_file(s, s->wal, wal);
	free(wal);
	return 0;
}

static bool stamps_equal(const ledger_stamp *a, const ledger_stamp *b)
{
	return a->ok && b->ok && !strcmp(a->db, b->db) && !strcmp(a->wal, b->wal);
}

/* ---- the view, from SQLite ---- */

static int read_runs(tctl_plan_ledger *out, tctl_ledger *l)
{
	tctl_run_filter f = TCTL_RUN_FILTER_INIT;
	tctl_run_list list = { 0 };
	int rc;

	f.active = true;
	f.backend = "local";
	f.oldest_first = true;
	f.brief = true;
	if ((rc = tctl_ledger_run_list(l, &list, &f)) < 0)
		return rc;
	if (list.len && !(out->runs = calloc(list.len, sizeof(*out->runs)))) {
		tctl_run_list_free(&list);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < list.len; i++) {
		const tctl_run *r = &list.runs[i];
		tctl_plan_ledger_run *v = &out->runs[out->runs_len];

		if (r->cpus <= 0 && !r->gpus && !r->memory)
			continue;   /* coordinators of parallel jobs and sweeps hold nothing */
		v->queued = r->state == TCTL_RUN_QUEUED;
		v->gpus = r->gpus;
		v->cpus = r->cpus;
		v->memory = r->memory;
		v->estimate_s = r->estimate_s > 0 ? r->estimate_s : 0;
		v->started_ms = r->started_ms;
		out->runs_len++;
	}
	tctl_run_list_free(&list);
	return 0;
}

int tctl_plan_ledger_read(tctl_plan_ledger *out, tctl_ledger *l, const char *job_name)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_runs(out, l)) < 0 ||
	    (rc = tctl_ledger_calibrations(l, &out->cal, &out->cal_len, job_name ? job_name : "")) < 0)
		tctl_plan_ledger_clear(out);
	return rc;
}

/* ---- the cache file ---- */

static json_t *view_json(const tctl_plan_ledger *v, const tctl_plan_ledger_key *k)
{
	json_t *runs = json_array(), *cal = json_array();
	json_t *o = json_pack("{s:i, s:s, s:i, s:{s:s, s:s}, s:s, s:o, s:o}",
			      "format", CACHE_FORMAT, "ledger", k->ledger, "ledger_schema",
			      TCTL_LEDGER_SCHEMA, "stamp", "db", k->db, "wal", k->wal, "job", k->job,
			      "runs", runs, "calibration", cal);

	if (!o)
		return NULL;
	for (size_t i = 0; i < v->runs_len; i++) {
		const tctl_plan_ledger_run *r = &v->runs[i];
		if (json_array_append_new(runs, json_pack("{s:b, s:i, s:f, s:I, s:f, s:I}",
				"queued", r->queued, "gpus", r->gpus, "cpus", r->cpus,
				"memory", (json_int_t)r->memory, "estimate_s", r->estimate_s,
				"started_ms", (json_int_t)r->started_ms)) < 0)
			goto oom;
	}
	for (size_t i = 0; i < v->cal_len; i++)
		if (json_array_append_new(cal, json_pack("{s:s, s:i, s:f}", "target_class",
				v->cal[i].target_class, "runs", v->cal[i].runs, "ratio", v->cal[i].ratio)) < 0)
			goto oom;
	return o;
oom:
	json_decref(o);
	return NULL;
}

int tctl_plan_ledger_to_json(char **out, const tctl_plan_ledger *v, const tctl_plan_ledger_key *k)
{
	json_t *o = view_json(v, k);

	*out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}

/* Best effort: a cache that cannot be written costs the next plan a ledger read. */
static void cache_write(const char *path, const tctl_plan_ledger *v, const tctl_plan_ledger_key *k)
{
	char *text = NULL;

	if (tctl_plan_ledger_to_json(&text, v, k) == 0)
		tctl_cache_file_write(path, text);
	free(text);
	tctl_error_clear();
}

static void need(tctl_jc *jc, int rc, const char *key, const char *what)
{
	if (rc == 0)
		tctl_jc_error(jc, "'%s' is missing: expected %s", key, what);
}

static void read_run(tctl_jc *jc, const json_t *o, tctl_plan_ledger_run *r)
{
	static const char *const keys[] = { "queued", "gpus", "cpus", "memory", "estimate_s",
					    "started_ms", NULL };
	int64_t memory = 0;

	if (!json_is_object(o)) {
		tctl_jc_expected(jc, "an object", o);
		return;
	}
	tctl_jc_keys(jc, o, keys, NULL);
	need(jc, tctl_jc_bool(jc, o, "queued", &r->queued), "queued", "true or false");
	need(jc, tctl_jc_int(jc, o, "gpus", &r->gpus, 0, 1 << 20), "gpus", "a GPU count");
	need(jc, tctl_jc_number(jc, o, "cpus", &r->cpus, 0, false), "cpus", "a CPU count");
	need(jc, tctl_jc_int64(jc, o, "memory", &memory, 0, INT64_MAX), "memory", "bytes");
	r->memory = (uint64_t)memory;
	need(jc, tctl_jc_number(jc, o, "estimate_s", &r->estimate_s, 0, false), "estimate_s",
	     "seconds");
	need(jc, tctl_jc_int64(jc, o, "started_ms", &r->started_ms, 0, INT64_MAX), "started_ms",
	     "unix milliseconds");
}

static void read_cal(tctl_jc *jc, const json_t *o, struct tctl_ledger_calibration *c)
{
	static const char *const keys[] = { "target_class", "runs", "ratio", NULL };

	if (!json_is_object(o)) {
		tctl_jc_expected(jc, "an object", o);
		return;
	}
	tctl_jc_keys(jc, o, keys, NULL);
	need(jc, tctl_jc_string(jc, o, "target_class", &c->target_class), "target_class", "a string");
	need(jc, tctl_jc_int(jc, o, "runs", &c->runs, 1, INT32_MAX), "runs", "a run count");
	need(jc, tctl_jc_number(jc, o, "ratio", &c->ratio, 0, true), "ratio", "a positive ratio");
}

/* Reads the array at `key` into `*items` (`size` bytes each) with `read_one`. */
static void read_array(tctl_jc *jc, const json_t *root, const char *key, void **items,
		       size_t *len, size_t size, void (*read_one)(tctl_jc *, const json_t *, void *))
{
	const json_t *a = json_object_get(root, key);

	if (!json_is_array(a)) {
		tctl_jc_error_in(jc, key, "expected an array");
		return;
	}
	if (!json_array_size(a))
		return;
	if (!(*items = calloc(json_array_size(a), size))) {
		tctl_jc_error(jc, "out of memory");
		return;
	}
	tctl_jc_push(jc, key);
	for (size_t i = 0; i < json_array_size(a); i++, (*len)++) {
		tctl_jc_push_index(jc, i);
		read_one(jc, json_array_get(a, i), (char *)*items + i * size);
		tctl_jc_pop(jc);
	}
	tctl_jc_pop(jc);
}

static void read_run_any(tctl_jc *jc, const json_t *o, void *r) { read_run(jc, o, r); }
static void read_cal_any(tctl_jc *jc, const json_t *o, void *c) { read_cal(jc, o, c); }

/* The key a cache must match: format, ledger, schema, files' identity and job name. */
static bool cache_matches(tctl_jc *jc, json_t *root, const tctl_plan_ledger_key *k)
{
	const char *db = NULL, *wal = NULL, *path = NULL, *job = NULL;
	int format = 0, schema = 0;

	if (json_unpack(root, "{s:i, s:s, s:i, s:{s:s, s:s}, s:s}", "format", &format, "ledger", &path,
			"ledger_schema", &schema, "stamp", "db", &db, "wal", &wal, "job", &job) < 0) {
		tctl_jc_error(jc, "expected format, ledger, ledger_schema, stamp.db, stamp.wal and job");
		return false;
	}
	return format == CACHE_FORMAT && schema == TCTL_LEDGER_SCHEMA && !strcmp(path, k->ledger) &&
	       !strcmp(db, k->db) && !strcmp(wal, k->wal) && !strcmp(job, k->job);
}

static const char *const cache_keys[] = { "format", "ledger", "ledger_schema", "stamp", "job",
					  "runs", "calibration", NULL };

int tctl_plan_ledger_from_json(tctl_plan_ledger *out, const char *text, size_t len,
			       const char *origin, const tctl_plan_ledger_key *k)
{
	json_t *root;
	tctl_jc jc;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = tctl_jc_load_object(&root, text, len, origin)) < 0)
		return rc;
	tctl_jc_init(&jc, origin, text, len);
	tctl_jc_keys(&jc, root, cache_keys, NULL);
	if (cache_matches(&jc, root, k)) {
		read_array(&jc, root, "runs", (void **)&out->runs, &out->runs_len, sizeof(*out->runs),
			   read_run_any);
		read_array(&jc, root, "calibration", (void **)&out->cal, &out->cal_len,
			   sizeof(*out->cal), read_cal_any);
		rc = tctl_jc_finish(&jc);
	} else if ((rc = tctl_jc_finish(&jc)) == 0) {
		rc = tctl_error_set(TCTL_ENOTFOUND, "'%s' is for another ledger, ledger state or job",
				    origin);
	}
	tctl_jc_free(&jc);
	json_decref(root);
	if (rc < 0)
		tctl_plan_ledger_clear(out);
	return rc;
}

static int cache_read(tctl_plan_ledger *out, const char *path, const tctl_plan_ledger_key *k)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = tctl_file_read(&text, &len, path)) == 0)
		rc = tctl_plan_ledger_from_json(out, text, len, path, k);
	free(text);
	return rc;
}

int tctl_plan_ledger_cached(tctl_plan_ledger *out, const char *ledger_path,
			    const char *cache_path, const char *job_name)
{
	ledger_stamp before, after;
	tctl_plan_ledger_key key;
	tctl_ledger *l = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = stamp_ledger(&before, ledger_path)) < 0)
		return rc;
	if (!before.db_present)
		return 0;   /* no ledger yet: nothing runs, nothing calibrated */
	key.ledger = ledger_path;
	key.db = before.db;
	key.wal = before.wal;
	key.job = job_name ? job_name : "";
	if (cache_path && before.ok && cache_read(out, cache_path, &key) == 0) {
		out->from_cache = true;
		return 0;
	}
	tctl_error_clear();
	/* as `plan` always did: a ledger it cannot open (a newer trainctl's) is planned without */
	if (tctl_ledger_open_existing(&l, ledger_path) < 0) {
		tctl_error_clear();
		return 0;
	}
	rc = tctl_plan_ledger_read(out, l, key.job);
	tctl_ledger_free(l);
	if (rc < 0)
		return rc;
	if (cache_path && before.newest + TCTL_PLAN_LEDGER_QUIET_S <= now &&
	    stamp_ledger(&after, ledger_path) == 0 && stamps_equal(&before, &after))
		cache_write(cache_path, out, &key);
	tctl_error_clear();
	return 0;
}

void tctl_plan_ledger_clear(tctl_plan_ledger *v)
{
	free(v->runs);
	tctl_ledger_calibrations_free(v->cal, v->cal_len);
	memset(v, 0, sizeof(*v));
}
