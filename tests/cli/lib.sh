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

done_testing() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}
