"""server.py: a threaded HTTP(S) server base for loopback fakes of Azure endpoints.

One `State` is shared by every listener of a fake (the HTTPS one, the plain-HTTP one that
plays the instance metadata service, the control one): the fault queue, the request log,
the issued tokens, the knobs and the traffic recorder.

A service is a set of routes: `server.route("GET", r"^/api/retail/prices$", fn)`, where
`fn(req, state)` returns a `Response`. Faults are applied before routing, to the next
requests that match them (see `Faults.add`), so any route can be made to fail.
"""
import email.utils
import http.server
import json
import random
import re
import socket
import socketserver
import ssl
import struct
import threading
import time
import urllib.parse

from recorder import Recorder


class Request:
    """One request as the fake received it."""

    def __init__(self, method, target, headers, body, scheme, host):
        self.method = method
        self.target = target                      # path?query, as sent
        parts = urllib.parse.urlsplit(target)
        self.path = parts.path
        self.raw_query = parts.query
        self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.url = "%s://%s%s" % (scheme, host, target)

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def arg(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def form(self):
        return {k: v[0] for k, v in urllib.parse.parse_qs(
            self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Response:
    def __init__(self, status=200, body=b"", headers=None):
        self.status = status
        self.headers = dict(headers or {})
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")

    @classmethod
    def json(cls, obj, status=200, headers=None):
        h = {"Content-Type": "application/json; charset=utf-8"}
        h.update(headers or {})
        return cls(status, json.dumps(obj, indent=1).encode("utf-8"), h)


class Faults:
    """Queued faults. Each rule applies to the next `count` requests it matches.

    A rule is a dict:
      kind      "status"  answer `status` (with `headers`, `body`) instead of the route
                "body"    answer 200 (or `status`) with `body` verbatim (a malformed page)
                "reset"   read the request line and headers, then reset the connection
                          (TCP RST) before answering: "connection reset mid-request"
                "drop"    close the connection without an answer
                "slow"    wait `seconds`, then answer normally (the client may time out)
                "lose"    serve the request (it takes effect), then reset the connection
                          instead of answering: the client never learns that it worked
      match     a regex searched in "METHOD path?query" (default: every request)
      count     how many matching requests it applies to (default 1)
      skip      let this many matching requests through first (default 0)
    Examples: {"kind": "status", "status": 429, "headers": {"Retry-After": "1"}}
              {"kind": "status", "status": 503, "count": 2, "match": "^GET /api/"}
    """

    def __init__(self):
        self._rules = []
        self._lock = threading.Lock()

    def add(self, rule):
        rule = dict(rule)
        if rule.get("kind") not in ("status", "body", "reset", "drop", "slow", "lose"):
            raise ValueError("unknown fault kind %r" % rule.get("kind"))
        rule.setdefault("count", 1)
        rule.setdefault("skip", 0)
        rule["_re"] = re.compile(rule.get("match", ""))
        with self._lock:
            self._rules.append(rule)

    def clear(self):
        with self._lock:
            self._rules.clear()

    def pending(self):
        with self._lock:
            return [{k: v for k, v in r.items() if k != "_re"} for r in self._rules]

    def take(self, req):
        line = "%s %s" % (req.method, req.target)
        with self._lock:
            for r in self._rules:
                if not r["_re"].search(line):
                    continue
                if r["skip"] > 0:
                    r["skip"] -= 1
                    continue
                r["count"] -= 1
                if r["count"] <= 0:
                    self._rules.remove(r)
                return {k: v for k, v in r.items() if k != "_re"}
        return None


class Chaos:
    """The "chaos" knob: a random fault on any request, with probability `p`, seeded.

    Set with POST /knobs {"chaos": {"p": 0.3, "seed": 7, "match": REGEX, "kinds": [...],
    "slow_seconds": 2}}; null turns it off. Each request that `match` finds (default: all)
    draws from random.Random(seed) in arrival order: with probability `p` it gets one of
    `kinds` (default all), chosen evenly:
      429      HTTP 429 with Retry-After: 1      503      HTTP 503
      reset    reset before the body is read     lose     served, then the answer is lost
      slow     answered after `slow_seconds`     expire   every token expires first (401)
      preempt  the next low-priority job is preempted (the arm knob preempt_next + 1)
    Queued faults (Faults) come first. `counts()` says how many of each were injected.
    """

    KINDS = ("429", "503", "reset", "lose", "slow", "expire", "preempt")

    def __init__(self):
        self._lock = threading.Lock()
        self._conf = None
        self._rng = None
        self._re = None
        self._counts = {}

    def configure(self, conf):
        with self._lock:
            self._conf = dict(conf) if conf else None
            self._rng = random.Random(conf.get("seed", 0)) if conf else None
            self._re = re.compile(conf.get("match", "")) if conf else None

    def counts(self):
        with self._lock:
            return dict(self._counts)

    def take(self, req, state):
        with self._lock:
            if not self._conf or not self._re.search("%s %s" % (req.method, req.target)):
                return None
            if self._rng.random() >= float(self._conf.get("p", 0.2)):
                return None
            kind = self._rng.choice(list(self._conf.get("kinds") or self.KINDS))
            self._counts[kind] = self._counts.get(kind, 0) + 1
        if kind in ("429", "503"):
            headers = {"Retry-After": "1"} if kind == "429" else None
            return {"kind": "status", "status": int(kind), "headers": headers, "chaos": kind}
        if kind == "slow":
            return {"kind": "slow", "seconds": self._conf.get("slow_seconds", 2), "chaos": kind}
        if kind == "expire":
            state.tokens.expire_all()
            return None
        if kind == "preempt":
            with state._lock:
                state.knobs["preempt_next"] = int(state.knobs.get("preempt_next", 0)) + 1
            return None
        return {"kind": kind, "chaos": kind}


class Tokens:
    """Bearer tokens the fake issued, with their audience and expiry.

    `check(req, audience)` is what a protected route calls: None when the request carries a
    live token for that audience, else the 401 Response to send (expired, unknown, missing).
    `expire_all()` is the "token expiry" knob: every token issued so far stops working.
    """

    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()
        self._n = 0

    def issue(self, subject, audience, lifetime, prefix=""):
        with self._lock:
            self._n += 1
            body = urllib.parse.quote("%s|%s|%d" % (subject, audience, self._n), safe="")
            token = "%sfake.%s.%08x" % (prefix, body, (hash((subject, self._n, time.time())) & 0xffffffff))
            self._tokens[token] = {"subject": subject, "audience": audience,
                                   "expires_on": int(time.time()) + int(lifetime)}
            return token, self._tokens[token]["expires_on"]

    def expire_all(self):
        with self._lock:
            for t in self._tokens.values():
                t["expires_on"] = 0

    def issued(self):
        with self._lock:
            return len(self._tokens)

    def check(self, req, audience=None):
        auth = req.header("Authorization", "")
        if not auth.startswith("Bearer "):
            return _auth_error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        with self._lock:
            t = self._tokens.get(auth[7:])
        if not t:
            return _auth_error("InvalidAuthenticationToken", "The access token is invalid.")
        if t["expires_on"] <= time.time():
            return _auth_error("ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.")
        if audience and t["audience"].rstrip("/") != audience.rstrip("/"):
            return _auth_error("InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource.")
        return None


def _auth_error(code, message):
    return Response.json({"error": {"code": code, "message": message}}, 401,
                         {"WWW-Authenticate": 'Bearer error="invalid_token"'})


class State:
    """What every listener of one fake shares."""

    def __init__(self, recorder=None):
        self.faults = Faults()
        self.chaos = Chaos()
        self.tokens = Tokens()
        self.knobs = {}
        self.recorder = recorder or Recorder(None)
        self._log = []
        self._lock = threading.Lock()

    def knob(self, name, default=None):
        with self._lock:
            return self.knobs.get(name, default)

    def log(self, entry):
        with self._lock:
            entry["n"] = len(self._log) + 1
            self._log.append(entry)

    def requests(self):
        with self._lock:
            return list(self._log)

    def reset(self):
        self.faults.clear()
        with self._lock:
            self._log.clear()


class _Abort(Exception):
    """Raised to leave a connection without the handler writing anything more."""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "trainctl-fake/1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

    def log_message(self, fmt, *args):  # quiet: the State log is the record
        pass

    def handle(self):
        try:
            super().handle()
        except (_Abort, ConnectionError, ssl.SSLError, OSError, ValueError):
            self.close_connection = True

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        raise _Abort()

    def _dispatch(self):
        srv = self.server
        state = srv.state
        host = self.headers.get("Host") or "%s:%d" % srv.server_address[:2]
        req = Request(self.command, self.path, dict(self.headers.items()), b"", srv.scheme, host)
        fault = state.faults.take(req) or state.chaos.take(req, state)
        started = time.time()
        entry = {"method": req.method, "path": req.path, "query": req.raw_query,
                 "target": req.target, "headers": req.headers, "listener": srv.name,
                 "time": started, "fault": fault and fault["kind"]}
        if fault and fault["kind"] == "reset":
            entry["status"] = None
            state.log(entry)
            self._reset()
        req.body = self._read_body()
        entry["body"] = req.body.decode("utf-8", "replace")
        if fault and fault["kind"] == "drop":
            entry["status"] = None
            state.log(entry)
            self.close_connection = True
            raise _Abort()
        if fault and fault["kind"] == "slow":
            time.sleep(float(fault.get("seconds", 2)))
        if fault and fault["kind"] in ("status", "body"):
            resp = Response(int(fault.get("status", 200 if fault["kind"] == "body" else 503)),
                            fault.get("body", ""), fault.get("headers"))
            if fault["kind"] == "status" and not fault.get("body"):
                resp = Response.json({"error": {"code": "FakeFault", "message": "injected %s" % fault.get("status")}},
                                     resp.status, fault.get("headers"))
        else:
            resp = srv.route_request(req)
        entry["status"] = resp.status
        if fault and fault["kind"] == "lose":
            entry["status"] = None
            state.log(entry)
            self._reset()
        state.log(entry)
        state.recorder.record(req, resp)  # before answering: a client that got the answer finds the file
        self._send(resp)

    def _send(self, resp):
        self.send_response(resp.status)
        headers = dict(resp.headers)
        headers.setdefault("Date", email.utils.formatdate(usegmt=True))
        headers["Content-Length"] = str(len(resp.body))
        for k, v in headers.items():
            if k.lower() not in ("server", "date"):
                self.send_header(k, v)
            elif k.lower() == "date":
                self.send_header("Date", v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class FakeServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A listener on 127.0.0.1 (HTTPS when `tls` = (certfile, keyfile), else plain HTTP)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state, tls=None, name="https", port=0, host="127.0.0.1"):
        self.state = state
        self.name = name
        self.routes = []
        self.scheme = "https" if tls else "http"
        self._ctx = None
        if tls:
            self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ctx.load_cert_chain(tls[0], tls[1])
        super().__init__((host, port), _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self._ctx:
            # the handshake happens in the handler's thread, on first read
            sock = self._ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):  # a client that went away is not news
        pass

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.server_address[1])

    def route(self, method, pattern, fn):
        self.routes.append((method, re.compile(pattern), fn))

    def route_request(self, req):
        allowed = []
        for method, rx, fn in self.routes:
            if rx.search(req.path):
                if method == req.method or method == "*":
                    try:
                        return fn(req, self.state)
                    except Exception as e:  # a fake bug must be visible, not a hang
                        return Response.json({"error": {"code": "FakeBug", "message": repr(e)}}, 500)
                allowed.append(method)
        if allowed:
            return Response.json({"error": {"code": "MethodNotAllowed", "message": req.method}}, 405)
        return Response.json({"error": {"code": "NotFound", "message": "no route for %s" % req.path}}, 404)

    def start(self):
        t = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        t.start()
        return self


def control_server(state, port=0):
    """The plain-HTTP control listener (never faulted, never recorded).

    POST /faults {"faults": [rule, ...]}   queue faults (see Faults)
    POST /knobs {"name": value, ...}       set knobs read by the services (null: unset)
    POST /expire-tokens                    every token issued so far stops working
    POST /reset                            forget faults and the request log
    GET  /requests                         the request log, oldest first
    GET  /faults                           faults not yet used up
    """
    srv = FakeServer(state, None, "control", port)

    def faults(req, _):
        try:
            for rule in req.json().get("faults", []):
                state.faults.add(rule)
        except ValueError as e:
            return Response.json({"error": str(e)}, 400)
        return Response.json({"pending": state.faults.pending()})

    def knobs(req, _):
        if "chaos" in req.json():
            state.chaos.configure(req.json()["chaos"])
        with state._lock:
            for k, v in req.json().items():
                if v is None:
                    state.knobs.pop(k, None)  # back to the service's default
                else:
                    state.knobs[k] = v
            return Response.json(state.knobs)

    def expire(req, _):
        state.tokens.expire_all()
        return Response.json({"expired": state.tokens.issued()})

    def reset(req, _):
        state.reset()
        return Response.json({})

    srv.route("POST", r"^/faults$", faults)
    srv.route("GET", r"^/faults$", lambda req, _: Response.json(state.faults.pending()))
    srv.route("POST", r"^/knobs$", knobs)
    srv.route("POST", r"^/expire-tokens$", expire)
    srv.route("POST", r"^/reset$", reset)
    srv.route("GET", r"^/requests$", lambda req, _: Response.json(state.requests()))
    srv.route("GET", r"^/chaos$", lambda req, _: Response.json(state.chaos.counts()))
    # the control listener's own requests stay out of the log and the recording
    srv.state = _ControlState(state)
    return srv


class _ControlState:
    """Wraps the shared State for the control listener: no faults, no log, no recording."""

    class _NoFaults:
        def take(self, req, state=None):
            return None

    class _NoRecord:
        def record(self, req, resp):
            pass

    def __init__(self, state):
        self._state = state
        self.faults = self._NoFaults()
        self.chaos = self._NoFaults()
        self.recorder = self._NoRecord()

    def log(self, entry):
        pass

    def __getattr__(self, name):
        return getattr(self._state, name)
