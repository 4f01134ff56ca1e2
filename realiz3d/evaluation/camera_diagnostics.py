"""Why a text-to-multiview model does or does not follow its cameras (docs/results.md, docs/results_history.md).

    python -m realiz3d.evaluation.camera_diagnostics WORLD/SPLIT [CHECKPOINT ...]

prints one JSON line for the split (per kind, how distinct the views of one asset are:
`view_distinctness`, in the synthetic renders and, where the split has them, the real-domain
renders) and one per checkpoint (size of the control input weights next to the image
weights, of the camera embedding, and camera_use). `realiz3d world --check DIR` prints the
first line for DIR/heldout.

    python -m realiz3d.evaluation.camera_diagnostics --figure OUT.png [--labels A,B,...] WORLD/SPLIT CHECKPOINT ...

draws `camera_figure`: ground truth beside each checkpoint's views, at the data's cameras and
rolled by one view (rows named by --labels, one per checkpoint, or by each checkpoint's path).
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..data import SyntheticSet, load_synthetic

# the world's target: every kind's views differ at least this much (world v2)
DISTINCT_VIEWS_TARGET = 0.05


def closest_views(views: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """views (A, N, 3, H, W) in [-1, 1], masks (A, N, H, W) bool -> (A,): for each asset the
    smallest mean-squared difference between two of its views, over the pixels the object
    covers in either view. 0 when two views look the same: no camera can be told from them."""
    a, n = views.shape[:2]
    best = torch.full((a,), float("inf"))
    for i in range(n):
        for j in range(i + 1, n):
            m = (masks[:, i] | masks[:, j]).float()  # (A, H, W)
            d = (views[:, i] - views[:, j]).square().mean(1)  # (A, H, W)
            best = torch.minimum(best, (d * m).flatten(1).sum(1) / m.flatten(1).sum(1).clamp(min=1))
    return best


def view_distinctness(assets: SyntheticSet) -> dict:
    """Per kind (metadata "kind"; "all" without it): the mean over its assets of
    `closest_views`, in the synthetic renders and in the real-domain renders (rgb_real.png)
    where the split has them, and whether it reaches DISTINCT_VIEWS_TARGET."""
    from .metrics import real_references

    idx = torch.arange(len(assets))
    masks = assets.mask[:, :, 0] > 127
    per_domain = {"synthetic": closest_views(assets.images(idx), masks)}
    refs = real_references(assets)
    if refs is not None and len(refs) == len(assets) * assets.num_views:
        per_domain["real"] = closest_views(refs.reshape(len(assets), assets.num_views, *refs.shape[1:]), masks)
    kinds = [str(m.get("kind", "all")) for m in assets.meta]
    out = {}
    for kind in sorted(set(kinds)):
        sel = torch.tensor([k == kind for k in kinds])
        row = {"assets": int(sel.sum())}
        for dom, v in per_domain.items():
            row[dom] = round(float(v[sel].mean()), 4)
        row["meets_target"] = all(row[d] >= DISTINCT_VIEWS_TARGET for d in per_domain)
        out[kind] = row
    return {"target": DISTINCT_VIEWS_TARGET, "kinds": out,
            "all_kinds_meet_target": all(r["meets_target"] for r in out.values())}


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
    rows = [{"split": str(split), "view_distinctness": view_distinctness(assets)}]
    for ck in checkpoints:
        pipe = Realiz3DPipeline.from_pretrained(ck)
        rows.append({"checkpoint": str(ck), **control_weights(pipe.model), "camera_use": camera_use(pipe, assets)})
    return rows


def camera_figure(split: Path, checkpoints: list[Path], out: Path, assets: int = 6, rolls=(1,),
                  steps: int = 20, seed: int = 0, labels: list[str] | None = None, turns=()) -> None:
    """A picture of camera control: for the first `assets` assets of `split`, one block per asset
    with rows of 4 views: the synthetic renders, the real-domain renders, then per checkpoint
    its views at the data's cameras and with the cameras rolled by each k in `rolls` (the
    views must then roll with them), and with every camera turned by each angle in `turns`
    (degrees: azimuths between the world's, e.g. 45 for 45/135/225/315). Real mode, no domain
    shifting: what the weights learned.
    `labels` name the checkpoints' rows (default: the last two parts of each path)."""
    from ..pipeline import Realiz3DPipeline
    from ..visual import save_asset_blocks
    from .metrics import EvalSettings, generate_for_assets, reference_rows, roll_cameras, rotate_cameras

    data = load_synthetic(split, limit=assets)
    # a list, not a dict: every checkpoint has its own "cameras rolled k" rows
    rows = reference_rows(data)
    st = EvalSettings(steps=steps, seed=seed)
    labels = labels or [f"{Path(ck).parent.name}/{Path(ck).name}" for ck in checkpoints]
    for ck, label in zip(checkpoints, labels):
        pipe = Realiz3DPipeline.from_pretrained(ck)
        rows.append((label, generate_for_assets(pipe, data, "real", st)))
        for k in rolls:
            rows.append((f"  cameras rolled {k}", generate_for_assets(pipe, roll_cameras(data, k), "real", st)))
        for t in turns:
            turned = rotate_cameras(data, offsets=[float(t)] * len(data))
            rows.append((f"  cameras turned {t:g} deg", generate_for_assets(pipe, turned, "real", st)))
    save_asset_blocks(rows, data.captions, out)


def main(argv: list[str] | None = None) -> None:
    """The module's command line (the two usages in the module's docstring)."""
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(prog="python -m realiz3d.evaluation.camera_diagnostics",
                                 description="view distinctness and camera reading of checkpoints, or --figure")
    ap.add_argument("--figure", metavar="OUT.png", help="draw the ground truth beside each checkpoint's views")
    ap.add_argument("--labels", help="with --figure: the checkpoints' row names, comma-separated, one per checkpoint")
    ap.add_argument("split", metavar="WORLD/SPLIT", type=Path)
    ap.add_argument("checkpoints", metavar="CHECKPOINT", nargs="*", type=Path)
    args = ap.parse_args(argv)
    if args.figure is None:
        for row in diagnose(args.split, args.checkpoints):
            print(json.dumps(row), flush=True)
        return
    labels = args.labels.split(",") if args.labels else None
    if labels is not None and len(labels) != len(args.checkpoints):
        sys.exit(f"--labels {args.labels}: expected one label per checkpoint ({len(args.checkpoints)}), comma-separated")
    camera_figure(args.split, args.checkpoints, Path(args.figure), labels=labels)
    print(args.figure)


if __name__ == "__main__":
    main()
