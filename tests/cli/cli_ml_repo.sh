#!/bin/sh
# ml_repo.sh: examples/ml-repo works as documented: its job validates, its Makefile stops on a
# failed run, its script trains, and its trigger fires for code commits but not for docs.
. "$(dirname "$0")/lib.sh"

export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
unset GIT_DIR GIT_WORK_TREE TRAINCTL_HOOK_DRY_RUN TRAINCTL_HOOK_SKIP

R="$T_TMP/ml-repo"
cp -R "$TESTS_SRC/../examples/ml-repo" "$R"
cd "$R" || exit 1
git init -q -b main . && git add -A && git commit -qm init

run "$TRAINCTL" validate --quiet trainctl.json
expect_rc "the example's job is valid" 0
vg_check "validate of the example's job" 0 validate --quiet trainctl.json
vg_check "plan of the example's job" 0 plan trainctl.json

# A stand-in for trainctl that records its arguments and exits with $FAKE_RC for submit.
cat > "$T_TMP/fake-trainctl" <<'SH'
#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1" in submit) exit "${FAKE_RC:-0}" ;; esac
exit 0
SH
chmod +x "$T_TMP/fake-trainctl"
export FAKE_LOG="$T_TMP/fake.log"

run make -s train TRAINCTL="$T_TMP/fake-trainctl"
expect_rc "make train succeeds when the run does" 0
expect_eq "make train validates, then submits and waits" \
	"validate --quiet trainctl.json|submit trainctl.json --wait" "$(paste -sd'|' "$FAKE_LOG")"
: > "$FAKE_LOG"
run make -s train-local train-cloud plan TRAINCTL="$T_TMP/fake-trainctl"
expect_eq "train-local, train-cloud and plan call trainctl" \
	"validate --quiet trainctl.json|submit trainctl.json --local --wait|submit trainctl.json --cloud --wait|plan trainctl.json" \
	"$(paste -sd'|' "$FAKE_LOG")"
: > "$FAKE_LOG"
run env FAKE_RC=3 make -s train plan TRAINCTL="$T_TMP/fake-trainctl"
if [ "$RC" -ne 0 ]; then ok "make stops when the run fails"; else not_ok "make stops when the run fails"; fi
if grep -q '^plan' "$FAKE_LOG"; then not_ok "no later target runs after a failed run" "$(cat "$FAKE_LOG")"
else ok "no later target runs after a failed run"; fi

if command -v python3 >/dev/null 2>&1; then
	run python3 train.py --out "$T_TMP/out"
	expect_rc "train.py trains to its target loss" 0
	expect_out "train.py reports the final loss" "^final loss 0\.00[0-9]+ \(target 0\.01\)$"
	run python3 train.py --out "$T_TMP/out" --target-loss 0
	expect_rc "train.py exits 1 when it misses the target" 1
else
	skip "train.py trains" "python3 is not installed"
	skip "train.py reports the final loss" "python3 is not installed"
	skip "train.py exits 1 when it misses the target" "python3 is not installed"
fi

# the sweep example: five learning rates, the bandit policy stops the losing ones
if command -v python3 >/dev/null 2>&1; then
	run env TRAINCTL_HOME="$T_TMP/sweep-home" make -s sweep TRAINCTL="$TRAINCTL"
	expect_rc "make sweep runs the example's sweep" 0
	expect_out "lr=0.05 wins" "^best: trial 1 \(lr=0\.05\): loss 0\.00[0-9]+ at step [0-9]+, run [0-9a-z]{11}$"
	expect_out "the bandit policy stops lr=0.01 (too slow)" "^ 3 +lr=0\.01 .*stopped by the bandit policy at interval [0-9]+"
	expect_out "and lr=0.6 (diverging)" "^ 4 +lr=0\.6 .*stopped by the bandit policy at interval [0-9]+"
	expect_out "lr=1.2 diverges and fails by itself" "^ 5 +lr=1\.2 .*failed +exit 1$"
	run sh -c "grep -l 'TRAINCTL_METRIC step=10 loss=' '$T_TMP/sweep-home'/data/runs/*/stdout* | wc -l"
	expect_eq "every trial printed metric lines" "5" "$OUT"
	rm -rf outputs
else
	skip "make sweep runs the example's sweep" "python3 is not installed"
fi

run make -s hooks TRAINCTL="$TRAINCTL"
expect_rc "make hooks installs the hooks" 0
# the hook answers the commit at once; a detached process submits and logs to hooks.log
LOG="$TRAINCTL_HOME/data/hooks.log"
echo "# faster" >> src/mlrepo/model.py
run sh -c "git commit -qam 'tune the model' 2>&1"
head=$(git rev-parse HEAD)
expect_eq "a commit to the model code returns quietly" "" "$OUT"
if wait_log "$LOG" "post-commit hook: submitted 'trainctl.json' for $(git rev-parse --short=10 HEAD) on main: run"
then ok "a commit to the model code triggers the job"; else not_ok "a commit to the model code triggers the job"; fi
expect_eq "the run records that commit" "$head" "$(run_commits)"
echo "more words" >> README.md
git commit -qam 'docs only' >/dev/null 2>&1
if wait_log "$LOG" "'trainctl.json' not triggered by $(git rev-parse --short=10 HEAD) on main"
then ok "a commit to Markdown only does not"; else not_ok "a commit to Markdown only does not"; fi
expect_eq "so the ledger still holds one run" "1" "$(run_count)"
run make -s unhooks TRAINCTL="$TRAINCTL"
expect_rc "make unhooks removes them" 0
if wait_idle 120; then ok "the triggered run ends"; else not_ok "the triggered run ends"; fi

done_testing
