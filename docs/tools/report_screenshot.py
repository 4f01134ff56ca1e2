"""Render a realiz3d report.html to a PNG (the README's screenshot of the committed run's report).

No browser is installed on the machines realiz3d is built on (a browser for Playwright comes
from a CDN, not a package registry), so the page is laid out by WeasyPrint, an HTML/CSS engine
(no JavaScript; the report has none), printed to PDF and rasterised with pypdfium2. Neither is a
dependency of realiz3d; install them beside it for this script:

    python -m venv /tmp/shot && /tmp/shot/bin/pip install weasyprint pypdfium2
    /tmp/shot/bin/python docs/tools/report_screenshot.py REPORT.html OUT.png [--pages 2] [--width 1200]
"""
import argparse
import io
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=2, help="pages stacked into the image")
    ap.add_argument("--width", type=int, default=1200, help="width of the image in pixels")
    a = ap.parse_args()

    import pypdfium2 as pdfium
    import weasyprint
    from PIL import Image

    css = weasyprint.CSS(string="@page { size: 1150px 1600px; margin: 16px } body { margin: 0 auto !important }")
    pdf = weasyprint.HTML(filename=str(a.report)).write_pdf(stylesheets=[css])
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    pages = []
    for i in range(min(a.pages, len(doc))):
        page = doc[i]
        scale = a.width / page.get_width()
        pages.append(page.render(scale=scale).to_pil().convert("RGB"))
    img = Image.new("RGB", (a.width, sum(p.height for p in pages)), "white")
    y = 0
    for p in pages:
        img.paste(p, (0, y))
        y += p.height
    img.save(a.out, optimize=True)
    print(f"{a.out}: {img.width}x{img.height}, {len(pages)} of {len(doc)} pages")


if __name__ == "__main__":
    main()
