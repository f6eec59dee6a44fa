#!/bin/sh
# cli_prices.sh: `trainctl prices refresh` against a loopback fake of the Azure Retail Prices API:
# pages, meters, faults (429, 503, slow), malformed pages keep the old catalog, progress, plan uses the prices.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

CATALOG="$TESTS_SRC/../data/catalog.json"
USER_CATALOG="$TRAINCTL_HOME/data/catalog.json"
export TRAINCTL_NOW=2026-12-01T08:00:00Z

run "$TRAINCTL" prices --help
expect_rc "prices --help exits 0" 0
expect_out "prices lists refresh" '^  refresh +rebuild the user catalog'
run "$TRAINCTL" prices refresh --help
expect_out "refresh --help shows the usage" '^usage: trainctl prices refresh \[--region R\]\.\.\. \[--json\] \[--verbose\]'
run "$TRAINCTL" --help
expect_out "prices is listed among the commands" '^  prices +refresh VM prices from the Azure Retail Prices API'

# The items: every shipped price x 1.1 (normal, Windows and Spot meters), plus the cases a
# refresh must tell apart: a "Low Priority" meter next to a Spot one, a cheaper Windows meter,
# a cheaper non-primary meter region, an unknown size, a monthly unit.
python3 - "$CATALOG" "$T_TMP/items.json" <<'PY'
import json, sys
sys.path.insert(0, __import__("os").environ["TESTS_SRC"] + "/fake")
import prices
cat = json.load(open(sys.argv[1]))
items = prices.items_from_catalog(cat, 1.1)
items.append(prices.item("Standard_NC24ads_A100_v4", "eastus", 0.9, meter="low"))
items.append(prices.item("Standard_NC4as_T4_v3", "eastus", 0.01, windows=True))
items.append(prices.item("Standard_NC4as_T4_v3", "eastus", 0.02, primary=False))
items.append(prices.item("Standard_Z99_v9", "eastus", 1.0))
items.append(prices.item("Standard_D4s_v3", "eastus", 50.0, unit="1/Month"))
json.dump(items, open(sys.argv[2], "w"))
PY

if ! fake_start --services prices,echo --prices-data "$T_TMP/items.json"; then
	not_ok "the fake starts"
	done_testing
	exit 1
fi
fake_ctl knobs '{"prices_page_size": 7}'
export TRAINCTL_CA_BUNDLE="$FAKE_CA" TRAINCTL_PRICES_ENDPOINT="$FAKE_HTTPS/api/retail/prices"

# ---- the happy path ----
run "$TRAINCTL" prices refresh
expect_rc "refresh succeeds" 0
expect_out "it says what it did" '^refreshed 215 prices in 11 regions from [0-9]+ pages \([0-9]+ items\): 215 dedicated, 188 low priority \(1 from "Low Priority" meters, 187 from Spot meters\)$'
expect_out "it names the file" "^wrote $USER_CATALOG\$"
expect_eq "no progress without a terminal" "" "$ERR"
PAGES=$(printf '%s\n' "$OUT" | sed -n 's/.* from \([0-9]*\) pages.*/\1/p')
expect_eq "one request per page" "$PAGES" "$(fake_ctl count 'GET /api/retail/prices')"
expect_eq "NextPageLink was followed (pages after the first of each region)" "$((PAGES - 11))" \
	"$(fake_ctl count 'skip=')"
run fake_ctl requests 'GET /api/retail/prices'
expect_out "the filter asks for Linux-able VM consumption prices of one region" \
	"filter=serviceName%20eq%20%27Virtual%20Machines%27%20and%20priceType%20eq%20%27Consumption%27%20and%20armRegionName%20eq%20%27eastus%27"

run python3 - "$USER_CATALOG" "$FAKE_HTTPS" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
p = {(e["size"], e["region"]): e for e in c["prices"]}
src = c["sources"]
def check(cond, what):
    if not cond:
        print("FAIL", what); sys.exit(1)
t4 = p[("Standard_NC4as_T4_v3", "eastus")]
check(abs(t4["dedicated"] - round(0.526 * 1.1, 6)) < 1e-9, "T4 eastus dedicated = 0.526 x 1.1, not the Windows or non-primary meter")
check(abs(t4["low_priority"] - round(0.068959 * 1.1, 6)) < 1e-9, "T4 eastus low priority = the Spot meter")
check(t4["source"] == "azure-retail-prices-2026-12-01-spot", "T4 source names the Spot meter")
a100 = p[("Standard_NC24ads_A100_v4", "eastus")]
check(a100["low_priority"] == 0.9, "A100 low priority = the Low Priority meter, not Spot")
check(a100["source"] == "azure-retail-prices-2026-12-01-low-priority", "A100 source names the Low Priority meter")
h100 = p[("Standard_NC40ads_H100_v5", "eastus")]
check("low_priority" not in h100 and h100["source"] == "azure-retail-prices-2026-12-01", "H100: no low-priority meter")
check(("Standard_Z99_v9", "eastus") not in p, "unknown sizes are left out")
check(len(p) == 215, "215 prices")
for k in ("azure-retail-prices-2026-12-01", "azure-retail-prices-2026-12-01-spot", "azure-retail-prices-2026-12-01-low-priority"):
    check(src[k]["date"] == "2026-12-01" and src[k]["url"] == sys.argv[2] + "/api/retail/prices", "source " + k + " dated, with the endpoint")
check("Spot meter" in src["azure-retail-prices-2026-12-01-spot"]["title"], "the Spot source says so")
check(c["date"] == "2026-12-01", "catalog dated")
print("ok")
PY
expect_out "the written catalog holds the right meters, sources and dates" '^ok$'

# ---- plan uses the refreshed prices ----
cat > "$T_TMP/job.json" <<'EOF'
{"name": "bert", "command": ["python", "train.py"], "resources": {"gpus": 1},
 "estimate": {"gpu_hours": 2, "reference_gpu": "T4"},
 "cloud": {"region": "eastus", "vm_sizes": ["Standard_NC4as_T4_v3"]}}
EOF
run "$TRAINCTL" plan --json "$T_TMP/job.json"
expect_rc "plan runs on the refreshed catalog" 0
printf '%s\n' "$OUT" > "$T_TMP/plan.json"
run python3 - "$T_TMP/plan.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
rows = [c for c in plan["candidates"] if c["vm_size"] == "Standard_NC4as_T4_v3"]
d = [c for c in rows if c["priority"] == "dedicated"][0]
l = [c for c in rows if c["priority"] == "low"][0]
print("dedicated %.4f low %.6f read %s" % (d["price_per_node_hour"], l["price_per_node_hour"], plan["sources"]["prices_read"]))
PY
expect_eq "plan prices the T4 at the refreshed per-hour prices (shipped x 1.1)" \
	"dedicated 0.5786 low 0.075855 read 2026-12-01" "$OUT"
run "$TRAINCTL" plan "$T_TMP/job.json"
expect_out "plan says its catalog is the refreshed one" "catalog +shipped \+ $USER_CATALOG"
expect_out "plan names the new source and its date" 'prices +Azure Retail Prices API.*\(read 2026-12-01\)'
expect_out "the dedicated T4 cost follows the 10% rise (\$1.11 before)" 'Standard_NC4as_T4_v3 +1 +1 dedicated eastus .* \$1\.22 '
CHANGED_SUM=$(sha256sum "$USER_CATALOG")

# ---- malformed pages: a clear error, the old catalog untouched ----
fake_ctl fault '{"kind": "body", "match": "%27eastus%27&.skip=14", "body": "<html>not json</html>"}'
run "$TRAINCTL" prices refresh
expect_rc "a page that is not JSON fails" 1
expect_err "the error names the page, its URL and what is wrong" \
	"^error: Retail Prices API page 3 for eastus \(https://127\.0\.0\.1:[0-9]+/api/retail/prices\?\\\$filter=.*skip=14\): not JSON: "
expect_eq "the old catalog is kept" "$CHANGED_SUM" "$(sha256sum "$USER_CATALOG")"
expect_eq "no half-written file is left" "" "$(ls "$TRAINCTL_HOME/data" | grep -v '^catalog.json$' | grep -v '^ledger' || true)"

fake_ctl fault '{"kind": "body", "match": "eastus2", "body": "{\"Count\": 0, \"NextPageLink\": null}"}'
run "$TRAINCTL" prices refresh
expect_err "a page without Items" "page 1 for eastus2 \(.*\): field 'Items': missing \(expected an array\)$"
fake_ctl fault '{"kind": "body", "match": "westus2", "body": "{\"Items\": [{\"armSkuName\": \"Standard_NC6s_v3\", \"retailPrice\": \"3.06\"}], \"NextPageLink\": null}"}'
run "$TRAINCTL" prices refresh
expect_err "an item field of the wrong type" "page 1 for westus2 \(.*\): Items\[0\]\.armRegionName: missing \(expected a string\)$"
python3 - "$T_TMP/bad.json" <<'PY'
import json, sys
sys.path.insert(0, __import__("os").environ["TESTS_SRC"] + "/fake")
import prices
i = prices.item("Standard_NC6s_v3", "westus3", 3.0)
i["retailPrice"] = "3.06"
json.dump({"BillingCurrency": "USD", "Items": [i], "NextPageLink": None, "Count": 1}, open(sys.argv[1], "w"))
PY
fake_ctl fault "{\"kind\": \"body\", \"match\": \"westus3\", \"body\": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$T_TMP/bad.json")}"
run "$TRAINCTL" prices refresh
expect_err "a price that is a string" "page 1 for westus3 \(.*\): Items\[0\]\.retailPrice: expected a number, got a string$"
fake_ctl fault '{"kind": "body", "match": "northeurope", "body": "{\"Items\": {}, \"NextPageLink\": null}"}'
run "$TRAINCTL" prices refresh
expect_err "Items that is not an array" "page 1 for northeurope \(.*\): field 'Items': expected an array, got an object$"
fake_ctl knobs '{"prices_next_host": "evil.example:443"}'
run "$TRAINCTL" prices refresh --region eastus
expect_rc "a NextPageLink to another host fails" 1
expect_err "it names the host" "page 1 for eastus \(.*\): field 'NextPageLink': points to another host \('evil\.example', expected '127\.0\.0\.1:[0-9]+'\)$"
expect_eq "no request went to the other host (nothing to follow)" "0" "$(fake_ctl count 'evil')"
fake_ctl knobs '{"prices_next_host": null}'
expect_eq "after every failure the catalog is as it was" "$CHANGED_SUM" "$(sha256sum "$USER_CATALOG")"

# ---- transient faults are retried ----
fake_ctl reset
fake_ctl fault '{"kind": "status", "status": 429, "headers": {"Retry-After": "1"}}'
T0=$(date +%s%N)
run "$TRAINCTL" prices refresh --region eastus --verbose
T1=$(date +%s%N)
expect_rc "a 429 with Retry-After is retried" 0
expect_err "the wait is the server's" '^http: retry 1/4 in 1000 ms: HTTP 429, server asked for 1000 ms$'
if [ $(( (T1 - T0) / 1000000 )) -ge 1000 ]; then ok "Retry-After was honoured (waited >= 1 s)"; else not_ok "Retry-After was honoured" "took $(( (T1 - T0) / 1000000 )) ms"; fi
fake_ctl fault '{"kind": "status", "status": 503, "count": 2}'
run env TRAINCTL_HTTP_RETRY_BASE_MS=10 "$TRAINCTL" prices refresh --region eastus
expect_rc "two 503s are retried" 0
fake_ctl fault '{"kind": "slow", "seconds": 8}'
# a timeout well above a loaded CI machine's TLS handshake, well below the slow answer
run env TRAINCTL_HTTP_TIMEOUT_MS=2500 TRAINCTL_HTTP_RETRY_BASE_MS=10 "$TRAINCTL" prices refresh --region eastus
expect_rc "a slow answer times out and is retried" 0
fake_ctl fault '{"kind": "reset"}'
run env TRAINCTL_HTTP_RETRY_BASE_MS=10 "$TRAINCTL" prices refresh --region eastus
expect_rc "a connection reset mid-request is retried" 0
BEFORE=$(sha256sum "$USER_CATALOG")
fake_ctl fault '{"kind": "status", "status": 503, "count": 5}'
run env TRAINCTL_HTTP_RETRIES=1 TRAINCTL_HTTP_RETRY_BASE_MS=10 "$TRAINCTL" prices refresh --region eastus
expect_rc "503 after the retries fails" 1
expect_err "the error names the request and the status" "^error: GET https://127\.0\.0\.1:[0-9]+/api/retail/prices\?\\\$filter=.*: HTTP 503 \(after 2 attempts\)$"
expect_eq "and the catalog is kept" "$BEFORE" "$(sha256sum "$USER_CATALOG")"
fake_ctl reset

# ---- usage and setup errors ----
run "$TRAINCTL" prices refresh --region mars
expect_rc "an unknown region fails" 1
expect_err "it says so" "^error: unknown region 'mars'"
run "$TRAINCTL" prices refresh --region eastuss
expect_err "with a suggestion" "did you mean 'eastus'\?"
run env -u TRAINCTL_CA_BUNDLE "$TRAINCTL" prices refresh --region eastus
expect_rc "an untrusted server fails" 1
expect_err "TLS verification names the fix" "TLS certificate not trusted: .*cloud\.ca_bundle or TRAINCTL_CA_BUNDLE"
cp "$USER_CATALOG" "$T_TMP/saved.json"
echo '{"schema": 1, "date": "x", "prices": [{"size": "Standard_Nope", "region": "eastus", "dedicated": 1, "source": "y"}]}' > "$USER_CATALOG"
run "$TRAINCTL" prices refresh --region eastus
expect_rc "a broken user catalog stops the refresh" 1
expect_err "and says to fix it" "^error: cannot refresh prices: the user catalog does not load \(fix or remove it\): "
cp "$T_TMP/saved.json" "$USER_CATALOG"

# ---- progress on a terminal ----
if command -v script >/dev/null 2>&1; then
	run script -qec "'$TRAINCTL' prices refresh --region eastus --region westus" /dev/null
	expect_out "progress on a terminal: region, pages, items" 'reading prices: westus \(2/2\), [0-9]+ pages, [0-9]+ items, [0-9]+ prices'
	expect_out "progress is rewritten in place" "$(printf '\r')reading prices: eastus \(1/2\), 1 page, 7 items"
else
	skip "progress on a terminal" "no 'script' command"
	skip "progress is rewritten in place" "no 'script' command"
fi

# ---- start-up cost: commands without the network do not load libcurl ----
run sh -c "LD_DEBUG=files '$TRAINCTL' plan '$T_TMP/job.json' 2>&1 | grep -c 'file=libcurl.*needed by' || true"
expect_eq "plan does not load libcurl" "0" "$OUT"
run sh -c "LD_DEBUG=files '$TRAINCTL' prices refresh --region eastus 2>&1 | grep -c 'file=libcurl.*needed by' || true"
expect_eq "prices refresh does" "1" "$OUT"

# ---- no leaks ----
vg_check "prices refresh" 0 prices refresh --region eastus --region westus2
have_valgrind && fake_ctl fault '{"kind": "body", "match": "eastus", "body": "{\"Items\": 3}"}'
vg_check "a malformed page" 1 prices refresh --region eastus

done_testing
