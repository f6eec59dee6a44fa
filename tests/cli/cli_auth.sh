#!/bin/sh
# cli_auth.sh: `trainctl auth check` against the loopback token fakes, for each kind of credential;
# and the secrets test: neither the client secret nor a token ever shows up in output or files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

TENANT=contoso.onmicrosoft.com
CLIENT=00000000-0000-0000-0000-0000000000aa
SECRET_MARKER=SECRET-MARKER-d41d8cd98f00
TOKEN_MARKER=TOKEN-MARKER-9e107d9d372b

run "$TRAINCTL" auth --help
expect_rc "auth --help exits 0" 0
expect_out "auth lists check" '^  check +say which Azure credential is found'
run "$TRAINCTL" auth check --help
expect_out "check --help shows the usage" '^usage: trainctl auth check \[--json\] \[--scope arm\|storage\|URI\] \[--verbose\]'
run "$TRAINCTL" auth chek
expect_rc "a misspelt subcommand is a usage error" 2
expect_err "with a suggestion" "unknown subcommand 'chek' \(did you mean 'check'\?\)"

if ! fake_start --services aad,echo; then
	not_ok "the fake starts"
	done_testing
	exit 1
fi
BIN="$T_TMP/bin"
mkdir -p "$BIN"
export PATH="$BIN:/usr/bin:/bin"
export AZURE_AUTHORITY_HOST="$FAKE_HTTPS" TRAINCTL_CA_BUNDLE="$FAKE_CA"
export TRAINCTL_IMDS_ENDPOINT="http://127.0.0.1:$(closed_port)"
fake_ctl knobs "{\"client_secret\": \"$SECRET_MARKER\", \"token_prefix\": \"$TOKEN_MARKER.\"}"

# a fake `az` on PATH (put first): it prints a token for the resource it is asked for
fake_az() {
	printf '#!/bin/sh\n%s\n' "$1" > "$BIN/az"
	chmod +x "$BIN/az"
}
no_az() {
	# hide any real az: PATH holds only our folder and the tools the test needs
	rm -f "$BIN/az"
	for t in sh python3 cat grep sed rm mkdir stat; do ln -sf "$(command -v $t)" "$BIN/$t" 2>/dev/null; done
	export PATH="$BIN"
}
with_system_path() {
	export PATH="$BIN:/usr/bin:/bin"
}

# ---- nothing configured ----
no_az
run "$TRAINCTL" auth check
expect_rc "no credential: exit 1" 1
expect_err "it says what was looked for" "^error: no Azure credential found: client secret: AZURE_CLIENT_SECRET not set; workload identity: AZURE_FEDERATED_TOKEN_FILE not set; managed identity: no answer from the instance metadata service at http://127\.0\.0\.1:[0-9]+; Azure CLI: 'az' not found on PATH$"
expect_eq "and prints nothing else" "" "$OUT"
run "$TRAINCTL" auth check --json
expect_rc "--json too exits 1" 1
expect_out "--json says found: false" '"found": false'
with_system_path

# ---- client secret ----
export AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$CLIENT AZURE_CLIENT_SECRET=$SECRET_MARKER
run "$TRAINCTL" auth check
expect_rc "client secret: exit 0" 0
expect_out "names the kind" '^credential: client secret$'
expect_out "and where it came from" '^source: +environment \(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET\)$'
expect_out "the tenant" "^tenant: +$TENANT\$"
expect_out "the client id" "^client id: +$CLIENT\$"
expect_out "the token endpoint" "^endpoint: +https://127\.0\.0\.1:[0-9]+/$TENANT/oauth2/v2\.0/token\$"
expect_out "the token works, and when it expires" '^token: +ok, for https://management\.azure\.com/\.default, expires 20[0-9-]+T[0-9:]+Z \(in (59m[0-9]*s?|1h)\)$'
expect_eq "the first link was used: nothing skipped" "0" "$(printf '%s\n' "$OUT" | grep -c '^skipped:' || true)"
run "$TRAINCTL" auth check --json
expect_rc "--json exits 0" 0
printf '%s\n' "$OUT" > "$T_TMP/check.json"
run python3 - "$T_TMP/check.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["found"] is True and d["error"] is None
c, t = d["credential"], d["token"]
assert c["type"] == "client_secret" and c["tenant_id"] == "contoso.onmicrosoft.com", c
assert t["ok"] is True and t["scope"] == "https://management.azure.com/.default" and t["expires_on"].endswith("Z"), t
print("ok")
PY
expect_eq "--json: found, credential, token" "ok" "$OUT"
run "$TRAINCTL" auth check --scope storage
expect_out "--scope storage asks for a storage token" '^token: +ok, for https://storage\.azure\.com/\.default'
run fake_ctl requests 'oauth2'
expect_out "the fake saw the storage scope" 'scope=https%3A%2F%2Fstorage\.azure\.com%2F\.default'

fake_ctl knobs '{"client_secret": "rotated-elsewhere"}'
run "$TRAINCTL" auth check
expect_rc "a refused secret: exit 1" 1
expect_out "the credential is still described" '^credential: client secret$'
expect_out "the token line says failed" '^token: +failed, for https://management\.azure\.com/\.default$'
expect_err "Entra ID's answer, one line" "^error: client secret from environment \(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET\): POST https://127\.0\.0\.1:[0-9]+/$TENANT/oauth2/v2\.0/token: HTTP 401: invalid_client: AADSTS7000215: Invalid client secret provided\."
fake_ctl knobs "{\"client_secret\": \"$SECRET_MARKER\"}"
unset AZURE_CLIENT_SECRET

# ---- workload identity ----
printf 'FEDERATED-JWT\n' > "$T_TMP/federated"
export AZURE_FEDERATED_TOKEN_FILE="$T_TMP/federated"
fake_ctl knobs '{"federated_token": "FEDERATED-JWT"}'
run "$TRAINCTL" auth check
expect_rc "workload identity: exit 0" 0
expect_out "names the kind" '^credential: workload identity$'
expect_out "skipped the client secret" '^skipped: +client secret: AZURE_CLIENT_SECRET not set$'
unset AZURE_FEDERATED_TOKEN_FILE AZURE_TENANT_ID AZURE_CLIENT_ID

# ---- managed identity ----
export TRAINCTL_IMDS_ENDPOINT="$FAKE_HTTP"
run "$TRAINCTL" auth check
expect_rc "managed identity (IMDS): exit 0" 0
expect_out "names the kind" '^credential: managed identity$'
expect_out "and the metadata service" "^endpoint: +http://127\.0\.0\.1:[0-9]+\$"
export IDENTITY_ENDPOINT="$FAKE_HTTPS/msi/token" IDENTITY_HEADER=fake-identity-header
run "$TRAINCTL" auth check
expect_rc "managed identity (App Service): exit 0" 0
expect_out "names the kind" '^credential: managed identity \(App Service\)$'
unset IDENTITY_ENDPOINT IDENTITY_HEADER
fake_ctl knobs '{"imds_identity": false}'
fake_az 'echo "{\"accessToken\": \"'"$TOKEN_MARKER"'.cli\", \"expires_on\": 4102444800, \"tenant\": \"t-cli\", \"tokenType\": \"Bearer\"}"'
run "$TRAINCTL" auth check
expect_rc "no identity assigned: the Azure CLI is next" 0
expect_out "names the CLI" '^credential: Azure CLI$'
expect_out "with the tenant it reported" '^tenant: +t-cli$'
expect_out "and why managed identity was passed over" 'managed identity: no identity is assigned to this machine'
fake_ctl knobs '{"imds_identity": true}'
export TRAINCTL_IMDS_ENDPOINT="http://127.0.0.1:$(closed_port)"

# ---- Azure CLI ----
fake_az 'echo "ERROR: Please run '"'"'az login'"'"' to setup account." >&2; exit 1'
run "$TRAINCTL" auth check
expect_rc "az not logged in: exit 1" 1
expect_err "it says to log in" "Azure CLI: not logged in \(run 'az login'\)"

# ---- the secrets test ----
# Everything the commands print, with tracing on, on success and failure, and every file they
# leave, must hold neither the client secret nor a token; the token cache alone holds tokens
# (mode 0600, docs/azure.md) and never the secret.
fake_az 'echo "{\"accessToken\": \"'"$TOKEN_MARKER"'.cli\", \"expires_on\": 4102444800}"'
export AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$CLIENT AZURE_CLIENT_SECRET=$SECRET_MARKER
ALL="$T_TMP/all-output"
: > "$ALL"
for args in "auth check" "auth check --json" "auth check --verbose" "auth check --scope storage --verbose"; do
	"$TRAINCTL" $args >> "$ALL" 2>&1
done
fake_ctl knobs '{"client_secret": "other"}'
"$TRAINCTL" auth check --verbose >> "$ALL" 2>&1
"$TRAINCTL" auth check --json --verbose >> "$ALL" 2>&1
fake_ctl knobs "{\"client_secret\": \"$SECRET_MARKER\"}"
cat > "$T_TMP/prices.json" <<'EOF'
[]
EOF
TRAINCTL_PRICES_ENDPOINT="$FAKE_HTTPS/api/retail/prices?code=$SECRET_MARKER" "$TRAINCTL" prices refresh --region eastus --verbose >> "$ALL" 2>&1
TRAINCTL_PRICES_ENDPOINT="https://user:$SECRET_MARKER@127.0.0.1:$(closed_port)/x?sig=$SECRET_MARKER" \
	TRAINCTL_HTTP_RETRIES=0 "$TRAINCTL" prices refresh --region eastus --verbose >> "$ALL" 2>&1
"$TRAINCTL" config show >> "$ALL" 2>&1
expect_eq "the outputs were captured" "yes" "$([ -s "$ALL" ] && grep -q 'credential: client secret' "$ALL" && grep -q '^http: ' "$ALL" && echo yes)"
expect_eq "no output holds the client secret" "0" "$(grep -c "$SECRET_MARKER" "$ALL" || true)"
expect_eq "no output holds a token" "0" "$(grep -c "$TOKEN_MARKER" "$ALL" || true)"
expect_eq "traced Authorization-like secrets are masked" "yes" "$(grep -q 'code=\*\*\*' "$ALL" && grep -q 'https://\*\*\*@127' "$ALL" && echo yes)"
expect_eq "no file under TRAINCTL_HOME holds the client secret" "" "$(grep -rl "$SECRET_MARKER" "$TRAINCTL_HOME" || true)"
expect_eq "only the token cache holds tokens" "$TRAINCTL_HOME/cache/tokens.json" "$(grep -rl "$TOKEN_MARKER" "$TRAINCTL_HOME" || true)"
expect_eq "the token cache is private (0600)" "600" "$(stat -c %a "$TRAINCTL_HOME/cache/tokens.json")"

# ---- no leaks ----
vg_check "auth check" 0 auth check
unset AZURE_CLIENT_SECRET
vg_check "auth check (Azure CLI)" 0 auth check --json

done_testing
