"""Held-out assets beside one model's views at several domain schedules (and other models' at
theirs): the synthetic and real-domain renders, then one row per (label, checkpoint, schedule),
the same seed and control for every row (realiz3d.evaluation.metrics.generate_for_assets, as
`evaluate` generates them). A schedule is real, synthetic, or L,s for the shifted one:

    python docs/tools/schedules_figure.py --world worlds/default --out fig.png --assets 4 \\
        --row naive runs/repro_v8/runs/seed3/texturing/naive/final real \\
        --row "Realiz3D L=2 s=0.6" runs/repro_v8/runs/seed3/texturing/realiz3d/final 2,0.6
"""
from __future__ import annotations

import argparse
from pathlib import Path

from realiz3d.data import load_synthetic
from realiz3d.evaluation.metrics import EvalSettings, generate_for_assets, reference_rows
from realiz3d.pipeline import Realiz3DPipeline
from realiz3d.sampling import DomainSchedule
from realiz3d.visual import save_asset_blocks


def schedule(text: str) -> DomainSchedule:
    if text in ("real", "synthetic"):
        return DomainSchedule(text)
    L, s = text.split(",")
    return DomainSchedule("shifted", int(L), float(s))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--split", default="heldout")
    ap.add_argument("--assets", type=int, default=4)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--row", nargs=3, action="append", required=True, metavar=("LABEL", "CHECKPOINT", "SCHEDULE"))
    a = ap.parse_args()
    data = load_synthetic(a.world / a.split, limit=a.assets)
    rows, pipes = reference_rows(data), {}
    st = EvalSettings(steps=a.steps)
    for label, ck, sched in a.row:
        pipe = pipes.setdefault(ck, Realiz3DPipeline.from_pretrained(ck))
        rows.append((label, generate_for_assets(pipe, data, schedule(sched), st)))
    save_asset_blocks(rows, data.captions, a.out)
    print(a.out)


if __name__ == "__main__":
    main()
