"""Two `realiz3d reproduce` runs, row by row: for every (seed, task, method) row in both
results.jsonl files, each score of run A, of run B and B - A, and per metric the largest and the
mean absolute difference over the rows. For telling how far a change that should not matter
(a different CPU, a last-bit change of the text embeddings) moves the reproduction's scores.

    python docs/tools/rows_diff.py A/results.jsonl B/results.jsonl [--seed 0] [--metrics realism view_accuracy ...]
"""
from __future__ import annotations

import argparse
import json
import statistics

DEFAULT = ["realism", "view_accuracy", "mask_iou", "normal_agreement", "leakage", "camera_use"]


def _rows(path: str, seed: int) -> dict:
    out = {}
    for line in open(path):
        r = json.loads(line)
        if r["seed"] == seed:
            out[(r["task"], r["method"])] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--metrics", nargs="+", default=DEFAULT)
    args = ap.parse_args()
    a, b = _rows(args.a, args.seed), _rows(args.b, args.seed)
    keys = [k for k in a if k in b]
    if not keys:
        raise SystemExit(f"no (task, method) rows of seed {args.seed} in both files")
    diffs: dict[str, list[float]] = {m: [] for m in args.metrics}
    print("| task | method | " + " | ".join(f"{m}: A / B (B - A)" for m in args.metrics) + " |")
    print("|---|---|" + "---|" * len(args.metrics))
    for k in sorted(keys):
        cells = []
        for m in args.metrics:
            va, vb = a[k].get(m), b[k].get(m)
            if va is None or vb is None:
                cells.append("")
                continue
            diffs[m].append(vb - va)
            cells.append(f"{va:.3f} / {vb:.3f} ({vb - va:+.3f})")
        print(f"| {k[0]} | {k[1]} | " + " | ".join(cells) + " |")
    print()
    for m, d in diffs.items():
        if d:
            print(f"{m}: {len(d)} rows, largest |B - A| {max(abs(x) for x in d):.3f}, "
                  f"mean |B - A| {statistics.fmean(abs(x) for x in d):.3f}")
    only = sorted(set(a) ^ set(b))
    if only:
        print(f"rows in one file only: {only}")


if __name__ == "__main__":
    main()
