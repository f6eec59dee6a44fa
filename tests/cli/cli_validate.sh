#!/bin/sh
# cli_validate.sh: `trainctl validate` on good and malformed job specs: exact messages,
# normalised output, round trips, exit codes, and no leaks under valgrind.
. "$(dirname "$0")/lib.sh"

BAD="$TESTS_DATA/jobs/bad"
GOOD="$TESTS_DATA/jobs/good"

# expect_text NAME EXPECTED ACTUAL: exact multi-line comparison with a diff on failure
expect_text() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		printf '%s\n' "$2" >"$T_TMP/want"
		printf '%s\n' "$3" >"$T_TMP/got"
		not_ok "$1"
		diff -u "$T_TMP/want" "$T_TMP/got" | sed 's/^/# /'
	fi
}

VG_JOBS=$(nproc 2>/dev/null || echo 4)
have_valgrind || VALGRIND=""   # lib.sh's memcheck line, or none

# Valgrind runs are slow, so they run in parallel (vg_start), and their results
# are reported in order afterwards (vg_report).
mkdir -p "$T_TMP/vg"
VG_N=0
# vg_start NAME WANT_RC FILE: validate FILE under valgrind in the background
vg_start() {
	VG_N=$((VG_N + 1))
	printf '%s\n%s\n' "$1" "$2" >"$T_TMP/vg/$VG_N.what"
	[ -n "$VALGRIND" ] || return 0
	(cd "$(dirname "$3")" && $VALGRIND "$TRAINCTL" validate "$(basename "$3")" \
		>/dev/null 2>"$T_TMP/vg/$VG_N.log"; echo $? >"$T_TMP/vg/$VG_N.rc") &
	if [ $((VG_N % ${VG_JOBS:-8})) -eq 0 ]; then wait; fi
}

vg_report() {
	wait
	i=1
	while [ "$i" -le "$VG_N" ]; do
		name=$(sed -n 1p "$T_TMP/vg/$i.what")
		want=$(sed -n 2p "$T_TMP/vg/$i.what")
		if [ -z "$VALGRIND" ]; then
			skip "$name" "$NO_VALGRIND"
		elif [ "$(cat "$T_TMP/vg/$i.rc")" = "$want" ]; then
			ok "$name"
		else
			not_ok "$name" "exit $(cat "$T_TMP/vg/$i.rc") (want $want; 99: valgrind found errors)"
			sed 's/^/# /' "$T_TMP/vg/$i.log"
		fi
		i=$((i + 1))
	done
}

# --- malformed specs: every one exits 1 with exactly the expected message ---
cd "$BAD" || exit 1
count=0
for spec in *.json; do
	count=$((count + 1))
	base=${spec%.json}
	run "$TRAINCTL" validate "$spec"
	if [ "$RC" -ne 1 ] || [ -n "$OUT" ]; then
		not_ok "bad/$base exits 1 with nothing on stdout" "rc=$RC" "stdout: $OUT"
	else
		ok "bad/$base exits 1 with nothing on stdout"
	fi
	expect_text "bad/$base: exact message" "$(cat "$base.expected")" "$ERR"
	vg_start "bad/$base: no memory errors or leaks under valgrind" 1 "$BAD/$spec"
done
if [ "$count" -ge 40 ]; then ok "at least 40 malformed specs ($count)"; else not_ok "at least 40 malformed specs" "only $count"; fi

# --- good specs: the expected normalised output, and validate(validate(x)) == validate(x) ---
cd "$GOOD" || exit 1
DIR=$(pwd -P)
for spec in *.json; do
	base=${spec%.json}
	run "$TRAINCTL" validate "$spec"
	expect_rc "good/$base is valid" 0
	expect_text "good/$base: normalised output" "$(sed "s|@DIR@|$DIR|g" "$base.expected")" "$OUT"
	printf '%s\n' "$OUT" >"$T_TMP/normal.json"
	first=$OUT
	run "$TRAINCTL" validate "$T_TMP/normal.json"
	expect_rc "good/$base: its normalised form is valid" 0
	expect_text "good/$base: round trip is identical" "$first" "$OUT"
	vg_start "good/$base: no memory errors or leaks under valgrind" 0 "$GOOD/$spec"
done

# --- the default file, stdin, --quiet, usage errors ---
mkdir -p "$T_TMP/empty" && cd "$T_TMP/empty" || exit 1
run "$TRAINCTL" validate
expect_rc "no trainctl.json: exit 1" 1
expect_text "no trainctl.json: the message says what to do" \
	"error: no job file: 'trainctl.json' does not exist (give a path or create one; see docs/job-spec.md)" "$ERR"

run "$TRAINCTL" validate missing.json
expect_rc "a missing file: exit 1" 1
expect_text "a missing file: named" "error: no job file: 'missing.json' does not exist" "$ERR"

cp "$GOOD/minimal.json" trainctl.json
run "$TRAINCTL" validate
expect_rc "trainctl.json is read by default" 0
expect_out "the default file's job is printed" '"name": "python3"'

run "$TRAINCTL" validate --quiet
expect_rc "--quiet: exit 0" 0
expect_eq "--quiet: nothing on stdout" "" "$OUT"

run sh -c "\"$TRAINCTL\" validate - < \"$GOOD/minimal.json\""
expect_rc "'-' reads standard input" 0
expect_out "stdin: workdir is the current folder" "\"workdir\": \"$(pwd -P)\""

run sh -c "\"$TRAINCTL\" validate - < \"$BAD/resources_gpus_string.json\""
expect_text "stdin: problems name <stdin>" \
	'error: <stdin>:7: resources.gpus: expected a non-negative integer, got "two"' "$ERR"

run "$TRAINCTL" validate a.json b.json
expect_rc "two files: usage error" 2

run "$TRAINCTL" validate --qiuet
expect_rc "unknown option: usage error" 2
expect_err "unknown option: suggestion" "did you mean '--quiet'"

run "$TRAINCTL" validate --quiet "$BAD/placement_typo.json"
expect_rc "--quiet still fails on a bad file" 1
expect_err "--quiet still prints the problems" "placement: expected one of"

vg_report
done_testing
