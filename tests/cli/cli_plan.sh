#!/bin/sh
# cli_plan.sh: `trainctl plan` usage and errors (job-file plans are golden-tested in tests/unit/test_plan.c).
. "$(dirname "$0")/lib.sh"

run "$TRAINCTL" plan --help
expect_rc "plan --help exits 0" 0
expect_out "plan --help shows the usage" '^usage: trainctl plan \[job.json\] \[--json\] \[--prefer cost\|time\] \[--topology X.xml\]'
expect_out "plan --help explains the exit status" 'Exit status'

run "$TRAINCTL" plan --prefer fast
expect_rc "--prefer with a bad value is a usage error" 2
expect_err "--prefer names what it expects" "option '--prefer' expects 'cost' or 'time', got 'fast'"

run "$TRAINCTL" plan a.json b.json
expect_rc "two job files are a usage error" 2
expect_err "the usage error says how many" "expected at most one job file, got 2 arguments"

run "$TRAINCTL" plan --topolgy x.xml
expect_rc "a misspelt option is a usage error" 2
expect_err "a misspelt option gets a suggestion" "did you mean '--topology'"

run "$TRAINCTL" plan "$T_TMP/missing.json"
expect_rc "a missing job file fails" 1
expect_err "the error names the file" "^error: .*missing.json"

export TRAINCTL_NOW=yesterday
run "$TRAINCTL" plan "$T_TMP/missing.json"
unset TRAINCTL_NOW
expect_rc "a bad TRAINCTL_NOW fails" 1
expect_err "TRAINCTL_NOW says what it expects" "TRAINCTL_NOW: expected an RFC 3339 time or unix seconds, got 'yesterday'"

run "$TRAINCTL" --help
expect_out "plan is listed among the commands" '^  plan +price every way to run a job'

# ---- the ledger, read through the planner's cache of it (cache/plan-ledger.json) ----
printf '{ "name": "cal", "command": ["true"], "resources": {"cpus": 1}, "estimate": {"local_duration": "1m"} }\n' > "$T_TMP/cal.json"
data="$TRAINCTL_HOME/data"
cache="$TRAINCTL_HOME/cache/plan-ledger.json"
export TRAINCTL_NOW=2026-11-28T09:00:00Z
# calibration_runs of the local candidate in `plan --json` ("none" when not calibrated)
cal_runs() {
	"$TRAINCTL" plan --json "$T_TMP/cal.json" 2>"$T_TMP/plan.err" | python3 -c 'import json, sys
c = [c for c in json.load(sys.stdin)["candidates"] if c["target"] == "local"]
print(c[0].get("calibration_runs", "none") if c else "no local candidate")'
}
has_cache() { if [ -e "$cache" ]; then echo yes; else echo no; fi; }
quiet() { touch -d '10 seconds ago' "$data/ledger.db" "$data/ledger.db-wal"; }
unset TRAINCTL_NOW
run "$TRAINCTL" submit --local --wait "$T_TMP/cal.json"
export TRAINCTL_NOW=2026-11-28T09:00:00Z
expect_rc "a run with an estimate finishes (and calibrates)" 0
expect_eq "plan sees the run's calibration" 1 "$(cal_runs)"
expect_eq "a ledger written within the last seconds is not cached" no "$(has_cache)"
quiet
first=$("$TRAINCTL" plan --json "$T_TMP/cal.json")
expect_eq "the view of a ledger left alone is cached" yes "$(has_cache)"
second=$("$TRAINCTL" plan --json "$T_TMP/cal.json")
expect_eq "the cached view plans exactly as the ledger" "$first" "$second"
unset TRAINCTL_NOW
run "$TRAINCTL" submit --local --wait "$T_TMP/cal.json"
export TRAINCTL_NOW=2026-11-28T09:00:00Z
expect_eq "a new run is seen at once (the ledger changed: the cache is not used)" 2 "$(cal_runs)"
quiet
cal_runs >/dev/null
printf 'not json' > "$cache"
expect_eq "a damaged cache is read past" 2 "$(cal_runs)"
expect_eq "... without a word" "" "$(cat "$T_TMP/plan.err")"
if grep -q '"format":1' "$cache"; then ok "... and rewritten"; else not_ok "... and rewritten" "$(cat "$cache")"; fi
unset TRAINCTL_NOW

# ---- a monthly budget needs the month's spend: plan reads it from the ledger itself ----
mkdir -p "$TRAINCTL_HOME/config"
printf '{"budgets": {"monthly_usd": 1.0}, "local": {"electricity_usd_per_kwh": 100000, "cpu_watts": 400}}\n' > "$TRAINCTL_HOME/config/config.json"
run "$TRAINCTL" submit --local --wait --name spender -- sleep 0.3
expect_rc "a local run that costs something" 0
spent=$("$TRAINCTL" status last --json | python3 -c 'import json, sys; print("%.2f" % json.load(sys.stdin)["cost"])')
printf '{"name": "c", "command": ["true"], "resources": {"gpus": 1}, "estimate": {"gpu_hours": 1, "reference_gpu": "T4"}, "cloud": {"region": "eastus"}}\n' > "$T_TMP/c.json"
quiet
run "$TRAINCTL" plan "$T_TMP/c.json"
expect_out "with a monthly budget, plan counts the month's spend from the ledger" "over monthly budget: \\\$$spent spent"
rm "$TRAINCTL_HOME/config/config.json"

# ---- under valgrind (lib.sh vg_check) ----
printf '{ "name": "p", "command": ["true"], "resources": {"cpus": 1}, "estimate": {"local_duration": "1m"} }\n' > "$T_TMP/p.json"
vg_check "a plan from the cached view of the ledger" 0 plan "$T_TMP/cal.json"
vg_check "a plan for this machine" 0 plan "$T_TMP/p.json"
vg_check "a plan in JSON" 0 plan --json "$T_TMP/p.json"
vg_check "a missing job file" 1 plan "$T_TMP/missing.json"

done_testing
