#!/bin/sh
# hook.sh: trainctl hook install/uninstall/list/run in real repositories made by git, commits included.
. "$(dirname "$0")/lib.sh"

export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
unset GIT_DIR GIT_WORK_TREE TRAINCTL_HOOK_DRY_RUN TRAINCTL_HOOK_SKIP
git config --global advice.detachedHead false

job='{ "shell": "python3 train.py",
  "trigger": { "events": ["post-commit", "pre-push"], "branches": ["main", "release/*"],
               "paths": ["src/**/*.py", "train.py"] } }'

# new_repo DIR: a repository with trainctl.json and one commit, made with git itself
new_repo() {
	mkdir -p "$1" && (cd "$1" && git init -q -b main . && printf '%s\n' "$job" > trainctl.json &&
		echo "print(1)" > train.py && git add -A && git commit -qm init)
}

# commit_out DIR FILE: change FILE, commit with the hook in dry-run mode; $OUT (git sends a
# hook's stdout to stderr: both are in $OUT), $RC as run()
commit_out() {
	mkdir -p "$(dirname "$1/$2")" && echo "$(date +%N)" >> "$1/$2"
	run sh -c "cd '$1' && git add -A && TRAINCTL_HOOK_DRY_RUN=1 git commit -qm 'change $2' 2>&1"
}

R="$T_TMP/repo"
new_repo "$R"
cd "$R" || exit 1

run "$TRAINCTL" hook install
expect_rc "install exits 0" 0
expect_out "install names the post-commit hook" "^post-commit hook installed: $R/.git/hooks/post-commit$"
expect_out "install names the pre-push hook (from trigger.events)" "^pre-push hook installed"
if [ -x .git/hooks/post-commit ] && [ ! -e .git/hooks/post-merge ]; then ok "hooks written for the trigger's events only"
else not_ok "hooks written for the trigger's events only" "$(ls -l .git/hooks)"; fi
before=$(cat .git/hooks/post-commit .git/hooks/pre-push | sha256sum)
run "$TRAINCTL" hook install
expect_out "installing twice says nothing changed" "post-commit hook already installed; nothing changed"
expect_eq "installing twice changes no byte" "$before" "$(cat .git/hooks/post-commit .git/hooks/pre-push | sha256sum)"

run "$TRAINCTL" hook list
expect_out "list shows the job" "^post-commit +trainctl: trainctl.json$"
expect_out "list shows an event without a hook" "^post-merge +none$"

commit_out "$R" src/models/net.py
head=$(git rev-parse HEAD)
expect_rc "a matching commit succeeds" 0
expect_eq "a matching commit submits one run, with its commit" \
	"trainctl: would submit 'trainctl.json' for $head (main)" "$OUT"

commit_out "$R" docs/notes.md
expect_rc "a non-matching commit succeeds" 0
expect_eq "a non-matching commit submits nothing" "" "$OUT$ERR"

git checkout -q -b dev
commit_out "$R" train.py
expect_eq "a commit on a branch the trigger does not list submits nothing" "" "$OUT$ERR"
git checkout -q main

run "$TRAINCTL" hook run post-commit --dry-run --verbose
expect_err "--verbose says why a job was not triggered" "not triggered by [0-9a-f]{10} on main: none of the 1 changed paths is selected by trigger.paths"

# only the event check runs before libgit2 loads; a commit on another branch never loads it
run sh -c "LD_DEBUG=files '$TRAINCTL' hook run post-merge 2>&1 | grep -c 'file=libgit2.*needed by' || true"
expect_eq "an event no trigger lists does not load libgit2" "0" "$OUT"
git checkout -q dev
run sh -c "LD_DEBUG=files '$TRAINCTL' hook run post-commit 2>&1 | grep -c 'file=libgit2.*needed by' || true"
expect_eq "a branch no trigger lists does not load libgit2" "0" "$OUT"
git checkout -q main
run sh -c "LD_DEBUG=files '$TRAINCTL' hook run post-commit --dry-run 2>&1 | grep -c 'file=libgit2.*needed by' || true"
expect_eq "a possible match loads libgit2" "1" "$OUT"

# Without --dry-run the hook answers git before libgit2 loads; a detached process works out what
# changed, submits, and appends one line per outcome to hooks.log in the data folder.
LOG="$TRAINCTL_HOME/data/hooks.log"
short() { git rev-parse --short=10 HEAD; }
echo x >> src/models/net.py
run sh -c "git commit -qam real 2>&1"
head=$(git rev-parse HEAD)
expect_rc "a real commit succeeds" 0
expect_eq "it prints nothing: the outcome goes to hooks.log" "" "$OUT"
if wait_log "$LOG" "post-commit hook: submitted 'trainctl.json' for $(short) on main: run [0-9a-z]{11}$"
then ok "the detached hook logs the run it submitted"; else not_ok "the detached hook logs the run it submitted"; fi
expect_out_log() { if grep -Eq -- "$2" "$LOG"; then ok "$1"; else not_ok "$1" "$(cat "$LOG")"; fi; }
expect_out_log "a log line is: time, [pid], the line" \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z \[[0-9]+\] post-commit hook: submitted 'trainctl.json' for $(short) "
expect_eq "a commit touching a matching path submits one run" "1" "$(run_count)"
expect_eq "the run records that commit" "$head" "$(run_commits)"
echo more >> docs/notes.md
git commit -qam docs-only
if wait_log "$LOG" "'trainctl.json' not triggered by $(short) on main: none of the 1 changed paths"
then ok "a non-matching commit is logged as not triggered"; else not_ok "a non-matching commit is logged as not triggered"; fi
expect_eq "a non-matching commit submits none" "1" "$(run_count)"

# the process git waits for never loads libgit2; the detached one does
H2="$T_TMP/home-lddebug"
echo y >> train.py && TRAINCTL_HOOK_SKIP=1 git commit -qam ld
run sh -c "TRAINCTL_HOME='$H2' LD_DEBUG=files '$TRAINCTL' hook run post-commit 2>&1 | grep -c 'file=libgit2.*needed by' || true"
expect_eq "without --dry-run the hook git waits for does not load libgit2" "0" "$OUT"
if wait_log "$H2/data/hooks.log" "submitted 'trainctl.json' for $(short) on main"
then ok "the detached process submits"; else not_ok "the detached process submits"; fi
expect_eq "the detached process is the one that loads libgit2" "yes" \
	"$(grep -q 'file=libgit2.*needed by' "$H2/data/hooks.log" && echo yes)"

# the detached process lets git exit before it loads libgit2 (it would compete with git for the
# CPU): run by a "git" that sleeps, its outcome appears only once that "git" has finished
mkdir -p "$T_TMP/fakegit" && cp /bin/sh "$T_TMP/fakegit/git"
echo t >> train.py && TRAINCTL_HOOK_SKIP=1 git commit -qam wait-for-git
"$T_TMP/fakegit/git" -c "'$TRAINCTL' hook run post-commit; sleep 1; : > '$T_TMP/git-done'" &
if wait_log "$LOG" "submitted 'trainctl.json' for $(short) on main" && [ -e "$T_TMP/git-done" ]
then ok "the detached process waits for git to exit"
else not_ok "the detached process waits for git to exit" "the outcome was logged before git ended"; fi
wait

# a commit in a linked worktree: its own HEAD and branch, the repository's shared hooks
git worktree add -q "$T_TMP/wt" -b release/1
(cd "$T_TMP/wt" && echo w >> src/w.py && git add -A && git commit -qm in-worktree)
wt_head=$(git -C "$T_TMP/wt" rev-parse HEAD)
if wait_log "$LOG" "submitted 'trainctl.json' for $(git -C "$T_TMP/wt" rev-parse --short=10 HEAD) on release/1: run"
then ok "a commit in a linked worktree submits"; else not_ok "a commit in a linked worktree submits"; fi
expect_eq "with the worktree's commit recorded" "1" "$(run_commits | grep -cx "$wt_head")"
git worktree remove --force "$T_TMP/wt"

# failures: when the data folder cannot be made, the commit hears it (one line per job);
# a submission that fails later is one line in hooks.log
: > "$T_TMP/afile"
echo z >> train.py
run sh -c "TRAINCTL_HOME='$T_TMP/afile/home' git commit -qam unwritable"
expect_rc "a commit whose submission fails still succeeds" 0
expect_eq "a failed submission is one line" "1" "$(printf '%s\n' "$ERR" | grep -c .)"
expect_err "the line names the job" \
	"^trainctl: post-commit hook: cannot submit 'trainctl.json': cannot create folder '.*/afile/home': Not a directory$"
H3="$T_TMP/home-badledger"
mkdir -p "$H3/data/ledger.db"
echo v >> train.py
run sh -c "TRAINCTL_HOME='$H3' git commit -qam bad-ledger 2>&1"
expect_eq "a submission failing in the background leaves the commit quiet" "" "$OUT"
if wait_log "$H3/data/hooks.log" "post-commit hook: cannot submit 'trainctl.json': ledger '.*' is not writable"
then ok "and is one line in hooks.log naming the job"; else not_ok "and is one line in hooks.log naming the job"; fi

# hooks.log is rotated past 1 MiB: the old one becomes hooks.log.1
H5="$T_TMP/home-rotate"
mkdir -p "$H5/data" && head -c 1048576 /dev/zero | tr '\0' x > "$H5/data/hooks.log"
TRAINCTL_HOME="$H5" "$TRAINCTL" hook run post-commit
if wait_log "$H5/data/hooks.log" "submitted 'trainctl.json' for $(short)"
then ok "a full hooks.log starts again"; else not_ok "a full hooks.log starts again"; fi
expect_eq "the full one is kept as hooks.log.1" "1048576" "$(wc -c < "$H5/data/hooks.log.1" | tr -d ' ')"
expect_eq "the new one holds one line" "1" "$(wc -l < "$H5/data/hooks.log" | tr -d ' ')"

# 20 commits in quick succession: 20 runs, each recording its own commit (not whatever HEAD
# is by the time its detached process reads the repository)
Q="$T_TMP/quick"
mkdir -p "$Q" && (cd "$Q" && git init -q -b main . &&
	printf '%s\n' '{ "shell": "true", "trigger": { "events": ["post-commit"], "paths": ["src/**"] } }' > trainctl.json &&
	git add -A && git commit -qm init && "$TRAINCTL" hook install >/dev/null)
MAIN_HOME=$TRAINCTL_HOME
export TRAINCTL_HOME="$T_TMP/home-quick"
cd "$Q" || exit 1
i=1
while [ $i -le 20 ]; do
	mkdir -p src && echo "$i" > "src/f$i.py" && git add -A && git commit -qm "q$i" && git rev-parse HEAD
	i=$((i + 1))
done > "$T_TMP/quick.shas"
if wait_runs 20 120; then ok "20 commits in quick succession submit 20 runs"
else not_ok "20 commits in quick succession submit 20 runs" "$(cat "$TRAINCTL_HOME/data/hooks.log")"; fi
expect_eq "each with its own commit recorded" "$(sort "$T_TMP/quick.shas")" "$(run_commits)"
if wait_idle 120; then ok "the 20 runs end"; else not_ok "the 20 runs end"; fi
export TRAINCTL_HOME="$MAIN_HOME"
cd "$R" || exit 1

# a job the hook cannot parse: one line, commit succeeds
cp trainctl.json good.json
echo '{ "shell": "true", "trigger": ' > trainctl.json
run sh -c "echo y >> train.py && git commit -qam broken-job"
expect_rc "a commit with an unparsable job succeeds" 0
expect_err "an unparsable job is one clear line" "^trainctl: post-commit hook: cannot use job 'trainctl.json': trainctl.json:"
expect_eq "exactly one line" "1" "$(printf '%s\n' "$ERR" | grep -c .)"
printf '%s\n' '{ "shell": "true", "trigger": { "events": ["post-commit"], "paths": ["src/[x"] } }' > trainctl.json
run sh -c "echo z >> train.py && git commit -qam bad-glob"
expect_rc "a commit with a malformed trigger succeeds" 0
expect_err "a malformed trigger is one line naming the field" \
	"trainctl: post-commit hook: job 'trainctl.json' has a bad trigger: trigger.paths\[0\]: glob 'src/\[x' has a '\[' without its '\]'$"
cp good.json trainctl.json && rm good.json && git commit -qam restore-job >/dev/null 2>&1

run "$TRAINCTL" hook uninstall
expect_out "uninstall removes the hooks" "^post-commit hook removed$"
if [ ! -e .git/hooks/post-commit ] && [ ! -e .git/hooks/pre-push ]; then ok "no hook left after uninstall"
else not_ok "no hook left after uninstall" "$(ls .git/hooks)"; fi

# an existing hook is chained and restored byte for byte, with its mode
printf '#!/bin/sh\n# team hook: keeps a log\necho "team $*" >> "%s/team.log"\n' "$T_TMP" > .git/hooks/post-commit
chmod 0750 .git/hooks/post-commit
cp -p .git/hooks/post-commit "$T_TMP/orig-hook"
run "$TRAINCTL" hook install --event post-commit
expect_out "install chains the existing hook" "post-commit hook installed \(the hook already there now runs first\)"
expect_eq "the existing hook is kept aside unchanged" "" "$(cmp .git/hooks/post-commit.trainctl-chained "$T_TMP/orig-hook" 2>&1)"
commit_out "$R" src/a.py
expect_eq "the chained hook ran" "team " "$(tail -n 1 "$T_TMP/team.log")"
expect_out "trainctl ran after it" "^trainctl: would submit 'trainctl.json' for $(git rev-parse HEAD) \(main\)$"
run "$TRAINCTL" hook list
expect_out "list says the hook is chained" "^post-commit +trainctl: trainctl.json \(after the chained hook\)$"
expect_out "list shows a hook trainctl did not write" "^pre-push +none$"
run "$TRAINCTL" hook uninstall
expect_out "uninstall restores the chained hook" "post-commit hook removed; the hook it chained is back in place"
expect_eq "restored byte for byte" "" "$(cmp .git/hooks/post-commit "$T_TMP/orig-hook" 2>&1)"
expect_eq "restored with its mode" "750" "$(stat -c %a .git/hooks/post-commit)"
expect_eq "no chained file left" "" "$(ls .git/hooks | grep trainctl-chained)"
run "$TRAINCTL" hook uninstall
expect_eq "uninstalling again leaves the team hook alone" "" "$(cmp .git/hooks/post-commit "$T_TMP/orig-hook" 2>&1)"
rm .git/hooks/post-commit

# core.hooksPath
mkdir .githooks
printf '#!/bin/sh\nexit 0\n' > .githooks/post-commit && chmod 0755 .githooks/post-commit
cp -p .githooks/post-commit "$T_TMP/orig-shared"
git config core.hooksPath .githooks
run "$TRAINCTL" hook install
expect_out "install honours core.hooksPath" "^post-commit hook installed \(the hook already there now runs first\): $R/.githooks/post-commit$"
expect_eq "nothing written to .git/hooks" "" "$(ls .git/hooks | grep -v sample)"
run "$TRAINCTL" hook list
expect_out "list names core.hooksPath" "^hooks folder: $R/.githooks \(core.hooksPath\)$"
commit_out "$R" src/b.py
expect_out "a commit runs the hook from core.hooksPath" "would submit 'trainctl.json' for $(git rev-parse HEAD)"
run "$TRAINCTL" hook uninstall
expect_eq "core.hooksPath hook restored byte for byte" "" "$(cmp .githooks/post-commit "$T_TMP/orig-shared" 2>&1)"
expect_eq "core.hooksPath folder holds only the original" "post-commit" "$(ls .githooks)"
git config --unset core.hooksPath

# several jobs in one hook; uninstall --job takes one out
printf '%s\n' '{ "shell": "true", "trigger": { "events": ["post-commit"], "paths": ["data/**"] } }' > data.json
run "$TRAINCTL" hook install --event post-commit
run "$TRAINCTL" hook install --job data.json
expect_out "a second job extends the hook" "^post-commit hook updated"
commit_out "$R" data/x/y.csv
expect_eq "only the job whose paths match submits" "trainctl: would submit 'data.json' for $(git rev-parse HEAD) (main)" "$OUT"
run "$TRAINCTL" hook uninstall --job data.json
expect_out "uninstall --job keeps the other job" "^post-commit hook updated: 1 job left$"
run "$TRAINCTL" hook install --event post-merge
expect_rc "an event the job does not listen to is refused" 1
expect_err "and says so" "no job given lists 'post-merge' in trigger.events"
mkdir -p sub && (cd sub && "$TRAINCTL" hook install >/dev/null 2>"$T_TMP/err"); RC=$?; ERR=$(cat "$T_TMP/err"); rmdir sub
expect_rc "install without a job file fails" 1
expect_err "and names the missing file" "^error: no job file: 'trainctl.json' does not exist \(give one with --job FILE\)$"
run "$TRAINCTL" hook install --event post-comit
expect_rc "an unknown event is a usage error" 2
expect_err "with a suggestion" "unknown hook event 'post-comit' \(did you mean 'post-commit'\?\)"
"$TRAINCTL" hook uninstall >/dev/null

# a hook whose trainctl binary moved: one line, the commit succeeds
cp "$TRAINCTL" "$T_TMP/trainctl-copy"
TRAINCTL_MODULE_DIR="$TRAINCTL_MODULE_DIR" "$T_TMP/trainctl-copy" hook install --event post-commit >/dev/null
rm "$T_TMP/trainctl-copy"
run sh -c "echo m >> train.py && git commit -qam moved"
expect_rc "a commit with a moved trainctl succeeds" 0
expect_eq "a moved trainctl is one clear line" \
	"trainctl: post-commit hook skipped: '$T_TMP/trainctl-copy' is not there any more; run 'trainctl hook install' again" "$ERR"
run "$TRAINCTL" hook install --event post-commit
expect_out "reinstalling points the hook at this trainctl" "^post-commit hook updated"
"$TRAINCTL" hook uninstall >/dev/null

# pre-push: what is pushed, and block_push
B="$T_TMP/remote.git"
git init -q --bare "$B" && git remote add origin "$B" && git push -q origin main 2>/dev/null
"$TRAINCTL" hook install --event pre-push >/dev/null
echo p >> src/p.py && git add -A && git commit -qm p
run sh -c "TRAINCTL_HOOK_DRY_RUN=1 git push -q origin main"
expect_rc "a push with a matching commit succeeds" 0
expect_out "the pushed commit is submitted" "^trainctl: would submit 'trainctl.json' for $(git rev-parse HEAD) \(main\)$"
printf '%s\n' '{ "shell": "true", "trigger": { "events": ["pre-push"], "paths": ["src/[x"] } }' > trainctl.json
git commit -qam bad >/dev/null 2>&1
run sh -c "git push -q origin main"
expect_rc "a bad trigger does not block a push" 0
printf '%s\n' '{ "shell": "true", "trigger": { "events": ["pre-push"], "paths": ["src/[x"], "block_push": true } }' > trainctl.json
git commit -qam bad-blocking >/dev/null 2>&1
run sh -c "git push -q origin main"
if [ "$RC" -ne 0 ]; then ok "block_push: a bad trigger blocks the push"; else not_ok "block_push: a bad trigger blocks the push" "$ERR"; fi
expect_err "block_push: one line says why" "job 'trainctl.json' has a bad trigger"
"$TRAINCTL" hook uninstall >/dev/null

# a repository with no commits, a bare one, a shallow clone, outside any repository
E="$T_TMP/empty"; mkdir "$E" && (cd "$E" && git init -q -b main . && printf '%s\n' "$job" > trainctl.json)
cd "$E"
run "$TRAINCTL" hook run post-commit --dry-run
expect_rc "no commits yet: hook run exits 0" 0
expect_eq "no commits yet: one clear line" "trainctl: post-commit hook: cannot read what changed: the repository has no commits yet" "$ERR"
"$TRAINCTL" hook install >/dev/null
echo "print(2)" > train.py
run sh -c "git add -A && TRAINCTL_HOOK_DRY_RUN=1 git commit -qm first 2>&1"
expect_eq "the first (root) commit counts every path" "trainctl: would submit 'trainctl.json' for $(git rev-parse HEAD) (main)" "$OUT"
cd "$T_TMP"
git clone -q --bare "$R" bare.git
cd bare.git
run "$TRAINCTL" hook install
expect_rc "install in a bare repository fails" 1
expect_err "and says why" "is a bare repository: commits are not made there"
cd "$T_TMP"
git clone -q --depth 1 "file://$R" shallow && cd shallow
printf '%s\n' "$job" > trainctl.json
"$TRAINCTL" hook install --event post-commit >/dev/null
echo s >> src/s.py
run sh -c "git add -A && TRAINCTL_HOOK_DRY_RUN=1 git commit -qm shallow 2>&1"
expect_out "a shallow clone's commit is matched" "would submit 'trainctl.json' for $(git rev-parse HEAD) \(main\)"
git reset -q --soft HEAD~1
run "$TRAINCTL" hook run post-commit --dry-run --verbose
expect_err "the shallow boundary commit is read as a whole tree" "the parent commit is missing \(shallow clone\)"
mkdir "$T_TMP/plain" && cd "$T_TMP/plain"
run "$TRAINCTL" hook install
expect_rc "install outside a repository fails" 1
expect_err "and says so" "^error: not in a git repository"
printf '%s\n' "$job" > trainctl.json
run "$TRAINCTL" hook run post-commit
expect_rc "hook run outside a repository exits 0" 0
expect_err "with one line" "^trainctl: post-commit hook: cannot read what changed: not in a git repository"

# no leaks or memory errors on the hook's path: here (--dry-run), and in the detached process
cd "$R"
printf '%s\n' "$job" > trainctl.json
echo u >> train.py && TRAINCTL_HOOK_SKIP=1 git commit -qam valgrind >/dev/null 2>&1
# lib.sh's memcheck line without -q: the detached hook's log must say "ERROR SUMMARY"
VG=$(printf '%s' "$VALGRIND" | sed 's/^valgrind -q /valgrind /')
if ! have_valgrind; then
	skip "hook run under valgrind" "$NO_VALGRIND"
	skip "the detached hook under valgrind" "$NO_VALGRIND"
elif ! valgrind -q --error-exitcode=9 "$TRAINCTL" --version >/dev/null 2>&1; then
	skip "hook run under valgrind" "valgrind cannot read this build (e.g. clang's DWARF 5)"
	skip "the detached hook under valgrind" "valgrind cannot read this build (e.g. clang's DWARF 5)"
else
	run $VG -q "$TRAINCTL" hook run post-commit --dry-run --verbose
	expect_rc "hook run under valgrind: no errors, no leaks" 0
	expect_out "(and it got as far as the submission)" "^trainctl: would submit 'trainctl.json' for $(git rev-parse HEAD) \(main\)$"
	H4="$T_TMP/home-valgrind"
	run env TRAINCTL_HOME="$H4" $VG --log-file="$T_TMP/vg.%p" "$TRAINCTL" hook run post-commit
	expect_rc "the hook git waits for, under valgrind: no errors, no leaks" 0
	# the detached process (its pid heads its log line) writes its summary when it ends
	if wait_log "$H4/data/hooks.log" "\] post-commit hook: submitted 'trainctl.json' for $(short)" 120 &&
	   pid=$(sed -n 's/^[^[]*\[\([0-9]*\)\] post-commit hook: submitted.*/\1/p' "$H4/data/hooks.log") &&
	   wait_log "$T_TMP/vg.$pid" "ERROR SUMMARY: 0 errors" 60; then
		ok "the detached hook under valgrind: no errors, no leaks"
	else
		not_ok "the detached hook under valgrind: no errors, no leaks" "$(cat "$T_TMP"/vg.* 2>/dev/null)"
	fi
	MAIN_HOME=$TRAINCTL_HOME; export TRAINCTL_HOME="$H4"; wait_idle 120; export TRAINCTL_HOME="$MAIN_HOME"
fi

# the runs the hooks started end before their folders go
for h in "$MAIN_HOME" "$H2" "$H5"; do
	export TRAINCTL_HOME="$h"
	if wait_idle 120; then ok "runs started by hooks end ($(basename "$h"))"; else not_ok "runs started by hooks end ($h)"; fi
done

done_testing
