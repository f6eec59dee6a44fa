#!/bin/sh
# cli_quickstart.sh: the quickstart example under trainctl: metrics, checkpoints, and a
# restarted run resuming from the last checkpoint of the one that failed.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
TRAIN="$BUILD_ROOT/examples/quickstart/train"

cat > "$T_TMP/qs.json" <<JSON
{ "name": "qs", "command": ["$TRAIN", "--steps", "200", "--checkpoint-every", "50",
  "--fail-at-step", "120"], "checkpointable": true }
JSON
run "$T" submit --wait "$T_TMP/qs.json"
expect_rc "the first run fails where it was told to (exit 3)" 3
expect_out "it prints metric lines" '^TRAINCTL_METRIC step=10 loss=[0-9.]+ accuracy=[0-9.]+$'
ck="$TRAINCTL_HOME/data/checkpoints/qs/model.ckpt"
[ -f "$ck" ] && ok "a checkpoint was written under TRAINCTL_CHECKPOINT_DIR" || not_ok "a checkpoint was written" "$ck"
expect_eq "the last checkpoint is step 100" "trainctl-quickstart-checkpoint 1 step=100 features=8" "$(head -1 "$ck")"

cat > "$T_TMP/qs.json" <<JSON
{ "name": "qs", "command": ["$TRAIN", "--steps", "200", "--checkpoint-every", "50"],
  "checkpointable": true }
JSON
run "$T" submit --wait "$T_TMP/qs.json"
expect_rc "the restarted run succeeds" 0
expect_out "it resumes from the checkpoint" '^resumed from checkpoint at step 100$'
first=$(printf '%s\n' "$OUT" | grep -m1 '^TRAINCTL_METRIC' | sed 's/ loss.*//')
expect_eq "its first metric is after the checkpoint" "TRAINCTL_METRIC step=110" "$first"
expect_out "it ends at step 200" '^done: 200 steps'

run "$TRAIN" --bogus 1
expect_rc "the example refuses unknown options" 2

# ---- under valgrind (lib.sh vg_check): a run with metrics and checkpoints ----
vg_check "a run that resumes from a checkpoint" 0 submit --wait "$T_TMP/qs.json"
done_testing
