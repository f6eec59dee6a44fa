/* cost_html.c: the cost report as one self-contained HTML page (inline SVG chart drawn by its script). */
#include "trainctl/cost.h"
#include "trainctl/budget.h"
#include "trainctl/error.h"
#include "trainctl/units.h"
#include "trainctl/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The page computes every figure it shows from the runs embedded in it, so a browser that
 * renders the right totals proves the page, not just the generator. No external asset:
 * the Content-Security-Policy forbids loading anything. */
static const char *const head[] = {
	"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n"
	"<title>trainctl cost</title>\n<style>\n"
	"body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}\n"
	"h1{font-size:1.4em}dl.totals{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}\n"
	"dt{color:#555}dd{margin:0;font-variant-numeric:tabular-nums;font-weight:600}\n"
	"table{border-collapse:collapse;margin:1em 0}td,th{padding:.2em .8em;text-align:left}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}th{border-bottom:1px solid #999}\n"
	".local{fill:#2a9d8f;color:#2a9d8f}.cloud{fill:#e76f51;color:#e76f51}.note{color:#666}\n"
	"</style>\n</head>\n<body>\n"
	"<h1>trainctl: spend <span id=\"scope\"></span></h1>\n"
	"<p class=\"note\">At the prices recorded when each run started, never re-priced; "
	"a run counts in the month (UTC) it was submitted in.</p>\n"
	"<dl class=\"totals\">\n"
	"<dt>total</dt><dd id=\"total\"></dd>\n"
	"<dt class=\"local\">this machine</dt><dd id=\"local\"></dd>\n"
	"<dt class=\"cloud\">cloud</dt><dd id=\"cloud\"></dd>\n"
	"<dt>local runs on the cheapest cloud option</dt><dd id=\"cloud-equivalent\"></dd>\n"
	"<dt>saved by running locally</dt><dd id=\"saved\"></dd>\n"
	"<dt>runs</dt><dd id=\"runs\"></dd>\n</dl>\n"
	"<figure><svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"260\" "
	"role=\"img\"></svg>\n<figcaption>spend per <span id=\"unit\"></span>: "
	"<span class=\"local\">&#9632; this machine</span> "
	"<span class=\"cloud\">&#9632; cloud</span></figcaption></figure>\n"
	"<table id=\"periods\"><thead><tr><th>period</th><th>this machine</th><th>cloud</th>"
	"<th>total</th></tr></thead><tbody></tbody></table>\n"
	"<table id=\"jobs\"><thead><tr><th>job</th><th>runs</th><th>cost</th></tr></thead>"
	"<tbody></tbody></table>\n"
	"<noscript><p>This page draws its figures with its own script.</p></noscript>\n",
	NULL
};

static const char *const script[] = {
	"<script>\n(function () {\n"
	"'use strict';\n"
	"var data = JSON.parse(document.getElementById('data').textContent);\n"
	"function cents(x) { return (Math.round(x * 100) / 100).toFixed(2); }\n"
	"function money(x) { return (x < 0 ? '-$' : '$') + cents(Math.abs(x)); }\n"
	"function put(id, usd) { var e = document.getElementById(id);\n"
	"  e.textContent = money(usd); e.setAttribute('data-usd', String(usd)); }\n"
	"var t = { total: 0, local: 0, cloud: 0, equiv: 0, equivLocal: 0 }, periods = {}, jobs = {};\n"
	"var len = data.unit === 'day' ? 10 : 7;\n"
	"data.runs.forEach(function (r) {\n"
	"  var local = r.backend === 'local', k = r.submitted.slice(0, len);\n"
	"  t.total += r.cost; if (local) t.local += r.cost; else t.cloud += r.cost;\n"
	"  if (local && r.cloud_equivalent > 0) { t.equiv += r.cloud_equivalent; t.equivLocal += r.cost; }\n"
	"  var p = periods[k] || (periods[k] = { local: 0, cloud: 0 });\n"
	"  if (local) p.local += r.cost; else p.cloud += r.cost;\n"
	"  var j = jobs[r.job] || (jobs[r.job] = { runs: 0, cost: 0 }); j.runs++; j.cost += r.cost;\n"
	"});\n"
	"document.getElementById('scope').textContent = data.month || 'of every month';\n"
	"document.getElementById('unit').textContent = data.unit;\n"
	"put('total', t.total); put('local', t.local); put('cloud', t.cloud);\n"
	"put('cloud-equivalent', t.equiv); put('saved', t.equiv - t.equivLocal);\n"
	"document.getElementById('runs').textContent = String(data.runs.length);\n"
	"function cell(tr, text, cls) { var td = document.createElement('td'); td.textContent = text;\n"
	"  if (cls) td.className = cls; tr.appendChild(td); }\n"
	"var keys = Object.keys(periods).sort(), body = document.querySelector('#periods tbody');\n"
	"keys.forEach(function (k) { var tr = document.createElement('tr'); tr.id = 'period-' + k;\n"
	"  cell(tr, k); cell(tr, money(periods[k].local), 'n'); cell(tr, money(periods[k].cloud), 'n');\n"
	"  cell(tr, money(periods[k].local + periods[k].cloud), 'n'); body.appendChild(tr); });\n"
	"var jb = document.querySelector('#jobs tbody');\n"
	"Object.keys(jobs).sort().forEach(function (k) { var tr = document.createElement('tr');\n"
	"  cell(tr, k); cell(tr, String(jobs[k].runs), 'n'); cell(tr, money(jobs[k].cost), 'n');\n"
	"  jb.appendChild(tr); });\n"
	"var svg = document.getElementById('chart'), NS = 'http://www.w3.org/2000/svg';\n"
	"var W = 720, H = 260, L = 60, B = 30, max = 0;\n"
	"keys.forEach(function (k) { max = Math.max(max, periods[k].local + periods[k].cloud); });\n"
	"function el(name, attrs, text) { var e = document.createElementNS(NS, name);\n"
	"  Object.keys(attrs).forEach(function (a) { e.setAttribute(a, attrs[a]); });\n"
	"  if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; }\n"
	"el('line', { x1: L, y1: H - B, x2: W, y2: H - B, stroke: '#999' });\n"
	"el('text', { x: L - 6, y: 12, 'text-anchor': 'end', 'font-size': 11 }, '$' + cents(max));\n"
	"el('text', { x: L - 6, y: H - B, 'text-anchor': 'end', 'font-size': 11 }, '$0');\n",
	"var slot = keys.length ? (W - L) / keys.length : 0, bw = Math.max(2, slot * 0.7);\n"
	"keys.forEach(function (k, i) {\n"
	"  var x = L + i * slot + (slot - bw) / 2, h = H - B - 10, p = periods[k];\n"
	"  var hl = max > 0 ? h * p.local / max : 0, hc = max > 0 ? h * p.cloud / max : 0;\n"
	"  var r1 = el('rect', { x: x, y: H - B - hl, width: bw, height: hl, 'class': 'local' });\n"
	"  r1.appendChild(document.createElementNS(NS, 'title')).textContent = k + ' this machine $' + cents(p.local);\n"
	"  var r2 = el('rect', { x: x, y: H - B - hl - hc, width: bw, height: hc, 'class': 'cloud' });\n"
	"  r2.appendChild(document.createElementNS(NS, 'title')).textContent = k + ' cloud $' + cents(p.cloud);\n"
	"  if (keys.length <= 16 || i % Math.ceil(keys.length / 16) === 0)\n"
	"    el('text', { x: x + bw / 2, y: H - B + 16, 'text-anchor': 'middle', 'font-size': 10 }, k.slice(len === 10 ? 5 : 0));\n"
	"});\n"
	"document.body.setAttribute('data-rendered', 'yes');\n"
	"})();\n</script>\n</body>\n</html>\n",
	NULL
};

static json_t *row_json(const tctl_cost_row *r)
{
	json_t *o = json_object();
	char when[32], repo[256];

	tctl_time_format(when, sizeof(when), r->submitted_ms / 1000);
	tctl_repo_name(repo, sizeof(repo), r->repo_remote, r->repo_root);
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "job", json_string(r->job ? r->job : "?"));
	json_object_set_new(o, "repository", json_string(repo));
	json_object_set_new(o, "backend", json_string(r->backend ? r->backend : "?"));
	json_object_set_new(o, "submitted", json_string(when));
	json_object_set_new(o, "cost", json_real(r->cost));
	json_object_set_new(o, "cloud_equivalent", json_real(r->cloud_equiv_cost));
	return o;
}

/* The data block: {"month", "unit", "runs": [...]}, with '<' escaped so no string in it
 * can end the script element. */
static char *data_json(const tctl_cost_report *r)
{
	json_t *o = json_object(), *runs = json_array();
	tctl_buf b = TCTL_BUF_INIT;
	char *text;
	bool ok;

	for (size_t i = 0; i < r->rows_len; i++)
		json_array_append_new(runs, row_json(&r->rows[i]));
	json_object_set_new(o, "month", r->month[0] ? json_string(r->month) : json_null());
	json_object_set_new(o, "unit", json_string(r->series_unit));
	json_object_set_new(o, "runs", runs);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17) |
			  JSON_ENSURE_ASCII);
	json_decref(o);
	for (const char *p = text; p && *p; p++)
		tctl_buf_puts(&b, *p == '<' ? "\\u003c" : (char[2]){ *p, 0 });
	ok = text != NULL;
	free(text);
	return ok ? tctl_buf_detach(&b) : NULL;
}

int tctl_cost_report_to_html(char **out, const tctl_cost_report *r)
{
	tctl_buf b = TCTL_BUF_INIT;
	char *data = data_json(r);

	if (!data)
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; head[i]; i++)
		tctl_buf_puts(&b, head[i]);
	tctl_buf_printf(&b, "<script type=\"application/json\" id=\"data\">%s</script>\n", data);
	for (size_t i = 0; script[i]; i++)
		tctl_buf_puts(&b, script[i]);
	free(data);
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}
