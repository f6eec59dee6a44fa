#!/usr/bin/env python3
"""ctl.py: talk to a running fake's control listener from shell tests.

    python3 ctl.py READY_FILE fault '{"kind": "status", "status": 503}' ['{...}' ...]
    python3 ctl.py READY_FILE knobs '{"token_lifetime": 5}'
    python3 ctl.py READY_FILE expire-tokens | reset
    python3 ctl.py READY_FILE requests [REGEX]   # the log as JSON lines, filtered on "METHOD target"
    python3 ctl.py READY_FILE count [REGEX]      # how many logged requests match
    python3 ctl.py READY_FILE wait [SECONDS]     # wait until READY_FILE exists (after run.py &)
    python3 ctl.py READY_FILE arm                # the ARM fake's state: computes, jobs, codes
    python3 ctl.py READY_FILE chaos              # how many faults of each kind the chaos knob injected
"""
import json
import os
import re
import sys
import time
import urllib.request


def call(control, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(control + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    # the control listener is plain HTTP on loopback: never through a proxy
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as r:
        return json.loads(r.read().decode() or "null")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    ready, cmd, rest = argv[1], argv[2], argv[3:]
    if cmd == "wait":
        deadline = time.time() + float(rest[0] if rest else 10)
        while not os.path.exists(ready):
            if time.time() > deadline:
                sys.exit("ctl.py: the fake did not start (no %s)" % ready)
            time.sleep(0.02)
        return 0
    with open(ready) as f:
        control = json.load(f)["control"]
    if cmd == "fault":
        call(control, "POST", "/faults", {"faults": [json.loads(r) for r in rest]})
    elif cmd == "knobs":
        call(control, "POST", "/knobs", json.loads(rest[0]))
    elif cmd == "chaos":
        print(json.dumps(call(control, "GET", "/chaos"), sort_keys=True))
    elif cmd == "arm":
        print(json.dumps(call(control, "GET", "/arm"), indent=1, sort_keys=True))
    elif cmd in ("expire-tokens", "reset"):
        call(control, "POST", "/" + cmd)
    elif cmd in ("requests", "count"):
        rx = re.compile(rest[0] if rest else "")
        log = [e for e in call(control, "GET", "/requests") if rx.search("%s %s" % (e["method"], e["target"]))]
        if cmd == "count":
            print(len(log))
        else:
            for e in log:
                print(json.dumps(e))
    else:
        sys.exit("ctl.py: unknown command '%s'" % cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
