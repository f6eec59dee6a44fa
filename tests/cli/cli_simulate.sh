#!/bin/sh
# cli_simulate.sh: `trainctl simulate`: usage, trace errors, a small trace, and the Alibaba GPU trace.
. "$(dirname "$0")/lib.sh"

SMALL="$TESTS_DATA/trace/small.csv"
TOPO="$SHARED_DIR/hwloc-xml/g4dnmetal.xml"
ALIBABA="$SHARED_DIR/traces/alibaba-gpu-v2023/openb_pod_list_default.csv"
ALIBABA_COLUMNS="submit=creation_time,gpus=num_gpu*gpu_milli/1000,duration=deletion_time-scheduled_time,cpus=cpu_milli/1000,memory=memory_mib*1048576,id=name"

run "$TRAINCTL" simulate --help
expect_rc "simulate --help exits 0" 0
expect_out "the help shows how the Alibaba trace loads" 'duration=deletion_time-scheduled_time'

run "$TRAINCTL" simulate
expect_rc "no --trace is a usage error" 2
expect_err "the usage error names the option" "option '--trace' is required"

run "$TRAINCTL" simulate --trace "$SMALL" --checkpointable some
expect_rc "a bad --checkpointable is a usage error" 2
expect_err "--checkpointable says what it expects" "expects all, none or a fraction from 0 to 1, got 'some'"

run "$TRAINCTL" simulate --trace "$SMALL" --deadline-factor 0.5
expect_rc "a deadline factor below 1 is a usage error" 2

# trace errors name the line and the field, before any machine is looked at
printf 'submit_time,gpus,duration\n10,1,5\n5,1,5\n' > "$T_TMP/unsorted.csv"
run "$TRAINCTL" simulate --trace "$T_TMP/unsorted.csv"
expect_rc "an unsorted trace fails" 1
expect_err "the error names the line" "unsorted.csv:3: submit time 5 is before the previous row's 10"

printf 'submit_time,gpus,duration\n0,1,\n' > "$T_TMP/missing.csv"
run "$TRAINCTL" simulate --trace "$T_TMP/missing.csv"
expect_rc "a missing value fails" 1
expect_err "the error names the field" "missing.csv:2: field 'duration' is empty"

printf 'submit_time,gpus,duration\n0,1,-3\n' > "$T_TMP/negative.csv"
run "$TRAINCTL" simulate --trace "$T_TMP/negative.csv"
expect_rc "a negative value fails" 1
expect_err "the error gives the value" "negative.csv:2: field 'duration' is -3, expected >= 0"

run "$TRAINCTL" simulate --trace "$SMALL" --columns gpus=gpu
expect_rc "an unknown column fails" 1
expect_err "the error suggests the column" "gpus: no column 'gpu' \(did you mean 'gpus'\?\)"

# ---- under valgrind (lib.sh vg_check) ----
vg_check "a trace with a missing value" 1 simulate --trace "$T_TMP/missing.csv"
vg_check "an unknown column" 1 simulate --trace "$SMALL" --columns gpus=gpu
if [ -f "$TOPO" ]; then
	vg_check "the small trace replays" 0 simulate --trace "$SMALL" --topology "$TOPO" --deadline-factor 3
else
	skip "the small trace replays under valgrind" "$TOPO not found"
fi

if [ ! -f "$TOPO" ]; then
	skip "the small trace on an 8x T4 machine" "$TOPO not found"
	skip "the Alibaba trace loads with the documented flags" "$TOPO not found"
	done_testing
	exit $?
fi

run "$TRAINCTL" simulate --trace "$SMALL" --topology "$TOPO" --deadline-factor 3 --decisions "$T_TMP/small.jsonl"
expect_rc "the small trace replays" 0
expect_out "all four policies are reported" '^all-cloud low-priority +\$'
expect_out "the machine is described" '^local machine: .*g4dnmetal.xml: 8 GPUs \(T4\), 96 cores; durations measured on T4'
expect_eq "one decision line per job" 3 "$(wc -l < "$T_TMP/small.jsonl" | tr -d ' ')"
expect_out "all three run here on 8 GPUs" '^trainctl +\$[0-9.]+ +\$[0-9.]+ +\$0.00 +3 +0 +0 '

if [ ! -f "$ALIBABA" ]; then
	skip "the Alibaba trace loads with the documented flags" "$ALIBABA not found"
	done_testing
	exit $?
fi

run "$TRAINCTL" simulate --trace "$ALIBABA" --topology "$TOPO" --columns "$ALIBABA_COLUMNS" \
	--skip-incomplete --deadline-factor 10 --local-reserve 0.25 --decisions "$T_TMP/alibaba.jsonl"
expect_rc "the Alibaba trace replays" 0
expect_out "rows, jobs and skipped Pending rows are counted" '8152 rows, 7255 jobs \(897 rows skipped for an empty cell'
expect_out "fractional GPUs are counted" '6203 GPU jobs \(2573 ask for a fraction of a GPU'
expect_out "CPU-only jobs are counted" '1052 CPU-only jobs'
expect_out "no deadline all-local FIFO met is missed" 'deadlines trainctl missed that all-local FIFO met: 0$'
expect_eq "one decision line per job" 7255 "$(wc -l < "$T_TMP/alibaba.jsonl" | tr -d ' ')"
total=$(printf '%s\n' "$OUT" | awk '$1 == "trainctl" && $2 ~ /^[$]/ { gsub(/\$/, "", $2); print $2 }')
dedicated=$(printf '%s\n' "$OUT" | awk '$1 == "all-cloud" && $2 == "dedicated" { gsub(/\$/, "", $3); print $3 }')
sum=$(python3 -c 'import json,sys; print("%.2f" % sum(json.loads(l)["cost"] for l in open(sys.argv[1])))' "$T_TMP/alibaba.jsonl")
expect_eq "the decisions add up to trainctl's total" "$total" "$sum"
if python3 -c "import sys; sys.exit(0 if float('$total') < float('$dedicated') else 1)"; then
	ok "trainctl costs less than all-cloud dedicated (\$$total < \$$dedicated)"
else
	not_ok "trainctl costs less than all-cloud dedicated" "trainctl \$$total, dedicated \$$dedicated"
fi

done_testing
