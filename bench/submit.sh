#!/bin/sh
# bench/submit.sh: N trivial jobs, one `trainctl submit` process each, run to completion,
# against task-spooler (tsp) and GNU parallel with the same slot count, in the same run.
# Prints ms/job for each and the ratios: ROUNDS rounds, each running every contender in turn,
# and their medians. Usage: bench/submit.sh [BUILD_DIR] (N=1000 ROUNDS=3 SLOTS=nproc)
set -eu
BUILD=${1:-build}
TRAINCTL=$(cd "$BUILD" && pwd)/src/trainctl
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
SLOTS=${SLOTS:-$(nproc)}
TMP=$(mktemp -d /tmp/trainctl-bench.XXXXXX)
trap 'tsp -K >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT

now_ns() { date +%s%N; }
ms_per_job() { echo "$1 $2 $N" | awk '{printf "%.3f", ($2 - $1) / 1e6 / $3}'; }

for tool in tsp parallel; do
	command -v $tool >/dev/null || { echo "bench/submit.sh: '$tool' is missing (make bench-deps, or apt-get install task-spooler parallel)"; exit 1; }
done

echo "jobs: $N trivial ('true'), slots: $SLOTS, machine: $(nproc) cores"
# Outside any git repository, as for task-spooler: a submit inside one also records the
# run's provenance (libgit2; docs/git.md), which is not queueing work.
cd "$TMP"

# One round: each contender runs the same N jobs, one after the other.
round() {
	# bare fork+exec: the floor
	t0=$(now_ns); i=0
	while [ $i -lt "$N" ]; do /bin/true; i=$((i + 1)); done
	t1=$(now_ns); bare=$(ms_per_job "$t0" "$t1")

	# trainctl: each job is its own `trainctl submit` process; cpus=1 per job gives $SLOTS slots
	export TRAINCTL_HOME="$TMP/trainctl.$1"
	"$TRAINCTL" profile >/dev/null        # warm the profile cache, as on any machine after first use
	"$TRAINCTL" submit -q -- /bin/true >/dev/null && sleep 0.5   # create the ledger
	t0=$(now_ns); i=0
	while [ $i -lt "$N" ]; do "$TRAINCTL" submit -q -- /bin/true >/dev/null; i=$((i + 1)); done
	while [ -n "$("$TRAINCTL" list --state active -n 1 | tail -n +2)" ]; do sleep 0.01; done
	t1=$(now_ns); tctl=$(ms_per_job "$t0" "$t1")
	ok=$("$TRAINCTL" list --state succeeded --all | tail -n +2 | wc -l)
	[ "$ok" -eq $((N + 1)) ] || { echo "trainctl: only $ok of $((N + 1)) runs succeeded"; exit 1; }

	# task-spooler: one `tsp` client process per job, a server with $SLOTS slots
	tsp -C >/dev/null
	t0=$(now_ns); i=0
	while [ $i -lt "$N" ]; do tsp -n /bin/true >/dev/null; i=$((i + 1)); done
	while tsp -l | grep -Eq ' (running|queued) '; do sleep 0.01; done
	t1=$(now_ns); ts=$(ms_per_job "$t0" "$t1")

	# GNU parallel: one process running all jobs with $SLOTS slots
	t0=$(now_ns)
	seq "$N" | parallel -j "$SLOTS" /bin/true
	t1=$(now_ns); par=$(ms_per_job "$t0" "$t1")

	printf 'round %d: bare %s, trainctl %s, tsp %s, parallel %s ms/job\n' "$1" "$bare" "$tctl" "$ts" "$par"
	echo "$bare $tctl $ts $par" >> "$TMP/rounds"
}

export TS_SOCKET="$TMP/tsp.socket" TS_SAVELIST_DIR="$TMP" TMPDIR="$TMP"
tsp -S "$SLOTS" >/dev/null
r=1
while [ $r -le "$ROUNDS" ]; do round $r; r=$((r + 1)); done

# medians over the rounds (the machine's speed drifts; each round compares like with like)
median() { cut -d' ' -f"$1" "$TMP/rounds" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
bare=$(median 1); tctl=$(median 2); ts=$(median 3); par=$(median 4)
echo "median of $ROUNDS rounds:"
printf '%-28s %8s ms/job\n' "bare fork+exec" "$bare" "trainctl submit" "$tctl" \
	"task-spooler (tsp)" "$ts" "GNU parallel" "$par"
echo "$tctl $ts $par" | awk '{printf "trainctl / tsp = %.2fx   trainctl / parallel = %.2fx\n", $1/$2, $1/$3}'
