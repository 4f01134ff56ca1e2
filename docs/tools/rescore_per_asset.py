"""Per-asset scores for the rows of a reproduce run written before rows carried them.

Since 2026-12-04 every row `realiz3d reproduce` writes carries `per_asset` (evaluation.metrics),
from which its claims get a bootstrap over seeds and assets beside the t interval over seeds.
For a run scored before that, this generates each row's views again from its checkpoint with the
run's evaluation settings (plan.json: held-out split, eval_assets, eval_steps, eval_guidance; the
row's schedule; plain captions for the base model, as reproduce scores it), checks that the pooled
scores equal the row's (printed, and the largest difference is recorded), and writes the rows with
`per_asset` added and nothing else changed. Resumes: rows already in OUT are kept.

    python docs/tools/rescore_per_asset.py runs/repro_v7 --out runs/repro_v7/results_per_asset.jsonl \\
        [--base realiz3d/weights/base]

--base: where the base model's row checkpoint is now, if it has moved (a frozen copy of the repository
that is gone); the base weights must be the ones the run used.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import asset_scores
from realiz3d.experiments import Plan, score_row
from realiz3d.sampling import DomainSchedule


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a reproduce output folder (results.jsonl, plan.json)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=Path, help="rows to rescore (default RUN/results.jsonl)")
    ap.add_argument("--base", type=Path, help="the base model's checkpoint, if the row's path is gone")
    args = ap.parse_args()
    plan = Plan(**json.loads((args.run / "plan.json").read_text()))
    rows = [json.loads(line) for line in (args.rows or args.run / "results.jsonl").read_text().splitlines()]
    done = {}
    if args.out.is_file():
        for line in args.out.read_text().splitlines():
            r = json.loads(line)
            done[(r["seed"], r["task"], r["method"])] = r
    ev = Evaluators(plan.evaluators)
    base_views: dict[int, object] = {}
    worst = 0.0
    for i, row in enumerate(rows):
        key = (row["seed"], row["task"], row["method"])
        if key in done:
            continue
        t0 = time.time()
        is_base = row["method"] == "base"
        ck = Path(row["checkpoint"])
        if not ck.exists():
            if not (is_base and args.base):
                raise SystemExit(f"{ck}: checkpoint of row {key} not found")
            ck = args.base
        r = score_row(plan, ev, ck, row["task"], DomainSchedule(**row["schedule"]), is_base, leakage=False,
                      keep_views=is_base, views=base_views.get(row["seed"]) if is_base else None)
        if is_base:
            base_views.setdefault(row["seed"], r["_views"])
        diffs = {}
        for k in r["per_asset"]:
            if k in row:
                x, w = asset_scores(r, k)
                diffs[k] = float((x * w).sum() / w.sum()) - row[k]
        d = max(abs(v) for v in diffs.values())
        worst = max(worst, d)
        print(f"[{i + 1}/{len(rows)}] {key}: largest |pooled - row| {d:.2e} "
              f"({', '.join(f'{k} {v:+.1e}' for k, v in diffs.items())}), {time.time() - t0:.0f} s", flush=True)
        new = dict(row, per_asset=r["per_asset"], per_asset_check=d)
        if "per_asset_weight" in r:
            new["per_asset_weight"] = r["per_asset_weight"]
        with open(args.out, "a") as f:
            f.write(json.dumps(new) + "\n")
    print(f"largest |pooled per-asset score - row| over the rows rescored: {worst:.2e}")


if __name__ == "__main__":
    main()
