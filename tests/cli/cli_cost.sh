#!/bin/sh
# cli_cost.sh: budgets refuse a run exactly at the cent and --allow-over-budget is recorded;
# budgets in a wrong unit are refused; a run over its own max_cost is stopped; the cost
# report's totals are the ledger's recorded costs, in text, JSON and a page rendered by
# headless Chromium; local runs record what the cloud would have cost.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
export TRAINCTL_KILL_GRACE=1
# A fixed machine: one package of 2 cores. With cpu_watts 400 a busy core draws 200 W.
export TRAINCTL_TOPOLOGY="$TESTS_DATA/topology/vm-epyc-2pu.xml"
CFG="$TRAINCTL_HOME/config/config.json"
DB="$TRAINCTL_HOME/data/ledger.db"
mkdir -p "$TRAINCTL_HOME/config"
cd "$T_TMP" || exit 1

config() { printf '%s\n' "$1" > "$CFG"; }
sql() { python3 -c "import sqlite3,sys; c=sqlite3.connect('$DB'); r=c.execute(sys.argv[1]).fetchall(); c.commit(); print('\n'.join('|'.join(str(x) for x in row) for row in r))" "$1"; }
field() { "$T" status "$1" --json | python3 -c "import json,sys; v=json.load(sys.stdin)$2; print('' if v is None else v)"; }

# ---- budgets in a wrong unit, or negative, are refused by the config parser ----
config '{"budgets": {"monthly_usd": "500USD", "per_job_usd": {"nightly": -5}}}'
run "$T" config show
expect_rc "a budget that is not a number of dollars is refused" 1
expect_err "with the file, line and field" "config.json:1: budgets.monthly_usd: expected a positive number, got \"500USD\""
expect_err "a negative one too" "config.json:1: budgets.per_job_usd.nightly: expected a positive number, got -5"
config '{"budgets": {"monthly_eur": 5}}'
run "$T" config show
expect_err "a budget in another currency is an unknown key" "budgets.monthly_eur: unknown key \(did you mean 'monthly_usd'\?\)"

# ---- the monthly budget, exact to the cent ----
# The job plans at 10 h x 200 W x $1.00/kWh = $2.00 here. Its command fails, so no
# calibration shortens the next estimate.
config '{"local": {"electricity_usd_per_kwh": 1.0, "cpu_watts": 400}, "budgets": {"monthly_usd": 10}}'
cat > job.json <<'JSON'
{ "name": "budgeted", "command": ["false"], "resources": {"cpus": 1}, "estimate": {"local_duration": "10h"} }
JSON
run "$T" submit --wait -- true
seed=$("$T" list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
sql "UPDATE runs SET cost = 8.00 WHERE id = '$seed'" >/dev/null
run "$T" submit --wait job.json
expect_rc "8.00 spent + 2.00 planned reaches the 10.00 budget: allowed" 1   # the job's own exit 1
expect_err "and it ran" "failed \(exit 1\)"
sql "UPDATE runs SET cost = 0 WHERE id != '$seed'" >/dev/null
sql "UPDATE runs SET cost = 8.01 WHERE id = '$seed'" >/dev/null
n_before=$(sql "SELECT COUNT(*) FROM runs")
run "$T" submit job.json
expect_rc "8.01 + 2.00 crosses it by a cent: refused" 1
expect_eq "the message says which budget, spent, estimate and the sum" \
	"error: run 'budgeted' would cross budgets.monthly_usd (\$10.00): \$8.01 spent this month + \$2.00 this run's estimate = \$10.01" \
	"$(printf '%s\n' "$ERR" | head -1)"
expect_err "and how to override" "^hint: submit with --allow-over-budget to run it anyway"
expect_eq "a refused run is not recorded" "$n_before" "$(sql "SELECT COUNT(*) FROM runs")"
run "$T" submit --allow-over-budget job.json
expect_rc "--allow-over-budget submits it" 0
oid=$OUT
expect_err "saying it is over budget" "warning: over budget, allowed: run 'budgeted' would cross budgets.monthly_usd"
expect_eq "the ledger records the override" "True" "$(field "$oid" '["over_budget_allowed"]')"
expect_eq "and what was crossed, in the run's history" "1" \
	"$(sql "SELECT COUNT(*) FROM events WHERE run_id = '$oid' AND detail LIKE '%would cross budgets.monthly_usd (\$10.00): \$8.01 spent%'")"
"$T" cancel --wait "$oid" >/dev/null 2>&1
sql "UPDATE runs SET cost = 0" >/dev/null

# ---- per run, per job; queued and running runs count with their plan ----
config '{"local": {"electricity_usd_per_kwh": 1.0, "cpu_watts": 400}, "budgets": {"per_run_usd": 1.99}}'
run "$T" submit job.json
expect_err "per_run_usd compares the estimate alone" "would cross budgets.per_run_usd \(\\\$1.99\): this run's estimate is \\\$2.00"
config '{"local": {"electricity_usd_per_kwh": 1.0, "cpu_watts": 400}, "budgets": {"per_job_usd": {"budgeted": 3}}}'
cat > sleeper.json <<'JSON'
{ "name": "budgeted", "command": ["sleep", "40"], "resources": {"cpus": 1}, "estimate": {"local_duration": "10h"} }
JSON
run "$T" submit sleeper.json
expect_rc "a first run planned at 2.00 fits the 3.00 job budget" 0
sid=$OUT
run "$T" submit job.json
expect_rc "a second one does not while the first runs" 1
expect_err "its plan counts as spent" "budgets.per_job_usd.budgeted \(\\\$3.00\): \\\$2.00 spent this month \(\\\$0.00 recorded \+ \\\$2.00 planned for 1 queued or running run\) \+ \\\$2.00 this run's estimate = \\\$4.00"
"$T" cancel --wait "$sid" >/dev/null 2>&1
sql "UPDATE runs SET cost = 0" >/dev/null
run "$T" submit --wait job.json
expect_rc "once it ended (costing nothing), the job fits again" 1
expect_err "and ran" "failed \(exit 1\)"

# per repository: the last segment of the remote URL names it, whatever the folder is called
mkdir -p "$T_TMP/checkout" && cp job.json "$T_TMP/checkout/" && (
	cd "$T_TMP/checkout" && git init -q -b main . && git -c user.name=T -c user.email=t@example.com \
		commit -q --allow-empty -m init && git remote add origin git@github.com:ada/bert.git)
config '{"local": {"electricity_usd_per_kwh": 1.0, "cpu_watts": 400}, "budgets": {"per_repo_usd": {"bert": 1.50}}}'
run "$T" submit "$T_TMP/checkout/job.json"
expect_rc "a run from a repository over its budget is refused" 1
expect_err "the repository is named by its remote" "would cross budgets.per_repo_usd.bert \(\\\$1.50\): \\\$0.00 spent this month \+ \\\$2.00 this run's estimate = \\\$2.00"
run "$T" submit job.json
expect_rc "a run from elsewhere is not held to it" 0

# ---- a run over its own max_cost is stopped like a time limit ----
# No estimate: priced at 200 W x $1000/kWh = $200 per hour; $0.05 is reached after 0.9 s.
config '{"local": {"electricity_usd_per_kwh": 1000, "cpu_watts": 400}}'
cat > costly.json <<'JSON'
{ "name": "costly", "command": ["sleep", "41"], "resources": {"cpus": 1}, "limits": {"max_cost": 0.05} }
JSON
start=$(date +%s)
run "$T" submit --wait costly.json
expect_rc "a run over its max_cost ends cancelled (130)" 130
expect_err "saying why, with the price it was recorded at" "cancelled \(max_cost reached: \\\$0\.05[0-9]* > \\\$0\.0500 \(limits\.max_cost, at \\\$200\.0000 per hour\)\)"
if [ $(( $(date +%s) - start )) -lt 10 ]; then ok "long before the command would have ended"; else not_ok "long before the command would have ended"; fi
cid=$("$T" list --name costly --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_eq "its recorded cost is just over the limit" "True" \
	"$("$T" status "$cid" --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["cost"]; print(0.05 <= c < 0.5)')"

# ---- local runs record the cheapest cloud option that fit, priced at submit ----
config '{"local": {"electricity_usd_per_kwh": 1.0, "cpu_watts": 400}}'
cat > saver.json <<'JSON'
{ "name": "saver", "command": ["sleep", "0.5"], "resources": {"cpus": 1}, "estimate": {"cpu_core_hours": 10},
  "cloud": {"region": "eastus"} }
JSON
run "$T" plan saver.json --json
cheapest=$(printf '%s' "$OUT" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(min(c["cost"] for c in p["candidates"] if c["target"] != "local" and c.get("feasible")))')
run "$T" submit --local --wait saver.json
expect_rc "a local run with a cloud alternative" 0
vid=$("$T" list --name saver --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_eq "records the cheapest cloud option's cost per hour of its planned runtime" "True" \
	"$("$T" status "$vid" --json | python3 -c "import json,sys; e=json.load(sys.stdin)['cloud_equivalent']; print(abs(e['per_hour'] - $cheapest / 10) < 1e-9 and e['target'].startswith('Standard_D4s_v3 dedicated x1 in eastus'))")"
expect_eq "priced by its actual runtime when it ended" "True" \
	"$("$T" status "$vid" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); e=r["cloud_equivalent"]; print(abs(e["cost"] - e["per_hour"] * r["runtime_s"] / 3600) < 0.01 * e["cost"])')"

# ---- the cost report: totals are the recorded costs ----
# Known costs: every run gets one; one is a cloud run; one from last month.
python3 -c "
import sqlite3; c=sqlite3.connect('$DB')
for i, (rid,) in enumerate(c.execute('SELECT id FROM runs ORDER BY id').fetchall()):
    c.execute('UPDATE runs SET cost = ? WHERE id = ?', (0.37 * (i % 7) + 0.11, rid))
c.commit()"
sql "UPDATE runs SET backend = 'azureml', placement = 'cloud', cost = 12.5 WHERE id = '$seed'" >/dev/null
sql "INSERT INTO runs (id, name, spec, placement, backend, state, submitted_ms, cost) VALUES ('0000000000a', 'old', '{\"name\": \"old\"}', 'local', 'local', 'succeeded', 1000, 0.5)" >/dev/null
total=$(sql "SELECT printf('%.2f', SUM(cost)) FROM runs")
run "$T" cost --json
printf '%s' "$OUT" > cost.json
expect_eq "the JSON total is the ledger's sum" "$total" "$(python3 -c "import json; print('%.2f' % json.load(open('cost.json'))['total'])")"
expect_eq "exactly" "True" "$(python3 -c "
import json,sqlite3; s=sum(r[0] for r in sqlite3.connect('$DB').execute('SELECT cost FROM runs')); print(abs(json.load(open('cost.json'))['total'] - s) < 1e-9)")"
expect_eq "local + cloud = total; the months add up" "True" "$(python3 -c "
import json; d=json.load(open('cost.json')); print(abs(d['local'] + d['cloud'] - d['total']) < 1e-9 and abs(sum(m['cost'] for m in d['by_month']) - d['total']) < 1e-9 and d['cloud'] == 12.5)")"
expect_eq "the jobs add up" "True" "$(python3 -c "
import json; d=json.load(open('cost.json')); print(abs(sum(j['cost'] for j in d['by_job']) - d['total']) < 1e-9)")"
month=$(date -u +%Y-%m)
run "$T" cost --month "$month" --json
expect_eq "--month leaves other months out" "True" "$(printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print(abs(d['total'] - ($total - 0.5)) < 0.006 and d['month'] == '$month')")"
run "$T" cost
expect_out "the text names the total" "^total +\\\$$total "
expect_out "and the savings" "^saved +\\\$"
run "$T" cost --month 2026-13
expect_rc "a malformed month is a usage error" 2
expect_err "saying what is expected" "expected YYYY-MM"
# the main paths under valgrind (lib.sh vg_check)
vg_check "cost" 0 cost
vg_check "cost --json" 0 cost --month "$month" --json
vg_check "cost --html" 0 cost --html "$T_TMP/vg.html"
vg_check "a malformed month" 2 cost --month 2026-13

# ---- the HTML page renders the same totals in a real browser ----
run "$T" cost --html page.html
expect_rc "--html writes the page" 0
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	skip "the page renders in headless Chromium" "chromium is not installed (scripts/deps.sh test)"
else
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$T_TMP/chrome" \
		--dump-dom "file://$T_TMP/page.html" > dom.html 2> chrome.err
	dom() { python3 - "$1" <<'PY'
import re, sys
dom = open("dom.html").read()
m = re.search(r'id="%s"[^>]*data-usd="([^"]*)"[^>]*>(-?)\$([0-9.]+)<' % sys.argv[1], dom)
print(m.group(1) + " " + m.group(2) + m.group(3) if m else "missing")
PY
	}
	grep -q 'data-rendered="yes"' dom.html && ok "the browser ran the page's script" || not_ok "the browser ran the page's script" "$(head -c 400 chrome.err)"
	expect_eq "the rendered total is the ledger's sum" "$total" "$(dom total | cut -d' ' -f2)"
	expect_eq "to the last digit" "True" "$(python3 -c "
import sqlite3; s=sum(r[0] for r in sqlite3.connect('$DB').execute('SELECT cost FROM runs')); print(abs(float('$(dom total | cut -d' ' -f1)') - s) < 1e-9)")"
	expect_eq "the rendered cloud spend" "12.50" "$(dom cloud | cut -d' ' -f2)"
	expect_eq "the rendered local spend" "$(sql "SELECT printf('%.2f', SUM(cost)) FROM runs WHERE backend = 'local'")" "$(dom local | cut -d' ' -f2)"
	expect_eq "the rendered savings" "$(python3 -c "import json; print('%.2f' % json.load(open('cost.json'))['savings']['saved'])")" "$(dom saved | cut -d' ' -f2)"
	expect_eq "a bar per month, for this machine and the cloud" "4" "$(grep -o '<rect [^>]*class="\(local\|cloud\)"' dom.html | wc -l)"
	expect_eq "the months in the table" "2" "$(grep -o '<tr id="period-' dom.html | wc -l)"
fi
grep -q 'src=\|href=\|<link' page.html && not_ok "the page loads nothing from elsewhere" || ok "the page loads nothing from elsewhere"

done_testing
