#!/bin/sh
# bench/hook.sh: what trainctl's post-commit hook costs a `git commit`.
#
# Usage: bench/hook.sh [TRAINCTL] [COMMITS]   (defaults: build/src/trainctl, 100)
#
# Two identical test repositories (200 files), one with `trainctl hook install`
# (a trigger every commit matches), one with no hook. The same commits are
# made in both, alternating, and each `git commit` is timed; the script prints
# the medians and their ratio (goal: at most 1.5). It also times `hook run` on
# its own: the path that loads libgit2, and the early exit that does not.
#
# Until local submission lands (issue 3) the hook runs with
# TRAINCTL_HOOK_DRY_RUN=1: everything up to the submission (libgit2, changed
# paths, trigger matching, provenance) is measured; the detached submit is not.
# Set BENCH_DRY_RUN=0 to measure real submissions.
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
export TRAINCTL_HOOK_DRY_RUN="${BENCH_DRY_RUN:-1}"
unset GIT_DIR GIT_WORK_TREE TRAINCTL_HOOK_SKIP
mkdir -p "$HOME"

make_repo() {
	mkdir -p "$1/src" && cd "$1" && git init -q -b main .
	i=0
	while [ $i -lt 200 ]; do echo "w$i = $i" > "src/m$i.py"; i=$((i + 1)); done
	printf '%s\n' '{ "shell": "python3 train.py",' \
		'  "trigger": { "events": ["post-commit"], "branches": ["main"], "paths": ["src/**/*.py"] } }' \
		> trainctl.json
	git add -A && git commit -qm init
	cd - >/dev/null
}
make_repo "$TMP/bare"
make_repo "$TMP/hooked"
(cd "$TMP/hooked" && "$TRAINCTL" hook install >/dev/null)

python3 - "$TMP/bare" "$TMP/hooked" "$N" "$TRAINCTL" <<'PY'
import os, resource, statistics, subprocess, sys, time

bare, hooked, n, trainctl = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

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
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p.stdout + p.stderr

def timed(args, cwd, runs=50):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000

plain, hook, plain_cpu, hook_cpu, matched = [], [], [], [], 0
for i in range(n):
    order = [(bare, plain, plain_cpu), (hooked, hook, hook_cpu)]
    for repo, times, cpus in (order if i % 2 == 0 else order[::-1]):
        t, cpu, out = commit(repo, i)
        times.append(t)
        cpus.append(cpu)
        if repo == hooked:
            matched += ("would submit" in out) or ("submitted" in out)
if matched != n:
    sys.exit(f"bench/hook.sh: the trigger matched {matched} of {n} commits; expected all")
mp, mh = statistics.median(plain) * 1000, statistics.median(hook) * 1000
print(f"git commit, no hook:        median {mp:7.2f} ms  (mean {statistics.mean(plain) * 1000:.2f}, {n} commits)")
print(f"git commit, trainctl hook:  median {mh:7.2f} ms  (mean {statistics.mean(hook) * 1000:.2f}, {n} commits, trigger matched {matched})")
print(f"ratio (hook / no hook):     {mh / mp:.2f}x   (goal: <= 1.5x)")
cp, ch = statistics.median(plain_cpu) * 1000, statistics.median(hook_cpu) * 1000
print(f"CPU time (user+sys) of the commit and its hook: {cp:.2f} ms vs {ch:.2f} ms, "
      f"ratio {ch / cp:.2f}x (less sensitive to other load on the machine)")
dry = ["--dry-run"] if os.environ.get("TRAINCTL_HOOK_DRY_RUN", "1") != "0" else []
print(f"trainctl hook run post-commit (loads libgit2): median {timed([trainctl, 'hook', 'run', 'post-commit'] + dry, hooked):.2f} ms")
print(f"trainctl hook run post-merge (early exit, no libgit2): median {timed([trainctl, 'hook', 'run', 'post-merge'], hooked):.2f} ms")
print(f"trainctl --version (process start): median {timed([trainctl, '--version'], hooked):.2f} ms")
PY
