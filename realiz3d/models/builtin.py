"""The built-in default model: a small pixel-space PixArt (diffusers'
`PixArtTransformer2DModel` with a small config), so the default model and PixArt-Sigma
share every code path. Text comes from MiniLM (384-d token embeddings).

Presets:
- `tiny`: for tests; runs in milliseconds.
- `default`: about 4M parameters, 32x32 pixels per view, patch 4 (64 tokens per view;
  a 4-view grid is 64x64 pixels, 256 tokens).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .text import MINILM_DIM
from ..errors import InputError


@dataclass(frozen=True)
class BuiltinPreset:
    hidden: int
    layers: int
    heads: int
    resolution: int  # pixels per view
    patch: int


PRESETS = {
    "tiny": BuiltinPreset(hidden=32, layers=2, heads=2, resolution=16, patch=4),
    "small": BuiltinPreset(hidden=96, layers=4, heads=4, resolution=32, patch=4),
    "default": BuiltinPreset(hidden=192, layers=6, heads=6, resolution=32, patch=4),
}

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
BASE_MODEL_DIR = WEIGHTS_DIR / "base"
TEXTURING_MODEL_DIR = WEIGHTS_DIR / "texturing"
MULTIVIEW_MODEL_DIR = WEIGHTS_DIR / "multiview"  # the shipped text-to-multiview model (camera control)


def default_generate_model() -> Path:
    """What `realiz3d generate` runs without --checkpoint: the shipped text-to-multiview model,
    or the base model where it is not installed."""
    return MULTIVIEW_MODEL_DIR if (MULTIVIEW_MODEL_DIR / "realiz3d_config.json").is_file() else BASE_MODEL_DIR


def preset(name: str) -> BuiltinPreset:
    if name not in PRESETS:
        raise InputError(f"model preset {name!r}: expected one of {sorted(PRESETS)}")
    return PRESETS[name]


def build_builtin_backbone(name: str = "default", seed: int | None = 0):
    """A freshly initialised built-in backbone (pixel space, 3 channels in and out)."""
    import torch
    from diffusers import PixArtTransformer2DModel

    p = preset(name)
    if seed is not None:
        torch.manual_seed(seed)
    return PixArtTransformer2DModel(
        num_attention_heads=p.heads,
        attention_head_dim=p.hidden // p.heads,
        in_channels=3,
        out_channels=3,
        num_layers=p.layers,
        cross_attention_dim=p.hidden,
        caption_channels=MINILM_DIM,
        sample_size=p.resolution,
        patch_size=p.patch,
        norm_num_groups=1,
        interpolation_scale=1,
        use_additional_conditions=False,
    )


def export(src: str | Path, dst: str | Path, half: bool = True) -> None:
    """Copy a trained built-in model into the package (fp16 weights: half the size; they
    load back as fp32)."""
    import shutil

    import torch

    from .model import Realiz3DTransformer

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

    from ..pipeline import Realiz3DPipeline
    from ..visual import save_grid_rows
    from ..world.build import render_caption

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
        sys.exit("usage: python -m realiz3d.models.builtin export SRC_CHECKPOINT DST_FOLDER\n"
                 "       python -m realiz3d.models.builtin samples CHECKPOINT OUT.png")
