"""Render a realiz3d report.html to a PNG (the README's screenshot of the committed run's report).

No browser is installed on the machines realiz3d is built on (a browser for Playwright comes
from a CDN, not a package registry), so the page is laid out by WeasyPrint, an HTML/CSS engine
(no JavaScript; the report has none), printed to PDF and rasterised with pypdfium2. Neither is a
dependency of realiz3d; install them beside it for this script:

    python -m venv /tmp/shot && /tmp/shot/bin/pip install weasyprint pypdfium2 numpy
    /tmp/shot/bin/python docs/tools/report_screenshot.py REPORT.html OUT.png [--width 1400] [--height 6000]

The page is one tall sheet (no page breaks cutting a table), cropped below the last content.
"""
import argparse
import io
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--width", type=int, default=1400, help="width of the page and image in pixels")
    ap.add_argument("--height", type=int, default=6000, help="height of the sheet in pixels (the image is cropped below the content)")
    ap.add_argument("--colors", type=int, default=256, help="palette size of the PNG (0: full RGB; 256 keeps it ~0.6 MB for the repo)")
    a = ap.parse_args()

    import pypdfium2 as pdfium
    import weasyprint
    from PIL import Image

    css = weasyprint.CSS(string=f"@page {{ size: {a.width}px {a.height}px; margin: 16px }} body {{ margin: 0 auto !important; max-width: none !important }}")
    pdf = weasyprint.HTML(filename=str(a.report)).write_pdf(stylesheets=[css])
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    page = doc[0]
    img = page.render(scale=a.width / page.get_width()).to_pil().convert("RGB")
    import numpy as np

    ink = np.flatnonzero((np.asarray(img).min(axis=(1, 2)) < 250))  # rows with anything drawn
    img = img.crop((0, 0, img.width, min(img.height, int(ink[-1]) + 24 if len(ink) else img.height)))
    if a.colors:
        img = img.quantize(a.colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(a.out, optimize=True)
    print(f"{a.out}: {img.width}x{img.height}, first of {len(doc)} sheets")

if __name__ == "__main__":
    main()
