#!/bin/sh
# cli_diskfull.sh: a full disk while logging truncates the logs (saying so) and never the
# ledger; a full data disk refuses a submit with one clear line and leaves the ledger as it was.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
mnt="$T_TMP/small"
mkdir -p "$mnt"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=16m tmpfs "$mnt" 2>/dev/null; then
	skip "full disk while logging" "needs root and mount (tmpfs)"
	skip "full data disk at submit" "needs root and mount (tmpfs)"
	done_testing
	exit 0
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$T_TMP"' EXIT
export TRAINCTL_HOME="$mnt/home" TRAINCTL_LOG_RESERVE=4MiB

run "$T" submit --wait -- sh -c 'head -c 30000000 /dev/zero | tr "\0" x; echo; echo still running >&2'
expect_rc "a run whose output outgrows the disk still ends normally" 0
expect_err "the end says the logs were truncated, and why" "logs truncated: the disk holding them fell below 4 MiB free"
id=$("$T" list -n 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_eq "the ledger recorded the run's end" "succeeded" "$("$T" status "$id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
expect_eq "the ledger is intact" "ok" "$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" 'PRAGMA integrity_check')"
size=$(stat -c %s "$TRAINCTL_HOME/data/runs/$id/stdout")
[ "$size" -lt 16000000 ] && ok "the log stopped short of filling the disk ($size bytes)" || not_ok "the log stopped short ($size)"

before=$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" 'SELECT count(*) FROM runs')
head -c 20000000 /dev/zero > "$mnt/filler" 2>/dev/null
run "$T" submit -- true
expect_rc "a submit onto a full data disk fails" 1
expect_err "with one clear line" "No space left on device|disk full"
rm -f "$mnt/filler"
expect_eq "and records nothing" "$before" "$(sqlite3 "$TRAINCTL_HOME/data/ledger.db" 'SELECT count(*) FROM runs')"
expect_eq "and leaves no run folder behind" "1" "$(ls "$TRAINCTL_HOME/data/runs" | wc -l)"
# ---- under valgrind (lib.sh vg_check): the refusal on a full data disk ----
head -c 20000000 /dev/zero > "$mnt/filler" 2>/dev/null
vg_check "a submit onto a full data disk" 1 submit -- true
rm -f "$mnt/filler"
vg_check "a run whose log fills the disk" 0 submit --wait -- sh -c 'head -c 30000000 /dev/zero | tr "\0" x'
done_testing
