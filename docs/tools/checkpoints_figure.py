"""Held-out assets beside each checkpoint's generations, with the model's own control (normal
maps for texturing, cameras for multiview), real mode, the same seeds for every checkpoint:

    python docs/tools/checkpoints_figure.py --world worlds/default --out fig.png --assets 5 \
        --checkpoint "Realiz3D, bias (paper)" runs/form_bias/runs/seed2/texturing/realiz3d/final \
        --checkpoint "Realiz3D, token" runs/form_token/runs/seed2/texturing/realiz3d/final
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from realiz3d.data import load_synthetic
from realiz3d.evaluation.metrics import EvalSettings, generate_for_assets, real_references
from realiz3d.pipeline import Realiz3DPipeline
from realiz3d.visual import save_asset_blocks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--assets", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--checkpoint", nargs=2, action="append", required=True, metavar=("LABEL", "PATH"))
    a = ap.parse_args()
    data = load_synthetic(a.world / "heldout", limit=a.assets)
    n = data.num_views
    refs = real_references(data).reshape(len(data), n, *data.images(torch.tensor([0])).shape[2:])
    rows = [("synthetic render", data.images(torch.arange(len(data)))), ("real render", refs)]
    st = EvalSettings(steps=a.steps, seed=0)
    for label, ck in a.checkpoint:
        rows.append((label, generate_for_assets(Realiz3DPipeline.from_pretrained(ck), data, "real", st)))
    save_asset_blocks(rows, data.captions, a.out)
    print(a.out)


if __name__ == "__main__":
    main()
