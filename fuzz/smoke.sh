#!/bin/sh
# smoke.sh TARGET CORPUS SECONDS CRASH_DIR: run one libFuzzer target for SECONDS over a scratch
# copy of its seed corpus (the seeds stay as they are) and print TAP: ok, or not ok with the
# crash file (kept in CRASH_DIR) and the end of libFuzzer's report.
target=$1 corpus=$2 seconds=$3 crashes=$4
name=$(basename "$target")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$crashes" "$scratch/corpus"
# UBSan only reports and goes on unless told to stop: a finding must end the run as a crash.
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export UBSAN_OPTIONS
cp "$corpus"/* "$scratch/corpus/" 2>/dev/null
echo "1..1"
"$target" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$crashes/" "$scratch/corpus" >"$scratch/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log" | tail -n 1)
if [ "$rc" -eq 0 ]; then
	echo "ok 1 - $name: $seconds s, ${execs:-?} execs, no crash"
	exit 0
fi
crash=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$scratch/log" | tail -n 1)
echo "not ok 1 - $name: crash ${crash:-(no file: exit status $rc)}"
tail -n 40 "$scratch/log" | sed 's/^/# /'
exit 1
