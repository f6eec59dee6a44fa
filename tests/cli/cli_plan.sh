#!/bin/sh
# cli_plan.sh: `trainctl plan` usage and errors (job-file plans are golden-tested in tests/unit/test_plan.c).
. "$(dirname "$0")/lib.sh"

run "$TRAINCTL" plan --help
expect_rc "plan --help exits 0" 0
expect_out "plan --help shows the usage" '^usage: trainctl plan \[job.json\] \[--json\] \[--prefer cost\|time\] \[--topology X.xml\]'
expect_out "plan --help explains the exit status" 'Exit status'

run "$TRAINCTL" plan --prefer fast
expect_rc "--prefer with a bad value is a usage error" 2
expect_err "--prefer names what it expects" "option '--prefer' expects 'cost' or 'time', got 'fast'"

run "$TRAINCTL" plan a.json b.json
expect_rc "two job files are a usage error" 2
expect_err "the usage error says how many" "expected at most one job file, got 2 arguments"

run "$TRAINCTL" plan --topolgy x.xml
expect_rc "a misspelt option is a usage error" 2
expect_err "a misspelt option gets a suggestion" "did you mean '--topology'"

run "$TRAINCTL" plan "$T_TMP/missing.json"
expect_rc "a missing job file fails" 1
expect_err "the error names the file" "^error: .*missing.json"

export TRAINCTL_NOW=yesterday
run "$TRAINCTL" plan "$T_TMP/missing.json"
unset TRAINCTL_NOW
expect_rc "a bad TRAINCTL_NOW fails" 1
expect_err "TRAINCTL_NOW says what it expects" "TRAINCTL_NOW: expected an RFC 3339 time or unix seconds, got 'yesterday'"

run "$TRAINCTL" --help
expect_out "plan is listed among the commands" '^  plan +price every way to run a job'

# ---- under valgrind (lib.sh vg_check) ----
printf '{ "name": "p", "command": ["true"], "resources": {"cpus": 1}, "estimate": {"local_duration": "1m"} }\n' > "$T_TMP/p.json"
vg_check "a plan for this machine" 0 plan "$T_TMP/p.json"
vg_check "a plan in JSON" 0 plan --json "$T_TMP/p.json"
vg_check "a missing job file" 1 plan "$T_TMP/missing.json"

done_testing
