"""Pictures: image grids with labels, for validation images and reports."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw


def to_uint8_images(x: torch.Tensor) -> np.ndarray:
    """(..., 3, H, W) in [-1, 1] -> (..., H, W, 3) uint8."""
    x = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.movedim(-3, -1).cpu().numpy()


def grid_rows(x: torch.Tensor, labels: list[str] | None = None, scale: int = 2, label_width: int = 140) -> Image.Image:
    """(B, N, 3, H, W) -> one image: a row per sample, its N views side by side, a label on the left."""
    imgs = to_uint8_images(x)  # (B, N, H, W, 3)
    b, n, h, w, _ = imgs.shape
    rows = imgs.transpose(0, 2, 1, 3, 4).reshape(b * h, n * w, 3)
    im = Image.fromarray(rows).resize((n * w * scale, b * h * scale), Image.NEAREST)
    if not labels:
        return im
    canvas = Image.new("RGB", (im.width + label_width, im.height), "white")
    canvas.paste(im, (label_width, 0))
    draw = ImageDraw.Draw(canvas)
    for i, lab in enumerate(labels):
        draw.text((4, i * h * scale + h * scale // 2 - 6), lab[:24], fill="black")
    return canvas


def save_grid_rows(x: torch.Tensor, path: str | Path, labels: list[str] | None = None, scale: int = 2) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    grid_rows(x, labels, scale).save(tmp)
    tmp.replace(path)


def save_asset_blocks(rows: list[tuple[str, torch.Tensor]], captions: list[str], path: str | Path) -> None:
    """One block per asset: for asset i, a row `name` of views `v[i]` for each (name, v) in
    `rows` (each v is (A, N, 3, H, W)); the first row of a block is labelled with the caption."""
    x, labels = [], []
    for i, cap in enumerate(captions):
        for j, (name, v) in enumerate(rows):
            x.append(v[i])
            labels.append(f"{cap[:14]}: {name}" if j == 0 else name)
    save_grid_rows(torch.stack(x), path, labels)
