/* gc_format.c: a gc plan (or what gc did) as text and as JSON. */
#include "trainctl/retention.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(tctl_gc_kind k)
{
	return k == TCTL_GC_RUN ? "run" : "checkpoints";
}

/* The path relative to the data folder, as the lists show it. */
static const char *rel(const tctl_gc_plan *p, const char *path)
{
	size_t n = strlen(p->data_dir);

	return !strncmp(path, p->data_dir, n) && path[n] == '/' ? path + n + 1 : path;
}

int tctl_gc_plan_to_text(char **out, const tctl_gc_plan *p)
{
	tctl_buf b = TCTL_BUF_INIT;
	char size[32];

	tctl_size_format(size, sizeof(size), p->bytes);
	tctl_buf_printf(&b, "%s %zu item%s, %s in %llu files (data folder %s)\n",
			p->executed ? "gc removed" : "gc would remove", p->len, p->len == 1 ? "" : "s",
			size, (unsigned long long)p->files, p->data_dir);
	for (size_t i = 0; i < p->len; i++) {
		const tctl_gc_item *it = &p->items[i];
		tctl_size_format(size, sizeof(size), it->bytes);
		tctl_buf_printf(&b, "  %-11s  %-11s  %-24s  %10s  %s\n", kind_name(it->kind), it->run_id,
				it->job ? it->job : "-", size, rel(p, it->path));
		tctl_buf_printf(&b, "               %s\n", it->error ? it->error : it->reason);
	}
	if (p->notes_len)
		tctl_buf_puts(&b, "left alone or worth knowing:\n");
	for (size_t i = 0; i < p->notes_len; i++)
		tctl_buf_printf(&b, "  %s\n", p->notes[i]);
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static json_t *item_json(const tctl_gc_plan *p, const tctl_gc_item *it)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string(kind_name(it->kind)));
	json_object_set_new(o, "run_id", json_string(it->run_id));
	json_object_set_new(o, "job", it->job ? json_string(it->job) : json_null());
	json_object_set_new(o, "path", json_string(rel(p, it->path)));
	json_object_set_new(o, "bytes", json_integer((json_int_t)it->bytes));
	json_object_set_new(o, "files", json_integer((json_int_t)it->files));
	json_object_set_new(o, "reason", json_string(it->reason ? it->reason : ""));
	if (p->executed) {
		json_object_set_new(o, "removed", json_boolean(it->removed));
		json_object_set_new(o, "error", it->error ? json_string(it->error) : json_null());
	}
	return o;
}

int tctl_gc_plan_to_json(char **out, const tctl_gc_plan *p, const char *lifecycle_json)
{
	json_t *o = json_object(), *items = json_array(), *notes = json_array();
	json_t *rule = lifecycle_json ? json_loads(lifecycle_json, 0, NULL) : NULL;

	for (size_t i = 0; i < p->len; i++)
		json_array_append_new(items, item_json(p, &p->items[i]));
	for (size_t i = 0; i < p->notes_len; i++)
		json_array_append_new(notes, json_string(p->notes[i]));
	json_object_set_new(o, "dry_run", json_boolean(!p->executed));
	json_object_set_new(o, "data_dir", json_string(p->data_dir));
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "bytes", json_integer((json_int_t)p->bytes));
	json_object_set_new(o, "files", json_integer((json_int_t)p->files));
	json_object_set_new(o, "notes", notes);
	json_object_set_new(o, "lifecycle_rule", rule ? rule : json_null());
	*out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return *out ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
}
