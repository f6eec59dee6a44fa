#!/bin/sh
# cli_config.sh: `trainctl config show`: merged values, origins, redaction, refusals, exit codes.
. "$(dirname "$0")/lib.sh"

unset AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZUREML_WORKSPACE AZURE_LOCATION \
	TRAINCTL_WORKSPACE TRAINCTL_ARM_ENDPOINT AZURE_AUTHORITY_HOST TRAINCTL_IMDS_ENDPOINT \
	TRAINCTL_PRICES_ENDPOINT TRAINCTL_STORAGE_SUFFIX TRAINCTL_CA_BUNDLE
USER_CFG="$TRAINCTL_HOME/config/config.json"
mkdir -p "$TRAINCTL_HOME/config" "$T_TMP/repo/.git" "$T_TMP/repo/.trainctl" "$T_TMP/repo/src"
cd "$T_TMP/repo/src" || exit 1

run "$TRAINCTL" config show
expect_rc "no config files: exit 0" 0
expect_out "no config files: says so" '^# user config: \(none\)$'
expect_out "defaults are listed as such" '^cloud\.arm = "https://management\.azure\.com"  \(default\)$'
expect_out "local economics defaults" '^local\.gpu_watts = 300  \(default\)$'

cat >"$USER_CFG" <<'JSON'
{
  "default_workspace": "dev",
  "workspaces": {
    "dev": {"subscription_id": "00000000-0000-0000-0000-000000000001",
            "resource_group": "rg-dev", "workspace": "ws-dev", "region": "westeurope"}
  },
  "credentials": {"client_secret": "hunter2"},
  "local": {"electricity_usd_per_kwh": 0.42}
}
JSON
chmod 600 "$USER_CFG"
cat >"$T_TMP/repo/.trainctl/config.json" <<'JSON'
{
  "budgets": {"per_job_usd": {"nightly": 20}}
}
JSON

run "$TRAINCTL" config show
expect_rc "user and repository configs: exit 0" 0
expect_out "the user file is named" "^# user config: $USER_CFG\$"
expect_out "the repository file is found from a subfolder" "^# repository config: $T_TMP/repo/.trainctl/config.json\$"
expect_out "a user value with its file and line" "^local\.electricity_usd_per_kwh = 0\.42  \($USER_CFG:8\)\$"
expect_out "a repository value with its file and line" "^budgets\.per_job_usd\.nightly = 20  \($T_TMP/repo/.trainctl/config.json:2\)\$"
expect_out "the secret is redacted" '^credentials\.client_secret = "\*\*\*"  \('
if printf '%s' "$OUT$ERR" | grep -q hunter2; then not_ok "the secret never appears"; else ok "the secret never appears"; fi

AZURE_LOCATION=northeurope run "$TRAINCTL" config show
expect_out "an environment override names its variable" '^workspaces\.dev\.region = "northeurope"  \(env AZURE_LOCATION\)$'

run "$TRAINCTL" config show --json
expect_rc "--json: exit 0" 0
expect_out "--json: files" "\"user\": \"$USER_CFG\""
expect_out "--json: the secret is redacted" '"value": "\*\*\*"'
expect_out "--json: origins" "\"origin\": \"$USER_CFG:5\""
if command -v python3 >/dev/null 2>&1; then
	if printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["values"]["local.gpu_watts"] == {"value": 300, "origin": "default"}'; then
		ok "--json: parses, with value and origin per key"
	else
		not_ok "--json: parses, with value and origin per key" "$OUT"
	fi
else
	skip "--json: parses, with value and origin per key" "python3 is not installed"
fi

chmod 644 "$USER_CFG"
run "$TRAINCTL" config show
expect_rc "a readable secret: exit 1" 1
expect_eq "a readable secret: the exact refusal" \
	"error: '$USER_CFG' holds a secret and is readable by others; run: chmod 600 $USER_CFG" "$ERR"
chmod 600 "$USER_CFG"

cat >"$T_TMP/repo/.trainctl/config.json" <<'JSON'
{"credentials": {"client_secret": "hunter2"}}
JSON
run "$TRAINCTL" config show
expect_rc "a secret in the repository config: exit 1" 1
expect_err "a secret in the repository config: refused" "is a repository config, committed with the code: it must not hold secrets \(credentials\.client_secret\)"

cat >"$T_TMP/repo/.trainctl/config.json" <<'JSON'
{
  "budgets": {"monthly_usd": "100"},
  "quotas": [{"family": "standardNCFamily", "region": "eastus", "vcpus": 24, "priority": "spot"}]
}
JSON
run "$TRAINCTL" config show
expect_rc "an invalid repository config: exit 1" 1
expect_eq "every problem on its own line" \
"error: $T_TMP/repo/.trainctl/config.json:2: budgets.monthly_usd: expected a positive number, got \"100\"
error: $T_TMP/repo/.trainctl/config.json:3: quotas[0].priority: expected one of \"dedicated\", \"low_priority\", \"Dedicated\" or \"LowPriority\", got \"spot\"" "$ERR"
rm "$T_TMP/repo/.trainctl/config.json"

AZURE_SUBSCRIPTION_ID=nope run "$TRAINCTL" config show
expect_rc "a bad environment value: exit 1" 1
expect_eq "a bad environment value: named" \
	'error: env AZURE_SUBSCRIPTION_ID: expected a subscription ID (a GUID), got "nope"' "$ERR"

run "$TRAINCTL" config
expect_rc "no subcommand: usage error" 2
run "$TRAINCTL" config shwo
expect_rc "unknown subcommand: usage error" 2
expect_err "unknown subcommand: suggestion" "did you mean 'show'"
run "$TRAINCTL" config show extra
expect_rc "an extra argument: usage error" 2
run "$TRAINCTL" config show --help
expect_rc "show --help: exit 0" 0
expect_out "show --help: usage" '^usage: trainctl config show'

vg_check "config show" 0 config show --json
have_valgrind && chmod 644 "$USER_CFG"
vg_check "a refused config" 1 config show

done_testing
