#!/usr/bin/env python3
"""run.py: start a loopback fake of the Azure endpoints trainctl talks to.

    python3 tests/fake/run.py --dir DIR [--services aad,prices] [--prices-data FILE]
                              [--record TRAFFIC_DIR [--record-base URL] [--record-only REGEX]]
                              [--ready FILE]

Creates (once) a test CA and server certificate in DIR (tls.py), then listens on three
loopback ports: HTTPS (the services), plain HTTP (the instance metadata service, which is
plain HTTP in Azure too) and control (plain HTTP; see server.control_server). When all are
up it writes the ready file (or prints to stdout) one JSON object:

    {"https": "https://127.0.0.1:P", "http": "http://127.0.0.1:Q",
     "control": "http://127.0.0.1:R", "ca": "DIR/ca.pem", "other_ca": "DIR/other-ca.pem", "pid": N}

and runs until SIGTERM or SIGINT. Services are modules with install(https, http[, ...]):
aad (Entra ID token endpoint, IMDS, App Service identity), echo (generic test routes),
prices (Retail Prices API) and arm (Azure ML's Resource Manager endpoints, arm.py; with
--azurite, Microsoft's storage emulator is started too and startPendingUpload points at it).
The control listener also answers GET /arm: the ARM fake's state (computes, jobs, codes).
"""
import argparse
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aad  # noqa: E402
import arm  # noqa: E402
import azurite  # noqa: E402
import echo  # noqa: E402
import prices  # noqa: E402
import tls  # noqa: E402
from recorder import Recorder  # noqa: E402
from server import FakeServer, Response, State, control_server  # noqa: E402

SERVICES = {
    "aad": lambda https, http, args: aad.install(https, http),
    "echo": lambda https, http, args: echo.install(https, http),
    "prices": lambda https, http, args: prices.install(https, http, args.prices_data),
    "arm": lambda https, http, args: arm.install(https, http),
}

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def build(args):
    paths = tls.ensure(args.dir)
    state = State(Recorder(args.record, args.record_base, args.record_only))
    https = FakeServer(state, (paths["server"], paths["server_key"]), "https")
    http = FakeServer(state, None, "http")
    control = control_server(state)
    control.route("GET", r"^/arm$", lambda req, _: Response.json(arm.snapshot()))
    state.knobs["catalog"] = args.catalog
    for name in args.services.split(","):
        if name:
            if name not in SERVICES:
                sys.exit("run.py: unknown service '%s' (known: %s)" % (name, ", ".join(sorted(SERVICES))))
            SERVICES[name](https, http, args)
    return paths, state, [https, http, control]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="folder for the TLS material")
    ap.add_argument("--services", default="aad,echo,prices")
    ap.add_argument("--prices-data", help="JSON list of Retail Prices items to serve")
    ap.add_argument("--record", help="write each exchange to this folder (oav traffic format)")
    ap.add_argument("--record-base", help="scheme://host to record URLs under")
    ap.add_argument("--record-only", help="record only paths matching this regex")
    ap.add_argument("--ready", help="write the endpoints here (JSON) once listening")
    ap.add_argument("--catalog", default=os.path.join(REPO, "data", "catalog.json"),
                    help="catalog.json whose sizes and prices the arm service's vmSizes lists")
    ap.add_argument("--azurite", action="store_true",
                    help="also start Azurite (HTTPS, same certificate) for the arm service's uploads")
    args = ap.parse_args(argv)

    paths, state, servers = build(args)
    for s in servers:
        s.start()
    info = {"https": servers[0].url, "http": servers[1].url, "control": servers[2].url,
            "ca": paths["ca"], "other_ca": paths["other_ca"], "pid": os.getpid()}
    blob = None
    if args.azurite:
        try:
            blob, url = azurite.start(os.path.join(args.dir, "azurite"), paths["server"],
                                      paths["server_key"])
        except (OSError, RuntimeError) as e:
            sys.exit("run.py: %s" % e)
        state.knobs["azurite"] = {"url": url, "ca": paths["ca"]}
        info["azurite"] = url
    text = json.dumps(info)
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, args.ready)
    else:
        print(text, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(0.2):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    if blob:
        blob.terminate()
        blob.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
