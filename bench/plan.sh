#!/bin/sh
# bench/plan.sh: wall time of `trainctl plan` (warm profile cache) against `az version`
# (Debian's azure-cli) in the same run, and of `trainctl simulate` on 10,000 jobs.
# Usage: bench/plan.sh [BUILD_DIR]   (default: build). Goals: plan <= 5 ms, simulate < 1 s.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
trainctl="$build/src/trainctl"
runs=${RUNS:-50}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trainctl-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TRAINCTL_MODULE_DIR="$build/src"

[ -x "$trainctl" ] || { echo "bench: build first: meson setup build && ninja -C build" >&2; exit 1; }

# A data folder of its own with a history (50 finished local runs), left alone for 3 s: the
# ledger as a user's is between commands. Every figure below plans against it.
export TRAINCTL_HOME="$tmp/home"
for i in $(seq 50); do "$trainctl" submit --local --wait --name bench-history -- true >/dev/null 2>&1; done
sleep 3

# mean wall time in ms of running "$@" $runs times (after one warm-up run): with hyperfine -N
# (no shell, a small launcher) when it is there, else from python (whose fork of itself adds
# a millisecond or two on this VM). PREPARE: a command hyperfine runs before each run.
mean_ms() {
	"$@" >/dev/null 2>&1 || true
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --warmup 3 --runs "$runs" ${PREPARE:+--prepare "$PREPARE"} \
			--export-json "$tmp/h.json" "$*" >/dev/null 2>&1 &&
		python3 -c 'import json, sys, statistics as s
t = [x * 1000 for x in json.load(open(sys.argv[1]))["results"][0]["times"]]
print("%.2f ms mean, %.2f ms median, %.2f ms min over %d runs (hyperfine -N)" % (s.mean(t), s.median(t), min(t), len(t)))' "$tmp/h.json"
		return
	fi
	python3 - "$runs" "$@" <<'PY'
import os, subprocess, sys, time
n = int(sys.argv[1]); cmd = sys.argv[2:]
prepare = os.environ.get("PREPARE", "").split()
t = []
for _ in range(n):
    if prepare:
        subprocess.run(prepare)
    s = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.perf_counter() - s) * 1000)
t.sort()
print("%.2f ms mean, %.2f ms median, %.2f ms min over %d runs" % (sum(t) / n, t[n // 2], t[0], n))
PY
}

# what starting any process costs on this machine, so the numbers below can be read
echo "baseline: /bin/true (process start alone on this machine):"
printf '  '; mean_ms /bin/true
echo "baseline: trainctl --version:"
printf '  '; mean_ms "$trainctl" --version
echo "trainctl plan bench/job.json (the first run warms the profile cache and the planner's view"
echo "of the ledger; then the ledger is unchanged, as between a user's commands):"
printf '  '; mean_ms "$trainctl" plan "$here/job.json"
echo "trainctl plan bench/job.json right after the ledger changed (each run: SQLite opened):"
printf '  '; PREPARE="touch $TRAINCTL_HOME/data/ledger.db-wal" mean_ms "$trainctl" plan "$here/job.json"
if command -v az >/dev/null 2>&1; then
	echo "az version (Debian's azure-cli), for comparison:"
	saved=$runs
	runs=$(( runs < 10 ? runs : 10 ))
	printf '  '; mean_ms az version
	runs=$saved
else
	echo "az version: azure-cli is not installed (scripts/deps.sh bench installs it); no comparison"
fi

# a deterministic synthetic trace of 10,000 jobs: Alibaba-like sizes and durations
python3 - "$tmp/trace.csv" <<'PY'
import random, sys
r = random.Random(42)
t = 0
with open(sys.argv[1], "w") as f:
    f.write("submit_time,gpus,duration,cpus,memory\n")
    for i in range(10000):
        t += int(r.expovariate(1 / 300.0))
        gpus = r.choices([0, 1, 2, 4, 8], [15, 78, 3, 2, 2])[0]
        dur = max(1, int(r.lognormvariate(6.5, 1.8)))
        f.write("%d,%d,%d,%d,%d\n" % (t, gpus, dur, r.choice([2, 4, 8, 12, 16]), r.choice([8, 16, 32, 64]) << 30))
PY
topo=${TOPOLOGY:-$here/../../shared/hwloc-xml/g4dnmetal.xml}
[ -f "$topo" ] && topo_opt="--topology $topo" || topo_opt=""
echo "trainctl simulate on 10,000 jobs (${topo_opt:-this machine}):"
python3 - "$trainctl" "$tmp/trace.csv" $topo_opt <<'PY'
import subprocess, sys, time
cmd = [sys.argv[1], "simulate", "--trace", sys.argv[2], "--columns", "cpus=cpus,memory=memory",
       "--deadline-factor", "10", "--local-reserve", "0.25"] + sys.argv[3:]
best = None
for _ in range(3):
    s = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    e = time.perf_counter() - s
    best = e if best is None or e < best else best
if p.returncode:
    sys.exit("simulate failed: " + p.stderr)
print("  %.3f s (best of 3)" % best)
PY
