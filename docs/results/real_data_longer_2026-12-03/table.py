"""Tables and figure of the real-data-at-longer-training trial (run.sh beside this file), from the
repository root:

    python docs/results/real_data_longer_2026-12-03/table.py [FIGURE.svg]

The 240-step scores are reproduction v4's own rows (its results.jsonl; the run's seed-0 rescoring
of Realiz3D and no-real came out identical); 480 and 720 are the run's evaluations
(runs/real_longer/seedS/ARM/snap-S-eval/scores.json, copied here as ARM_SS_seedS.json); the
text-to-multiview table likewise (Realiz3D and no-real, 240 and 720 steps).
Paired differences: mean over seeds 0-2 with a 95% Student t interval (2 degrees of freedom).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from realiz3d.evaluation.claims import difference_cell, seeds_cell

HERE = Path(__file__).resolve().parent
V4 = HERE.parent / "reproduce_v4_texturing_2026-12-02" / "results.jsonl"
V4_MV = HERE.parent / "reproduce_v4_multiview_2026-12-03" / "results.jsonl"
ARMS = {"realiz3d": "Realiz3D (a quarter real)", "ablation_no_real": "no real data in stage 2", "naive": "naive"}
STEPS = (240, 480, 720)
SEEDS = (0, 1, 2)



def v4_rows(task: str) -> dict:
    """(seed, method): reproduction v4's row of `task` (Realiz3D and its ablations: the shifted
    schedule; the other methods have only the real one)."""
    rows = {}
    for line in open(V4 if task == "texturing" else V4_MV):
        r = json.loads(line)
        if r["task"] != task or r["schedule"]["kind"] not in ("shifted", "real"):
            continue
        k = (r["seed"], r["method"])
        if k not in rows or r["schedule"]["kind"] == "shifted":
            rows[k] = r
    return rows


v4 = v4_rows("texturing")


def score(seed: int, arm: str, steps: int) -> dict | None:
    if steps == 240:
        return v4.get((seed, arm))
    for p in (HERE / f"{arm}_{steps}_seed{seed}.json", Path(f"runs/real_longer/seed{seed}/{arm}/snap-{steps}-eval/scores.json")):
        if p.exists():
            return json.load(open(p))
    return None


def values(arm: str, steps: int, metric: str) -> list[float]:
    return [r[metric] for r in (score(s, arm, steps) for s in SEEDS) if r and metric in r]


cell = seeds_cell


def paired(a: list[float], b: list[float]) -> str:
    """a - b seed by seed, with its interval; "-" unless both have every seed."""
    if len(a) != len(SEEDS) or len(b) != len(SEEDS):
        return "-"
    return difference_cell([x - y for x, y in zip(a, b)])


def main() -> None:
    base = [v4[(s, "base")]["realism"] for s in SEEDS]
    for steps in STEPS:
        print(f"\n{steps} steps\n")
        print("| mean of seeds 0-2 (per seed) | " + " | ".join(ARMS.values()) + " | Realiz3D - no real, 95% t interval |")
        print("|---" * 5 + "|")
        for metric in ("realism", "realism_null_control", "leakage", "fd_real", "normal_agreement", "mask_iou", "material_accuracy"):
            a, b = values("realiz3d", steps, metric), values("ablation_no_real", steps, metric)
            print(f"| {metric} | {cell(a)} | {cell(b)} | {cell(values('naive', steps, metric))} | {paired(a, b)} |")
        for arm in ("realiz3d", "ablation_no_real"):   # mean of per-seed ratios, as claims.json's headline
            r, c, n = values(arm, steps, "realism"), values(arm, steps, "normal_agreement"), values("naive", steps, "normal_agreement")
            rr = f"{sum(x / y for x, y in zip(r, base)) / 3:.2f}x" if len(r) == 3 else "-"
            rc = f"{sum(x / y for x, y in zip(c, n)) / 3:.2f}x" if len(c) == 3 and len(n) == 3 else "-"
            print(f"| {ARMS[arm]}: realism / base's, normal agreement / naive's | {rr} | {rc} | | |")
    multiview()
    if len(sys.argv) > 1:
        figure(Path(sys.argv[1]))


def multiview() -> None:
    """Text-to-multiview: Realiz3D and no-real at 240 steps (reproduction v4's multiview rows,
    shifted schedule) and 720 (this run, multiview_ARM_720_seedS.json), seeds 0-2."""
    rows = {(s, m, 240): r for (s, m), r in v4_rows("multiview").items()}
    for s in SEEDS:
        for arm in ARMS:
            for p in (HERE / f"multiview_{arm}_720_seed{s}.json",
                      Path(f"runs/real_longer/seed{s}/multiview_{arm}/snap-720-eval/scores.json")):
                if p.exists():
                    rows[(s, arm, 720)] = json.load(open(p))
                    break
    print("\ntext-to-multiview\n")
    print("| mean of seeds 0-2 (per seed) | Realiz3D 240 | no real 240 | Realiz3D 720 | no real 720 | "
          "Realiz3D - no real 240 | Realiz3D - no real 720 | 720 - 240, no real | 720 - 240, Realiz3D | "
          "change of the gap, 720 - 240 |")
    print("|---" * 10 + "|")
    for metric in ("realism", "realism_null_control", "leakage", "fd_real", "view_accuracy", "camera_use", "material_accuracy"):
        v = {(a, n): [rows[(s, a, n)][metric] for s in SEEDS if (s, a, n) in rows and metric in rows[(s, a, n)]]
             for a in ("realiz3d", "ablation_no_real") for n in (240, 720)}
        print(f"| {metric} | " + " | ".join(cell(v[k]) for k in (("realiz3d", 240), ("ablation_no_real", 240),
                                                                 ("realiz3d", 720), ("ablation_no_real", 720)))
              + f" | {paired(v[('realiz3d', 240)], v[('ablation_no_real', 240)])}"
              + f" | {paired(v[('realiz3d', 720)], v[('ablation_no_real', 720)])}"
              + f" | {paired(v[('ablation_no_real', 720)], v[('ablation_no_real', 240)])}"
              + f" | {paired(v[('realiz3d', 720)], v[('realiz3d', 240)])}"
              + f" | {gap_change(v)} |")


def gap_change(v: dict) -> str:
    """(Realiz3D - no real at 720) - (the same at 240), seed by seed."""
    if any(len(x) != len(SEEDS) for x in v.values()):
        return "-"
    d = [(a7 - b7) - (a2 - b2) for a7, b7, a2, b2 in zip(v[("realiz3d", 720)], v[("ablation_no_real", 720)],
                                                          v[("realiz3d", 240)], v[("ablation_no_real", 240)])]
    return difference_cell(d)


def figure(out: Path) -> None:
    """Three panels (realism, null-control realism, normal agreement against steps 240-720, mean of
    the seeds), drawn with the report's own SVG curves (no plotting library in the dependencies)."""
    from realiz3d.evaluation.report import _svg_curves
    base = sum(v4[(s, "base")]["realism"] for s in SEEDS) / len(SEEDS)
    panels = []
    for metric, title, arms in (("realism", "realism, control given", ("realiz3d", "ablation_no_real")),
                                ("realism_null_control", "realism, null control", ("realiz3d", "ablation_no_real")),
                                ("normal_agreement", "normal agreement", tuple(ARMS))):
        curves = {}
        for arm in arms:
            pts = [(steps, sum(v) / len(v)) for steps in STEPS if len(v := values(arm, steps, metric)) == len(SEEDS)]
            curves[{"realiz3d": "Realiz3D", "ablation_no_real": "no real", "naive": "naive"}[arm]] = pts
        if metric.startswith("realism"):
            curves["base model"] = [(STEPS[0], base), (STEPS[-1], base)]
        panels.append(_svg_curves(curves, width=400, height=240, title=f"{title}, steps 240-720", smooth=False))
    body = "".join(f'<g transform="translate({410 * i},0)">{p}</g>' for i, p in enumerate(panels))
    out.write_text(f'<svg width="{410 * len(panels)}" height="240" xmlns="http://www.w3.org/2000/svg">{body}</svg>')
    print(out)


if __name__ == "__main__":
    main()
