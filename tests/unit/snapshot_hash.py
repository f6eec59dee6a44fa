#!/usr/bin/env python3
"""snapshot_hash.py: the code snapshot hash of docs/git.md, computed independently.

Usage: snapshot_hash.py ROOT PATH... (each PATH relative to ROOT, symlinks followed).
Prints the lower-case hex hash trainctl's tctl_snapshot_hash() must produce.
"""
import hashlib
import os
import sys

root, paths = sys.argv[1], sys.argv[2:]
h = hashlib.sha256(b"trainctl-snapshot-v1\n")
for p in sorted(paths, key=lambda s: s.encode()):
    full = os.path.join(root, p)
    st = os.stat(full)
    mode = 0o100755 if st.st_mode & 0o100 else 0o100644
    with open(full, "rb") as f:
        data = f.read()
    h.update(b"%o %d " % (mode, len(data)) + p.encode() + b"\0")
    h.update(hashlib.sha256(data).digest())
print(h.hexdigest())
