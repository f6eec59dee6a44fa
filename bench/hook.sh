#!/bin/sh
# bench/hook.sh: what trainctl's post-commit hook costs a `git commit`.
#
# Usage: bench/hook.sh [TRAINCTL] [COMMITS]   (defaults: build/src/trainctl, 100)
#
# Two identical test repositories (200 files), one with `trainctl hook install`
# (a trigger every commit matches, a job that runs `true`), one with no hook.
# The same commits are made in both, alternating, and each `git commit` is
# timed; the script prints the medians and their ratio (goal: at most 1.5).
#
# The hook answers git at once and leaves the rest (libgit2, changed paths,
# provenance, the submission) to a detached process. After each hooked commit
# the script waits, outside the timing, until that process has logged its
# submission and every trainctl process it started (the run's supervisor
# included) has exited, so background work never lands in the next commit's
# time. At the end it checks that every hooked commit submitted exactly one
# run recording that commit. It also times `hook run` on its own.
#
# BENCH_BACK_TO_BACK=1 adds a second measurement with no waiting: blocks of
# commits made as fast as git allows, where the detached work of one commit
# competes with the next ones for the CPU.
set -eu

TRAINCTL=$(realpath "${1:-build/src/trainctl}")
N=${2:-100}
[ -x "$TRAINCTL" ] || { echo "bench/hook.sh: no trainctl at '$TRAINCTL' (build first)" >&2; exit 2; }
command -v git >/dev/null || { echo "bench/hook.sh: git is not installed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trainctl-bench-hook.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export HOME="$TMP/home" TRAINCTL_HOME="$TMP/trainctl" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset GIT_DIR GIT_WORK_TREE TRAINCTL_HOOK_SKIP TRAINCTL_HOOK_DRY_RUN
mkdir -p "$HOME"

make_repo() {
	mkdir -p "$1/src" && cd "$1" && git init -q -b main .
	i=0
	while [ $i -lt 200 ]; do echo "w$i = $i" > "src/m$i.py"; i=$((i + 1)); done
	printf '%s\n' '{ "shell": "true",' \
		'  "trigger": { "events": ["post-commit"], "branches": ["main"], "paths": ["src/**/*.py"] } }' \
		> trainctl.json
	git add -A && git commit -qm init
	cd - >/dev/null
}
make_repo "$TMP/bare"
make_repo "$TMP/hooked"
(cd "$TMP/hooked" && "$TRAINCTL" hook install >/dev/null)

python3 - "$TMP/bare" "$TMP/hooked" "$N" "$TRAINCTL" "${BENCH_BACK_TO_BACK:-0}" <<'PY'
import json, os, resource, sqlite3, statistics, subprocess, sys, time

bare, hooked, n, trainctl, back_to_back = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
log = os.path.join(os.environ["TRAINCTL_HOME"], "data", "hooks.log")

def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""

def trainctl_processes():
    """pids of running trainctl processes (the detached hook, run supervisors), less the
    supervisors that only wait, idle, for a next run (they do no work: docs/local.md)."""
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.readlink(f"/proc/{pid}/exe") == trainctl:
                    pids.append(pid)
            except OSError:
                pass
    if pids and all(comm(p) == "trainctl-sup" for p in pids) and not active_runs():
        return []
    return pids

def active_runs():
    db = os.path.join(os.environ["TRAINCTL_HOME"], "data", "ledger.db")
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
            return c.execute("SELECT count(*) FROM runs WHERE state IN ('queued', 'running')").fetchone()[0]
    except sqlite3.Error:
        return 1

def settle(expect_lines, timeout=60):
    """Wait until hooks.log holds expect_lines lines and no trainctl process is left."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            lines = sum(1 for line in open(log) if " post-commit hook: " in line)
        except FileNotFoundError:
            lines = 0
        if lines >= expect_lines and not trainctl_processes():
            return
        time.sleep(0.005)
    sys.exit(f"bench/hook.sh: the detached hooks did not finish in {timeout} s ({log})")

def commit(repo, i):
    with open(os.path.join(repo, "src", f"m{i % 200}.py"), "a") as f:
        f.write(f"# change {i}\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(["git", "commit", "-qm", f"change {i}"], cwd=repo, check=True,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.stdout or p.stderr:
        sys.exit(f"bench/hook.sh: the commit said something: {p.stdout}{p.stderr}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu

def head(repo):
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()

def timed(args, cwd, runs=50, between=None):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        out.append(time.perf_counter() - t)
        if between:
            between()
    return statistics.median(out) * 1000

def check_runs(shas):
    runs = json.loads(subprocess.run([trainctl, "list", "--all", "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    got = sorted((r.get("provenance") or {}).get("commit") or "-" for r in runs)
    if got != sorted(shas):
        sys.exit(f"bench/hook.sh: {len(runs)} runs recorded for {len(shas)} hooked commits, "
                 "or not each with its own commit")
    return len(runs)

plain, hook, plain_cpu, hook_cpu, shas = [], [], [], [], []
for i in range(n):
    order = [(bare, plain, plain_cpu), (hooked, hook, hook_cpu)]
    for repo, times, cpus in (order if i % 2 == 0 else order[::-1]):
        t, cpu = commit(repo, i)
        times.append(t)
        cpus.append(cpu)
        if repo == hooked:
            shas.append(head(hooked))
            settle(len(shas))
runs = check_runs(shas)
mp, mh = statistics.median(plain) * 1000, statistics.median(hook) * 1000
print(f"git commit, no hook:        median {mp:7.2f} ms  (mean {statistics.mean(plain) * 1000:.2f}, {n} commits)")
print(f"git commit, trainctl hook:  median {mh:7.2f} ms  (mean {statistics.mean(hook) * 1000:.2f}, {n} commits, "
      f"{runs} runs submitted, each recording its commit)")
print(f"ratio (hook / no hook):     {mh / mp:.2f}x   (goal: <= 1.5x)")
cp, ch = statistics.median(plain_cpu) * 1000, statistics.median(hook_cpu) * 1000
print(f"CPU time (user+sys) git waits for: {cp:.2f} ms vs {ch:.2f} ms, ratio {ch / cp:.2f}x "
      "(the detached process is not counted)")

if back_to_back:
    block = max(n // 2, 1)
    b2b_plain = [commit(bare, n + i)[0] for i in range(block)]
    before = len(shas)
    b2b_hook = []
    for i in range(block):
        b2b_hook.append(commit(hooked, n + i)[0])
        shas.append(head(hooked))
    settle(len(shas), timeout=300)
    check_runs(shas)
    bp, bh = statistics.median(b2b_plain) * 1000, statistics.median(b2b_hook) * 1000
    print(f"back to back ({block} commits each, no waiting): {bp:.2f} ms vs {bh:.2f} ms, ratio {bh / bp:.2f}x")

count = [len(shas)]
def settle_next():
    count[0] += 1
    settle(count[0])
print(f"trainctl hook run post-commit (answers git, detaches): median "
      f"{timed([trainctl, 'hook', 'run', 'post-commit'], hooked, between=settle_next):.2f} ms")
print(f"trainctl hook run post-commit --dry-run (all of it, libgit2 included): median "
      f"{timed([trainctl, 'hook', 'run', 'post-commit', '--dry-run'], hooked):.2f} ms")
print(f"trainctl hook run post-merge (early exit, no libgit2): median {timed([trainctl, 'hook', 'run', 'post-merge'], hooked):.2f} ms")
print(f"trainctl --version (process start): median {timed([trainctl, '--version'], hooked):.2f} ms")
PY
