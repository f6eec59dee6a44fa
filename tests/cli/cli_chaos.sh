#!/bin/sh
# cli_chaos.sh: local runs under SIGKILL. 100 runs with mixed outcomes (exit 0, exit 1, killed
# by a signal, time limit, GPU and CPU hogs that queue on a small topology) from 5 concurrent
# submitters, while supervisors ("trainctl-sup") and trainctl clients are SIGKILLed at seeded
# random points; then the ledger is checked against the processes that really exist.
# CHAOS_SEED picks the seed (printed); CHAOS_RUNS the count. Under a sanitizer
# (TRAINCTL_SANITIZER set) the count is 40.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chaos_report.sh"
export TRAINCTL_KILL_GRACE=1
export TRAINCTL_TOPOLOGY="$(cd "$(dirname "$0")/../data/topology" && pwd)/intel-gpus.xml"
seed=${CHAOS_SEED:-20261128}
runs=${CHAOS_RUNS:-100}
if [ -n "${TRAINCTL_SANITIZER:-}" ] && [ -z "${CHAOS_RUNS:-}" ]; then runs=40; fi
echo "# CHAOS_SEED=$seed CHAOS_RUNS=$runs (rerun with these to replay the same choices)"

mkdir -p "$T_TMP/jobs"
python3 "$(dirname "$0")/chaos_local.py" "$TRAINCTL" "$T_TMP/jobs" "$seed" "$runs" \
	> "$T_TMP/chaos.out" 2> "$T_TMP/chaos.err"
rc=$?
chaos_report "$rc" 9

# A queue nobody would start: a supervisor that dies right after recording its run's end
# (or a submit that dies after its commit) leaves runs queued and none running. The ledger
# is put in that state (the supervisor stopped, its run marked ended, then SIGKILLed); the
# next command must start the queue.
export TRAINCTL_HOME="$T_TMP/stall"
DB="$TRAINCTL_HOME/data/ledger.db"
printf '{"name": "stall-a", "placement": "local", "shell": "sleep 30", "resources": {"cpus": 2}}\n' > "$T_TMP/a.json"
printf '{"name": "stall-b", "placement": "local", "shell": "true", "resources": {"cpus": 2}}\n' > "$T_TMP/b.json"
a=$("$TRAINCTL" submit -q "$T_TMP/a.json")
i=0; while [ "$(sqlite3 "$DB" "SELECT state FROM runs WHERE id='$a'")" != running ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
b=$("$TRAINCTL" submit -q "$T_TMP/b.json")
sup=$(sqlite3 "$DB" "SELECT supervisor_pid FROM runs WHERE id='$a'")
kill -STOP "$sup"
sqlite3 "$DB" "UPDATE runs SET state = 'succeeded', ended_ms = started_ms + 1 WHERE id = '$a'"
kill -KILL "$sup"
sleep 0.3
expect_eq "the stalled run waits: queued, nothing running" "queued" "$(sqlite3 "$DB" "SELECT state FROM runs WHERE id='$b'")"
"$TRAINCTL" list > /dev/null 2>&1
i=0; while [ "$(sqlite3 "$DB" "SELECT state FROM runs WHERE id='$b'")" != succeeded ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "the next command starts a stalled queue" "succeeded" "$(sqlite3 "$DB" "SELECT state FROM runs WHERE id='$b'")"

done_testing
