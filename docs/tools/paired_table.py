"""A paired comparison of two sets of `realiz3d evaluate` scores (one file per seed, same seeds in
the same order): per metric, each side's mean (per seed) and the mean paired difference B - A
with its 95% Student t interval over seeds (realiz3d.evaluation.claims.t_interval).

    python docs/tools/paired_table.py --a A_s0.json A_s1.json A_s2.json --b B_s0.json B_s1.json B_s2.json \
        [--names "shipped base" "view words"] [--metrics view_accuracy realism ...]
"""
from __future__ import annotations

import argparse
import json

from realiz3d.evaluation.claims import t_interval

DEFAULT = ["view_accuracy", "view_accuracy_roll1", "view_accuracy_roll2", "camera_use", "realism",
           "realism_null_control", "kind_accuracy"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", nargs="+", required=True)
    ap.add_argument("--b", nargs="+", required=True)
    ap.add_argument("--names", nargs=2, default=["A", "B"])
    ap.add_argument("--metrics", nargs="+", default=DEFAULT)
    args = ap.parse_args()
    if len(args.a) != len(args.b):
        raise SystemExit(f"--a has {len(args.a)} files, --b {len(args.b)}: expected one per seed on each side")
    a = [json.load(open(f)) for f in args.a]
    b = [json.load(open(f)) for f in args.b]
    print(f"| metric, mean of {len(a)} seeds (per seed) | {args.names[0]} | {args.names[1]} | paired difference, 95% t interval |")
    print("|---|---|---|---|")
    for m in args.metrics:
        va, vb = [s.get(m) for s in a], [s.get(m) for s in b]
        if any(v is None for v in va + vb):
            continue
        diff, ci = t_interval([y - x for x, y in zip(va, vb)])
        fmt = lambda vs: f"{sum(vs) / len(vs):.3f} ({', '.join(f'{v:.3f}' for v in vs)})"  # noqa: E731
        ci_s = f"[{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "-"
        print(f"| {m} | {fmt(va)} | {fmt(vb)} | {diff:+.3f} {ci_s} |")


if __name__ == "__main__":
    main()
