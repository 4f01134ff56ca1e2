"""The README's demo picture from a demo folder (`realiz3d demo --out DEMO`).

    python docs/tools/demo_figure.py DEMO docs/images/demo.png

One row per group of the demo report's images (realiz3d.experiments._demo_images, so the picture
follows the demo's own file names and captions): the demo's Realiz3D text-to-multiview model, the
shipped multiview model, and held-out meshes the demo's Realiz3D texturing model textured, seen
from new viewpoints. Each image keeps its 2x2 layout of views."""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

from realiz3d.experiments import _demo_images

LABEL = 16  # pixels for a row's title, and again for each image's name


def _row(title: str, images: list[tuple[str, Path]], tile: int) -> Image.Image:
    row = Image.new("RGB", (tile * max(4, len(images)), tile + 2 * LABEL), "white")
    d = ImageDraw.Draw(row)
    d.text((4, 2), title, fill="black")
    for i, (name, p) in enumerate(images):
        row.paste(Image.open(p).convert("RGB").resize((tile, tile), Image.NEAREST), (i * tile, 2 * LABEL))
        d.text((i * tile + 4, LABEL + 1), name, fill=(90, 90, 90))
    return row


def main(demo: Path, out: Path, tile: int = 256) -> None:
    groups: dict[str, list[tuple[str, Path]]] = {}
    for caption, path in _demo_images(demo):  # "GROUP: NAME"
        group, name = caption.split(": ", 1)
        groups.setdefault(group, []).append((name, path))
    if not groups:
        sys.exit(f"error: {demo}: expected a demo folder (multiview/*.png, texturing/*_previews.png)")
    rows = [_row(group, images, tile) for group, images in groups.items()]
    fig = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)), "white")
    y = 0
    for r in rows:
        fig.paste(r, (0, y))
        y += r.height
    fig.save(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
