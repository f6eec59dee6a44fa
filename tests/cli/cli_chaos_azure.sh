#!/bin/sh
# cli_chaos_azure.sh: the Azure ML path under chaos: with the ARM fake giving a random fault
# (429, 503, reset, lost answer, slow, token expiry, preemption) to any request with
# probability CHAOS_P, 20 command/sweep/parallel submits from 4 lanes, some SIGKILLed
# mid-submit, then `status` on every run; the ledger and the fake must agree: one cloud job
# per attempt of each run, none without a run. CHAOS_SEED (printed) replays the choices;
# CHAOS_AZURE_RUNS the count (10 under a sanitizer, TRAINCTL_SANITIZER set).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chaos_report.sh"
. "$(dirname "$0")/fake.sh"

ROOT="$TESTS_SRC/.."
seed=${CHAOS_SEED:-20261128}
p=${CHAOS_P:-0.2}
runs=${CHAOS_AZURE_RUNS:-20}
if [ -n "${TRAINCTL_SANITIZER:-}" ] && [ -z "${CHAOS_AZURE_RUNS:-}" ]; then runs=10; fi
echo "# CHAOS_SEED=$seed CHAOS_P=$p CHAOS_AZURE_RUNS=$runs (rerun with these to replay the same choices)"

if ! command -v node > /dev/null 2>&1; then
	skip "Azure ML chaos against the ARM fake" "node is not installed (Azurite needs it)"
	done_testing
	exit $?
fi
if ! [ -x "$ROOT/node_modules/.bin/azurite-blob" ] && [ -z "${AZURITE_BLOB:-}" ]; then
	skip "Azure ML chaos against the ARM fake" "azurite not installed (npm install at the repository root; make test does it)"
	done_testing
	exit $?
fi
if ! fake_start --services aad,arm --azurite; then
	not_ok "the ARM fake and Azurite start"
	done_testing
	exit 1
fi
ok "the ARM fake and Azurite start"

export AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000001 AZURE_RESOURCE_GROUP=rg-ml
export AZUREML_WORKSPACE=ws-dev AZURE_LOCATION=eastus
export AZURE_AUTHORITY_HOST="$FAKE_HTTPS" TRAINCTL_ARM_ENDPOINT="$FAKE_HTTPS" TRAINCTL_CA_BUNDLE="$FAKE_CA"
export AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_CLIENT_ID=00000000-0000-0000-0000-0000000000aa
export AZURE_CLIENT_SECRET=fake-secret-for-tests
export TRAINCTL_ARM_POLL_MS=50 TRAINCTL_HTTP_RETRY_BASE_MS=50 TRAINCTL_HTTP_RETRY_MAX_MS=1000
export TRAINCTL_HTTP_TIMEOUT_MS=1500

P="$T_TMP/proj"
mkdir -p "$P"
cd "$P" || exit 1
git init -q . && git config user.email t@example.com && git config user.name t
printf 'print("training")\n' > train.py
git add -A && git commit -qm init

python3 "$TESTS_SRC/cli/chaos_azure.py" "$TRAINCTL" "$P" "$seed" "$runs" "$p" \
	"$TESTS_SRC/fake/ctl.py" "$FAKE_DIR/ready" > "$T_TMP/chaos.out" 2> "$T_TMP/chaos.err"
rc=$?
chaos_report "$rc" 7
cd "$T_TMP" || exit 1
done_testing
