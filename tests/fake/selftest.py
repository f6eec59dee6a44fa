#!/usr/bin/env python3
"""selftest.py: the fakes themselves (TAP): faults, tokens, the prices filter, the recorder's format.

The C and shell tests trust these behaviours; this checks them without trainctl.
"""
import json
import os
import shutil
import socket
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aad  # noqa: E402
import echo  # noqa: E402
import prices  # noqa: E402
import tls  # noqa: E402
from recorder import Recorder  # noqa: E402
from server import FakeServer, State, control_server  # noqa: E402

N = 0
FAILED = 0


def check(cond, name, detail=""):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, name))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, name))
        if detail:
            print("# " + str(detail).replace("\n", "\n# "))


def skip(name, why):
    global N
    N += 1
    print("ok %d - %s # SKIP %s" % (N, name, why))


def call(url, method="GET", body=None, headers=None, ctx=None):
    """(status, headers, body bytes), HTTP errors included."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    tmp = tempfile.mkdtemp(prefix="trainctl-fake-selftest.")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % N)
    return 1 if FAILED else 0


def run(tmp):
    paths = tls.ensure(os.path.join(tmp, "tls"))
    check(all(os.path.exists(p) for p in paths.values()), "tls.ensure makes the CA, the server certificate and an unrelated CA")
    state = State(Recorder(os.path.join(tmp, "traffic"), "https://management.azure.com", r"^/echo"))
    https = FakeServer(state, (paths["server"], paths["server_key"]), "https").start()
    http = FakeServer(state, None, "http").start()
    ctl = control_server(state).start()
    aad.install(https, http)
    echo.install(https, http)
    prices.install(https, http)
    ctx = ssl.create_default_context(cafile=paths["ca"])
    other = ssl.create_default_context(cafile=paths["other_ca"])
    base = https.url

    # TLS
    st, _, _ = call(base + "/echo", ctx=ctx)
    check(st == 200, "the server certificate is trusted through the test CA")
    try:
        call(base + "/echo", ctx=other)
        check(False, "a client trusting only the other CA refuses the server")
    except urllib.error.URLError as e:
        check("CERTIFICATE_VERIFY_FAILED" in str(e), "a client trusting only the other CA refuses the server", e)

    # faults
    call(ctl.url + "/reset", "POST", b"{}")
    call(ctl.url + "/faults", "POST", json.dumps({"faults": [
        {"kind": "status", "status": 429, "headers": {"Retry-After": "7"}, "match": "^GET /echo", "skip": 1},
        {"kind": "status", "status": 503, "count": 2, "match": "^POST /echo"}]}).encode())
    results = [call(base + "/echo", ctx=ctx) for _ in range(3)]
    check([r[0] for r in results] == [200, 429, 200], "skip lets requests through, count limits the fault",
          [r[0] for r in results])
    check(results[1][1].get("Retry-After") == "7", "a status fault carries its headers")
    posts = [call(base + "/echo", "POST", b"x", ctx=ctx)[0] for _ in range(3)]
    check(posts == [503, 503, 200], "match picks the method and path", posts)
    st, _, body = call(ctl.url + "/faults")
    check(json.loads(body) == [], "used-up faults are gone")
    call(ctl.url + "/faults", "POST", json.dumps({"faults": [{"kind": "reset"}]}).encode())
    try:
        call(base + "/echo", ctx=ctx)
        check(False, "a reset fault drops the connection")
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        check(True, "a reset fault drops the connection")
    call(ctl.url + "/faults", "POST", json.dumps({"faults": [{"kind": "slow", "seconds": 0.5}]}).encode())
    t0 = time.time()
    st, _, _ = call(base + "/echo", ctx=ctx)
    check(st == 200 and time.time() - t0 >= 0.5, "a slow fault answers late")
    st, _, body = call(ctl.url + "/faults", "POST", json.dumps({"faults": [{"kind": "nonsense"}]}).encode())
    check(st == 400 and b"unknown fault kind" in body, "an unknown fault kind is refused")
    log = json.loads(call(ctl.url + "/requests")[2])
    check(all(e["listener"] in ("https", "http") for e in log), "the control listener stays out of the log")
    check([e["fault"] for e in log if e["fault"]][:2] == ["status", "status"], "the log says which requests were faulted")

    # tokens
    call(ctl.url + "/knobs", "POST", json.dumps({"token_lifetime": 60, "client_secret": "s"}).encode())
    form = b"client_id=c&client_secret=s&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
    st, _, body = call(base + "/t1/oauth2/v2.0/token", "POST", form,
                       {"Content-Type": "application/x-www-form-urlencoded"}, ctx)
    tok = json.loads(body)
    check(st == 200 and tok["expires_in"] == 60 and tok["token_type"] == "Bearer", "the AAD fake issues a token", body)
    st, _, body = call(base + "/t1/oauth2/v2.0/token", "POST", form.replace(b"secret=s", b"secret=x"),
                       {"Content-Type": "application/x-www-form-urlencoded"}, ctx)
    check(st == 401 and json.loads(body)["error"] == "invalid_client", "a wrong secret is invalid_client")

    class R:  # the shape Tokens.check reads
        def __init__(self, auth):
            self.h = {"authorization": auth}

        def header(self, name, default=None):
            return self.h.get(name.lower(), default)
    check(state.tokens.check(R("Bearer " + tok["access_token"]), "https://management.azure.com") is None,
          "a fresh token passes the check")
    check(state.tokens.check(R("Bearer " + tok["access_token"]), "https://storage.azure.com").status == 401,
          "a token for another audience does not")
    call(ctl.url + "/expire-tokens", "POST", b"")
    r = state.tokens.check(R("Bearer " + tok["access_token"]))
    check(r.status == 401 and b"ExpiredAuthenticationToken" in r.body, "expire-tokens expires every token")
    st, _, body = call(http.url + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/")
    check(st == 400 and b"metadata header" in body, "IMDS wants the Metadata header")
    st, _, body = call(http.url + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/",
                       headers={"Metadata": "true"})
    check(st == 200 and isinstance(json.loads(body)["expires_on"], str), "IMDS answers with numbers as strings")

    # prices
    items = [prices.item("Standard_NC6s_v3", r, 3.0 + i) for i, r in enumerate(["eastus", "westus", "eastus"])]
    items.append(prices.item("Standard_NC6s_v3", "eastus", 0.4, meter="spot"))
    items.append(dict(prices.item("Standard_NC6s_v3", "eastus", 9.0), type="Reservation"))
    call(ctl.url + "/knobs", "POST", json.dumps({"prices_items": items, "prices_page_size": 2}).encode())
    flt = urllib.request.quote("serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'eastus'")
    st, _, body = call(base + "/api/retail/prices?$filter=" + flt, ctx=ctx)
    page = json.loads(body)
    check(set(page) == {"BillingCurrency", "CustomerEntityId", "CustomerEntityType", "Items", "NextPageLink", "Count"},
          "a page has the documented fields", sorted(page))
    check(page["Count"] == 2 and page["NextPageLink"].startswith(base + "/api/retail/prices?$filter=") and
          page["NextPageLink"].endswith("$skip=2"), "pages of page_size items, with a NextPageLink", page["NextPageLink"])
    st, _, body = call(page["NextPageLink"], ctx=ctx)
    page2 = json.loads(body)
    check(page2["Count"] == 1 and page2["NextPageLink"] is None, "the last page has NextPageLink null")
    kept = page["Items"] + page2["Items"]
    check(all(i["type"] == "Consumption" and i["armRegionName"] == "eastus" for i in kept) and len(kept) == 3,
          "the filter keeps Consumption items of the region")
    sample = os.path.join(os.environ.get("SHARED_DIR", "/nonexistent"), "azure-prices",
                          "docs-sample-item-consumption-F16s-spot.json")
    if os.path.exists(sample):
        want = set(json.load(open(sample)))
        check(set(kept[0]) == want, "items have the fields of the documentation's sample item",
              sorted(set(kept[0]) ^ want))
    else:
        skip("items have the fields of the documentation's sample item", "../shared/azure-prices is absent")
    st, _, _ = call(base + "/api/retail/prices?$filter=" + urllib.request.quote("armSkuName gt 'x'"), ctx=ctx)
    check(st == 400, "an unsupported filter is a 400")

    # the recorder
    call(base + "/echo?api-version=2026-09-01", "PUT", b'{"a": 1}',
         {"Content-Type": "application/json", "Authorization": "Bearer SECRET"}, ctx)
    files = sorted(os.listdir(os.path.join(tmp, "traffic")))
    check(files and all(f.endswith(".json") for f in files), "the recorder writes one file per exchange", files)
    check(not any("token" in f or "prices" in f for f in files), "only paths matching --record-only are recorded", files)
    rec = json.load(open(os.path.join(tmp, "traffic", files[-1])))
    lr, lp = rec["liveRequest"], rec["liveResponse"]
    check(lr["method"] == "PUT" and lr["url"] == "https://management.azure.com/echo?api-version=2026-09-01",
          "liveRequest: method and the URL under the recorded base", lr["url"])
    check(lr["body"] == {"a": 1} and lp["statusCode"] == "200" and isinstance(lp["body"], dict),
          "JSON bodies are JSON values; statusCode is a string")
    check(lr["headers"].get("authorization") == "***", "Authorization is masked in the recording")

    for s in (https, http, ctl):
        s.shutdown()
        s.server_close()


if __name__ == "__main__":
    sys.exit(main())
