"""A paired comparison of two methods' control over assets AND seeds: the 95% interval of a
hierarchical bootstrap (seeds drawn with replacement, then assets drawn with replacement, the
same draw for both methods) beside the Student t interval over seeds that `realiz3d reproduce`'s
claims use. The t interval over 3 seeds can be narrower than the evaluation's noise (e.g. the same
difference of 2 views in 160 in every seed gives a zero-width interval); the bootstrap sees the
spread across assets too.

Each checkpoint's views are generated again with reproduce's evaluation settings (held-out split,
its first 40 assets, 20 steps, guidance 3, evaluation noise seed 0), so each per-seed mean must
equal that seed's row in results.jsonl (printed beside it as a check). From the repository root:

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
import torch

from realiz3d.evaluation.claims import t_interval
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import azimuth_targets, image_scores, mask_and_normal_targets
from realiz3d.experiments import evaluate_checkpoint
from realiz3d.data import load_synthetic
from realiz3d.sampling import DomainSchedule


def per_asset(ev: Evaluators, views: torch.Tensor, assets, task: str) -> tuple[np.ndarray, np.ndarray]:
    """The task's control score per asset as (sum, count): correct views of the asset's views
    (multiview view accuracy) or the summed normal agreement over its masked pixels (texturing).
    score_views pools them over all assets (sum of sums / sum of counts), so resampled means are
    taken the same way."""
    a, n = views.shape[:2]
    s = image_scores(ev, views.reshape(a * n, *views.shape[2:]))
    if task == "multiview":
        return (s["azimuth"] == azimuth_targets(assets)).float().reshape(a, n).sum(1).numpy(), np.full(a, float(n))
    gt_mask, gt_n = mask_and_normal_targets(assets)
    cos = ((s["normal"] * gt_n).sum(1) * gt_mask).reshape(a, -1).sum(1)
    return cos.double().numpy(), gt_mask.reshape(a, -1).sum(1).double().numpy()


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
    assets = load_synthetic(held, limit=args.assets)
    key = "view_accuracy" if args.task == "multiview" else "normal_agreement"
    sums = {"a": [], "b": []}
    counts = {"a": [], "b": []}
    for side, ckpts, sched in (("a", args.a, args.a_schedule), ("b", args.b, args.b_schedule)):
        for ck in ckpts:
            r = evaluate_checkpoint(Path(ck), args.task, held, DomainSchedule(sched), args.assets, evaluators=ev,
                                    leakage=False, keep_views=True)
            sm, ct = per_asset(ev, r["_views"], assets, args.task)
            sums[side].append(sm)
            counts[side].append(ct)
            print(f"{side} {ck} ({sched}): {key} {r[key]:.4f}, pooled again {sm.sum() / ct.sum():.4f}", flush=True)
    SA, CA, SB, CB = (np.stack(x) for x in (sums["a"], counts["a"], sums["b"], counts["b"]))  # (seeds, assets)
    A, B = SA.sum(1) / CA.sum(1), SB.sum(1) / CB.sum(1)  # per seed, pooled as score_views pools
    if args.rows:
        rows = [json.loads(line) for line in args.rows.read_text().splitlines()]
        for side, method, X in (("a", args.a_method, A), ("b", args.b_method, B)):
            if not method:
                continue
            got = {r["seed"]: r[key] for r in rows if r["task"] == args.task and r["method"] == method}
            print(f"check {side}: rows {[round(got.get(s, float('nan')), 4) for s in range(len(X))]}, "
                  f"recomputed {[round(float(x), 4) for x in X]}")
    d = B - A
    rng = np.random.default_rng(0)
    S, N = SA.shape
    si = rng.integers(0, S, (args.draws, S))[:, :, None]  # seeds drawn with replacement, then
    ai = rng.integers(0, N, (args.draws, S, N))  # each drawn seed's assets, the same for A and B
    pooled = lambda sm, ct: sm[si, ai].sum(2) / ct[si, ai].sum(2)  # (draws, S)
    boot = (pooled(SB, CB) - pooled(SA, CA)).mean(1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    _, ci = t_interval(list(d))
    print(f"B - A, {key}: {d.mean():+.4f}; per seed {', '.join(f'{x:+.4f}' for x in d)}")
    print("  95% t interval over seeds: " + (f"[{ci[0]:+.4f}, {ci[1]:+.4f}]" if ci else "- (one seed)"))
    print(f"  95% bootstrap over seeds and assets ({args.draws} draws): [{lo:+.4f}, {hi:+.4f}]")
    if args.out:
        args.out.write_text(json.dumps({"task": args.task, "metric": key, "a": args.a, "b": args.b,
                                        "a_schedule": args.a_schedule, "b_schedule": args.b_schedule,
                                        "per_asset_sum_a": SA.tolist(), "per_asset_count_a": CA.tolist(),
                                        "per_asset_sum_b": SB.tolist(), "per_asset_count_b": CB.tolist(),
                                        "t_interval": list(ci) if ci else None, "bootstrap_interval": [lo, hi]}, indent=1))


if __name__ == "__main__":
    main()
