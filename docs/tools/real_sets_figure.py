"""Side by side, for the same captions: a synthetic render (view 0 of the synthetic item), the
world's real-domain image with that caption (the base model's pretraining images, reproduction
v4's real data) and the base model's own generation (`realiz3d make-real`, the paper's real data).

    python docs/tools/real_sets_figure.py WORLD GENERATED OUT.png [N]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from realiz3d.grid import untile
from realiz3d.visual import save_grid_rows


def load(path: Path) -> torch.Tensor:
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 127.5 - 1
    return torch.from_numpy(a).permute(2, 0, 1)


def main(world: Path, gen: Path, out: Path, n: int = 8) -> None:
    syn = {}
    for line in open(world / "synthetic" / "metadata.jsonl"):
        r = json.loads(line)
        syn.setdefault(r["caption"], r)
    real = {}
    for line in open(world / "real" / "metadata.jsonl"):
        r = json.loads(line)
        real.setdefault(r["text"], r)
    rows, labels = [], []
    for line in open(gen / "metadata.jsonl"):
        r = json.loads(line)
        cap = r["text"]
        if cap not in real or cap not in syn:
            continue
        s = syn[cap]
        views = untile(load(world / "synthetic" / s["id"] / "rgb.png"), s["num_views"])
        rows.append(torch.stack([views[0], load(world / "real" / real[cap]["file_name"]), load(gen / r["file_name"])]))
        labels.append(cap)
        if len(rows) == n:
            break
    save_grid_rows(torch.stack(rows), out, labels, scale=3)
    print(f"{out}: {len(rows)} captions; columns: synthetic render, world real image, base model's generation")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 8)
