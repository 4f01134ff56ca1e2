"""Held-out assets beside each checkpoint's generations, with the model's own control (normal
maps for texturing, cameras for multiview), real mode, the same seeds for every checkpoint
(realiz3d.evaluation.camera_diagnostics.camera_figure, rows named by LABEL; `--rolls 1` adds each
checkpoint's views with the cameras rolled by one view, `--turns 45` with every camera turned by 45
degrees, for multiview checkpoints):

    python docs/tools/checkpoints_figure.py --world worlds/default --out fig.png --assets 5 \
        --checkpoint "Realiz3D, bias (paper)" runs/form_bias/runs/seed2/texturing/realiz3d/final \
        --checkpoint "Realiz3D, token" runs/form_token/runs/seed2/texturing/realiz3d/final
"""
from __future__ import annotations

import argparse
from pathlib import Path

from realiz3d.evaluation.camera_diagnostics import camera_figure


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--assets", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rolls", type=int, nargs="*", default=[], help="also the cameras rolled by these many views")
    ap.add_argument("--turns", type=float, nargs="*", default=[], help="also every camera turned by these azimuths "
                    "(degrees, e.g. 45: between the world's cameras)")
    ap.add_argument("--checkpoint", nargs=2, action="append", required=True, metavar=("LABEL", "PATH"))
    a = ap.parse_args()
    camera_figure(a.world / "heldout", [Path(p) for _, p in a.checkpoint], a.out, assets=a.assets, rolls=tuple(a.rolls),
                  steps=a.steps, labels=[label for label, _ in a.checkpoint], turns=tuple(a.turns))
    print(a.out)


if __name__ == "__main__":
    main()
