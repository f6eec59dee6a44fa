#!/usr/bin/env python3
"""Run every test meson knows about, in parallel, and read their TAP output.

Prints one line per test and one per failing or skipped test case, and ends with
one line "N passed, N failed" (plus ", N skipped" when any were skipped) that
covers every build directory given.
Usage: tests/run.py [LABEL=]BUILD_DIR... [--suite NAME] [--jobs N] [-v]
With several build directories each test is named LABEL/test (the label defaults
to the directory's name less a "build-" prefix: build-asan gives asan/cli_local).
"""
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import time

def load_tests(build, label, suites):
    out = subprocess.run(["meson", "introspect", "--tests", build],
                         check=True, capture_output=True, text=True).stdout
    tests = json.loads(out)
    if suites:
        tests = [t for t in tests if any(s.split(":")[-1] in suites for s in t["suite"])]
    for t in tests:
        t["label"] = f"{label}/{t['name']}" if label else t["name"]
    return tests

def parse_build(arg):
    """LABEL=DIR or DIR: the label and the directory"""
    if "=" in arg:
        label, build = arg.split("=", 1)
        return label, build
    base = os.path.basename(os.path.normpath(arg))
    return (base[len("build-"):] if base.startswith("build-") else base), arg

def run_one(t):
    env = dict(os.environ)
    env.update(t.get("env") or {})
    start = time.monotonic()
    try:
        p = subprocess.run(t["cmd"], env=env, cwd=t.get("workdir") or None,
                           capture_output=True, text=True,
                           timeout=t.get("timeout") or 300)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except OSError as e:
        rc, out, err = f"not runnable ({e})", "", ""
    except subprocess.TimeoutExpired as e:
        rc = "timeout"
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
    return t, rc, out, err, time.monotonic() - start

TAP = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$")

def parse(name, rc, out):
    passed, failed, skipped, notes = 0, 0, 0, []
    for line in out.splitlines():
        m = TAP.match(line)
        if not m:
            continue
        desc = m.group(3)
        if re.search(r"#\s*skip", desc, re.I):
            skipped += 1
            notes.append(f"SKIP {name}: {desc}")
        elif m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
            notes.append(f"FAIL {name}: {desc}")
    if rc != 0 and (failed == 0 or rc == "timeout"):
        failed += 1
        notes.append(f"FAIL {name}: exited with status {rc}")
    if passed + failed + skipped == 0:
        failed += 1
        notes.append(f"FAIL {name}: printed no test results")
    return passed, failed, skipped, notes

LONG = {"cli_azure": 80, "cli_validate": 50, "cli_local": 37, "cli_secrets": 35,
        "cli_chaos_azure": 31, "cli_hook": 22, "cli_prices": 19, "cli_sweep": 17, "http": 17,
        "cli_cost": 15, "cli_chaos": 15, "cli_profile": 12}

def expected_seconds(label):
    name = label.split("/")[-1]
    if name.startswith("fuzz_"):
        return 31
    return LONG.get(name, 5)

def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    # twice the cores: many tests wait (fakes, timeouts, fuzzers run for a wall-clock time)
    builds, suites, jobs, verbose = [], [], 2 * (os.cpu_count() or 2), False
    i = 0
    while i < len(args):
        if args[i] == "--suite":
            suites.append(args[i + 1]); i += 1
        elif args[i] == "--jobs":
            jobs = int(args[i + 1]); i += 1
        elif args[i] == "-v":
            verbose = True
        else:
            builds.append(parse_build(args[i]))
        i += 1
    if not builds:
        print(__doc__)
        return 2
    tests = []
    for label, build in builds:
        tests += load_tests(build, label if len(builds) > 1 else "", suites)
    # the longest first, so that none of them starts last and runs alone (seconds measured on
    # the 2-core CI machine; unknown tests count 5)
    tests.sort(key=lambda t: -expected_seconds(t["label"]))
    width = max([28] + [len(t["label"]) for t in tests])
    totals = [0, 0, 0]
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        for t, rc, out, err, secs in ex.map(run_one, tests):
            p, f, s, notes = parse(t["label"], rc, out)
            totals[0] += p; totals[1] += f; totals[2] += s
            print(f"{'FAIL' if f else 'ok  '} {t['label']:<{width}} {p:4d} passed {f:3d} failed "
                  f"{s:3d} skipped  {secs:6.1f}s", flush=True)
            for n in notes:
                print("     " + n)
            if f or verbose:
                for line in (out + err).splitlines()[-60:]:
                    print("     | " + line)
    line = f"{totals[0]} passed, {totals[1]} failed"
    if totals[2]:
        line += f", {totals[2]} skipped"
    print(line)
    return 1 if totals[1] else 0

if __name__ == "__main__":
    sys.exit(main())
