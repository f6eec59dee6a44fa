#!/bin/sh
# cli_gc.sh: trainctl gc removes exactly what its dry run listed, never anything of a queued or
# running run, never follows a symbolic link out of the data folder, records each removal, and
# prints the storage lifecycle rule for cloud runs; a policy that would delete everything is refused.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
export TRAINCTL_KILL_GRACE=1
DATA="$TRAINCTL_HOME/data"
mkdir -p "$TRAINCTL_HOME/config" "$T_TMP/outside"
echo precious > "$T_TMP/outside/precious"
cd "$T_TMP" || exit 1

items() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('\n'.join('%s %s %s %d %d' % (i['kind'], i['run_id'], i['path'], i['bytes'], i['files']) for i in d['items']))" "$1"; }

# ---- a policy that would delete everything is refused; nothing is touched ----
printf '{"retention": {"keep_last": 0}}\n' > "$TRAINCTL_HOME/config/config.json"
run "$T" gc
expect_rc "keep_last 0 is refused" 1
expect_err "saying it would delete everything" "retention.keep_last: 0 would delete every run's outputs"
printf '{"retention": {}}\n' > "$TRAINCTL_HOME/config/config.json"
run "$T" gc
expect_err "an empty policy is refused too" "retention: give at least one of keep_days, keep_last or max_total_size"
printf '{"retention": {"keep_days": 30}}\n' > "$TRAINCTL_HOME/config/config.json"

# ---- four ended runs of one job, one running; the job keeps its last two for a day ----
cat > keep.json <<'JSON'
{ "name": "keep", "shell": "head -c 4096 /dev/zero > \"$TRAINCTL_RUN_DIR/model.bin\"; echo ok > \"$TRAINCTL_CHECKPOINT_DIR/ckpt\"",
  "retention": {"keep_last": 2, "keep_days": 1} }
JSON
for i in 1 2 3 4; do "$T" submit --wait keep.json >/dev/null 2>&1; done
ids=$("$T" list --name keep --json | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)))')
set -- $ids
newest=$1 second=$2 third=$3 oldest=$4
printf '{ "name": "keep", "command": ["sleep", "59"], "retention": {"keep_last": 2, "keep_days": 1} }\n' > live.json
run "$T" submit live.json
live=$OUT
# a link out of the data folder, in a run that goes
ln -s "$T_TMP/outside" "$DATA/runs/$oldest/escape"
ln -s "$T_TMP/outside/precious" "$DATA/runs/$oldest/escape-file"
# another job whose checkpoints folder is a link out of the data folder
printf '{ "name": "linked", "command": ["true"], "retention": {"keep_days": 1} }\n' > linked.json
"$T" submit --wait linked.json >/dev/null 2>&1
linked=$("$T" list --name linked --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
rm -rf "$DATA/checkpoints/linked"
ln -s "$T_TMP/outside" "$DATA/checkpoints/linked"

export TRAINCTL_NOW=$(( $(date +%s) + 3 * 86400 ))
run "$T" gc --dry-run --json
expect_rc "gc --dry-run exits 0" 0
printf '%s' "$OUT" > dry.json
expect_eq "it lists the two old runs and the linked job's checkpoints" \
	"checkpoints $linked checkpoints/linked|run $oldest runs/$oldest|run $third runs/$third" \
	"$(items dry.json | cut -d' ' -f1-3 | sort | paste -sd'|')"
usage=$(python3 -c "
import os, stat, sys
b = f = 0
for dp, dn, fn in os.walk(sys.argv[1]):
    for n in fn + [d for d in dn if os.path.islink(os.path.join(dp, d))]:
        st = os.lstat(os.path.join(dp, n)); f += 1
        b += st.st_size if stat.S_ISREG(st.st_mode) else 0
print(b, f)" "$DATA/runs/$oldest")
expect_eq "with their size, as lstat sees it (links count nothing)" "$usage" "$(items dry.json | grep "$oldest" | cut -d' ' -f4-5)"
expect_eq "nothing of the running run, nor the checkpoints of its job" "" "$(items dry.json | grep -e "$live" -e 'checkpoints/keep')"
expect_eq "the dry run removed nothing" "yes yes" \
	"$([ -d "$DATA/runs/$oldest" ] && echo yes) $([ -L "$DATA/checkpoints/linked" ] && echo yes)"
run "$T" gc --dry-run
expect_out "the text says what it would free" "^gc would remove 3 items, [0-9.]+ KiB in [0-9]+ files"
expect_out "and why" "not among the last 2 runs and ended more than 1 days ago \(keep_last, keep_days\)"

run "$T" gc --json
expect_rc "gc exits 0" 0
printf '%s' "$OUT" > real.json
expect_eq "gc removed exactly what its dry run listed" "$(items dry.json)" "$(items real.json)"
expect_eq "every item was removed" "True" "$(python3 -c "import json; print(all(i['removed'] for i in json.load(open('real.json'))['items']))")"
expect_eq "the old runs' folders are gone" "gone gone" \
	"$([ -e "$DATA/runs/$third" ] || echo gone) $([ -e "$DATA/runs/$oldest" ] || echo gone)"
expect_eq "the kept runs' folders stay" "yes yes" "$([ -d "$DATA/runs/$newest" ] && echo yes) $([ -d "$DATA/runs/$second" ] && echo yes)"
expect_eq "the running run's folder stays" "yes" "$([ -d "$DATA/runs/$live" ] && echo yes)"
expect_eq "and it is still running" "running" "$("$T" status "$live" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
expect_eq "its job's checkpoints stay" "ok" "$(cat "$DATA/checkpoints/keep/ckpt")"
expect_eq "no link was followed: the outside folder is intact" "precious" "$(cat "$T_TMP/outside/precious")"
expect_eq "the link itself is gone" "gone" "$([ -e "$DATA/checkpoints/linked" ] || [ -L "$DATA/checkpoints/linked" ] || echo gone)"
run "$T" list --name keep
expect_eq "the collected runs keep their rows" "6" "$(printf '%s\n' "$OUT" | wc -l)"
run "$T" status "$oldest" --json
expect_out "marked as collected" '"collected": "[0-9T:-]+Z"'
run "$T" status "$oldest"
expect_out "with an event saying what went" "collected +gc removed runs/$oldest \([0-9]+ files, [0-9.]+ KiB\): not among the last 2 runs"

# ---- once its job is idle, the job's checkpoints go too; the newest run always stays ----
"$T" cancel --wait "$live" >/dev/null 2>&1
export TRAINCTL_NOW=$(( $(date +%s) + 30 * 86400 ))
run "$T" gc --json
printf '%s' "$OUT" > later.json
expect_eq "the cancelled run and the checkpoints go, the last two runs stay" \
	"checkpoints $live checkpoints/keep|run $second runs/$second" "$(items later.json | cut -d' ' -f1-3 | sort | paste -sd'|')"
expect_eq "the newest run of each job always stays" "yes" "$([ -d "$DATA/runs/$live" ] && echo yes)"
run "$T" gc --json
expect_eq "a second gc finds nothing" "0" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"

# ---- cloud runs: the storage lifecycle rule for the same keep_days ----
unset TRAINCTL_NOW
run "$T" gc --dry-run
expect_err "the cloud half says why it lists nothing" "cloud runs: the outputs of Azure ML jobs are not listed"
expect_out "it prints the lifecycle rule" '"daysAfterModificationGreaterThan": 30'
expect_out "with placeholders for what it does not know" "--account-name <storage-account> --resource-group <resource-group>"
run "$T" gc --dry-run --json --storage-account mlstore --container azureml-blobstore-1
expect_eq "the rule in --json names the container" "azureml-blobstore-1/azureml/" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lifecycle_rule"]["rules"][0]["definition"]["filters"]["prefixMatch"][0])')"

# ---- under valgrind (lib.sh vg_check) ----
vg_check "gc --dry-run" 0 gc --dry-run --json
vg_check "gc" 0 gc
printf '{"retention": {"keep_last": 0}}\n' > "$TRAINCTL_HOME/config/config.json"
vg_check "a policy that deletes everything" 1 gc

done_testing
