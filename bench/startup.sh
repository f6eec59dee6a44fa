#!/bin/sh
# bench/startup.sh: what a start of trainctl costs, command by command, against an empty C
# program in the same run; and which shared libraries each command really loads.
# Usage: bench/startup.sh [BUILD_DIR]
set -eu
BUILD=${1:-build}
T=$(cd "$BUILD" && pwd)/src/trainctl
TMP=$(mktemp -d /tmp/trainctl-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export TRAINCTL_HOME="$TMP/home"
command -v hyperfine >/dev/null || { echo "bench/startup.sh: hyperfine is missing (apt-get install hyperfine)"; exit 1; }

printf 'int main(void){return 0;}\n' > "$TMP/empty.c"
cc -O2 -o "$TMP/empty" "$TMP/empty.c"
cat > "$TMP/job.json" <<'JSON'
{ "name": "bench", "command": ["true"], "estimate": { "local_duration": "10m" },
  "cloud": { "region": "eastus" } }
JSON
"$T" profile >/dev/null
"$T" list >/dev/null

echo "== libraries loaded per command (LD_DEBUG=files)"
for cmd in "--version" "list" "plan $TMP/job.json" "profile" "profile --no-cache" "status last"; do
	libs=$(LD_DEBUG=files "$T" $cmd 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*generating link map.*/\1/p' |
		grep -E 'trainctl-|libcurl|libgit2|libhwloc|libsqlite|libjansson' | sort -u | tr '\n' ' ')
	printf '  %-22s %s\n' "$cmd" "${libs:-(none beyond libc)}"
done

echo "== start-up, hyperfine -N (min and median of 200 runs)"
hyperfine -N --warmup 20 -r 200 --export-json "$TMP/h.json" \
	"$TMP/empty" "$T --version" "$T list -n 1" "$T plan $TMP/job.json" \
	"$T profile --json" "$T profile --json --no-cache" >/dev/null 2>&1
python3 - "$TMP/h.json" "$T" "$TMP" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
base = res[0]["median"]
for r in res:
    c = r["command"].replace(sys.argv[2], "trainctl").replace(sys.argv[3] + "/", "")
    print("  %-32s min %6.2f ms   median %6.2f ms   (+%.2f ms over an empty program)"
          % (c, r["min"] * 1e3, r["median"] * 1e3, (r["median"] - base) * 1e3))
PY
