#!/bin/sh
# cli_sweep.sh: trainctl sweep end to end: a real grid sweep over examples/quickstart whose
# diverging trials the bandit policy stops early; parameters reaching the trial (argument and
# TRAINCTL_PARAM_*); metric lines that do not parse reported with their line number and never
# stopping a trial; cancel and timeout of a whole sweep; bad sweep specs refused.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
export TRAINCTL_KILL_GRACE=1
: "${QUICKSTART_TRAIN:?the meson test env names examples/quickstart's train}"
cd "$T_TMP" || exit 1

py() { python3 -c "import json,sys; d=json.load(open('$T_TMP/out.json')); $1"; }

# ---- bad specs are refused before anything runs ----
cat > empty.json <<'JSON'
{ "command": ["true"], "sweep": { "search_space": { "lr": {"type": "uniform", "min_value": 0.1, "max_value": 0.1} },
  "objective": {"primary_metric": "loss", "goal": "minimize"} } }
JSON
run "$T" sweep empty.json
expect_rc "an empty range is refused" 1
expect_err "it names the field and what was expected" "empty.json:1: sweep.search_space.lr.max_value: expected a number above min_value \(0.1\), got 0.1"
cat > typo.json <<'JSON'
{ "command": ["train", "--lr", "${{search_space.lrr}}"],
  "sweep": { "search_space": { "lr": {"type": "choice", "values": [0.1]} },
             "objective": {"primary_metric": "loss", "goal": "minimize"} } }
JSON
run "$T" sweep typo.json
expect_rc "a placeholder naming no parameter is refused" 1
expect_err "it names the argument" "typo.json:1: command\[2\]: '\\$\{\{search_space.lrr\}\}' names no parameter of sweep.search_space"
printf '{ "command": ["true"] }\n' > nosweep.json
run "$T" sweep nosweep.json
expect_rc "a job without a sweep section is refused" 1
expect_err "and says so" "'nosweep.json' has no sweep section"
run "$T" list
expect_eq "nothing was recorded for them" "1" "$(printf '%s\n' "$OUT" | wc -l)"

# ---- a real sweep: two learning rates train, two diverge and are stopped early ----
# Bandit, minimize loss, slack_factor 0.5 from interval 2 on: a trial goes when its best loss
# is above 1.5 x the best trial's best loss at the same interval. lr 100 and lr 1000 give a
# loss above 3 (docs/sweep.md); lr 0.5 and lr 2 about 0.4.
cat > sweep.json <<JSON
{ "name": "qs-sweep",
  "command": ["$QUICKSTART_TRAIN", "--steps", "300", "--lr", "\${{search_space.lr}}", "--sleep-ms", "10"],
  "resources": {"cpus": 1, "memory": "64MiB"},
  "sweep": {
    "search_space": {"lr": {"type": "choice", "values": [0.5, 100, 2, 1000]}},
    "sampling_algorithm": "grid",
    "objective": {"primary_metric": "loss", "goal": "minimize"},
    "early_termination": {"type": "bandit", "slack_factor": 0.5, "delay_evaluation": 2},
    "limits": {"max_concurrent_trials": 1} } }
JSON
start=$(date +%s)
"$T" sweep sweep.json --json > out.json 2> err.txt; RC=$?
took=$(( $(date +%s) - start ))
expect_eq "the sweep exits 0" "0" "$RC"
echo "# the sweep took ${took}s (a figure, not a verdict: tests never fail on timing)"
expect_eq "four trials, in grid order" "0.5 100 2 1000" "$(py 'print(" ".join(str(t["params"]["lr"]) for t in d["trials"]))')"
expect_eq "the good ones ran to the end" "succeeded 300 succeeded 300" \
	"$(py 'print(" ".join("%s %s" % (d["trials"][i]["state"], d["trials"][i]["last_step"]) for i in (0, 2)))')"
expect_eq "the diverging ones were cancelled" "cancelled cancelled" \
	"$(py 'print(d["trials"][1]["state"], d["trials"][3]["state"])')"
expect_eq "by the bandit policy, at interval 2" "2 2" \
	"$(py 'import re; print(*[re.search(r"bandit policy at interval (\d+)", d["trials"][i]["stop_reason"]).group(1) for i in (1, 3)])')"
expect_eq "early: long before their last step" "True" \
	"$(py 'print(all(d["trials"][i]["last_step"] < 150 for i in (1, 3)))')"
expect_eq "the best trial is a good one, with the lowest loss" "True" \
	"$(py 'b=d["best"]; print(b["trial"] in (1, 3) and b["best"] == min(d["trials"][0]["best"], d["trials"][2]["best"]))')"
trial2=$(py 'print(d["trials"][1]["run_id"])')
run "$T" status "$trial2" --json
expect_out "the stopped trial records the policy as its reason" '"reason": "stopped by the bandit policy at interval 2: best loss'
run "$T" status "$trial2"
expect_out "and in its history" "cancel requested: stopped by the bandit policy"
expect_eq "--json prints no progress" "" "$(cat err.txt)"
sid=$(py 'print(d["sweep_id"])')
run "$T" status "$sid" --json
expect_out "the sweep run succeeded" '"state": "succeeded"'
expect_out "its reason names the best trial" '"reason": "best: trial [13] '
run "$T" sweep --results "$sid"
expect_out "--results prints the table" '^\*?[13] +lr=0.5|^ 2 +lr=100 +[0-9.]+ +cancelled +stopped by the bandit policy'
expect_out "and the best one" "^best: trial [13] \(lr="
run "$T" cost --json
expect_eq "the trials' costs are recorded" "True" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"] == 5)')"

# ---- parameters reach the trial; bad metric lines are reported, never fatal ----
cat > shell.json <<'JSON'
{ "name": "shellsweep",
  "shell": "echo TRAINCTL_METRIC step=1 acc=oops; echo TRAINCTL_METRIC step=2 acc=${{search_space.v}}; echo \"env=$TRAINCTL_PARAM_v\"",
  "sweep": { "search_space": {"v": {"type": "choice", "values": [3, 1, 2]}}, "sampling_algorithm": "grid",
             "objective": {"primary_metric": "acc", "goal": "maximize"},
             "limits": {"max_concurrent_trials": 3} } }
JSON
run "$T" sweep shell.json
expect_rc "a sweep with bad metric lines still succeeds" 0
expect_err "progress lines say what starts" "sweep [0-9a-z]+: trial 1 \{\"v\": 3\} started as run [0-9a-z]+"
expect_out "the table has every trial" "^ 2 +v=1 +1 +succeeded +exit 0"
sid=$(printf '%s\n' "$ERR" | sed -n 's/^trainctl: sweep \([0-9a-z]*\) started.*/\1/p')
"$T" sweep --results "$sid" --json > out.json
expect_eq "each trial reports its bad line with the line number" \
	"stdout line 1: metric line ignored: acc: expected a number, got 'oops'" \
	"$(py 'print(*sorted(set(t["warning"] for t in d["trials"])))')"
expect_eq "and every trial ran to its end" "succeeded succeeded succeeded" "$(py 'print(*[t["state"] for t in d["trials"]])')"
expect_eq "the best is the largest value" "3" "$(py 'print(d["best"]["params"]["v"])')"
t1=$(py 'print(d["trials"][1]["run_id"])')
run "$T" logs "$t1"
expect_out "the value reached the command and the environment" "^env=1$"
run "$T" status "$t1"
expect_out "the trial's history has the warning" "stdout line 1: metric line ignored"

# ---- a whole sweep: cancelled, and timed out ----
cat > long.json <<'JSON'
{ "name": "longsweep", "shell": "sleep ${{search_space.s}}",
  "sweep": { "search_space": {"s": {"type": "choice", "values": [42, 43]}}, "sampling_algorithm": "grid",
             "objective": {"primary_metric": "m", "goal": "maximize"}, "limits": {"max_concurrent_trials": 2} } }
JSON
run "$T" sweep long.json --detach
expect_rc "--detach returns at once" 0
lid=$OUT
i=0; while [ $i -lt 100 ] && [ "$("$T" list --state running | grep -c longsweep.trial)" -lt 2 ]; do sleep 0.1; i=$((i+1)); done
run "$T" cancel --wait "$lid"
expect_out "cancelling the sweep ends it" "$lid cancelled"
run "$T" sweep --results "$lid" --json
printf '%s' "$OUT" > out.json
expect_eq "its trials were cancelled with it" "cancelled cancelled" "$(py 'print(*[t["state"] for t in d["trials"]])')"
expect_eq "saying why" "cancelled with its sweep" "$(py 'print(d["trials"][0]["reason"])')"
sed -e 's/"max_concurrent_trials": 2}/"max_concurrent_trials": 2, "timeout": "1s"}/' long.json > timeout.json
run "$T" sweep timeout.json
expect_rc "a sweep over its timeout exits 124" 124
expect_out "its trials were stopped" "the sweep's limits.timeout was reached"

# ---- under valgrind (lib.sh vg_check) ----
vg_check "sweep --results" 0 sweep --results "$sid" --json
vg_check "a sweep with a typo" 1 sweep typo.json
vg_check "status of a stopped trial" 0 status "$trial2"

done_testing
