"""azurite.py: Microsoft's storage emulator (npm `azurite`) on loopback HTTPS, and SAS tokens for it.

    proc, url = start(folder, cert, key)   # url: "https://127.0.0.1:P/devstoreaccount1"
    create_container(url, "code", ca)
    sas = container_sas("code", "racwl")   # the query of a container-level SAS
    names = list_blobs(url, "code", ca)
    data = get_blob(url, "code", "src/train.py", ca)

The account is Azurite's built-in development account (its name and key are published in
Azurite's README and are the same on every machine). SAS tokens are signed as the Blob service
documents for service SAS (version 2020-12-06 and later) and account SAS; Azurite checks the
signature, so a wrong token fails the upload.
"""
import base64
import datetime
import hashlib
import hmac
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
VERSION = "2021-08-06"


def find_binary():
    """azurite-blob from $AZURITE_BLOB, else the repository's node_modules; None when absent."""
    env = os.environ.get("AZURITE_BLOB")
    if env:
        return env if os.path.exists(env) else None
    here = os.path.dirname(os.path.abspath(__file__))
    for root in (os.path.join(here, "..", ".."), os.path.join(here, "..")):
        p = os.path.join(root, "node_modules", ".bin", "azurite-blob")
        if os.path.exists(p):
            return os.path.abspath(p)
    return shutil.which("azurite-blob")


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(folder, cert, key, binary=None):
    """Start azurite-blob over HTTPS with `cert`/`key`; returns (process, account URL)."""
    binary = binary or find_binary()
    if not binary:
        raise FileNotFoundError("azurite-blob not found (npm install at the repository root)")
    os.makedirs(folder, exist_ok=True)
    for attempt in range(5):
        port = _free_port()
        log = open(os.path.join(folder, "azurite.log"), "ab")
        proc = subprocess.Popen([binary, "--blobHost", "127.0.0.1", "--blobPort", str(port),
                                 "--cert", cert, "--key", key, "--location", folder,
                                 "--silent", "--disableTelemetry"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc, "https://127.0.0.1:%d/%s" % (port, ACCOUNT)
            except OSError:
                time.sleep(0.05)
        if proc.poll() is not None:
            break                       # it exited: no point trying another port
        proc.kill()
        proc.wait()
    raise RuntimeError("azurite did not start (see %s/azurite.log)" % folder)


def _sign(text):
    return base64.b64encode(hmac.new(base64.b64decode(KEY), text.encode("utf-8"),
                                     hashlib.sha256).digest()).decode()


def _expiry(hours):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def container_sas(container, permissions="racwl", hours=2):
    """The query of a service SAS for a container (sr=c): read, add, create, write, list."""
    se = _expiry(hours)
    fields = [permissions, "", se, "/blob/%s/%s" % (ACCOUNT, container), "", "", "https",
              VERSION, "c", "", "", "", "", "", "", ""]
    sig = _sign("\n".join(fields))
    return urllib.parse.urlencode([("sv", VERSION), ("spr", "https"), ("se", se), ("sr", "c"),
                                   ("sp", permissions), ("sig", sig)])


def account_sas(hours=2):
    """The query of an account SAS for the blob service: every permission on every resource type."""
    se = _expiry(hours)
    sp, ss, srt = "rwdlacup", "b", "sco"
    text = "\n".join([ACCOUNT, sp, ss, srt, "", se, "", "https", VERSION, ""]) + "\n"
    return urllib.parse.urlencode([("sv", VERSION), ("ss", ss), ("srt", srt), ("sp", sp),
                                   ("se", se), ("spr", "https"), ("sig", _sign(text))])


def _open(url, ca, method="GET", data=None, headers=None):
    ctx = ssl.create_default_context(cafile=ca)
    h = {"x-ms-version": VERSION}
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    return opener.open(req, timeout=30)


def create_container(url, name, ca):
    """Create a container (an existing one is fine)."""
    try:
        _open("%s/%s?restype=container&%s" % (url, name, account_sas()), ca, "PUT", b"").close()
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise


def list_blobs(url, container, ca):
    """{name: size} of every committed blob in the container."""
    with _open("%s/%s?restype=container&comp=list&%s" % (url, container, account_sas()), ca) as r:
        root = ET.fromstring(r.read())
    out = {}
    for b in root.iter("Blob"):
        out[b.find("Name").text] = int(b.find("Properties/Content-Length").text)
    return out


def get_blob(url, container, name, ca):
    path = "/".join(urllib.parse.quote(p, safe="") for p in name.split("/"))
    with _open("%s/%s/%s?%s" % (url, container, path, account_sas()), ca) as r:
        return r.read()
