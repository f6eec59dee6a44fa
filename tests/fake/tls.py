"""tls.py: a throw-away certificate authority and server certificate for loopback HTTPS fakes.

Made with the openssl command (Debian package `openssl`), EC P-256 keys so it takes
milliseconds. `ensure(folder)` is idempotent and returns the paths:

    ca.pem        the test CA (give it to trainctl as cloud.ca_bundle / TRAINCTL_CA_BUNDLE)
    server.pem    certificate for 127.0.0.1, ::1 and localhost, signed by the CA
    server.key    its key
    other-ca.pem  a second CA that signed nothing here: a client trusting only it must
                  refuse the server (TLS verification tests)

Command line: python3 tls.py FOLDER  (prints the paths as JSON)
"""
import json
import os
import subprocess
import sys
import tempfile

DAYS = "30"


def _openssl(*args, cwd=None):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], p.stderr.strip()))


def _make_ca(folder, stem, name):
    key = os.path.join(folder, stem + ".key")
    cert = os.path.join(folder, stem + ".pem")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", cert, "-days", DAYS, "-subj", "/CN=" + name,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


def _make_server(folder, ca_cert, ca_key, hosts):
    key = os.path.join(folder, "server.key")
    csr = os.path.join(folder, "server.csr")
    cert = os.path.join(folder, "server.pem")
    san = ",".join(("IP:" if h[0].isdigit() or ":" in h else "DNS:") + h for h in hosts)
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".ext", delete=False) as ext:
        ext.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                  "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n" % san)
    try:
        _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + hosts[0])
        _openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
                 "-CAcreateserial", "-out", cert, "-days", DAYS, "-extfile", ext.name)
    finally:
        os.unlink(ext.name)
        if os.path.exists(csr):
            os.unlink(csr)
    return cert, key


def ensure(folder, hosts=("127.0.0.1", "::1", "localhost")):
    """Create (once) the CA, the server certificate and the unrelated CA in `folder`."""
    os.makedirs(folder, exist_ok=True)
    paths = {name: os.path.join(folder, name)
             for name in ("ca.pem", "server.pem", "server.key", "other-ca.pem")}
    if all(os.path.exists(p) for p in paths.values()):
        return {k.split(".")[0].replace("-", "_") + ("_key" if k.endswith(".key") else ""): v
                for k, v in paths.items()}
    ca_cert, ca_key = _make_ca(folder, "ca", "trainctl test CA")
    _make_server(folder, ca_cert, ca_key, list(hosts))
    _make_ca(folder, "other-ca", "trainctl unrelated CA")
    return ensure(folder, hosts)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tls.py FOLDER")
    print(json.dumps(ensure(sys.argv[1])))
