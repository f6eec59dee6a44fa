#!/usr/bin/env python3
"""train.py: fit the example's linear model on data/train.csv; write outputs/metrics.json.

Exit status 0 when the final loss is under --target-loss, 1 otherwise (so
`trainctl submit --wait` and `make train` fail when training fails).
"""
import argparse
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
from mlrepo import model  # noqa: E402


def load(path):
    with open(path, newline="") as f:
        return [([float(r["x1"]), float(r["x2"])], float(r["y"])) for r in csv.DictReader(f)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/train.csv")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--target-loss", type=float, default=0.01)
    ap.add_argument("--out", default="outputs")
    args = ap.parse_args()

    rows = load(args.data)
    w, b = [0.0, 0.0], 0.0
    for epoch in range(1, args.epochs + 1):
        w, b = model.step(w, b, rows, args.lr)
        loss = model.mse(w, b, rows)
        if not math.isfinite(loss) or loss > 1e12:
            print(f"epoch {epoch}: training diverged (learning rate {args.lr} is too high)", flush=True)
            return 1
        if epoch % 10 == 0 or epoch == args.epochs:
            # the metric line trainctl reads (docs/metrics.md): sweeps compare trials by it
            print(f"TRAINCTL_METRIC step={epoch} loss={loss:.6g}", flush=True)
        if epoch % 50 == 0 or epoch == args.epochs:
            print(f"epoch {epoch} loss {loss:.5f}", flush=True)
    loss = model.mse(w, b, rows)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({"loss": loss, "w": w, "b": b, "epochs": args.epochs}, f, indent=2)
    print(f"final loss {loss:.5f} (target {args.target_loss})")
    return 0 if loss < args.target_loss else 1


if __name__ == "__main__":
    sys.exit(main())
