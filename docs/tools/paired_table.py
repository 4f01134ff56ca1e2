"""A paired comparison of two sets of `realiz3d evaluate` scores (one file per seed, same seeds in
the same order): per metric, each side's mean (per seed) and the mean paired difference B - A
with its 95% Student t interval over seeds (realiz3d.evaluation.claims' table cells).

    python docs/tools/paired_table.py --a A_s0.json A_s1.json A_s2.json --b B_s0.json B_s1.json B_s2.json \
        [--names "shipped base" "view words"] [--metrics view_accuracy realism ...]

or from two `realiz3d reproduce` folders' results.jsonl, one method, task and schedule, paired by seed:

    python docs/tools/paired_table.py --rows A/results.jsonl B/results.jsonl --task texturing \
        --method realiz3d --schedule shifted [--names bias token] [--metrics realism mask_iou ...]

(--method-b: another method on side B, e.g. the same run's "realiz3d (tuned)" against "realiz3d".)
"""
from __future__ import annotations

import argparse
import json

from realiz3d.evaluation.claims import difference_cell, seeds_cell

DEFAULT = ["view_accuracy", "view_accuracy_roll1", "view_accuracy_roll2", "camera_use", "realism",
           "realism_null_control", "kind_accuracy"]


def rows_by_seed(path: str, task: str, method: str, schedule: str) -> dict[int, dict]:
    out = {}
    for line in open(path):
        r = json.loads(line)
        if r.get("task") == task and r.get("method") == method and r.get("schedule", {}).get("kind") == schedule:
            out[r["seed"]] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", nargs="+")
    ap.add_argument("--b", nargs="+")
    ap.add_argument("--rows", nargs=2, metavar=("A_JSONL", "B_JSONL"))
    ap.add_argument("--task", default="texturing")
    ap.add_argument("--method", default="realiz3d")
    ap.add_argument("--method-b", help="side B's method (default: --method)")
    ap.add_argument("--schedule", default="shifted")
    ap.add_argument("--names", nargs=2, default=["A", "B"])
    ap.add_argument("--metrics", nargs="+", default=DEFAULT)
    args = ap.parse_args()
    if args.rows:
        ra = rows_by_seed(args.rows[0], args.task, args.method, args.schedule)
        rb = rows_by_seed(args.rows[1], args.task, args.method_b or args.method, args.schedule)
        seeds = sorted(set(ra) & set(rb))
        if not seeds:
            raise SystemExit(f"no seed has a {args.task}/{args.method}/{args.schedule} row in A and a "
                             f"{args.method_b or args.method} row in B")
        print(f"seeds {seeds}; {args.task}, {args.method}" + (f" against {args.method_b}" if args.method_b else "")
              + f", schedule {args.schedule}")
        a, b = [ra[k] for k in seeds], [rb[k] for k in seeds]
        return table(a, b, args)
    if not args.a or not args.b:
        raise SystemExit("give --a and --b (score files), or --rows A.jsonl B.jsonl")
    if len(args.a) != len(args.b):
        raise SystemExit(f"--a has {len(args.a)} files, --b {len(args.b)}: expected one per seed on each side")
    table([json.load(open(f)) for f in args.a], [json.load(open(f)) for f in args.b], args)


def table(a: list[dict], b: list[dict], args) -> None:
    print(f"| metric, mean of {len(a)} seeds (per seed) | {args.names[0]} | {args.names[1]} | paired difference, 95% t interval |")
    print("|---|---|---|---|")
    for m in args.metrics:
        va, vb = [s.get(m) for s in a], [s.get(m) for s in b]
        if any(v is None for v in va + vb):
            continue
        print(f"| {m} | {seeds_cell(va)} | {seeds_cell(vb)} | {difference_cell([y - x for x, y in zip(va, vb)])} |")


if __name__ == "__main__":
    main()
