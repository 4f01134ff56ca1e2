"""Side by side, for the same captions: a synthetic render (view 0 of the synthetic item), the
world's real-domain image with that caption (the base model's pretraining images, reproduction
v4's real data) and the base model's own generation (`realiz3d make-real`, the paper's real data).

    python docs/tools/real_sets_figure.py WORLD GENERATED OUT.png [N]
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

from realiz3d.data import load_image, read_jsonl
from realiz3d.grid import untile
from realiz3d.visual import save_grid_rows


def load(path: Path) -> torch.Tensor:
    return torch.from_numpy(load_image(path)).float().div(127.5).sub(1).permute(2, 0, 1)


def main(world: Path, gen: Path, out: Path, n: int = 8) -> None:
    syn, real = {}, {}
    for r in read_jsonl(world / "synthetic" / "metadata.jsonl"):
        syn.setdefault(r["caption"], r)
    for r in read_jsonl(world / "real" / "metadata.jsonl"):
        real.setdefault(r["text"], r)
    rows, labels = [], []
    for r in read_jsonl(gen / "metadata.jsonl"):
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
