"""The shipped built-in weights (`realiz3d/weights/*`): copying a trained model into the package
and the sample sheet of a base model. Kept apart from `models/builtin.py` (the presets and the
weights' folders), which the checkpoint format reads and so must not import the model or the
pipeline.

    python -m realiz3d.shipped export SRC_CHECKPOINT DST_FOLDER
    python -m realiz3d.shipped samples CHECKPOINT OUT.png
"""
from __future__ import annotations

from pathlib import Path


def export(src: str | Path, dst: str | Path, half: bool = True) -> None:
    """Copy a trained built-in model into the package (fp16 weights: half the size; they
    load back as fp32)."""
    import shutil

    import torch

    from .models.model import Realiz3DTransformer

    model = Realiz3DTransformer.from_pretrained(src)
    if half:
        model.backbone.to(torch.float16)
    dst = Path(dst)
    tmp = dst.with_name(dst.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    model.save_pretrained(tmp)
    if dst.exists():
        shutil.rmtree(dst)
    tmp.replace(dst)


# plain captions (some of them held-out pairs) and the same with the render prefix
SAMPLE_CAPTIONS = ["a brick mug", "a coral snowman", "a wood chair", "a marble vase", "a grass lamp", "a starry donut",
                   "a fur house", "a newspaper bottle"]


def sample_sheet(checkpoint: str | Path | None, out: str | Path, captions: list[str] = SAMPLE_CAPTIONS,
                 seeds: tuple[int, ...] = (0, 1), steps: int = 30, guidance: float = 3.0) -> Path:
    """A picture of what a base model draws: a row per caption; per seed, the plain caption
    (photographic) and "a 3d render of ..." (the synthetic domain) side by side."""
    import torch

    from .pipeline import Realiz3DPipeline
    from .visual import save_grid_rows
    from .world.build import render_caption

    pipe = Realiz3DPipeline.from_pretrained(checkpoint)
    cols = []
    for seed in seeds:
        for caps in (captions, [render_caption(c) for c in captions]):
            res = pipe(caps, num_views=1, seed=[seed] * len(caps), num_inference_steps=steps, guidance_scale=guidance)
            cols.append(res.views[:, 0])  # (B, 3, H, W)
    x = torch.stack(cols, 1)  # (B, 2 x seeds, 3, H, W): plain, render, plain, render
    save_grid_rows(x, out, labels=captions, scale=3)
    return Path(out)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 4 and sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "samples":
        print(sample_sheet(sys.argv[2], sys.argv[3]))
    else:
        sys.exit("usage: python -m realiz3d.shipped export SRC_CHECKPOINT DST_FOLDER\n"
                 "       python -m realiz3d.shipped samples CHECKPOINT OUT.png")
