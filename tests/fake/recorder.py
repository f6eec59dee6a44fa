"""recorder.py: write each request/response exchange as one file for `oav validate-traffic`.

The format is the one ../shared/azure-ml-spec/VALIDATING.md describes:

    {"liveRequest":  {"method": "PUT", "url": "https://management.azure.com/...?api-version=...",
                      "headers": {...}, "body": {...}},
     "liveResponse": {"statusCode": "200", "headers": {...}, "body": {...}}}

`base` replaces the scheme and host of the recorded URL (the fake listens on
https://127.0.0.1:PORT; the spec's host is management.azure.com). `only` is a regex on the
request path: exchanges whose path does not match are not written (the token endpoints
are not part of the ARM spec). Secrets never reach the files: Authorization and the other
secret headers read "***", and so do secret fields of form bodies (client_secret,
client_assertion). JSON bodies are written as JSON values, other bodies as strings; an
empty body is left out.
"""
import json
import os
import re
import threading
import urllib.parse

SECRET_HEADERS = {"authorization", "x-identity-header", "proxy-authorization", "cookie",
                  "set-cookie", "x-ms-encryption-key"}
SECRET_FIELDS = {"client_secret", "client_assertion", "access_token", "refresh_token",
                 "password", "sig"}


def _headers(h):
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in h.items()}


def _body(raw, content_type):
    if not raw:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "json" in (content_type or ""):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in (content_type or ""):
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
        return urllib.parse.urlencode([(k, "***" if k in SECRET_FIELDS else v) for k, v in pairs])
    return text


class Recorder:
    def __init__(self, folder, base=None, only=None):
        self.folder = folder
        self.base = base.rstrip("/") if base else None
        self.only = re.compile(only) if only else None
        self._n = 0
        self._lock = threading.Lock()
        if folder:
            os.makedirs(folder, exist_ok=True)

    def exchange(self, req, resp):
        """The recorded form of one exchange (a dict), whether or not it is written."""
        url = req.url
        if self.base:
            url = self.base + req.target
        live_req = {"method": req.method, "url": url, "headers": _headers(req.headers)}
        body = _body(req.body, req.header("Content-Type"))
        if body is not None:
            live_req["body"] = body
        rh = {k: v for k, v in resp.headers.items()}
        live_resp = {"statusCode": str(resp.status), "headers": _headers(rh)}
        body = _body(resp.body, next((v for k, v in rh.items() if k.lower() == "content-type"), ""))
        if body is not None:
            live_resp["body"] = body
        return {"liveRequest": live_req, "liveResponse": live_resp}

    def record(self, req, resp):
        if not self.folder or (self.only and not self.only.search(req.path)):
            return None
        data = self.exchange(req, resp)
        with self._lock:
            self._n += 1
            n = self._n
        slug = re.sub(r"[^A-Za-z0-9]+", "-", req.path).strip("-")[-80:] or "root"
        path = os.path.join(self.folder, "%05d-%s-%s.json" % (n, req.method, slug))
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
        return path
