#!/bin/sh
# cli_secrets.sh: the secrets audit. Every credential trainctl reads is set to one marker
# (the client secret, a federated token file's contents, managed-identity and CLI secrets,
# passwords in endpoint URLs, the user config's credentials.client_secret); the fakes issue
# tokens carrying a second marker. Every command `trainctl --help` lists runs with
# representative options (--dry-run, --json, -v, failing and error paths), without and with
# the fakes; then all output, the ledger (dumped, and its files with the WAL), run folders,
# hooks.log and caches under TRAINCTL_HOME are searched: neither marker may appear. Tokens
# are allowed in one place only: the token cache (tokens.json, mode 0600), which exists to
# hold them; the credential marker may not appear even there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

T="$TRAINCTL"
ROOT="$TESTS_SRC/.."
SECRET=tctlSecretMarker7Q3
TOKEN=tctlTokenMarker9K1
CAP="$T_TMP/capture"
mkdir -p "$CAP"
N=0
COVERED=" "

# inv CMD ARGS...: one invocation, its output kept in $CAP/N.{cmd,out,err}; the command is covered
inv() {
	N=$((N + 1))
	COVERED="$COVERED$1 "
	printf '%s\n' "trainctl $*" > "$CAP/$N.cmd"
	"$T" "$@" > "$CAP/$N.out" 2> "$CAP/$N.err" < /dev/null
	echo $? >> "$CAP/$N.cmd"
}

export AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000001 AZURE_RESOURCE_GROUP=rg-ml
export AZUREML_WORKSPACE=ws-dev AZURE_LOCATION=eastus
export AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_CLIENT_ID=00000000-0000-0000-0000-0000000000aa
export AZURE_CLIENT_SECRET=$SECRET AZURE_PASSWORD=$SECRET AZURE_CLIENT_CERTIFICATE_PASSWORD=$SECRET
export IDENTITY_HEADER=$SECRET MSI_SECRET=$SECRET TRAINCTL_AZURE_TOKEN=$SECRET
printf '%s\n' "$SECRET" > "$T_TMP/federated"
export AZURE_FEDERATED_TOKEN_FILE="$T_TMP/federated"
export TRAINCTL_HTTP_RETRIES=1 TRAINCTL_HTTP_RETRY_BASE_MS=20 TRAINCTL_HTTP_RETRY_MAX_MS=50
export TRAINCTL_ARM_POLL_MS=50
mkdir -p "$HOME/.config/trainctl"
cat > "$HOME/.config/trainctl/config.json" <<EOF
{"credentials": {"tenant_id": "contoso.onmicrosoft.com",
                 "client_id": "00000000-0000-0000-0000-0000000000aa",
                 "client_secret": "$SECRET"}}
EOF
chmod 600 "$HOME/.config/trainctl/config.json"

# a project: a git repository with a job of each kind
P="$T_TMP/proj"
mkdir -p "$P"
cd "$P" || exit 1
git init -q . && git config user.email t@example.com && git config user.name t
printf 'print("training")\n' > train.py
cat > trainctl.json <<'EOF'
{"name": "demo", "command": ["python3", "train.py"], "resources": {"cpus": 1},
 "estimate": {"cpu_core_hours": 0.1}, "checkpointable": true, "cloud": {"region": "eastus"},
 "trigger": {"events": ["post-commit"], "paths": ["*.py"]}}
EOF
cat > sweep.json <<'EOF'
{"name": "sw", "command": ["sh", "-c", "echo loss=0.5"], "resources": {"cpus": 0.5},
 "cloud": {"region": "eastus"},
 "sweep": {"search_space": {"lr": {"type": "choice", "values": [1, 2]}},
           "sampling_algorithm": {"type": "grid"},
           "objective": {"primary_metric": "loss", "goal": "minimize"},
           "limits": {"max_total_trials": 2, "max_concurrent_trials": 2}}}
EOF
printf '{"name": "bad", "command": "not a list"}\n' > bad.json
git add -A && git commit -qm init
SMALL="$ROOT/tests/data/trace/small.csv"

# ---- every command, no fake: endpoints nobody listens on, passwords in their URLs ----
PORT=$(closed_port)
export TRAINCTL_ARM_ENDPOINT="https://user:$SECRET@127.0.0.1:$PORT"
export TRAINCTL_PRICES_ENDPOINT="https://user:$SECRET@127.0.0.1:$PORT/api/retail/prices"
export AZURE_AUTHORITY_HOST="https://user:$SECRET@127.0.0.1:$PORT"
export TRAINCTL_IMDS_ENDPOINT="http://user:$SECRET@127.0.0.1:$PORT"

every_command() { # the same list with and without the fakes
	inv --help
	inv auth check
	inv auth check --json -v
	inv auth check --scope storage --verbose
	inv config show
	inv config show --json
	inv validate trainctl.json
	inv validate bad.json
	inv plan trainctl.json --json
	inv plan trainctl.json
	inv profile --json
	inv prices refresh --region eastus -v
	inv prices refresh --json
	inv quota --json -v
	inv quota
	inv quota set standardDSv3Family=8 --dry-run --json
	inv quota set standardDSv3Family=8 -v
	inv cluster list -v
	inv cluster check
	inv cluster ensure c1 --vm-size Standard_D4s_v3 --dry-run --json
	inv cluster ensure c1 --vm-size Standard_D4s_v3 --verbose
	inv submit --local -q -- sh -c 'env'
	inv submit --local --wait -- sh -c 'echo out; exit 3'
	inv submit --cloud --dry-run
	inv submit --cloud --dry-run --json -v
	inv submit --cloud -v
	inv submit --cloud --json
	inv submit nosuchfile.json
	inv sweep sweep.json --local --json
	inv sweep --results last --json
	inv list --all --json
	inv list --state failed
	inv status last --json
	inv status last
	inv status nosuchrun
	inv logs last
	inv logs nosuchrun
	inv cancel last
	inv cancel nosuchrun
	inv cost --json
	inv cost --html "$T_TMP/cost.html"
	inv gc --dry-run --json
	inv gc
	inv hook install
	inv hook list
	inv hook run post-commit
	inv hook uninstall
	inv simulate --trace "$SMALL" --json
	inv simulate --trace nosuch.csv
	inv nosuchcommand
	for id in $("$T" list --all --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)))'); do
		inv status "$id" --json
		inv logs "$id"
	done
}
every_command
wait_idle 30 > /dev/null

# ---- again with the fakes: Entra ID, ARM (and Azurite when installed), prices ----
if [ -x "$ROOT/node_modules/.bin/azurite-blob" ] || [ -n "${AZURITE_BLOB:-}" ]; then AZ=--azurite; else AZ=; fi
if fake_start --services aad,arm,prices $AZ; then
	ok "the fakes start${AZ:+ (with Azurite)}"
	fake_ctl knobs "{\"client_secret\": \"$SECRET\", \"federated_token\": \"$SECRET\", \"token_prefix\": \"$TOKEN.\"}"
	export TRAINCTL_CA_BUNDLE="$FAKE_CA" AZURE_AUTHORITY_HOST="$FAKE_HTTPS"
	export TRAINCTL_ARM_ENDPOINT="$FAKE_HTTPS"
	export TRAINCTL_PRICES_ENDPOINT="$(printf '%s' "$FAKE_HTTPS" | sed "s|https://|https://user:$SECRET@|")/api/retail/prices"
	export TRAINCTL_IMDS_ENDPOINT="$FAKE_HTTP"
	every_command
	run "$T" auth check
	expect_rc "with the fakes the client secret gets a token (so the paths that use one ran)" 0
	if [ -n "$AZ" ]; then
		run "$T" submit --cloud -q
		expect_rc "and a cloud submit goes through" 0
	fi
	# the other credentials of the chain, each alone: workload identity (the marker is the
	# federated token file's contents) and App Service's identity endpoint (IDENTITY_HEADER)
	mv "$HOME/.config/trainctl/config.json" "$T_TMP/config.json"
	(
		unset AZURE_CLIENT_SECRET
		inv auth check -v
		run "$T" auth check --json -v
		expect_rc "workload identity: the federated token gets a token" 0
		inv quota -v
		unset AZURE_FEDERATED_TOKEN_FILE AZURE_CLIENT_ID
		export IDENTITY_ENDPOINT="$FAKE_HTTPS/msi/token"
		fake_ctl knobs "{\"identity_header\": \"$SECRET\"}"
		run "$T" auth check -v
		expect_rc "App Service identity: IDENTITY_HEADER gets a token" 0
		inv auth check --json --verbose
		inv cluster list -v
		printf "%s\n" "$T_N $T_FAIL $N" > "$T_TMP/sub.counts"
	)
	read -r T_N T_FAIL N < "$T_TMP/sub.counts"
	mv "$T_TMP/config.json" "$HOME/.config/trainctl/config.json"
	fake_ctl expire-tokens
	inv status last -v
	[ -z "$AZ" ] && echo "# azurite not installed: cloud submits stop at the code upload"
	tokens=$(fake_ctl requests | grep -c "$TOKEN" || true)
	[ "$(fake_ctl requests '/oauth2/v2.0/token' | wc -l)" -gt 0 ] && ok "commands fetched tokens from the fake (its log holds $tokens requests with one)" ||
		not_ok "commands fetched tokens from the fake"
else
	not_ok "the fakes start"
fi
wait_idle 30 > /dev/null
cd "$T_TMP" || exit 1

# ---- every command --help lists has at least one invocation here ----
cmds=$("$T" --help | awk '/^commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { f = 0 }')
missing=""
for c in $cmds; do
	case "$COVERED" in *" $c "*) ;; *) missing="$missing $c" ;; esac
done
expect_eq "every command of 'trainctl --help' ($(echo $cmds | wc -w)) is run by this test" "" "$missing"
echo "# $N invocations, $(cat "$CAP"/*.cmd | grep -cx 0) of them exited 0"

# ---- the search ----
LEDGER="$TRAINCTL_HOME/data/ledger.db"
sqlite3 "$LEDGER" .dump > "$T_TMP/ledger.sql" 2>&1
expect_eq "the ledger dumps" "0" "$?"
expect_eq "the ledger holds runs to search" "yes" "$([ "$(sqlite3 "$LEDGER" 'SELECT count(*) FROM runs')" -gt 3 ] && echo yes)"
leaks() { # leaks MARKER [EXCLUDED-FILE]: files holding MARKER (outputs named by their command)
	grep -rlaF -- "$1" "$CAP" "$TRAINCTL_HOME" "$T_TMP/ledger.sql" "$T_TMP/cost.html" "$P/.git/hooks" 2>/dev/null |
	while read -r f; do
		[ -n "${2:-}" ] && [ "$f" = "$2" ] && continue
		case "$f" in
		"$CAP"/*) echo "$(head -1 "${f%.*}.cmd") -> ${f##*.}: $(grep -aoF -m1 -- "$1" "$f" >/dev/null && grep -a -m1 -F -- "$1" "$f" | cut -c1-160)" ;;
		*) echo "$f" ;;
		esac
	done
}
run leaks "$SECRET"
expect_eq "no credential in any output, ledger, run folder, log or cache" "" "$OUT"
CACHE=$(find "$TRAINCTL_HOME" -name tokens.json | head -1)
run leaks "$TOKEN" "$CACHE"
expect_eq "no token anywhere but the token cache" "" "$OUT"
if [ -n "$CACHE" ]; then
	expect_eq "the token cache is private (0600)" "600" "$(stat -c %a "$CACHE")"
else
	skip "the token cache is private (0600)" "no token was cached"
fi
expect_eq "the searched files include run folders with saved environments" "yes" \
	"$([ -n "$(find "$TRAINCTL_HOME" -path '*/runs/*/env' | head -1)" ] && echo yes)"
expect_eq "and a run's own output (the environment it was given)" "yes" \
	"$(grep -rlaF 'AZURE_TENANT_ID=' "$TRAINCTL_HOME"/data/runs/*/stdout >/dev/null 2>&1 && echo yes)"
done_testing
