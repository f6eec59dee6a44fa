#!/bin/sh
# bench/list.sh: `trainctl list` latency with 1M runs in the ledger, against the same query
# in the sqlite3 CLI, in the same run. Usage: bench/list.sh [BUILD_DIR] (RUNS=1000000)
set -eu
BUILD=${1:-build}
TRAINCTL=$(cd "$BUILD" && pwd)/src/trainctl
RUNS=${RUNS:-1000000}
TMP=$(mktemp -d /tmp/trainctl-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export TRAINCTL_HOME="$TMP"
command -v hyperfine >/dev/null || { echo "bench/list.sh: hyperfine is missing (apt-get install hyperfine)"; exit 1; }

"$TRAINCTL" profile >/dev/null
"$TRAINCTL" list >/dev/null            # creates the ledger with its schema
DB="$TMP/data/ledger.db"
echo "filling the ledger with $RUNS runs..."
sqlite3 "$DB" <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $RUNS - 1)
INSERT INTO runs (id, name, spec, placement, backend, state, submitted_ms, exit_code, cpus,
                  memory, gpus, target, run_dir)
SELECT printf('%09d%02d', 100000000 + i, i % 97), 'job-' || (i % 500), '{}', 'local', 'local',
       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END,
       1700000000000 + i * 1000, CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END, 1, 0, 0, 'local', '/tmp'
FROM n;
SQL
echo "runs in ledger: $(sqlite3 "$DB" 'SELECT count(*) FROM runs')"
Q="SELECT * FROM runs ORDER BY id DESC LIMIT 20"
QF="SELECT * FROM runs WHERE state = 'failed' ORDER BY id DESC LIMIT 20"
QN="SELECT * FROM runs WHERE name = 'job-42' ORDER BY id DESC LIMIT 20"
QG="SELECT * FROM runs WHERE name GLOB 'job-4*' ORDER BY id DESC LIMIT 20"
hyperfine -N --warmup 5 --runs 50 --export-json "$TMP/h.json" \
	"$TRAINCTL list" "sqlite3 $DB \"$Q\"" \
	"$TRAINCTL list --state failed" "sqlite3 $DB \"$QF\"" \
	"$TRAINCTL list --name job-42" "sqlite3 $DB \"$QN\"" \
	"$TRAINCTL list --name 'job-4*'" "sqlite3 $DB \"$QG\"" >/dev/null
python3 - "$TMP/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
for i in range(0, len(r), 2):
    a, b = r[i], r[i + 1]
    print(f"{a['command'].split('/')[-1]:<36} {a['mean']*1e3:7.2f} ms   sqlite3 CLI {b['mean']*1e3:7.2f} ms   ratio {a['mean']/b['mean']:.2f}x")
PY
