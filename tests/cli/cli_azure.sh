#!/bin/sh
# cli_azure.sh: Azure ML end to end on loopback: dry runs without credentials, clusters, quotas,
# code upload to Azurite (read back and compared), command/sweep/parallel jobs, status, cancel,
# every fault knob of the ARM fake; then every request and answer that crossed the fake, and the
# dry runs' requests, checked with Microsoft's validator (oav) against ../shared/azure-ml-spec.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

ROOT="$TESTS_SRC/.."
SPEC="$SHARED_DIR/azure-ml-spec"
OAV_CHECK="python3 $TESTS_SRC/fake/oav_check.py"
DRY="$T_TMP/dry-traffic"
SUB=00000000-0000-0000-0000-000000000001
mkdir -p "$DRY"

have_spec() { [ -f "$SPEC/2026-09-01/openapi.json" ]; }
have_oav() { [ -x "$ROOT/node_modules/.bin/oav" ] || [ -n "${OAV:-}" ]; }
have_azurite() { [ -x "$ROOT/node_modules/.bin/azurite-blob" ] || [ -n "${AZURITE_BLOB:-}" ]; }

# py CODE ARGS...: a python one-off; its stdout in $PY
py() { PY=$(python3 -c "$@" 2>&1); }

# ---- usage ----
run "$TRAINCTL" cluster --help
expect_rc "cluster --help exits 0" 0
expect_out "cluster lists ensure, list, check" '^  ensure +create or update a cluster'
run "$TRAINCTL" cluster ensure --priority spot --vm-size Standard_D4s_v3 c1
expect_rc "a bad priority is a usage error" 2
expect_err "naming the option" "option '--priority' expects 'dedicated' or 'low_priority', got 'spot'"
run "$TRAINCTL" cluster ensure c1
expect_rc "no VM size is a usage error" 2
expect_err "saying what is missing" "which VM size\\? give --vm-size"
run "$TRAINCTL" quota set standardDSv3Family
expect_rc "quota set needs FAMILY=N" 2
expect_err "saying so" "expected FAMILY=N"
run "$TRAINCTL" quota sett
expect_rc "a misspelt quota subcommand is a usage error" 2

# ---- dry runs: no network, no credential, nothing recorded ----
export AZURE_SUBSCRIPTION_ID=$SUB AZURE_RESOURCE_GROUP=rg-ml AZUREML_WORKSPACE=ws-dev AZURE_LOCATION=eastus
export TRAINCTL_ARM_ENDPOINT="https://127.0.0.1:$(closed_port)"   # nothing listens: a request would fail
export TRAINCTL_IMDS_ENDPOINT="http://127.0.0.1:$(closed_port)"

dry_json() { # dry_json NAME ARGS...: a --dry-run --json run whose requests join the dry traffic
	name=$1
	shift
	run "$@"
	expect_rc "$name: exit 0" 0
	printf '%s\n' "$OUT" > "$T_TMP/dry.json"
	n=$($OAV_CHECK --dry-run-json "$T_TMP/dry.json" --out "$DRY" 2>&1)
	case "$n" in ''|*[!0-9]*) not_ok "$name: the requests are JSON" "$n" ;; *) ok "$name: $n requests as JSON" ;; esac
}

cd "$ROOT/examples/quickstart" || exit 1
run "$TRAINCTL" submit --cloud --dry-run trainctl.json
expect_rc "quickstart: submit --cloud --dry-run exits 0 with no credential" 0
expect_out "it shows the quota pre-flight reads" "^GET https://127\\.0\\.0\\.1:[0-9]+/subscriptions/$SUB/providers/Microsoft\\.MachineLearningServices/locations/eastus/usages\\?api-version=2026-09-01$"
expect_out "the cluster PUT" "^PUT .*/workspaces/ws-dev/computes/tctl-[a-z0-9-]+\\?api-version=2026-09-01$"
expect_out "the code version" "^PUT .*/workspaces/ws-dev/codes/trainctl-quickstart/versions/[0-9a-f]{64}\\?api-version=2026-09-01$"
expect_out "and the job, named by the run id" "^PUT .*/workspaces/ws-dev/jobs/[0-9a-z]{11}\\?api-version=2026-09-01$"
expect_out "with its time limit" '"timeout": "PT5M"'
vg_check "submit --cloud --dry-run" 0 submit --cloud --dry-run trainctl.json
dry_json "quickstart dry run" "$TRAINCTL" submit --cloud --dry-run --json trainctl.json
cd "$ROOT/examples/ml-repo" || exit 1
run "$TRAINCTL" submit --cloud --dry-run trainctl.json
expect_rc "ml-repo: submit --cloud --dry-run exits 0" 0
expect_out "its command line" '"command": "python3 train.py --epochs 200"'
dry_json "ml-repo dry run" "$TRAINCTL" submit --cloud --dry-run --json trainctl.json
run "$TRAINCTL" submit --cloud --dry-run sweep.json
expect_rc "ml-repo sweep: submit --cloud --dry-run exits 0" 0
expect_out "it becomes a sweep job" '"jobType": "Sweep"'
expect_out "with the example's bandit policy" '"policyType": "Bandit"'
expect_out "and every trial limited by the job's max_run_duration (10m)" '"trialTimeout": "PT10M"'
dry_json "ml-repo sweep dry run" "$TRAINCTL" submit --cloud --dry-run --json sweep.json
cd "$T_TMP" || exit 1
dry_json "cluster ensure dry run" "$TRAINCTL" cluster ensure gpu1 --vm-size Standard_NC6s_v3 --priority low_priority --max-nodes 2 --dry-run --json
dry_json "quota set dry run" "$TRAINCTL" quota set standardNCSv3Family=12 --dry-run --json
run "$TRAINCTL" list
expect_eq "dry runs record nothing" "0" "$(printf '%s\n' "$OUT" | grep -cE '^[0-9a-z]{11} ')"
vg_check "cluster ensure --dry-run" 0 cluster ensure gpu1 --vm-size Standard_NC6s_v3 --priority low_priority --max-nodes 2 --dry-run --json
vg_check "quota set --dry-run" 0 quota set standardNCSv3Family=12 --dry-run --json
unset TRAINCTL_ARM_ENDPOINT

# ---- the fake: ARM (HTTPS, recorded), Entra ID, Azurite ----
if ! have_azurite; then
	skip "the ARM fake with Azurite" "azurite not installed (npm install at the repository root; make test does it)"
	FAKE=no
elif ! fake_start --services aad,arm --azurite --record "$T_TMP/traffic" \
		--record-base https://management.azure.com \
		--record-only '^/subscriptions/(?!.*/(mfeOperationsStatus|mfeOperationResults)/)'; then
	not_ok "the ARM fake and Azurite start"
	FAKE=no
else
	ok "the ARM fake and Azurite start"
	FAKE=yes
fi

if [ "$FAKE" = yes ]; then
export AZURE_AUTHORITY_HOST="$FAKE_HTTPS" TRAINCTL_ARM_ENDPOINT="$FAKE_HTTPS" TRAINCTL_CA_BUNDLE="$FAKE_CA"
export AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_CLIENT_ID=00000000-0000-0000-0000-0000000000aa
export AZURE_CLIENT_SECRET=fake-secret-for-tests
export TRAINCTL_ARM_POLL_MS=50 TRAINCTL_HTTP_RETRY_BASE_MS=50 TRAINCTL_HTTP_RETRY_MAX_MS=3000
arm_state() { fake_ctl arm > "$T_TMP/arm.json"; }
# jq-free questions about the fake's state: arm_q 'python expression over s'
arm_q() { arm_state; python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($1)" "$T_TMP/arm.json"; }

# ---- clusters ----
run "$TRAINCTL" cluster ensure cpu1 --vm-size Standard_D4s_v3 --max-nodes 2
expect_rc "cluster ensure creates a missing cluster" 0
expect_out "and says so" "^cluster 'cpu1' created: Standard_D4s_v3 dedicated, 0-2 nodes, idle 120s before scale-down$"
expect_eq "it scales to zero after 120 s" "0 PT2M" "$(arm_q "s['computes']['cpu1']['properties']['properties']['scaleSettings']['minNodeCount'], s['computes']['cpu1']['properties']['properties']['scaleSettings']['nodeIdleTimeBeforeScaleDown']")"
puts=$(fake_ctl count '^(PUT|PATCH) .*/computes/cpu1')
run "$TRAINCTL" cluster ensure cpu1 --vm-size Standard_D4s_v3 --max-nodes 2
expect_out "ensure again: nothing differs" "^cluster 'cpu1' is as wanted"
expect_eq "so nothing is written" "$puts" "$(fake_ctl count '^(PUT|PATCH) .*/computes/cpu1')"
fake_ctl knobs '{"arm_retry_after": 1, "arm_lro_polls": 1}'
fake_ctl reset
run "$TRAINCTL" cluster ensure cpu1 --vm-size Standard_D4s_v3 --max-nodes 3 --min-nodes 1 --idle-time 30m
expect_out "other scale settings: PATCH" "^cluster 'cpu1' updated: nodes 0-2 -> 1-3, idle 120s -> 1800s$"
expect_eq "a PATCH, not a PUT" "1" "$(fake_ctl count '^PATCH .*/computes/cpu1')"
py "
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
polls = [e['time'] for e in log if 'mfeOperationsStatus' in e['path']]
print(len(polls), min(b - a for a, b in zip(polls, polls[1:])) if len(polls) > 1 else 0)
" "$(fake_ctl requests 'mfeOperationsStatus' > "$T_TMP/polls.jsonl"; echo "$T_TMP/polls.jsonl")"
polls=${PY% *}
gap=${PY#* }
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)" "$gap" \
	&& ok "Retry-After: 1 is honoured between operation polls ($polls polls, ${gap}s apart)" \
	|| not_ok "Retry-After: 1 is honoured between operation polls" "$PY"
fake_ctl knobs '{"arm_retry_after": 0}'
run "$TRAINCTL" cluster ensure cpu1 --vm-size Standard_NC6s_v3
expect_rc "another VM size on an existing cluster is refused" 1
expect_err "saying AmlCompute cannot change it" "cluster 'cpu1' is Standard_D4s_v3 dedicated, not Standard_NC6s_v3 dedicated: AmlCompute cannot change"
run "$TRAINCTL" cluster ensure cpu2 --vm-size Standard_F8s_v2 --priority low_priority
run "$TRAINCTL" cluster ensure cpu3 --vm-size Standard_D8s_v3
fake_ctl knobs '{"page_size": 2}'
run "$TRAINCTL" cluster list
expect_rc "cluster list exits 0" 0
expect_eq "three clusters over two pages (nextLink followed)" "3" "$(printf '%s\n' "$OUT" | grep -c '^cpu[0-9]')"
expect_out "cpu1 is flagged: min nodes and idle time" '^  ! min nodes 1 > 0: 1 node billed while idle \(\$0\.19/h\); idle time 30m > 10m'
fake_ctl knobs '{"page_size": null}'
run "$TRAINCTL" cluster check
expect_rc "cluster check exits 1 when a cluster costs money idle" 1
expect_err "saying how to fix it" "1 cluster cost money while idle; 'trainctl cluster check --fix'"
run "$TRAINCTL" cluster check --fix
expect_rc "check --fix exits 0" 0
expect_eq "it set min 0 and idle 120 s, keeping max" "0 PT2M 3" "$(arm_q "' '.join(str(s['computes']['cpu1']['properties']['properties']['scaleSettings'][k]) for k in ('minNodeCount', 'nodeIdleTimeBeforeScaleDown', 'maxNodeCount'))")"
run "$TRAINCTL" cluster check
expect_rc "then check passes" 0

# ---- quotas ----
run "$TRAINCTL" quota
expect_rc "quota exits 0" 0
expect_out "per family: usage against the subscription's limit" '^standardNCSv3Family +0 +48 +- +- +48$'
run "$TRAINCTL" quota set standardNCSv3Family=24
expect_rc "quota set within the limit" 0
expect_out "says what it set" "^workspace ws-dev: standardNCSv3Family limited to 24 vCPUs$"
run "$TRAINCTL" quota
expect_out "the workspace's use and quota show" '^standardNCSv3Family +0 +48 +0 +24 +24$'
run "$TRAINCTL" quota set standardNCSv3Family=100
expect_rc "above the subscription's limit: refused" 1
expect_err "naming the limit" "100 vCPUs is above the subscription's limit of 48 in eastus"
run "$TRAINCTL" quota set standardNCSv4Family=8
expect_rc "an unknown family: refused" 1
expect_err "with a suggestion" "no VM family 'standardNCSv4Family' in eastus \\(did you mean 'standardNCSv3Family'\\?\\)"

# ---- a project, its code, a command job ----
P="$T_TMP/proj"
mkdir -p "$P/src" "$P/data" "$P/logs"
cd "$P" || exit 1
git init -q . && git config user.email t@example.com && git config user.name t
printf 'print("training")\n' > train.py
printf 'def f():\n    return 1\n' > src/model.py
python3 -c "import os; open('data/big.bin', 'wb').write(os.urandom(300000))"
printf 'noise\n' > logs/run.log
printf 'logs/\n' > .gitignore
printf 'data/secret.txt\n' > .amlignore
printf 'not for the cloud\n' > data/secret.txt
cat > trainctl.json <<'EOF'
{"name": "demo", "command": ["python3", "train.py", "--lr", "0.1"],
 "resources": {"cpus": 2, "memory": "1GiB"}, "estimate": {"cpu_core_hours": 0.5},
 "limits": {"max_run_duration": "1h"}, "checkpointable": true,
 "env": {"SEED": "7"}, "cloud": {"region": "eastus"}}
EOF
git add -A && git commit -qm init
HEAD=$(git rev-parse HEAD)

export TRAINCTL_BLOCK_SIZE=65536
run "$TRAINCTL" submit --cloud
expect_rc "submit --cloud exits 0" 0
ID=$OUT
expect_out "it prints the run id" '^[0-9a-z]{11}$'
expect_err "the pre-flight read quotas and prices" "^trainctl: quota pre-flight: read usages, quotas and VM sizes; prices refreshed from vmSizes$"
expect_err "the cluster was created, scaled to zero" "^trainctl: cluster 'tctl-d4s-v3-lp' created: Standard_D4s_v3 low_priority, 0-1 nodes, idle 120s"
expect_err "the code was uploaded" "^trainctl: code trainctl-proj:[0-9a-f]{12} uploaded \\(6 files\\)$"
expect_err "the job was created, with its studio URL" "^trainctl: Azure ML job $ID created: https://ml\\.azure\\.com/runs/$ID\\?wsid="
expect_eq "the fake has one job, named by the run id" "1 True" "$(arm_q "len(s['jobs']), '$ID' in s['jobs']")"
expect_eq "a command job on the cluster" "Command tctl-d4s-v3-lp" "$(arm_q "s['jobs']['$ID']['jobType'], s['jobs']['$ID']['computeId'].rsplit('/', 1)[1]")"
expect_eq "tagged with the commit and trainctl's version" "$HEAD 0.1.0" "$(arm_q "s['jobs']['$ID']['tags']['trainctl.commit'], s['jobs']['$ID']['tags']['trainctl.version']")"
run "$TRAINCTL" status "$ID" --json
printf '%s\n' "$OUT" > "$T_TMP/run.json"
expect_eq "the ledger: backend azureml, backend_id = the run id, the price from vmSizes" \
	"azureml $ID cloud True True" \
	"$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['backend'], r['backend_id'], r['placement'], r['price_per_hour'] > 0, 'vmSizes' in r['price_source'])" "$T_TMP/run.json")"

# the blobs, read back from Azurite and compared byte for byte
run python3 - "$TESTS_SRC/fake" "$T_TMP/arm.json" "$FAKE_CA" "$P" "$(fake_field azurite)" <<'PY'
import json, os, sys, urllib.parse
sys.path.insert(0, sys.argv[1])
import azurite
state, ca, proj, account = json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4], sys.argv[5]
(uri,) = state["versions"].values()
path = urllib.parse.urlsplit(uri).path.split("/", 3)       # /devstoreaccount1/container/folder
container, folder = path[2], path[3]
blobs = {k[len(folder) + 1:]: v for k, v in azurite.list_blobs(account, container, ca).items()
         if k.startswith(folder + "/")}
want = ["trainctl.json", "train.py", "src/model.py", "data/big.bin", ".gitignore", ".amlignore"]
assert sorted(blobs) == sorted(want), sorted(blobs)
for name in want:
    data = azurite.get_blob(account, container, folder + "/" + name, ca)
    assert data == open(os.path.join(proj, name), "rb").read(), name
print("%d blobs equal to their files; big.bin went up in %d blocks" % (len(want), -(-300000 // 65536)))
PY
expect_rc "Azurite holds every file of the snapshot, byte for byte (ignored ones left out)" 0
expect_out "including the file sent in blocks" "6 blobs equal to their files; big.bin went up in 5 blocks"

# status follows Azure's job: Queued, Preparing, Running, Completed
for i in 1 2 3 4 5 6; do "$TRAINCTL" status "$ID" >/dev/null 2>&1; done
run "$TRAINCTL" status "$ID"
expect_out "status polls the job: succeeded" '^state +succeeded: Azure ML status Completed$'
expect_out "with its cost at the recorded price" '^cost +\$[0-9.]+ at \$0\.0232/h \(Azure ML vmSizes estimatedVMPrices \(eastus, Linux\), read 20'
expect_out "and its history" 'running +Azure ML status Running'
run "$TRAINCTL" logs "$ID"
expect_rc "logs exits 0" 0
expect_out "logs give the studio URL" "^studio +https://ml\\.azure\\.com/runs/$ID\\?wsid=/subscriptions/$SUB/resourcegroups/rg-ml/workspaces/ws-dev$"

# the same tree again: found by its hash, not uploaded
pending=$(fake_ctl count 'startPendingUpload')
run "$TRAINCTL" submit --cloud
ID2=$OUT
expect_err "an unchanged tree is not uploaded again" "^trainctl: code trainctl-proj:[0-9a-f]{12} unchanged: not uploaded again$"
expect_eq "no pending upload asked for" "$pending" "$(fake_ctl count 'startPendingUpload')"
run "$TRAINCTL" cancel "$ID2"
expect_rc "cancel a cloud run" 0
expect_out "cancelled" "^$ID2 cancelled$"
expect_eq "the fake's job is Canceled" "Canceled" "$(arm_q "s['jobs']['$ID2']['status']")"
run "$TRAINCTL" list
expect_out "list shows cloud runs" "^$ID2 +demo +cancelled"
if command -v script >/dev/null 2>&1; then
	printf 'new\n' > data/more.txt
	run script -qec "'$TRAINCTL' submit --cloud" /dev/null
	expect_out "on a terminal the upload shows its progress" 'upload: 7/7 files, [0-9.]+ KiB of [0-9.]+ KiB'
else
	skip "on a terminal the upload shows its progress" "no 'script' command for a pseudo-terminal"
fi
run "$TRAINCTL" submit --cloud --wait
expect_rc "submit --cloud --wait follows the job and exits with its status" 0
expect_out "printing the job's studio page" '^studio +https://ml\.azure\.com/runs/'
expect_out "and how it ended" '^run [0-9a-z]{11} succeeded: Azure ML status Completed$'

# ---- sweep and parallel jobs ----
cat > sweep.json <<'EOF'
{"name": "sweep", "command": ["python3", "train.py", "--lr", "${{search_space.lr}}", "--bs", "${{search_space.bs}}"],
 "resources": {"cpus": 2}, "estimate": {"cpu_core_hours": 0.5}, "checkpointable": true,
 "cloud": {"region": "eastus"},
 "sweep": {"search_space": {"lr": {"type": "loguniform", "min_value": -6, "max_value": -1},
                            "bs": {"type": "choice", "values": [16, 32]}},
           "sampling_algorithm": {"type": "random", "seed": 42},
           "objective": {"primary_metric": "loss", "goal": "minimize"},
           "early_termination": {"type": "bandit", "slack_factor": 0.1, "evaluation_interval": 2},
           "limits": {"max_total_trials": 8, "max_concurrent_trials": 2, "trial_timeout": "20m"}}}
EOF
run "$TRAINCTL" submit --cloud sweep.json
expect_rc "a sweep job goes to Azure ML" 0
SW=$OUT
expect_eq "as a Sweep job" "Sweep" "$(arm_q "s['jobs']['$SW']['jobType']")"
cat > par.json <<'EOF'
{"name": "shards", "command": ["python3", "train.py", "--shard", "{items}"], "resources": {"cpus": 1},
 "estimate": {"cpu_core_hours": 0.2}, "checkpointable": true, "cloud": {"region": "eastus"},
 "parallel": {"items": ["a", "b", "c"], "mini_batch_size": 2, "instance_count": 2,
              "max_concurrency_per_instance": 2, "error_threshold": 1, "retries": 2}}
EOF
run "$TRAINCTL" submit --cloud par.json
expect_rc "a parallel job goes to Azure ML" 0
PAR=$OUT
expect_eq "as a pipeline job with one parallel node" "Pipeline" "$(arm_q "s['jobs']['$PAR']['jobType']")"
expect_err "its code carries the driver and one file per item" "uploaded \\(13 files\\)"

# ---- fault knobs: one job each, the ledger agrees with the fake, one clear line ----
jobs_now() { arm_q "len(s['jobs'])"; }
settle() { # settle ID: poll status until the run ends (at most 12 polls)
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		st=$("$TRAINCTL" status "$1" --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['state'])")
		case "$st" in succeeded|failed|cancelled|timed_out) break ;; esac
	done
}
agree() { # agree NAME ID: the ledger's state and job name match the fake's job
	"$TRAINCTL" status "$2" --json > "$T_TMP/r.json" 2>/dev/null
	arm_state
	run python3 - "$T_TMP/r.json" "$T_TMP/arm.json" <<'PY'
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
job = s["jobs"][r["backend_id"]]
want = {"Completed": "succeeded", "Failed": "failed", "Canceled": "cancelled"}[job["status"]]
assert r["state"] == want, (r["state"], job["status"])
print(r["state"], job["status"], r["backend_id"])
PY
	expect_rc "$1: the ledger agrees with the fake ($OUT)" 0
}
fault_submit() { # fault_submit NAME LINE-REGEX RULE...
	name=$1
	line=$2
	shift 2
	before=$(jobs_now)
	fake_ctl fault "$@"
	run "$TRAINCTL" submit --cloud
	expect_rc "$name: submit exits 0" 0
	id=$OUT
	expect_eq "$name: exactly one job more" "$((before + 1))" "$(jobs_now)"
	expect_eq "$name: one clear line about it" "1" "$(printf '%s\n' "$ERR" | grep -cE -- "$line")"
	if ! printf '%s\n' "$ERR" | grep -qE -- "$line"; then printf '# stderr: %s\n' "$ERR"; fi
	settle "$id"
	agree "$name" "$id"
}
fault_submit "429 with Retry-After" '^trainctl: PUT workspaces/ws-dev/jobs/[0-9a-z]{11}: HTTP 429, server asked for 1000 ms; retry 1 of 4 in 1\.0 s$' \
	'{"kind": "status", "status": 429, "headers": {"Retry-After": "1"}, "match": "^PUT .*/jobs/"}'
fault_submit "503" '^trainctl: PUT workspaces/ws-dev/jobs/[0-9a-z]{11}: HTTP 503; retry 1 of 4 in ' \
	'{"kind": "status", "status": 503, "match": "^PUT .*/jobs/"}'
fault_submit "connection reset mid-request" '^trainctl: PUT workspaces/ws-dev/jobs/[0-9a-z]{11}: connection lost; retry 1 of 4 in ' \
	'{"kind": "reset", "match": "^PUT .*/jobs/", "count": 2}'
# a timeout well above a loaded CI machine's TLS handshake, well below the slow answer
export TRAINCTL_HTTP_TIMEOUT_MS=2500
fault_submit "slow answer" '^trainctl: PUT workspaces/ws-dev/jobs/[0-9a-z]{11}: timed out; retry 1 of 4 in ' \
	'{"kind": "slow", "seconds": 6, "match": "^PUT .*/jobs/"}'
unset TRAINCTL_HTTP_TIMEOUT_MS
fake_ctl expire-tokens
fault_submit "token expiry" '^trainctl: GET .*: Azure refused the token \(ExpiredAuthenticationToken\); fetched a new one and sent the request again$'

# low-priority preemption: a checkpointable run gets another attempt; another run is reported
fake_ctl knobs '{"preempt_next": 1}'
run "$TRAINCTL" submit --cloud
PRE=$OUT
settle "$PRE"
run "$TRAINCTL" status "$PRE"
expect_out "preemption: the run goes on and succeeds" '^state +succeeded'
expect_out "the attempts are recorded" "queued +azureml job /subscriptions/.*/jobs/$PRE-2$"
expect_eq "one job per attempt: the preempted one failed, the next completed" "Failed Completed" "$(arm_q "s['jobs']['$PRE']['status'], s['jobs']['$PRE-2']['status']")"
agree "preemption, checkpointable" "$PRE"
cat > once.json <<'EOF'
{"name": "once", "command": ["python3", "train.py"], "resources": {"cpus": 2},
 "estimate": {"cpu_core_hours": 0.05}, "checkpointable": false,
 "cloud": {"region": "eastus", "priority": "low_priority"}}
EOF
fake_ctl knobs '{"preempt_next": 1}'
run "$TRAINCTL" submit --cloud once.json
ONCE=$OUT
before=$(jobs_now)
for i in 1 2 3 4 5 6; do "$TRAINCTL" status "$ONCE" >/dev/null 2>>"$T_TMP/st.all"; done
run "$TRAINCTL" status "$ONCE"
expect_out "preemption of a non-checkpointable run is reported" '^state +failed: preempted: its low-priority nodes were reclaimed; not retried, the job is not checkpointable$'
expect_eq "with one clear line when status saw it" "1" "$(grep -c "^trainctl: run $ONCE: preempted: its low-priority nodes were reclaimed; not retried" "$T_TMP/st.all")"
expect_eq "and not retried" "$before" "$(jobs_now)"
agree "preemption, not checkpointable" "$ONCE"

# quota exhausted: the next candidate, or a refusal that says what is short
cat > dedicated.json <<'EOF'
{"name": "ded", "command": ["python3", "train.py"], "resources": {"cpus": 2},
 "estimate": {"cpu_core_hours": 0.5}, "cloud": {"region": "eastus", "priority": "dedicated"}}
EOF
fake_ctl knobs '{"quota_exhausted": "standardDSv3Family"}'
before=$(jobs_now)
run "$TRAINCTL" submit --cloud dedicated.json
expect_rc "quota exhausted: submit still exits 0" 0
QX=$OUT
expect_eq "quota exhausted: one clear line" "1" "$(printf '%s\n' "$ERR" | grep -cE '^trainctl: quota: Standard_D4s_v3 dedicated needs 4 vCPUs of standardDSv3Family, 0 free in eastus; chose Standard_[A-Za-z0-9_]+ dedicated x1 instead$')"
expect_eq "quota exhausted: exactly one job more, not on the exhausted family" "$((before + 1)) True" "$(arm_q "len(s['jobs']), 'd4s' not in s['jobs']['$QX']['computeId']")"
settle "$QX"
agree "quota exhausted" "$QX"
sed 's/"priority": "dedicated"/"priority": "dedicated", "vm_sizes": ["Standard_D4s_v3"]/' dedicated.json > only.json
before=$(jobs_now)
runs_before=$("$TRAINCTL" list | wc -l)
run "$TRAINCTL" submit --cloud only.json
expect_rc "no candidate left: refused" 1
expect_err "naming family, needed and free vCPUs, and how to ask for more" "^error: not enough quota in eastus: 1 node of Standard_D4s_v3 \\(dedicated\\) needs 4 vCPUs of standardDSv3Family, 0 free; 48 of 48 in use; ask Azure for more"
expect_eq "nothing created" "$before" "$(jobs_now)"
expect_eq "nothing recorded" "$runs_before" "$("$TRAINCTL" list | wc -l)"
fake_ctl knobs '{"quota_exhausted": null}'

# ---- secrets: the client secret and tokens never reach output, the ledger or the traffic ----
run sh -c "grep -rl -e 'fake-secret-for-tests' -e 'Bearer fake' '$TRAINCTL_HOME' '$T_TMP/traffic' 2>/dev/null | head -3"
expect_eq "no secret or token in the ledger, caches or recorded traffic" "" "$OUT"
cd "$T_TMP" || exit 1
fi

# ---- Microsoft's validator over everything sent and answered ----
if ! have_spec; then
	skip "oav validates the traffic against the spec" "$SPEC is absent"
elif ! have_oav; then
	skip "oav validates the traffic against the spec" "oav not installed (npm install at the repository root; make test does it)"
else
	dirs="$DRY"
	[ "$FAKE" = yes ] && dirs="$DRY $T_TMP/traffic"
	run $OAV_CHECK --spec "$SPEC" --work "$T_TMP/oav" --min-ops 14 $dirs
	printf '%s\n' "$OUT" | sed 's/^/# /'
	expect_rc "oav: every recorded request and answer is valid against the 2026-09-01 spec" 0
	expect_out "with 0 errors" ', 0 errors$'
fi
done_testing
