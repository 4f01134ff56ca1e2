"""A paired comparison of two methods' control over assets AND seeds: the 95% interval of a
hierarchical bootstrap (seeds drawn with replacement, then assets drawn with replacement, the
same draw for both methods) beside the Student t interval over seeds that `realiz3d reproduce`'s
claims use. The t interval over 3 seeds can be narrower than the evaluation's noise (e.g. the same
difference of 2 views in 160 in every seed gives a zero-width interval); the bootstrap sees the
spread across assets too.

Each checkpoint's views are generated again with reproduce's evaluation settings (held-out split,
its first 40 assets, 20 steps, guidance 3, evaluation noise seed 0), so each per-seed mean must
equal that seed's row in results.jsonl (printed beside it as a check). Since 2026-12-04 the rows
`realiz3d reproduce` writes carry these per-asset scores and every claim has this bootstrap
(realiz3d.evaluation.claims.bootstrap_interval, which this uses); this tool is for checkpoints
outside a reproduce run, or a run scored before (or docs/tools/rescore_per_asset.py for all its
rows). The JSONs of docs/results/asset_bootstrap_2026-12-04 were written by its first version
(per-asset sums and counts instead of means and weights; same intervals). From the repository root:

    python docs/tools/asset_bootstrap.py --task multiview --world worlds/default \\
        --a runs/repro_v7/runs/seed{0,1,2}/multiview/naive/final --a-schedule real \\
        --b runs/repro_v7/runs/seed{0,1,2}/multiview/realiz3d/final --b-schedule shifted \\
        [--rows runs/repro_v7/results.jsonl --a-method naive --b-method realiz3d] [--out per_asset.json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from realiz3d.data import load_synthetic
from realiz3d.evaluation.claims import bootstrap_interval, t_interval
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import asset_scores
from realiz3d.experiments import evaluate_checkpoint
from realiz3d.sampling import DomainSchedule


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=["multiview", "texturing"], required=True)
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--a", nargs="+", required=True, help="checkpoints of method A, one per seed")
    ap.add_argument("--b", nargs="+", required=True, help="checkpoints of method B, same seeds in the same order")
    ap.add_argument("--a-schedule", default="real")
    ap.add_argument("--b-schedule", default="shifted")
    ap.add_argument("--assets", type=int, default=40)
    ap.add_argument("--draws", type=int, default=20000)
    ap.add_argument("--rows", type=Path, help="results.jsonl to check the per-seed means against")
    ap.add_argument("--a-method")
    ap.add_argument("--b-method")
    ap.add_argument("--out", type=Path, help="write the per-asset scores here (json)")
    args = ap.parse_args()
    if len(args.a) != len(args.b):
        raise SystemExit(f"--a has {len(args.a)} checkpoints, --b {len(args.b)}: expected one per seed on each side")

    ev = Evaluators()
    held = args.world / "heldout"
    load_synthetic(held, limit=args.assets)  # fails early on a wrong --world
    key = "view_accuracy" if args.task == "multiview" else "normal_agreement"
    per: dict[str, list] = {"a": [], "b": []}  # per seed: (per-asset scores, weights) as evaluation.metrics writes them
    means: dict[str, list] = {"a": [], "b": []}
    for side, ckpts, sched in (("a", args.a, args.a_schedule), ("b", args.b, args.b_schedule)):
        for ck in ckpts:
            r = evaluate_checkpoint(Path(ck), args.task, held, DomainSchedule(sched), args.assets, evaluators=ev,
                                    leakage=False)
            x, w = asset_scores(r, key)
            per[side].append((x, w))
            means[side].append(r[key])
            print(f"{side} {ck} ({sched}): {key} {r[key]:.4f}, pooled again {(x * w).sum() / w.sum():.4f}", flush=True)
    A, B = np.array(means["a"]), np.array(means["b"])
    if args.rows:
        rows = [json.loads(line) for line in args.rows.read_text().splitlines()]
        for side, method, X in (("a", args.a_method, A), ("b", args.b_method, B)):
            if not method:
                continue
            got = {r["seed"]: r[key] for r in rows if r["task"] == args.task and r["method"] == method}
            print(f"check {side}: rows {[round(got.get(s, float('nan')), 4) for s in range(len(X))]}, "
                  f"recomputed {[round(float(x), 4) for x in X]}")
    d = B - A
    lo, hi = bootstrap_interval(per["b"], per["a"], draws=args.draws)
    _, ci = t_interval(list(d))
    print(f"B - A, {key}: {d.mean():+.4f}; per seed {', '.join(f'{x:+.4f}' for x in d)}")
    print("  95% t interval over seeds: " + (f"[{ci[0]:+.4f}, {ci[1]:+.4f}]" if ci else "- (one seed)"))
    print(f"  95% bootstrap over seeds and assets ({args.draws} draws): [{lo:+.4f}, {hi:+.4f}]")
    if args.out:
        args.out.write_text(json.dumps({"task": args.task, "metric": key, "a": args.a, "b": args.b,
                                        "a_schedule": args.a_schedule, "b_schedule": args.b_schedule,
                                        "per_asset_a": [x.tolist() for x, _ in per["a"]],
                                        "per_asset_b": [x.tolist() for x, _ in per["b"]],
                                        "per_asset_weight": per["a"][0][1].tolist(),
                                        "t_interval": list(ci) if ci else None, "bootstrap_interval": [lo, hi]}, indent=1))


if __name__ == "__main__":
    main()
