#!/usr/bin/env python3
"""chaos_azure.py: cloud submits under random faults and SIGKILL, driven by cli_chaos_azure.sh.

With the fake's "chaos" knob on (a seeded random fault on any request with probability P),
submits RUNS command, sweep and parallel jobs from 4 lanes, SIGKILLs some trainctl processes
mid-submit at seeded points, runs `status` on every run until it ends, then compares the
ledger with the fake: one cloud job per attempt of each run, none without a run, states
agreeing. Prints "CHECK ok|fail NAME[\tDIAG...]" and "NOTE ..." lines.
Usage: chaos_azure.py TRAINCTL PROJECT SEED RUNS P CTL_PY READY_FILE
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import chaos_submit

T, PROJ, SEED, RUNS, P, CTL, READY = sys.argv[1:8]
SEED, RUNS, P = int(SEED), int(RUNS), float(P)
LEDGER = os.path.join(os.environ["TRAINCTL_HOME"], "data", "ledger.db")
LANES = 4
rng = random.Random(SEED)
lock = threading.Lock()
submits = {}
notes = []


def ctl(*args):
    return subprocess.run(["python3", CTL, READY] + list(args), capture_output=True, text=True,
                          check=True).stdout


def job_file(marker, kind):
    job = {"name": f"chaos-{marker}", "resources": {"cpus": 2}, "checkpointable": True,
           "estimate": {"cpu_core_hours": 0.2}, "cloud": {"region": "eastus"},
           "command": ["python3", "train.py", "--lr", "0.1"], "env": {"CHAOS_MARK": marker}}
    if kind == "sweep":
        job["command"] = ["python3", "train.py", "--lr", "${{search_space.lr}}"]
        job["sweep"] = {"search_space": {"lr": {"type": "uniform", "min_value": 0.01,
                                                "max_value": 0.1}},
                        "sampling_algorithm": {"type": "random", "seed": 1},
                        "objective": {"primary_metric": "loss", "goal": "minimize"},
                        "limits": {"max_total_trials": 4, "max_concurrent_trials": 2}}
    elif kind == "parallel":
        job["command"] = ["python3", "train.py", "--shard", "{items}"]
        job["parallel"] = {"items": ["a", "b", "c"], "mini_batch_size": 2, "instance_count": 1,
                           "error_threshold": 1}
    path = os.path.join(PROJ, f"{marker}.json")
    with open(path, "w") as f:
        json.dump(job, f)
    return path


def lane(plan):
    for marker, kind, path, kill_after in plan:
        p = subprocess.Popen([T, "submit", "--cloud", "-q", path], cwd=PROJ,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = False
        if kill_after is not None:
            try:
                p.wait(kill_after)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                killed = True
        out, err = p.communicate()
        with lock:
            rc = chaos_submit.outcome(marker, p.returncode, out, err, killed, notes)
            submits[marker] = {"kind": kind, "killed": killed, "rc": rc,
                               "out": out.strip(), "err": err.strip()}


def ledger_runs():
    db = sqlite3.connect(f"file:{LEDGER}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    rows = {r["id"]: dict(r) for r in db.execute("SELECT * FROM runs WHERE backend = 'azureml'")}
    db.close()
    return rows


TERMINAL = ("succeeded", "failed", "cancelled", "timed_out", "lost")


def status_rounds(rounds):
    for _ in range(rounds):
        active = [i for i, r in ledger_runs().items() if r["state"] not in TERMINAL]
        if not active:
            return True
        for i in active:
            subprocess.run([T, "status", i], capture_output=True)
    return not [i for i, r in ledger_runs().items() if r["state"] not in TERMINAL]


def check(ok, name, *diag):
    print("CHECK " + ("ok" if ok else "fail") + " " + name + "".join("\t" + d for d in diag))


def main():
    print(f"NOTE azure chaos seed {SEED}, {RUNS} submits, fault probability {P}")
    plans = [[] for _ in range(LANES)]
    for i in range(RUNS):
        marker = f"a{i:02d}"
        kind = rng.choice(["command", "command", "sweep", "parallel"])
        kill_after = rng.uniform(0.05, 4.0) if rng.random() < 0.25 else None
        plans[i % LANES].append((marker, kind, job_file(marker, kind), kill_after))
    ctl("knobs", json.dumps({"chaos": {"p": P, "seed": SEED, "slow_seconds": 2}}))
    start = time.monotonic()
    threads = [threading.Thread(target=lane, args=(plans[k],)) for k in range(LANES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    notes.append(f"submits took {time.monotonic() - start:.1f} s; "
                 f"{sum(s['killed'] for s in submits.values())} SIGKILLed, "
                 f"{sum(s['rc'] not in (0, None) and not s['killed'] for s in submits.values())} "
                 "failed on their own")
    for m, s in sorted(submits.items()):
        if s["rc"] not in (0, None) and not s["killed"]:
            notes.append(f"submit {m} failed: {s['err'].splitlines()[-1] if s['err'] else '?'}")
    settled_chaos = status_rounds(12)
    notes.append("faults injected: " + ctl("chaos").strip())
    ctl("knobs", json.dumps({"chaos": None}))
    settled = settled_chaos or status_rounds(12)
    notes.append(f"status settled {'under faults' if settled_chaos else 'after faults stopped'}"
                 f" at {time.monotonic() - start:.1f} s")
    compare(settled)
    for n in notes:
        print("NOTE " + n)


def compare(settled):
    runs = ledger_runs()
    fake = json.loads(ctl("arm"))["jobs"]
    check(settled, "every cloud run reaches an end with status",
          *[f"{i} {r['state']}: {r['reason']}" for i, r in runs.items() if r["state"] not in TERMINAL])

    jobs_of = {}
    orphans = []
    for name, j in fake.items():
        base = name.split("-")[0]
        if base in runs:
            jobs_of.setdefault(base, []).append(name)
        else:
            orphans.append(f"{name} ({(j.get('tags') or {}).get('trainctl.job')}, {j['status']})")
    check(not orphans, "no cloud job without a run in the ledger", *orphans[:10])

    wrong = []
    want = {"Completed": "succeeded", "Failed": "failed", "Canceled": "cancelled"}
    for i, r in runs.items():
        names = sorted(jobs_of.get(i, []), key=lambda n: int(n.split("-")[1]) if "-" in n else 1)
        if not names:
            if r["state"] != "failed":
                wrong.append(f"{i}: no cloud job, but the ledger says {r['state']} ({r['reason']})")
            continue
        if len(names) != r["attempt"]:
            wrong.append(f"{i}: {len(names)} cloud jobs {names} for {r['attempt']} attempt(s)")
        last = fake[names[-1]]["status"]
        if want.get(last) != r["state"]:
            wrong.append(f"{i}: the fake's {names[-1]} is {last}, the ledger {r['state']} "
                         f"({r['reason']})")
    check(not wrong, "exactly one cloud job per attempt, and the ledger agrees with the fake",
          *wrong[:10])

    marks = {}
    for i, r in runs.items():
        m = (json.loads(r["spec"]).get("env") or {}).get("CHAOS_MARK")
        marks.setdefault(m, []).append(i)
    twice = {m: v for m, v in marks.items() if len(v) > 1}
    check(not twice, "no submission recorded twice", *[f"{m}: {v}" for m, v in twice.items()])

    bad = []
    for m, s in sorted(submits.items()):
        tagged = [n for n, j in fake.items() if (j.get("tags") or {}).get("trainctl.job") == f"chaos-{m}"]
        if m not in marks and tagged:
            bad.append(f"{m}: not recorded (killed={s['killed']}, rc {s['rc']}), yet the fake has {tagged}")
        if not s["killed"] and s["rc"] == 0 and marks.get(m) != [s["out"]]:
            bad.append(f"{m}: submit printed '{s['out']}', the ledger has {marks.get(m)}")
        if not s["killed"] and s["rc"] != 0 and m in marks and runs[marks[m][0]]["state"] != "failed":
            bad.append(f"{m}: submit failed ({s['err'][-200:]}) but its run is {runs[marks[m][0]]['state']}")
    killed = [m for m, s in submits.items() if s["killed"]]
    check(not bad, "a submit killed or failed before recording left no cloud job",
          f"{len(killed)} killed, {sum(m in marks for m in killed)} of them recorded", *bad[:10])

    db = sqlite3.connect(f"file:{LEDGER}?mode=ro", uri=True)
    integ = db.execute("PRAGMA integrity_check").fetchall()
    ev = {r[0] for r in db.execute("SELECT run_id FROM events WHERE detail LIKE 'azureml job %'")}
    check(integ == [("ok",)], "PRAGMA integrity_check says ok", str(integ[:3]))
    noev = [i for i in runs if i not in ev]
    check(not noev, "every cloud run records which Azure ML job it is", *noev[:10])


main()
