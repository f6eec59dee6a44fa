#!/usr/bin/env python3
"""chaos_local.py: local runs under SIGKILL, driven by cli_chaos.sh.

Starts RUNS local runs with mixed outcomes from SUBMITTERS concurrent submitters, SIGKILLs
supervisors ("trainctl-sup") and trainctl client processes at seeded random points, lets the
queue settle, then checks the ledger against the processes that really exist. Every choice
(job kinds, which submit is killed and after how long, when a supervisor is killed) comes from
random.Random(seed); the kernel's scheduling is the only thing not replayed.

Prints one line per check, "CHECK ok|fail NAME[\tDIAGNOSTIC...]", for cli_chaos.sh to turn into
TAP, and "NOTE ..." lines worth showing.
Usage: chaos_local.py TRAINCTL WORKDIR SEED RUNS
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

T, WORK, SEED, RUNS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
HOME = os.environ["TRAINCTL_HOME"]
LEDGER = os.path.join(HOME, "data", "ledger.db")
SUBMITTERS = 5
rng = random.Random(SEED)
lock = threading.Lock()
notes = []


def note(msg):
    with lock:
        notes.append(msg)


# --- the jobs -------------------------------------------------------------------------------

def job_for(i, marker):
    """A job of a seeded kind; what its end should be when nothing kills it."""
    kind = rng.choices(["ok", "fail", "signal", "timeout", "gpu", "cpus"],
                       weights=[40, 15, 10, 8, 15, 12])[0]
    ms = rng.randint(50, 400)
    job = {"name": f"chaos-{marker}", "placement": "local",
           "env": {"CHAOS_MARK": marker},
           "resources": {"cpus": 0.1, "memory": "64MiB"}}
    if kind == "ok":
        job["shell"] = f"sleep {ms / 1000}; echo done"
    elif kind == "fail":
        job["shell"] = f"sleep {ms / 1000}; exit 1"
    elif kind == "signal":
        job["shell"] = f"sleep {ms / 1000}; kill -9 $$"
    elif kind == "timeout":
        job["shell"] = "sleep 30 & exec sleep 31"
        job["limits"] = {"max_run_duration": "1s"}
    elif kind == "gpu":
        job["shell"] = f"sleep {ms / 1000}"
        job["resources"] = {"cpus": 0.5, "gpus": rng.choice([1, 2]), "memory": "1GiB"}
    else:
        job["shell"] = f"sleep {ms / 1000}"
        job["resources"] = {"cpus": 2, "memory": "2GiB"}
    path = os.path.join(WORK, f"job-{marker}.json")
    with open(path, "w") as f:
        json.dump(job, f)
    return kind, path


# --- processes ------------------------------------------------------------------------------

def environ_of(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def ours(pid):
    """A process started for this test's TRAINCTL_HOME (other tests run beside this one)."""
    return f"TRAINCTL_HOME={HOME}".encode() in environ_of(pid)


def start_time(pid):
    """Field 22 of /proc/PID/stat, or None when gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    if rest[0] in ("Z", "X"):
        return None
    return int(rest[19])


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def our_supervisors():
    return [p for p in pids() if comm(p) == "trainctl-sup" and ours(p)]


def job_processes():
    """pid -> run id, for every live process that carries a run id of this test's ledger."""
    found = {}
    for p in pids():
        env = environ_of(p)
        if f"TRAINCTL_HOME={HOME}".encode() not in env or comm(p) == "trainctl-sup":
            continue
        for kv in env:
            if kv.startswith(b"TRAINCTL_RUN_ID=") and start_time(p) is not None:
                found[p] = kv.split(b"=", 1)[1].decode()
    return found


# --- the chaos ------------------------------------------------------------------------------

submits = {}          # marker -> {"kind", "killed", "rc", "out"}
stop = threading.Event()
durations = []


def submitter(k, plan):
    for marker, kind, path, kill_after in plan:
        env = dict(os.environ, CHAOS_MARK=marker)
        t0 = time.monotonic()
        p = subprocess.Popen([T, "submit", "-q", path], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        killed = False
        if kill_after is not None:
            time.sleep(kill_after)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed = True
        out, err = p.communicate()
        if not killed:
            with lock:
                durations.append(time.monotonic() - t0)
        with lock:
            rc = chaos_submit.outcome(marker, p.returncode, out, err, killed, notes)
            submits[marker] = {"kind": kind, "killed": killed, "rc": rc,
                               "out": out.strip(), "err": err.strip()}


def busy_supervisors():
    """Supervisors of our running runs (an idle supervisor only waits for a next run)."""
    try:
        with sqlite3.connect(f"file:{os.path.join(HOME, 'data', 'ledger.db')}?mode=ro",
                             uri=True, timeout=5) as c:
            rows = c.execute("SELECT DISTINCT supervisor_pid FROM runs WHERE state = 'running'")
            return {r[0] for r in rows}
    except sqlite3.Error:
        return set()


def killer(plan):
    """SIGKILLs one of our supervisors at each seeded point (when one is there), one that
    supervises a run when there is one."""
    done = 0
    for delay, pick in plan:
        if stop.wait(delay):
            break
        sups = sorted(our_supervisors())
        busy = [p for p in sups if p in busy_supervisors()]
        sups = busy or sups
        if sups:
            os.kill(sups[int(pick * len(sups))], signal.SIGKILL)
            done += 1
    note(f"supervisors SIGKILLed: {done} of {len(plan)} planned")


def watcher(plan):
    """Runs commands that recover lost runs (list, status) and SIGKILLs some mid-flight."""
    done = 0
    for delay, kill_after, cmd in plan:
        if stop.wait(delay):
            break
        p = subprocess.Popen([T] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_after is not None:
            time.sleep(kill_after)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                done += 1
        p.wait()
    note(f"watcher clients SIGKILLed mid-command: {done}")


def chaos():
    plans = [[] for _ in range(SUBMITTERS)]
    for i in range(RUNS):
        k = i % SUBMITTERS
        marker = f"s{k}-{i:03d}"
        kind, path = job_for(i, marker)
        kill_after = rng.uniform(0.0, 0.8) if rng.random() < 0.15 else None
        plans[k].append((marker, kind, path, kill_after))
    kills = [(rng.uniform(0.1, 0.5), rng.random()) for _ in range(max(4, RUNS // 6))]
    watch = [(rng.uniform(0.05, 0.3),
              rng.uniform(0.0, 0.02) if rng.random() < 0.4 else None,
              rng.choice([["list", "--state", "active"], ["list", "--all", "--json"],
                          ["cost"]]))
             for _ in range(max(6, RUNS // 4))]
    threads = [threading.Thread(target=submitter, args=(k, plans[k])) for k in range(SUBMITTERS)]
    side = [threading.Thread(target=killer, args=(kills,)),
            threading.Thread(target=watcher, args=(watch,))]
    for t in threads + side:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in side:
        t.join()


def settle(limit_s):
    """Lets the queue drain: `list` recovers lost runs and kicks the queue. Bounded."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        out = subprocess.run([T, "list", "--state", "active", "--json"], capture_output=True,
                             text=True).stdout
        try:
            if json.loads(out) == []:
                return True
        except ValueError:
            pass
        time.sleep(0.2)
    return False


# --- the checks -----------------------------------------------------------------------------

def check(ok, name, *diag):
    print("CHECK " + ("ok" if ok else "fail") + " " + name + "".join("\t" + d for d in diag))


def checks(settled):
    db = sqlite3.connect(f"file:{LEDGER}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    runs = {r["id"]: r for r in db.execute("SELECT * FROM runs")}
    events = {}
    for e in db.execute("SELECT run_id, state, detail FROM events ORDER BY seq"):
        events.setdefault(e["run_id"], []).append((e["state"], e["detail"]))
    check(settled, "the queue settles within the bounded wait",
          *[f"{i} {r['state']} {r['reason']}" for i, r in runs.items()
            if r["state"] in ("queued", "running")][:10])

    integrity = db.execute("PRAGMA integrity_check").fetchall()
    check([tuple(x) for x in integrity] == [("ok",)], "PRAGMA integrity_check says ok",
          *[str(tuple(x)) for x in integrity[:5]])

    live = job_processes()
    bad = []
    for i, r in runs.items():
        if r["state"] == "running":
            if start_time(r["supervisor_pid"]) != r["supervisor_start"]:
                bad.append(f"{i} running but supervisor {r['supervisor_pid']} is gone")
        elif r["state"] == "queued":
            if i in live.values():
                bad.append(f"{i} queued but a process of it runs")
        elif r["state"] not in ("succeeded", "failed", "cancelled", "timed_out", "lost"):
            bad.append(f"{i} in unknown state {r['state']}")
    check(not bad, "every run is terminal, or live as the processes say", *bad[:10])

    dead = sorted({rid for rid in live.values() if rid in runs and runs[rid]["state"] != "running"})
    check(not dead, "no process of a run that is not running is left",
          *[f"{rid} is {runs[rid]['state']} ({runs[rid]['reason']}; job pid "
            f"{runs[rid]['job_pid']}) but its processes live: "
            + ", ".join(f"{p} {cmdline(p)}" for p, x in live.items() if x == rid)
            for rid in dead[:10]])

    held = [0.0, 0, 0]
    real = [0.0, 0, 0]
    for r in runs.values():
        if r["state"] != "running":
            continue
        held = [held[0] + (r["cpus"] or 0), held[1] + (r["memory"] or 0), held[2] + (r["gpus"] or 0)]
        if start_time(r["supervisor_pid"]) == r["supervisor_start"]:
            real = [real[0] + (r["cpus"] or 0), real[1] + (r["memory"] or 0),
                    real[2] + (r["gpus"] or 0)]
    check(held == real, "resources the queue holds are those of truly live runs",
          f"held {held}", f"live {real}")

    markers = {}
    for i, r in runs.items():
        spec = json.loads(r["spec"])
        m = (spec.get("env") or {}).get("CHAOS_MARK")
        if m:
            markers.setdefault(m, []).append(i)
    twice = {m: ids for m, ids in markers.items() if len(ids) > 1}
    check(not twice, "no submission is recorded twice",
          *[f"{m}: {ids}" for m, ids in list(twice.items())[:10]])
    by_name = {}
    for i, r in runs.items():
        by_name.setdefault(r["name"], []).append(i)
    check(all(len(v) == 1 for v in by_name.values()) and len(runs) == len(markers),
          "no run id or job name is recorded twice", f"{len(runs)} rows, {len(markers)} markers")

    missing, wrong_id = [], []
    for m, s in submits.items():
        if s["killed"]:
            continue
        if s["rc"] != 0:
            missing.append(f"{m}: submit failed ({s['rc']}): {s['err']}")
        elif m not in markers:
            missing.append(f"{m}: submit printed {s['out']} but the ledger has no row")
        elif markers[m] != [s["out"]]:
            wrong_id.append(f"{m}: printed {s['out']}, ledger {markers[m]}")
    check(not missing and not wrong_id, "every submit that was not killed recorded its run once",
          *(missing + wrong_id)[:10])

    half = []
    runs_dir = os.path.join(HOME, "data", "runs")
    for i, r in runs.items():
        if not events.get(i) or events[i][0] != ("queued", "submitted"):
            half.append(f"{i}: history does not start with its submission: {events.get(i)}")
        if not os.path.isfile(os.path.join(runs_dir, i, "env")):
            half.append(f"{i}: recorded without its run folder")
    for d in sorted(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else []:
        if d not in runs and d not in (".staging", ".spool"):
            half.append(f"runs/{d}: a run folder with no run in the ledger")
    for sub, what in ((".staging", "a staged folder"), (".spool", "a spooled run")):
        folder = os.path.join(runs_dir, sub)
        for d in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            half.append(f"runs/{sub}/{d}: {what} still there after recovery")
    killed = [m for m, s in submits.items() if s["killed"]]
    check(not half, "killed submitters recorded their run completely or not at all",
          f"{len(killed)} submitters killed, {sum(m in markers for m in killed)} of them recorded",
          *half[:10])

    outcomes = {}
    for m, ids in markers.items():
        r = runs[ids[0]]
        outcomes.setdefault(f"{submits.get(m, {}).get('kind', '?')}->{r['state']}", 0)
        outcomes[f"{submits.get(m, {}).get('kind', '?')}->{r['state']}"] += 1
    note("outcomes (kind->state): " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    unexpected = []
    expect = {"ok": "succeeded", "fail": "failed", "signal": "failed", "timeout": "timed_out",
              "gpu": "succeeded", "cpus": "succeeded"}
    for m, ids in markers.items():
        r = runs[ids[0]]
        kind = submits[m]["kind"]
        if r["state"] not in (expect[kind], "lost"):
            unexpected.append(f"{m} ({kind}) ended {r['state']}: {r['reason']}")
        if r["state"] == "lost" and "supervisor" not in (r["reason"] or ""):
            unexpected.append(f"{m} lost without saying why: {r['reason']}")
    check(not unexpected, "each run ends as its job does, or lost with its supervisor",
          *unexpected[:10])


def main():
    print(f"NOTE chaos seed {SEED}, {RUNS} runs from {SUBMITTERS} submitters")
    start = time.monotonic()
    chaos()
    note(f"chaos phase {time.monotonic() - start:.1f} s; a submit took {min(durations):.3f} s to "
         f"{max(durations):.3f} s, median {sorted(durations)[len(durations) // 2]:.3f} s")
    settled = settle(40)
    note(f"settled after {time.monotonic() - start:.1f} s")
    checks(settled)
    for n in notes:
        print("NOTE " + n)


main()
