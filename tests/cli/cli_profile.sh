#!/bin/sh
# cli_profile.sh: `trainctl profile` live and from XML: counts against the kernel and lstopo, errors, cache, leaks.
. "$(dirname "$0")/lib.sh"

XML_DIR="${SHARED_DIR:-../shared}/hwloc-xml"

# json_get KEY...: reads $OUT as JSON and prints the value at the path (e.g. cpu pus).
json_get() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"
}

# ---- live, text ----
run "$TRAINCTL" profile
expect_rc "profile exits 0" 0
expect_out "text names the CPU counts" '^          [0-9]+ packages?, [0-9]+ cores, [0-9]+ PUs$'
expect_out "text gives usable memory and its rule" '^memory    .* usable = min\(MemTotal .*, cgroup limit .*\)  \[.*\]$'
expect_out "text lists GPUs or says none" '^gpus      '
expect_out "text gives free disk" '^disk      .* free in '

# ---- live, JSON, against the kernel ----
run "$TRAINCTL" profile --json
expect_rc "profile --json exits 0" 0
if ! command -v python3 >/dev/null; then
	skip "JSON checks" "python3 is not installed"
else
	expect_eq "allowed PUs = nproc" "$(nproc)" "$(json_get cpus allowed_pus)"
	if command -v lscpu >/dev/null; then
		cores=$(lscpu -p=CORE,SOCKET | grep -v '^#' | sort -u | wc -l)
		pus=$(lscpu -p=CPU | grep -v '^#' | wc -l)
		expect_eq "cores = lscpu cores" "$cores" "$(json_get cpu cores)"
		expect_eq "PUs = lscpu CPUs" "$pus" "$(json_get cpu pus)"
	else
		skip "cores = lscpu cores" "lscpu is not installed"
	fi
	memtotal=$(awk '/^MemTotal:/ { printf "%.0f\n", $2 * 1024 }' /proc/meminfo)
	expect_eq "mem_total = /proc/meminfo MemTotal" "$memtotal" "$(json_get memory mem_total)"
	usable=$(json_get memory usable)
	if [ "$usable" -le "$memtotal" ] && [ "$usable" -gt 0 ]; then ok "usable memory is within MemTotal"
	else not_ok "usable memory is within MemTotal" "usable $usable, MemTotal $memtotal"; fi
	expect_eq "JSON has schema 1" "1" "$(json_get schema)"
fi

# ---- cache: a second run reads it, --no-cache rediscovers ----
run "$TRAINCTL" profile --json
expect_eq "second run reads the cache" "True" "$(json_get from_cache)"
run "$TRAINCTL" profile --json --no-cache
expect_eq "--no-cache rediscovers" "False" "$(json_get from_cache)"
if [ -f "$TRAINCTL_HOME/cache/profile.json" ]; then ok "cache file in \$TRAINCTL_HOME/cache"
else not_ok "cache file in \$TRAINCTL_HOME/cache" "$(ls -R "$TRAINCTL_HOME")"; fi
printf 'garbage{' >"$TRAINCTL_HOME/cache/profile.json"
run "$TRAINCTL" profile --json
expect_rc "a corrupt cache is not an error" 0
expect_eq "a corrupt cache is rediscovered" "False" "$(json_get from_cache)"
run "$TRAINCTL" profile --json
expect_eq "and rewritten" "True" "$(json_get from_cache)"

# ---- lstopo's export of this machine agrees with the live profile ----
if command -v lstopo-no-graphics >/dev/null || command -v lstopo >/dev/null; then
	LSTOPO=$(command -v lstopo-no-graphics || command -v lstopo)
	"$LSTOPO" --of xml >"$T_TMP/live.xml" 2>/dev/null
	run "$TRAINCTL" profile --json --no-cache
	live="$(json_get cpu packages) $(json_get cpu cores) $(json_get cpu pus) $(json_get numa nodes) $(json_get memory hwloc_total)"
	run "$TRAINCTL" profile --json --topology "$T_TMP/live.xml"
	expect_rc "--topology of lstopo's export exits 0" 0
	xml="$(json_get cpu packages) $(json_get cpu cores) $(json_get cpu pus) $(json_get numa nodes) $(json_get memory hwloc_total)"
	expect_eq "lstopo export = live (packages cores PUs NUMA hwloc memory)" "$live" "$xml"
	expect_eq "an export is not cached" "False" "$(json_get from_cache)"
else
	skip "lstopo export = live" "lstopo is not installed (Debian package hwloc)"
fi

# ---- every shared export: the text output is whole ----
if [ -d "$XML_DIR" ]; then
	run "$TRAINCTL" profile --topology "$XML_DIR/g4dnmetal.xml"
	expect_rc "g4dnmetal.xml exits 0" 0
	expect_out "g4dnmetal: 8 T4 lines" '^gpus      8 \(8 for training\)$'
	n=$(printf '%s\n' "$OUT" | grep -c 'Tesla T4 .*14.8 GiB  0000:..:00.0  \[model: hwloc:NVML, memory: hwloc:CUDA')
	expect_eq "g4dnmetal: one line per GPU with model, memory, source" 8 "$n"
	run "$TRAINCTL" profile --topology "$XML_DIR/topo_13600k.xml"
	expect_out "13600K: hybrid kinds" 'hybrid: 12 PUs IntelCore \(efficiency 1\), 8 PUs IntelAtom \(efficiency 0\)'
	run "$TRAINCTL" profile --json --topology "$XML_DIR/tuo.SPX.xml"
	expect_eq "tuo: APU memory is unified" "unified" "$(json_get gpus 0 memory_source)"
	for f in "$XML_DIR"/*.xml; do
		run "$TRAINCTL" profile --json --topology "$f"
		if [ "$RC" -eq 0 ] && [ "$(json_get source)" = "$f" ]; then ok "$(basename "$f") loads"
		else not_ok "$(basename "$f") loads" "rc=$RC" "$ERR"; fi
	done
else
	skip "shared hwloc exports" "../shared/hwloc-xml is absent"
fi

# ---- errors name the file ----
run "$TRAINCTL" profile --topology "$T_TMP/nope.xml"
expect_rc "missing XML exits 1" 1
expect_err "missing XML is named" "^error: topology file '$T_TMP/nope.xml' does not exist$"
: >"$T_TMP/empty.xml"
run "$TRAINCTL" profile --topology "$T_TMP/empty.xml"
expect_rc "empty XML exits 1" 1
expect_err "empty XML is named" "^error: topology file '$T_TMP/empty.xml' is empty"
printf '<?xml version="1.0"?>\n<topology version="2.0">\n  <object type="Machine" os_index="0"\n' >"$T_TMP/bad.xml"
run "$TRAINCTL" profile --topology "$T_TMP/bad.xml"
expect_rc "malformed XML exits 1" 1
expect_err "malformed XML is named" "^error: topology file '$T_TMP/bad.xml' is not a valid hwloc XML topology"
run "$TRAINCTL" profile extra
expect_rc "a positional argument is a usage error" 2
run "$TRAINCTL" profile --topology "$T_TMP/bad.xml" --no-cache
expect_rc "--no-cache with --topology is a usage error" 2

# ---- leaks (valgrind: definite and indirect leaks; hwloc keeps some memory reachable) ----
if have_valgrind; then
	# lib.sh's memcheck line; hwloc's PCI plugin leak inside hwloc_topology_load on a live
	# machine is suppressed in tests/valgrind.supp, every other stack counts
	vg() {
		$VALGRIND "$TRAINCTL" "$@" >/dev/null 2>"$T_TMP/vg.log"
		echo $?
	}
	expect_eq "no leak: live, cold" 0 "$(vg profile --no-cache)"
	expect_eq "no leak: live, warm, --json" 0 "$(vg profile --json)"
	expect_eq "no leak: malformed XML" 1 "$(vg profile --topology "$T_TMP/bad.xml")"
	if [ -d "$XML_DIR" ]; then
		expect_eq "no leak: tuo.SPX.xml" 0 "$(vg profile --json --topology "$XML_DIR/tuo.SPX.xml")"
		expect_eq "no leak: epyc-corona-p2.xml" 0 "$(vg profile --topology "$XML_DIR/epyc-corona-p2.xml")"
	fi
	[ -s "$T_TMP/vg.log" ] && sed 's/^/# /' "$T_TMP/vg.log"
else
	skip "valgrind leak checks" "$NO_VALGRIND"
fi

done_testing
