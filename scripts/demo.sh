#!/bin/sh
# demo.sh: what `make demo` shows: this machine, a real training job's plan, and the job run
# locally to completion under trainctl's supervision (logs streamed, exit status passed on).
set -eu
T=${1:-build/src/trainctl}
JOB=examples/quickstart/trainctl.json

step() { printf '\n\033[1m== %s\033[0m\n' "$1"; }

step "what this machine has (trainctl profile)"
"$T" profile

step "the job, checked and normalised (trainctl validate $JOB)"
"$T" validate "$JOB"

step "every way to run it, priced (trainctl plan $JOB)"
"$T" plan "$JOB"

step "run it (trainctl submit --wait $JOB)"
"$T" submit --wait "$JOB"

step "what the ledger recorded (trainctl status last)"
"$T" status last
