#!/usr/bin/env python3
"""oav_check.py: validate recorded ARM traffic with Microsoft's validator (`oav validate-traffic`).

    python3 oav_check.py --spec SHARED/azure-ml-spec --work DIR TRAFFIC_DIR... [--min-ops N]
    python3 oav_check.py --dry-run-json REQUESTS.json --out TRAFFIC_DIR   # dry-run requests -> files

The spec folder stays as it is: a copy goes under DIR/spec with the two adjustments
../shared/azure-ml-spec/VALIDATING.md names (every x-ms-examples key removed from openapi.json;
SkuTier added to common-types types.json), laid out as in the source repository so its
relative $refs resolve. All traffic folders are validated in one oav run (oav takes a few
seconds to load the spec). oav's exit status is not a verdict; its --jsonReport is: this
prints the operations oav covered, how many exchanges, and every error, and exits 1 when
there is an error, or when oav covered fewer operations than the traffic holds (an exchange
it could not match is not a pass).

Dry-run requests (trainctl ... --dry-run --json) carry no answer; oav needs one, so each
gets ARM's error shape ({"error": {...}}, valid for every operation's `default` response)
and the request is what gets checked.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

SPEC_REL = ("specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/"
            "MachineLearningServices/stable/2026-09-01")
COMMON_REL = "specification/common-types/resource-management/v3"
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def find_oav():
    env = os.environ.get("OAV")
    if env:
        return env if os.path.exists(env) else None
    p = os.path.join(REPO, "node_modules", ".bin", "oav")
    return p if os.path.exists(p) else shutil.which("oav")


def _strip_examples(o):
    if isinstance(o, dict):
        o.pop("x-ms-examples", None)
        for v in o.values():
            _strip_examples(v)
    elif isinstance(o, list):
        for v in o:
            _strip_examples(v)


def prepare_spec(shared, work):
    """The adjusted copy of the spec under work/spec; returns the openapi.json path."""
    src = os.path.join(shared, "2026-09-01")
    dst = os.path.join(work, "spec", SPEC_REL)
    common = os.path.join(work, "spec", COMMON_REL)
    os.makedirs(dst, exist_ok=True)
    os.makedirs(common, exist_ok=True)
    with open(os.path.join(src, "openapi.json")) as f:
        spec = json.load(f)
    _strip_examples(spec)                                               # adjustment 1
    with open(os.path.join(dst, "openapi.json"), "w") as f:
        json.dump(spec, f)
    csrc = os.path.join(src, "common-types", "resource-management", "v3")
    for name in os.listdir(csrc):
        shutil.copy(os.path.join(csrc, name), os.path.join(common, name))
    with open(os.path.join(common, "types.json")) as f:
        types = json.load(f)
    types["definitions"].setdefault("SkuTier", {"type": "string",        # adjustment 2
                                                "enum": ["Free", "Basic", "Standard", "Premium"]})
    with open(os.path.join(common, "types.json"), "w") as f:
        json.dump(types, f)
    return os.path.join(dst, "openapi.json"), spec


def _operations(spec):
    """(method, compiled path regex, operationId) for every operation of the spec."""
    ops = []
    for path, item in spec["paths"].items():
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                ops.append((method.upper(), re.compile(rx, re.I), op["operationId"]))
    return ops


def expected_operations(spec, files):
    """The operationIds the traffic files call (matched by method and path template)."""
    ops = _operations(spec)
    want = set()
    for path in files:
        with open(path) as f:
            req = json.load(f)["liveRequest"]
        p = urllib.parse.urlsplit(req["url"]).path
        for method, rx, op_id in ops:
            if method == req["method"] and rx.match(p):
                want.add(op_id)
                break
        else:
            want.add("(no operation for %s %s)" % (req["method"], p))
    return want


def validate(args):
    oav = find_oav()
    if not oav:
        print("oav: not installed (npm install at the repository root)")
        return 2
    spec_path, spec = prepare_spec(args.spec, args.work)
    merged = os.path.join(args.work, "traffic")
    shutil.rmtree(merged, ignore_errors=True)
    os.makedirs(merged)
    files = []
    for i, d in enumerate(args.traffic):
        for name in sorted(os.listdir(d)):
            if name.endswith(".json"):
                dst = os.path.join(merged, "%02d-%s" % (i, name))
                shutil.copy(os.path.join(d, name), dst)
                files.append(dst)
    if not files:
        print("oav: no traffic recorded")
        return 1
    report = os.path.join(args.work, "report.json")
    if os.path.exists(report):
        os.remove(report)
    subprocess.run([oav, "validate-traffic", merged, spec_path, "--jsonReport", report],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    try:
        with open(report) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print("oav: no JSON report (%s)" % e)
        return 1
    want = expected_operations(spec, files)
    uncovered = set(op for e in r.get("unCoveredOperationsList", []) for op in e.get("operationIds", []))
    covered = want - uncovered
    errors = r.get("errors", [])
    print("oav: %d exchanges, %d operations validated (%s), %d failed operations, %d errors"
          % (len(files), r.get("coveredOperations", 0), ", ".join(sorted(covered)),
             r.get("failedOperations", 0), len(errors)))
    for e in errors:
        print("oav error: %s %s %s: %s" % (e.get("operationId"), e.get("issueSource"),
                                           e.get("errorCode"), e.get("errorMessage")))
    missing = want - covered
    if missing:
        print("oav: not covered: %s" % ", ".join(sorted(missing)))
    if r.get("coveredOperations", 0) < len(want):
        print("oav: covered %d operations, the traffic calls %d" % (r.get("coveredOperations", 0), len(want)))
        return 1
    return 1 if errors or missing or (args.min_ops and len(covered) < args.min_ops) else 0


def dry_run_files(args):
    with open(args.dry_run_json) as f:
        reqs = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    n = len([x for x in os.listdir(args.out) if x.endswith(".json")])
    for r in reqs:
        live = {"liveRequest": {"method": r["method"], "url": r["url"],
                                "headers": {"Content-Type": "application/json"}},
                "liveResponse": {"statusCode": "400", "headers": {"Content-Type": "application/json"},
                                 "body": {"error": {"code": "DryRun",
                                                    "message": "a dry run: not sent"}}}}
        if r.get("body") is not None:
            live["liveRequest"]["body"] = r["body"]
        n += 1
        with open(os.path.join(args.out, "%05d-dry-%s.json" % (n, r["method"])), "w") as f:
            json.dump(live, f, indent=1)
    print(len(reqs))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", help="the azure-ml-spec folder (../shared/azure-ml-spec)")
    ap.add_argument("--work", help="scratch folder: the spec copy, the merged traffic, the report")
    ap.add_argument("--min-ops", type=int, default=0, help="fail when fewer operations are covered")
    ap.add_argument("--dry-run-json", help="turn a --dry-run --json request list into traffic files")
    ap.add_argument("--out", help="with --dry-run-json: the traffic folder to add them to")
    ap.add_argument("traffic", nargs="*")
    args = ap.parse_args(argv)
    if args.dry_run_json:
        return dry_run_files(args)
    return validate(args)


if __name__ == "__main__":
    sys.exit(main())
