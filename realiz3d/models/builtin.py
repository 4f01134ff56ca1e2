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
BASE_MODEL_DIR = WEIGHTS_DIR / "base"  # the shipped base: configs/world/pretrain_fast.yaml, one run (since 2026-12-05)
# the base shipped 2026-12-04 to 12-05 (15,000 steps in three runs, ~2 h 45 min to reproduce): the
# committed reproduction and the shipped text-to-multiview and texturing models start from it
BASE_LONG_MODEL_DIR = WEIGHTS_DIR / "base_long"
TEXTURING_MODEL_DIR = WEIGHTS_DIR / "texturing"
MULTIVIEW_MODEL_DIR = WEIGHTS_DIR / "multiview"  # the shipped text-to-multiview model (camera control)


NAMED_BASES = {"base": BASE_MODEL_DIR, "base_long": BASE_LONG_MODEL_DIR}


def named_base(name: str | Path) -> Path:
    """A base model given as a shipped name ("base", "base_long") or a checkpoint folder."""
    return NAMED_BASES.get(str(name), Path(name))


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
