"""The README's demo picture from a demo folder (`realiz3d demo --out DEMO`).

    python docs/tools/demo_figure.py DEMO docs/images/demo.png

Row 1: the four prompts' views from the demo's own Realiz3D text-to-multiview model; row 2: the
same prompts from the shipped multiview model; row 3: held-out meshes the demo's Realiz3D
texturing model textured, seen from new viewpoints. Each block keeps its 2x2 layout of views."""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

LABEL = 16  # pixels above each row for its title


def _row(title: str, images: list[Path], names: list[str], tile: int) -> Image.Image:
    row = Image.new("RGB", (tile * max(4, len(images)), tile + 2 * LABEL), "white")
    d = ImageDraw.Draw(row)
    d.text((4, 2), title, fill="black")
    for i, (p, n) in enumerate(zip(images, names)):
        row.paste(Image.open(p).convert("RGB").resize((tile, tile), Image.NEAREST), (i * tile, 2 * LABEL))
        d.text((i * tile + 4, LABEL + 1), n, fill=(90, 90, 90))
    return row


def main(demo: Path, out: Path, tile: int = 256) -> None:
    mv = demo / "multiview"
    own = sorted(p for p in mv.glob("*.png") if not p.name.startswith("shipped_"))
    shipped = sorted(mv.glob("shipped_*.png"))
    tex = sorted((demo / "texturing").glob("*_previews.png"))
    if not own or not tex:
        sys.exit(f"error: {demo}: expected a demo folder (multiview/*.png and texturing/*_previews.png)")
    rows = [_row("text-to-multiview, the demo's Realiz3D model (4 views each, 150 steps)", own,
                 [p.stem.replace("_", " ") for p in own], tile)]
    if shipped:
        rows.append(_row("text-to-multiview, the shipped multiview model (realiz3d generate's default)", shipped,
                         [p.stem.removeprefix("shipped_").replace("_", " ") for p in shipped], tile))
    rows.append(_row("texturing held-out meshes, the demo's Realiz3D model: previews from new viewpoints", tex,
                     [p.stem.removesuffix("_previews") for p in tex], tile))
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
