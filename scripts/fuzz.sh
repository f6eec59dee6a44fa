#!/bin/sh
# fuzz.sh [SECONDS] [TARGET...]: build the libFuzzer targets (build-fuzz: clang, ASan + UBSan,
# -Dfuzz=true) and run each for SECONDS (default 600) on a scratch copy of its seed corpus,
# one job, one worker. Prints "ok fuzz_<name>: N s, M execs, no crash" or the crash file per
# target, then a summary table. Exit status 1 when any target crashed. Crash files are kept in
# build-fuzz/fuzz/crashes/<name>/; a fixed one goes to fuzz/regressions/<name>/ (docs/hardening.md).
set -u
cd "$(dirname "$0")/.." || exit 2
seconds=${1:-600}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD:-build-fuzz}
all="arm catalog config glob job metric planview prices record token trace units"
targets=${*:-$all}

for t in $targets; do
	case " $all " in
	*" $t "*) ;;
	*) echo "fuzz.sh: unknown target '$t' (expected one of: $all)" >&2; exit 2 ;;
	esac
done
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Db_sanitize=address,undefined -Dfuzz=true >/dev/null || exit 2
fi
ninja -C "$build" $(for t in $targets; do printf 'fuzz/fuzz_%s ' "$t"; done) >/dev/null || exit 2

root=$(pwd)
# UBSan only reports and goes on unless told to stop: a finding must end the run as a crash.
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export UBSAN_OPTIONS
summary=$(mktemp) || exit 2
trap 'rm -f "$summary"' EXIT
failed=0
for t in $targets; do
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$t.XXXXXX") || exit 2
	crashes="$root/$build/fuzz/crashes/$t"
	mkdir -p "$scratch/corpus" "$crashes"
	cp "fuzz/corpus/$t"/* "$scratch/corpus/"
	start=$(date +%s)
	(cd "$scratch" && nice -n 10 "$root/$build/fuzz/fuzz_$t" -max_total_time="$seconds" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -jobs=1 -workers=1 \
		-artifact_prefix="$crashes/" corpus >driver.log 2>&1)
	rc=$?
	took=$(($(date +%s) - start))
	log="$scratch/fuzz-0.log"
	[ -f "$log" ] || log="$scratch/driver.log"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crash=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
		echo "ok fuzz_$t: $took s, ${execs:-?} execs, no crash"
		printf '%-14s %8s %12s  %s\n' "fuzz_$t" "$took" "${execs:-?}" "no crash" >>"$summary"
	else
		failed=1
		echo "not ok fuzz_$t: $took s, ${execs:-?} execs, crash ${crash:-(exit status $rc, no file)}"
		grep -m 3 -E 'ERROR:|SUMMARY:|fuzz check failed' "$log" | sed 's/^/#   /'
		printf '%-14s %8s %12s  %s\n' "fuzz_$t" "$took" "${execs:-?}" "CRASH ${crash:-?}" >>"$summary"
	fi
	rm -rf "$scratch"
done
echo
printf '%-14s %8s %12s  %s\n' target seconds execs result
cat "$summary"
exit "$failed"
