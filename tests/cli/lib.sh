# lib.sh: a small TAP library for CLI tests. Source it, call the checks, end with `done_testing`.
# Each check prints "ok N - name" or "not ok N - name" plus diagnostics.
set -u
T_N=0
T_FAIL=0
: "${TRAINCTL:?TRAINCTL must name the binary under test}"
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/trainctl-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
export TRAINCTL_HOME="$T_TMP/home"
export HOME="$T_TMP/userhome"
mkdir -p "$HOME"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME

# have_valgrind: true when valgrind can check the binary under test. NO_VALGRIND says why not, for
# the skip line: valgrind is not installed, TRAINCTL_SKIP_VALGRIND is set, or the binary is built
# with a sanitizer (tests/meson.build sets TRAINCTL_SANITIZER then: ASan and valgrind cannot share
# a process, and ASan with LeakSanitizer checks that build instead).
if [ -n "${TRAINCTL_SANITIZER:-}" ]; then
	NO_VALGRIND="built with -fsanitize=$TRAINCTL_SANITIZER, which checks it instead"
elif [ -n "${TRAINCTL_SKIP_VALGRIND:-}" ]; then
	NO_VALGRIND="TRAINCTL_SKIP_VALGRIND is set"
elif ! command -v valgrind >/dev/null 2>&1; then
	NO_VALGRIND="valgrind is not installed"
else
	NO_VALGRIND=""
fi
have_valgrind() { [ -z "$NO_VALGRIND" ]; }

# VALGRIND: memcheck as the CLI tests run it: any invalid read or write, any use of an
# uninitialised value and any definite or indirect leak makes the command exit 99. Blocks
# lost inside third-party libraries are suppressed in tests/valgrind.supp, each with a reason.
VALGRIND="valgrind -q --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --suppressions=${TESTS_SRC:-$(dirname "$0")/..}/valgrind.supp"

# vg_check NAME WANT_RC ARGS...: run "$TRAINCTL ARGS..." under memcheck ($VALGRIND); ok when
# it exits WANT_RC and valgrind found nothing. Sets OUT, ERR and RC like run (ERR holds the
# command's stderr; valgrind's report goes to $T_TMP/vg.log and into the diagnostics).
vg_check() {
	_vname="$1: no memory errors or leaks under valgrind"; _vwant=$2; shift 2
	if ! have_valgrind; then skip "$_vname" "$NO_VALGRIND"; return 0; fi
	run $VALGRIND --log-file="$T_TMP/vg.log" "$TRAINCTL" "$@"
	if [ "$RC" -eq "$_vwant" ] && [ "$_vwant" -ne 99 ]; then ok "$_vname"
	else not_ok "$_vname" "exit $RC, want $_vwant (99: valgrind found errors)" "stderr: $ERR" \
		"$(cat "$T_TMP/vg.log")"; fi
}

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }

# run CMD...: runs a command, storing stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	OUT=$("$@" 2>"$T_TMP/stderr") && RC=0 || RC=$?
	ERR=$(cat "$T_TMP/stderr")
}

# expect_rc NAME CODE: the last run's status
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1"; else not_ok "$1" "expected exit $2, got $RC" "stdout: $OUT" "stderr: $ERR"; fi
}

# expect_out NAME PATTERN: stdout matches the grep -E pattern
expect_out() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "stdout does not match /$2/" "stdout: $OUT" "stderr: $ERR"; fi
}

# expect_err NAME PATTERN: stderr matches the grep -E pattern
expect_err() {
	if printf '%s\n' "$ERR" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "stderr does not match /$2/" "stderr: $ERR"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$2'" "got      '$3'"; fi
}

# wait_log FILE PATTERN [SECONDS]: poll every 50 ms until a line of FILE matches the grep -E
# pattern (default limit 30 s); on a timeout print the file as TAP diagnostics and fail.
wait_log() {
	_i=0; _lim=$(( ${3:-30} * 20 ))
	while [ $_i -lt $_lim ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05; _i=$((_i + 1))
	done
	echo "# no line matching /$2/ in $1 after ${3:-30} s"
	sed 's/^/#   /' "$1" 2>/dev/null
	return 1
}

# run_count: how many runs the ledger of $TRAINCTL_HOME holds
run_count() {
	"$TRAINCTL" list --all --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# run_commits: the commit each run recorded (provenance.commit, "-" when none), sorted, one a line
run_commits() {
	"$TRAINCTL" list --all --json | python3 -c 'import json, sys
print("\n".join(sorted((r.get("provenance") or {}).get("commit") or "-" for r in json.load(sys.stdin))))'
}

# wait_runs N [SECONDS]: poll until the ledger holds N runs (default limit 30 s)
wait_runs() {
	_i=0; _lim=$(( ${2:-30} * 20 ))
	while [ $_i -lt $_lim ]; do
		[ "$(run_count 2>/dev/null)" = "$1" ] && return 0
		sleep 0.05; _i=$((_i + 1))
	done
	echo "# the ledger holds $(run_count 2>&1) runs, not $1, after ${2:-30} s"
	return 1
}

# wait_idle [SECONDS]: poll until no run of $TRAINCTL_HOME is queued or running (default 60 s)
wait_idle() {
	_i=0; _lim=$(( ${1:-60} * 20 ))
	while [ $_i -lt $_lim ]; do
		[ "$("$TRAINCTL" list --state active --json 2>/dev/null)" = "[]" ] && return 0
		sleep 0.05; _i=$((_i + 1))
	done
	echo "# runs still active after ${1:-60} s"
	return 1
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}
