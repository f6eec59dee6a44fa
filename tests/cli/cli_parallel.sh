#!/bin/sh
# cli_parallel.sh: a job's items run as mini-batches: concurrency cap, retries, error threshold,
# the failed items reported, item sources (list, file, glob), and cancel of the parent.
. "$(dirname "$0")/lib.sh"
T="$TRAINCTL"
DB="$TRAINCTL_HOME/data/ledger.db"

# wait_end RUN [SECONDS]: until the run has ended
wait_end() {
	i=0
	while [ $i -lt $(( ${2:-30} * 10 )) ]; do
		s=$(sqlite3 "$DB" "SELECT state FROM runs WHERE id='$1'" 2>/dev/null)
		case "$s" in queued|running|"") ;; *) return 0 ;; esac
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
q() { sqlite3 "$DB" "$1"; }

cd "$T_TMP"
cat > over.json <<'JSON'
{ "name": "over", "shell": "for i in {items}; do case $i in bad*) exit 1;; esac; echo ok $i; done",
  "parallel": { "items": ["a", "b", "bad1", "c", "d", "e", "f", "g"], "mini_batch_size": 1,
                "max_concurrency_per_instance": 1, "retries": 1, "error_threshold": 0 } }
JSON
run "$T" submit over.json
p=$OUT
wait_end "$p" && ok "the parallel job ends" || not_ok "the parallel job ends"
expect_eq "over the error threshold the parent fails" "failed" "$(q "SELECT state FROM runs WHERE id='$p'")"
expect_eq "the reason counts the failed items" "1 of 8 items failed, over error_threshold 0 (failed_items.txt lists them)" "$(q "SELECT reason FROM runs WHERE id='$p'")"
expect_eq "failed_items.txt names the failed item" "bad1" "$(cat "$TRAINCTL_HOME/data/runs/$p/failed_items.txt")"
expect_eq "the failed mini-batch was retried once (2 attempts)" "2" "$(q "SELECT count(*) FROM runs WHERE parent_id='$p' AND name='over.3'")"
n=$(q "SELECT count(*) FROM runs WHERE parent_id='$p'")
[ "$n" -lt 9 ] && ok "no mini-batch starts once the threshold is crossed ($n child runs)" || not_ok "mini-batches stop after the threshold ($n)"

cat > within.json <<'JSON'
{ "name": "within", "command": ["sh", "-c", "case \"$0\" in bad*) exit 1;; esac; sleep 0.3", "{items}"],
  "parallel": { "items": ["a", "bad1", "b", "bad2", "c", "d"], "max_concurrency_per_instance": 2,
                "retries": 0, "error_threshold": 2 } }
JSON
run "$T" submit within.json
p=$OUT
wait_end "$p"
expect_eq "within the error threshold the parent succeeds" "succeeded" "$(q "SELECT state FROM runs WHERE id='$p'")"
expect_eq "and says how many failed" "2 of 6 items failed, within error_threshold (failed_items.txt lists them)" "$(q "SELECT reason FROM runs WHERE id='$p'")"
expect_eq "failed_items.txt lists both" "bad1
bad2" "$(cat "$TRAINCTL_HOME/data/runs/$p/failed_items.txt")"
q "SELECT started_ms, ended_ms FROM runs WHERE parent_id='$p'" > iv.txt
most=$(python3 -c '
import sys
iv = [tuple(map(int, l.split("|"))) for l in open("iv.txt") if l.strip()]
print(max(sum(1 for a, b in iv if a <= t < b) for t, _ in iv))')
[ "$most" -le 2 ] && ok "never more than max_concurrency_per_instance (2) at once (max $most)" || not_ok "concurrency cap (max $most)"

cat > flaky.json <<JSON
{ "name": "flaky", "shell": "if [ ! -e $T_TMP/flag-{items} ]; then touch $T_TMP/flag-{items}; exit 1; fi; echo done",
  "parallel": { "items": ["x"], "retries": 2, "error_threshold": 0 } }
JSON
run "$T" submit flaky.json
p=$OUT
wait_end "$p"
expect_eq "a mini-batch that fails once succeeds on retry" "succeeded" "$(q "SELECT state FROM runs WHERE id='$p'")"
expect_eq "both attempts are recorded" "1 failed
2 succeeded" "$(q "SELECT attempt || ' ' || state FROM runs WHERE parent_id='$p' ORDER BY attempt")"

mkdir -p data && for f in 1 2 3 4 5; do echo "$f" > "data/in$f.txt"; done
printf 'one\ntwo\n\nthree\n' > items.txt
cat > sources.json <<'JSON'
{ "name": "globbed", "command": ["cat", "{items}"],
  "parallel": { "items_glob": "data/*.txt", "mini_batch_size": 2 } }
JSON
run "$T" submit sources.json
p=$OUT
wait_end "$p"
expect_eq "items_glob: the matching files in mini-batches of 2" "3" "$(q "SELECT count(*) FROM runs WHERE parent_id='$p'")"
expect_eq "the batch's items replace the placeholder argument" "1
2" "$("$T" logs "$(q "SELECT id FROM runs WHERE name='globbed.1'")")"
cat > lines.json <<'JSON'
{ "name": "lines", "shell": "echo {items}",
  "parallel": { "items_file": "items.txt", "mini_batch_size": 3 } }
JSON
run "$T" submit lines.json
p=$OUT
wait_end "$p"
expect_eq "items_file: one item per non-empty line" "one two three" "$("$T" logs "$(q "SELECT id FROM runs WHERE name='lines.1'")")"
cat > none.json <<'JSON'
{ "name": "none", "command": ["cat", "{items}"], "parallel": { "items_glob": "nothing/*.csv" } }
JSON
run "$T" submit none.json
expect_rc "a glob that matches nothing is refused" 1
expect_err "with one clear line" "no items to process \('nothing/\*.csv' matched no file\)"

cat > long.json <<'JSON'
{ "name": "long", "command": ["sleep", "{items}"],
  "parallel": { "items": ["30", "30", "30", "30"], "max_concurrency_per_instance": 2 } }
JSON
run "$T" submit long.json
p=$OUT
i=0; while [ "$(q "SELECT count(*) FROM runs WHERE parent_id='$p' AND state='running'")" != 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
run "$T" cancel "$p"
wait_end "$p"
expect_eq "cancelling the parent cancels it" "cancelled" "$(q "SELECT state FROM runs WHERE id='$p'")"
i=0; while [ "$(q "SELECT count(*) FROM runs WHERE parent_id='$p' AND state IN ('queued','running')")" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
expect_eq "and its running mini-batches" "0" "$(q "SELECT count(*) FROM runs WHERE parent_id='$p' AND state IN ('queued','running')")"
# ---- under valgrind (lib.sh vg_check), in a home of its own ----
export TRAINCTL_HOME="$T_TMP/home-vg"
vg_check "a parallel job over its error threshold" 1 submit --wait over.json
vg_check "a glob that matches nothing" 1 submit none.json
done_testing
