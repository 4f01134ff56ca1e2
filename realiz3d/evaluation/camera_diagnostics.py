"""Why a text-to-multiview model does or does not follow its cameras (docs/results.md).

    python -m realiz3d.evaluation.camera_diagnostics WORLD/SPLIT [CHECKPOINT ...]

prints one JSON line for the split (how much the views of one asset differ, for the kinds
whose shape shows the azimuth and for the others, against two different assets) and one
per checkpoint (size of the control input weights next to the image weights, of the camera
embedding, and camera_use).
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..data import SyntheticSet, load_synthetic
from .evaluators import ASYMMETRIC_KINDS


def view_differences(assets: SyntheticSet) -> dict:
    """Mean squared difference (images in [-1, 1]) between view 0 and views 1 (90 degrees
    away) and 2 (180 degrees) of the same asset, and between view 0 of two different
    assets, for asymmetric and (nearly) symmetric kinds."""
    x = assets.images(torch.arange(len(assets)))
    out = {}
    for name, asym in (("asymmetric", True), ("symmetric", False)):
        sel = [i for i, m in enumerate(assets.meta) if (m["kind"] in ASYMMETRIC_KINDS) == asym]
        if not sel:
            continue
        v = x[sel]
        out[name] = {"assets": len(sel),
                     "view0_view1": float((v[:, 0] - v[:, 1]).square().mean()),
                     "view0_view2": float((v[:, 0] - v[:, 2 % v.shape[1]]).square().mean()),
                     "two_assets": float((v[:, 0] - v.roll(1, 0)[:, 0]).square().mean())}
    return out


def control_weights(model) -> dict:
    """Norms of the patch embedding's control and image input weights, and of the camera embedding."""
    w = model.family.patch_conv(model.backbone).weight.detach()
    cc = model.control_channels
    res = {"control_weight_norm": float(w[:, w.shape[1] - cc:].norm()) if cc else None,
           "image_weight_norm": float(w[:, : w.shape[1] - cc].norm())}
    if model.camera_embedding is not None:
        res["camera_embedding_out_norm"] = float(model.camera_embedding.fc2.weight.detach().norm())
    return res


def diagnose(split: Path, checkpoints: list[Path]) -> list[dict]:
    from ..pipeline import Realiz3DPipeline
    from .metrics import camera_use

    assets = load_synthetic(split)
    rows = [{"split": str(split), **view_differences(assets)}]
    for ck in checkpoints:
        pipe = Realiz3DPipeline.from_pretrained(ck)
        rows.append({"checkpoint": str(ck), **control_weights(pipe.model), "camera_use": camera_use(pipe, assets)})
    return rows


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) < 2:
        sys.exit("usage: python -m realiz3d.evaluation.camera_diagnostics WORLD/SPLIT [CHECKPOINT ...]")
    for row in diagnose(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]]):
        print(json.dumps(row), flush=True)
