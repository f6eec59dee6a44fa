#!/usr/bin/env python3
"""Write docs/cli.md from trainctl's own help texts, after a hand-written preamble.

Usage: scripts/gen_cli_doc.py BUILD/src/trainctl [--check]
With --check, exit 1 (and say so) when docs/cli.md differs from what would be written;
tests/cli/cli_doc.sh runs that, so the reference never drifts from the binary.
"""
import os
import re
import subprocess
import sys

PREAMBLE = """# Command-line reference

This file is generated from trainctl's own `--help` texts by `scripts/gen_cli_doc.py`
(a test fails when it is out of date). The preamble is hand-written.

## Conventions
- `trainctl <command> [options] [arguments]`; `trainctl <command> --help` prints the
  section below for that command. `trainctl --version` prints the version.
- Options have a long form (`--json`) and, for frequent ones, a short form (`-n 5`). An option's
  value follows it (`--name x` or `--name=x`). `--` ends the options: what follows is
  positional (`submit -- cmd args`).
- Commands that print data take `--json` for scripts. Text output is for people and may change.
- RUN, where a command takes one, is a run id, a unique prefix of one (4+ characters), or `last`.
- Messages: one line per problem, starting with `error:`; usage errors name the command and
  end with its usage line; an unknown command or option gets "did you mean" when one is close.

## Exit status
| status | meaning |
|---|---|
| 0 | success |
| 1 | failure: bad input (a job file, a config file), a run that does not exist, nothing can run the job (`plan`), a budget that would be crossed, a backend error |
| 2 | usage error: unknown command or option, missing or extra arguments |
| the run's own | `submit --wait`: the run's exit status; 128+N when killed by signal N; 124 timed out; 130 cancelled; 1 lost |

## Environment
| variable | effect |
|---|---|
| `TRAINCTL_HOME` | replaces the config, data and cache folders with `$TRAINCTL_HOME/{config,data,cache}` |
| `XDG_CONFIG_HOME`, `XDG_DATA_HOME`, `XDG_CACHE_HOME` | where those folders are otherwise (`~/.config/trainctl`, ...) |
| `TRAINCTL_MODULE_DIR` | where to find `trainctl-hwloc.so`, `trainctl-git.so`, `trainctl-curl.so` first |
| `TRAINCTL_TOPOLOGY` | plan and queue as if on the machine of this hwloc XML export |
| `TRAINCTL_NOW` | the planner's clock (RFC 3339 or unix seconds), for reproducible plans |
| `TRAINCTL_KILL_GRACE` | seconds between SIGTERM and SIGKILL when a run is stopped (default 10; a value that is not a whole number from 0 to 86400 means the default) |
| `TRAINCTL_LINGER_MS` | how long a supervisor with nothing to run waits for another run before it exits (default 2000; 0: it exits at once; docs/local.md) |
| `TRAINCTL_LOG_RESERVE` | free space a run's logs leave on their disk (default 64MiB) |
| `TRAINCTL_HOOK_SKIP`, `TRAINCTL_HOOK_DRY_RUN` | turn the git hooks off / make them only print |
| `AZURE_*`, `TRAINCTL_WORKSPACE` | workspace selection and credentials (docs/config.md, docs/azure.md) |

## Commands
"""


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    return p.stdout


def commands(binary):
    out = run(binary, "--help")
    names, on = [], False
    for line in out.splitlines():
        if line.startswith("commands:"):
            on = True
            continue
        m = re.match(r"^  ([a-z][a-z-]*)\s+(.*)$", line)
        if on and m:
            names.append((m.group(1), m.group(2)))
        elif on and line.strip() == "":
            on = bool(names) and False
    return names


def subcommands(text):
    if not text.startswith("usage: trainctl") or "<subcommand>" not in text.splitlines()[0]:
        return []
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*)\s{2,}", text, re.M)]


def section(binary, words, level):
    text = run(binary, *words, "--help").rstrip("\n")
    out = ["#" * level + " trainctl " + " ".join(words), "", "```", text, "```", ""]
    for sub in subcommands(text):
        out += section(binary, words + [sub], level + 1)
    return out


def generate(binary):
    out = [PREAMBLE]
    for name, summary in commands(binary):
        out += section(binary, [name], 3)
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "cli.md")
    text = generate(sys.argv[1])
    if "--check" in sys.argv:
        old = open(doc).read() if os.path.exists(doc) else ""
        if old != text:
            print("docs/cli.md is out of date: run scripts/gen_cli_doc.py " + sys.argv[1])
            return 1
        return 0
    open(doc, "w").write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
