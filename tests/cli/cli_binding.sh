#!/bin/sh
# cli_binding.sh: resources.cpu_binding "gpu-local": a run is bound to the CPUs hwloc says are
# nearest its GPUs (intersected with what trainctl may use), or told why not.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
X="$SHARED_DIR/hwloc-xml/g4dnmetal.xml"
if [ ! -f "$X" ]; then
	skip "gpu-local binding" "../shared/hwloc-xml absent"
	done_testing; exit 0
fi
run "$T" profile --topology "$X" --json
expect_out "the profile gives each GPU's nearest CPUs (GPU 0: package 0)" '"local_cpus": "0-23,48-71"'
expect_out "and for GPUs on the other package" '"local_cpus": "24-47,72-95"'

export TRAINCTL_TOPOLOGY="$X"
allowed=$(awk '/^Cpus_allowed_list/{print $2}' /proc/self/status)
cat > "$T_TMP/near.json" <<'JSON'
{ "name": "near", "shell": "awk '/^Cpus_allowed_list/{print $2}' /proc/self/status",
  "resources": { "gpus": 1, "cpu_binding": "gpu-local" } }
JSON
run "$T" submit --wait "$T_TMP/near.json"
expect_rc "a gpu-local run succeeds" 0
want=$(python3 -c '
import sys
def parse(s):
    out = set()
    for part in s.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
have = parse(sys.argv[1]) & parse("0-23,48-71")
print(",".join(str(c) for c in sorted(have)))' "$allowed")
got=$(python3 -c '
import sys
out = []
for part in sys.argv[1].split(","):
    a, _, b = part.partition("-")
    out += range(int(a), int(b or a) + 1)
print(",".join(map(str, out)))' "$OUT")
expect_eq "it runs on the CPUs of GPU 0's package that trainctl may use" "$want" "$got"
run "$T" status last
expect_out "its history says where it was bound" "bound to CPUs .*, nearest its GPUs 0"

cat > "$T_TMP/hold.json" <<'JSON'
{ "name": "hold", "command": ["sleep", "30"], "resources": { "gpus": 4 } }
JSON
run "$T" submit "$T_TMP/hold.json"
hold=$OUT
cat > "$T_TMP/far.json" <<'JSON'
{ "name": "far", "shell": "awk '/^Cpus_allowed_list/{print $2}' /proc/self/status",
  "resources": { "gpus": 1, "cpu_binding": "gpu-local" } }
JSON
run "$T" submit --wait "$T_TMP/far.json"
expect_eq "a run on a GPU whose CPUs are out of reach is not bound" "$allowed" "$OUT"
run "$T" status last
expect_out "and its history says why" "cpu binding skipped: the CPUs nearest its GPUs \(24-47,72-95\) are not available to trainctl"
"$T" cancel "$hold" >/dev/null

cat > "$T_TMP/bad.json" <<'JSON'
{ "name": "bad", "command": ["true"], "resources": { "cpu_binding": "gpu-local" } }
JSON
run "$T" validate "$T_TMP/bad.json"
expect_rc "gpu-local binding without GPUs is refused" 1
expect_err "with the field named" 'resources.cpu_binding: "gpu-local" needs resources.gpus above 0'

# ---- under valgrind (lib.sh vg_check), in a home of its own ----
export TRAINCTL_HOME="$T_TMP/home-vg"
vg_check "a gpu-local run" 0 submit --wait "$T_TMP/near.json"
vg_check "its status" 0 status last
vg_check "gpu-local without GPUs refused" 1 validate "$T_TMP/bad.json"
done_testing
