#!/bin/sh
# cli_local.sh: local runs end to end: submit, --wait exit codes, logs, status, list, cancel,
# time limits on whole process trees, lost supervisors, the never-fits refusal, and the queue
# never oversubscribing cpus, memory or GPUs under 100 concurrent submits.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
export TRAINCTL_KILL_GRACE=1

# wait_state RUN STATE [SECONDS]: poll until the run is in STATE
wait_state() {
	i=0; lim=$(( ${3:-20} * 20 ))
	while [ $i -lt $lim ]; do
		s=$("$T" status "$1" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)
		[ "$s" = "$2" ] && return 0
		sleep 0.05; i=$((i + 1))
	done
	echo "# run $1 is '$s', not '$2'"; return 1
}
# run_procs ID: how many live processes carry run ID in their environment (its job's tree)
run_procs() {
	for p in $(ls /proc | grep -E '^[0-9]+$'); do
		tr '\0' '\n' < /proc/$p/environ | grep -qx "TRAINCTL_RUN_ID=$1" && echo "$p"
	done 2>/dev/null | wc -l   # processes that ended, or are not ours to read: not counted
}
field() { "$T" status "$1" --json | python3 -c "import json,sys; v=json.load(sys.stdin)$2; print('' if v is None else v)"; }

run "$T" submit -- echo hello from a run
expect_rc "submit -- cmd exits 0" 0
expect_out "submit prints the run id" '^[0-9a-z]{11}$'
id=$OUT
wait_state "$id" succeeded && ok "the run succeeds" || not_ok "the run succeeds"
run "$T" logs "$id"
expect_eq "logs print the run's stdout" "hello from a run" "$OUT"
expect_eq "status records exit code 0" "0" "$(field "$id" '["exit_code"]')"

run "$T" submit --wait -- sh -c 'echo out; echo err >&2; exit 3'
expect_rc "--wait passes the run's exit status through" 3
expect_out "--wait streams stdout" '^out$'
expect_err "--wait streams stderr" '^err$'
expect_err "--wait says how the run ended" 'failed \(exit 3\)'

run "$T" submit --wait -- sh -c 'kill -9 $$'
expect_rc "--wait gives 128+signal for a killed run" 137

run "$T" submit --wait -- /nonexistent/program
expect_rc "a missing command fails the run" 1
expect_err "a missing command says why in one line" "cannot run '/nonexistent/program': No such file or directory"

cat > "$T_TMP/huge.json" <<JSON
{ "name": "huge", "command": ["true"], "resources": { "cpus": 100000 } }
JSON
run "$T" submit "$T_TMP/huge.json"
expect_rc "a job that can never fit is refused" 1
expect_err "the refusal says what it asked and what the machine has" "asks for 100000 cpus; this machine lets trainctl use [0-9.]+"
run "$T" list --name huge
expect_eq "a refused job leaves no run" "1" "$(printf '%s\n' "$OUT" | wc -l)"

# time limit: the whole process tree goes, including a grandchild in its own session
marker="tctl-tree-$$"
cat > "$T_TMP/tree.json" <<JSON
{ "name": "tree", "shell": "sleep 300 & (sleep 301 &) ; setsid sleep 302 & exec sleep 303 # $marker",
  "limits": { "max_run_duration": "1s" } }
JSON
run "$T" submit --wait "$T_TMP/tree.json"
expect_rc "a run over its time limit ends with 124" 124
expect_err "it ends timed_out" "timed_out \(time limit reached\)"
sleep 0.5
# the tree's processes carry the run's id in their environment (other tests, and this test in
# the other build, run trees of their own at the same time)
tree_id=$(printf '%s\n' "$ERR" | sed -n 's/^trainctl: run \([0-9a-z]*\) submitted.*/\1/p')
left=$(run_procs "$tree_id")
[ -n "$tree_id" ] && ok "--wait names the run on stderr ($tree_id)" || not_ok "--wait names the run on stderr" "stderr: $ERR"
expect_eq "no process of the tree is left" "0" "$left"

# cancel: running and queued
run "$T" submit -- sleep 30
rid=$OUT
wait_state "$rid" running
run "$T" cancel --wait "$rid"
expect_rc "cancel of a running run exits 0" 0
expect_out "cancel --wait reports the end" "$rid cancelled"
expect_eq "a cancelled run records why" "cancelled on request" "$(field "$rid" '["reason"]')"
run "$T" cancel "$rid"
expect_rc "cancelling an ended run fails" 1
expect_err "and says it already ended" "already ended \(cancelled\)"

# lost: kill -9 of a supervisor mid-run frees its resources; a queued run then starts
cat > "$T_TMP/all.json" <<JSON
{ "name": "all-cpus", "command": ["sleep", "60"], "resources": { "cpus": $(nproc) } }
JSON
run "$T" submit "$T_TMP/all.json"
a=$OUT
wait_state "$a" running
run "$T" submit -- true
b=$OUT
sleep 0.3
expect_eq "a run that does not fit waits in the queue" "queued" "$(field "$b" '["state"]')"
sup=$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT supervisor_pid FROM runs WHERE id='$a'")
kill -9 "$sup"
sleep 0.2
run "$T" status "$a"
expect_err "the next command notices the lost run" "1 run lost"
expect_out "the run is lost, with the reason" "state +lost: its supervisor \(pid $sup\) died"
wait_state "$b" succeeded && ok "the queued run starts once the lost run's resources are free" || not_ok "the queued run starts once the lost run's resources are free"
sleep 0.2
expect_eq "the lost run's process was killed" "0" "$(run_procs "$a")"

# list and status
run "$T" list --state succeeded --json
expect_out "list --json filters by state" '"state": "succeeded"'
run "$T" list --state bogus
expect_rc "an unknown state is a usage error" 2
run "$T" status nosuchrun
expect_rc "status of an unknown run fails" 1
expect_err "with one clear line" "no run 'nosuchrun' in the ledger"
run "$T" status
expect_rc "status with no run is a usage error" 2

# logs -f follows until the end
run "$T" submit -- sh -c 'for i in 1 2 3; do echo line $i; sleep 0.2; done'
fid=$OUT
run "$T" logs -f "$fid"
expect_eq "logs -f follows the run to its end" "line 1
line 2
line 3" "$OUT"

# 100 concurrent submits on an 8-GPU machine: the ledger's own records never oversubscribe
if [ -f "$SHARED_DIR/hwloc-xml/g4dnmetal.xml" ]; then
	export TRAINCTL_TOPOLOGY="$SHARED_DIR/hwloc-xml/g4dnmetal.xml"
	i=0
	while [ $i -lt 100 ]; do
		g=$((i % 3 + 1)); c=$((8 + (i % 5) * 8)); m=$((40 + (i % 4) * 60))
		cat > "$T_TMP/c$i.json" <<JSON
{ "name": "conc-$i", "shell": "echo gpus=\$CUDA_VISIBLE_DEVICES; sleep 0.$((i % 4 + 1))",
  "resources": { "cpus": $c, "gpus": $g, "memory": "${m}GiB" } }
JSON
		"$T" submit -q "$T_TMP/c$i.json" >/dev/null 2>"$T_TMP/c$i.err" &
		i=$((i + 1))
	done
	wait
	locked=$(cat "$T_TMP"/c*.err | grep -c "locked" || true)
	expect_eq "no concurrent submit fails with 'database is locked'" "0" "$locked"
	n=0
	while [ "$("$T" list --state active -n 1 | wc -l)" -gt 1 ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
	sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT started_ms, ended_ms, cpus, memory, gpus, COALESCE(gpu_ids,'') FROM runs WHERE name GLOB 'conc-*'" > "$T_TMP/iv.txt"
	sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT 'runs', count(*) FROM runs WHERE name GLOB 'conc-*';
		SELECT 'succeeded', count(*) FROM runs WHERE name GLOB 'conc-*' AND state = 'succeeded'" |
		tr '|' ' ' > "$T_TMP/conc.out"
	python3 - "$T_TMP/iv.txt" <<'PY' >> "$T_TMP/conc.out"
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
iv = [(int(a), int(b), float(c), int(d), int(g), ids) for a, b, c, d, g, ids in rows]
worst = [0.0, 0, 0]
overlap = 0
for t in sorted({a for a, *_ in iv}):
    live = [x for x in iv if x[0] <= t < x[1]]
    worst = [max(worst[0], sum(x[2] for x in live)), max(worst[1], sum(x[3] for x in live)),
             max(worst[2], sum(x[4] for x in live))]
    ids = [i for x in live for i in x[5].split(",") if i]
    overlap += len(ids) != len(set(ids))
print("max_cpus", worst[0]); print("max_mem", worst[1]); print("max_gpus", worst[2])
print("gpu_overlaps", overlap)
print("ids_match", all(len(x[5].split(",")) == x[4] for x in iv))
PY
	expect_eq "all 100 concurrent runs were recorded" "runs 100" "$(grep '^runs' "$T_TMP/conc.out")"
	expect_eq "all 100 succeeded" "succeeded 100" "$(grep '^succeeded' "$T_TMP/conc.out")"
	mc=$(awk '/^max_cpus/{print $2}' "$T_TMP/conc.out"); mm=$(awk '/^max_mem/{print $2}' "$T_TMP/conc.out")
	mg=$(awk '/^max_gpus/{print $2}' "$T_TMP/conc.out")
	awk "BEGIN{exit !($mc <= 96)}" && ok "cpus held at once never exceed 96 (max $mc)" || not_ok "cpus held at once never exceed 96 (max $mc)"
	[ "$mm" -le 405362524160 ] && ok "memory held at once never exceeds the machine's (max $mm)" || not_ok "memory never exceeds ($mm)"
	[ "$mg" -le 8 ] && ok "GPUs held at once never exceed 8 (max $mg)" || not_ok "GPUs held at once never exceed 8 (max $mg)"
	expect_eq "no GPU is given to two runs at once" "gpu_overlaps 0" "$(grep '^gpu_overlaps' "$T_TMP/conc.out")"
	expect_eq "each run got as many GPU ids as it asked for" "ids_match True" "$(grep '^ids_match' "$T_TMP/conc.out")"
	first=$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT id||' '||gpu_ids FROM runs WHERE name='conc-0'")
	fid=${first% *}; fg=${first#* }
	run "$T" logs "$fid"
	expect_eq "CUDA_VISIBLE_DEVICES is the run's assigned GPUs" "gpus=$fg" "$OUT"
	unset TRAINCTL_TOPOLOGY
else
	skip "100 concurrent submits on an 8-GPU topology" "../shared/hwloc-xml absent"
fi

# ---- the spool: a submit that finds a dispatcher idle hands it the run without the ledger ----
# our_dispatchers: supervisors started in the subshell below (of this data folder and with its
# TRAINCTL_LINGER_MS; other tests run beside us, and earlier ones here may still linger)
our_dispatchers() {
	for p in $(pgrep -x trainctl-sup); do
		tr '\0' '\n' < /proc/$p/environ 2>/dev/null |
			grep -cx -e "TRAINCTL_HOME=$TRAINCTL_HOME" -e "TRAINCTL_LINGER_MS=10000" |
			grep -qx 2 && echo "$p"
	done | wc -l
}
spool="$TRAINCTL_HOME/data/runs/.spool"
(
	export TRAINCTL_LINGER_MS=10000
	"$T" submit --wait -- true >/dev/null 2>&1      # leaves one dispatcher idle for 10 s
	sleep 0.3
	before=$(our_dispatchers)
	ids=""
	for i in 1 2 3 4 5; do
		id=$("$T" submit -q -- sh -c "echo spooled $i")
		wait_state "$id" succeeded 10 >/dev/null || echo "# $id did not succeed"
		ids="$ids $id"
		sleep 0.3                                   # the dispatcher is idle again
	done
	echo "$before $(our_dispatchers)" > "$T_TMP/sup_counts"
	# a spooled submit does not open the ledger: with a ledger a newer trainctl "migrated", it
	# still records its run (the idle supervisor leaves the spool to the newer trainctl)
	v=$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" "PRAGMA user_version")
	sqlite3 "$TRAINCTL_HOME/data/ledger.db" "PRAGMA user_version = 42"
	"$T" submit -q -- true > "$T_TMP/newer.out" 2>&1; echo "rc=$?" >> "$T_TMP/newer.out"
	sleep 0.3
	ls -A "$spool" >> "$T_TMP/newer.out"
	sqlite3 "$TRAINCTL_HOME/data/ledger.db" "PRAGMA user_version = $v"
	for id in $ids; do "$T" logs "$id"; done > "$T_TMP/spooled.out"
	first=$(echo $ids | cut -d' ' -f1)
	sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT state||' '||detail FROM events WHERE run_id='$first' ORDER BY rowid LIMIT 1" > "$T_TMP/spooled.first"
)
read b a < "$T_TMP/sup_counts"
expect_eq "five submits to an idle dispatcher start no process of their own" "1 1" "$b $a"
expect_eq "each spooled run ran, in order" "spooled 1
spooled 2
spooled 3
spooled 4
spooled 5" "$(cat "$T_TMP/spooled.out")"
expect_eq "a spooled run's history starts with its submission" "queued submitted" "$(cat "$T_TMP/spooled.first")"
nid=$(head -1 "$T_TMP/newer.out")
expect_eq "a spooled submit records its run without opening the ledger" "rc=0
$nid" "$(tail -n +2 "$T_TMP/newer.out")"
wait_state "$nid" succeeded && ok "the next command imports it, and it runs" || not_ok "the next command imports it, and it runs"
expect_eq "nothing is left in the spool" "" "$(ls -A "$spool")"

# a spooled run nobody was woken for (its submit died after recording it): the next command
# imports it, and it runs
sid=1m8zzzzzzzz
mkdir -p "$spool/$sid"
printf 'PATH=/usr/bin:/bin\0' > "$spool/$sid/env"
cat > "$spool/$sid/run.json" <<JSON
{"id": "$sid", "name": "orphan", "spec": "{\\"name\\": \\"orphan\\", \\"shell\\": \\"echo imported\\"}",
 "placement": "local", "backend": "local", "target": "local", "state": "queued",
 "submitted_ms": $(($(date +%s) * 1000)), "cpus": 1, "exit_code": -1, "attempt": 1,
 "run_dir": "$TRAINCTL_HOME/data/runs/$sid"}
JSON
run "$T" list --name orphan
expect_out "the next command imports a spooled run" "$sid"
wait_state "$sid" succeeded && ok "and it runs" || not_ok "and it runs"
run "$T" logs "$sid"
expect_eq "its output is in its folder" "imported" "$OUT"

# a spooled record that cannot be read is set aside, never run and never in the way
mkdir -p "$spool/1m8zzzzzzzy"
echo '{"id": "1m8zzzzzzzy", "state": "sleeping"' > "$spool/1m8zzzzzzzy/run.json"
run "$T" list --all
expect_rc "an unreadable spooled record does not stop commands" 0
expect_eq "it is kept aside as <id>.rejected" "1m8zzzzzzzy.rejected" "$(ls -A "$spool")"
rm -rf "$spool/1m8zzzzzzzy.rejected"

# a ledger written by a newer trainctl: one clear line, ledger untouched (no dispatcher idle:
# TRAINCTL_LINGER_MS makes this submit's dispatchers a kind of their own)
cp "$TRAINCTL_HOME/data/ledger.db" "$T_TMP/before.db"
sqlite3 "$TRAINCTL_HOME/data/ledger.db" "PRAGMA user_version = 42"
sum1=$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT count(*) FROM runs")
TRAINCTL_LINGER_MS=0 run "$T" submit -- true
expect_rc "a newer ledger is refused" 1
expect_err "with one clear line" "written by a newer trainctl \(schema 42"
expect_eq "and nothing is added" "$sum1" "$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" "SELECT count(*) FROM runs")"
expect_eq "not even in the spool" "" "$(ls -A "$spool")"
sqlite3 "$TRAINCTL_HOME/data/ledger.db" "PRAGMA user_version = 1"

# an unwritable data folder: one clear line
touch "$T_TMP/blocker"
TRAINCTL_HOME="$T_TMP/blocker/x" run "$T" submit -- true
expect_rc "an unwritable data folder fails" 1
expect_err "with one clear line" "cannot create"

# ---- the main paths under valgrind (lib.sh vg_check), in a home of its own ----
export TRAINCTL_HOME="$T_TMP/home-vg"
vg_check "submit --wait of a failing run" 3 submit --wait -- sh -c 'echo out; echo err >&2; exit 3'
vg_check "submit" 0 submit -- echo hello
vid=$OUT
wait_idle 120 || not_ok "the run under valgrind ends"
vg_check "logs" 0 logs "$vid"
vg_check "status" 0 status "$vid"
vg_check "list" 0 list --all --json
vg_check "cancel of an ended run" 1 cancel "$vid"

done_testing
