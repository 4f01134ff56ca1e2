"""A self-contained HTML report: metric tables, image grids of the same prompts across
methods, the realism-control dial and the loss curves (inline SVG, no plotting library)."""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import torch

from .metrics import CONTROL_METRIC, METRIC_ORDER, format_cell


def _png_b64(img) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _grid_img(views: torch.Tensor, n_assets: int = 6):
    from ..visual import grid_rows

    return grid_rows(views[:n_assets], labels=None, scale=3)


def _svg_scatter(points: list[dict], xkey: str, ykey: str, width=420, height=300, title="") -> str:
    pts = [p for p in points if p.get(xkey) is not None and p.get(ykey) is not None]
    if not pts:
        return ""
    xs, ys = [p[xkey] for p in pts], [p[ykey] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    px = lambda x: 50 + (x - x0) / ((x1 - x0) or 1) * (width - 80)  # noqa: E731
    py = lambda y: height - 40 - (y - y0) / ((y1 - y0) or 1) * (height - 70)  # noqa: E731
    out = [f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" style="background:#fff;border:1px solid #ddd">',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
           f'<text x="{width / 2}" y="{height - 6}" text-anchor="middle" font-size="11">{xkey}</text>',
           f'<text x="12" y="{height / 2}" font-size="11" transform="rotate(-90 12 {height / 2})">{ykey}</text>',
           f'<text x="50" y="{height - 24}" font-size="9">{x0:.2f}</text><text x="{width - 40}" y="{height - 24}" font-size="9">{x1:.2f}</text>',
           f'<text x="20" y="{height - 40}" font-size="9">{y0:.2f}</text><text x="20" y="34" font-size="9">{y1:.2f}</text>']
    for p in pts:
        color = p.get("color", "#2563eb")
        out.append(f'<circle cx="{px(p[xkey]):.1f}" cy="{py(p[ykey]):.1f}" r="5" fill="{color}" opacity="0.8"/>')
        if p.get("label"):
            out.append(f'<text x="{px(p[xkey]) + 7:.1f}" y="{py(p[ykey]) + 4:.1f}" font-size="10">{html.escape(p["label"])}</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_curves(curves: dict[str, list[tuple[int, float]]], width=420, height=260, title="training loss", smooth=True) -> str:
    curves = {k: v for k, v in curves.items() if len(v) > 1}
    if not curves:
        return ""
    xs = [x for v in curves.values() for x, _ in v]
    ys = [y for v in curves.values() for _, y in v]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    px = lambda x: 50 + (x - x0) / ((x1 - x0) or 1) * (width - 160)  # noqa: E731
    py = lambda y: height - 30 - (y - y0) / ((y1 - y0) or 1) * (height - 60)  # noqa: E731
    colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04", "#be185d"]
    out = [f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" style="background:#fff;border:1px solid #ddd">',
           f'<text x="{width / 2 - 50}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
           f'<text x="8" y="34" font-size="9">{y1:.3f}</text><text x="8" y="{height - 30}" font-size="9">{y0:.3f}</text>']
    for i, (name, v) in enumerate(curves.items()):
        c = colors[i % len(colors)]
        # smooth with a running mean so trends are visible
        k = max(1, len(v) // 30) if smooth else 0
        sm = [(v[j][0], sum(y for _, y in v[max(0, j - k):j + 1]) / len(v[max(0, j - k):j + 1])) for j in range(len(v))]
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sm)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="1.5"/>')
        out.append(f'<text x="{width - 100}" y="{30 + 14 * i}" font-size="10" fill="{c}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def loss_curves(runs_dir: Path, file: str = "metrics.jsonl", key: str = "loss") -> dict[str, list[tuple[int, float]]]:
    """`key` along training of every run under `runs_dir` (its `file`), by run name (the last
    two parts of its folder: seed0/stage1, texturing/naive, ...)."""
    curves = {}
    for f in sorted(Path(runs_dir).rglob(file)):
        name = "/".join(f.parent.relative_to(runs_dir).parts[-2:])
        pts = []
        for line in f.read_text().splitlines():
            r = json.loads(line)
            pts.append((r["step"], r[key]))
        curves[name] = pts
    return curves


def _curves_section(runs_dir) -> str:
    """Training loss and realism along training, one plot per task, of the lowest seed's runs
    (seed 0 unless the plan starts later; or of every run where the folder is not laid out by
    seed)."""
    seed_dirs = sorted((int(d.name[4:]), d) for d in Path(runs_dir).glob("seed*") if d.name[4:].isdigit())
    by_seed = bool(seed_dirs)
    root = seed_dirs[0][1] if by_seed else Path(runs_dir)
    parts = []
    for key, file, title, heading in (("loss", "metrics.jsonl", "training loss", "Training loss"),
                                      ("realism", "validation.jsonl", "realism along training",
                                       "Realism along training (the critic on the validation prompts' samples, real schedule, EMA weights)")):
        curves = loss_curves(root, file, key)
        by_task: dict[str, dict] = {}
        for name, pts in curves.items():
            task, _, method = name.rpartition("/") if by_seed else ("", "", name)
            by_task.setdefault(task, {})[method] = pts
        svgs = [_svg_curves(c, title=f"{task}: {title}" if task else title, smooth=key == "loss")
                for task, c in sorted(by_task.items())]
        svgs = [x for x in svgs if x]
        if svgs:
            parts.append(f"<h2>{html.escape(heading)}" +
                         (f" (seed {seed_dirs[0][0]})" if by_seed else "") + "</h2><div class='row'>" + "".join(svgs) + "</div>")
    return "".join(parts)


def _asset_inputs(world: str | None, task: str, n_assets: int = 6) -> list[tuple[str, object]]:
    """What the methods were given and what they aim at, for the report's held-out assets:
    the control (normal maps; the cameras as azimuths from each object's front), the
    synthetic render and the real-domain render."""
    from ..data import load_synthetic
    from .metrics import real_references

    held = Path(world or "") / "heldout"
    if not world or not held.is_dir():
        return []
    assets = load_synthetic(held, limit=n_assets)
    a, n = len(assets), assets.num_views
    out = []
    if task == "texturing":
        out.append(("control: normal maps", _grid_img(assets.normal.float() / 127.5 - 1, n_assets)))
    else:
        azs = ["/".join(f"{(c.azimuth - float(m.get('front_azimuth', 0.0))) % 360:.0f}" for c in cams)
               for cams, m in zip(assets.cameras, assets.meta) if all(c.azimuth is not None for c in cams)]
        if azs:
            out.append(("control: cameras, azimuth from the front (deg), per row: " + "; ".join(azs), None))
    out.append(("synthetic render (ground truth)", _grid_img(assets.images(list(range(a))), n_assets)))
    refs = real_references(assets)
    if refs is not None and refs.shape[0] == a * n:
        out.append(("real-domain render", _grid_img(refs.reshape(a, n, *refs.shape[1:]), n_assets)))
    return out


def _headline_table(headline: dict) -> str:
    """Realiz3D's ratios against the project's goal, per task (claims.json's "headline")."""
    from .claims import GOAL

    if not headline:
        return ""
    rows = [f"<h2>Headline: Realiz3D against the goal (realism &gt;= {GOAL[0]}x the base model's, control &gt;= "
            f"{GOAL[1]}x naive's)</h2><table><tr><th>task</th><th>realism / base</th><th>control / naive</th>"
            "<th>material / base</th><th>schedule</th><th>goal</th></tr>"]

    def ratio(v):
        return "-" if v is None else f"{v:.3f}x"

    for task, h in sorted(headline.items()):
        met = h.get("meets_goal")  # absent where a ratio could not be formed
        goal = ("<td>-</td>" if met is None else
                f"<td style='background:{'#dcfce7' if met else '#fee2e2'}'>{'met' if met else 'not met'}</td>")
        rows.append(f"<tr><td>{task}</td><td>{ratio(h.get('realism_ratio_to_base'))}</td>"
                    f"<td>{ratio(h.get('control_ratio_to_naive'))}</td><td>{ratio(h.get('material_ratio_to_base'))}</td>"
                    f"<td>{html.escape(str(h.get('schedule', '-')))}</td>{goal}</tr>")
    rows.append("</table>")
    return "".join(rows)


def _claims_table(claims: list[dict]) -> str:
    if not claims:
        return ""
    boot = any(c.get("ci95_bootstrap") for c in claims)
    rows = ["<h2>Claims of the paper: paired differences over seeds, 95% interval</h2>"
            + ("<p>Two intervals: Student t over seeds, and a bootstrap over seeds and held-out assets; "
               "the verdict is theirs where they agree, else inconclusive.</p>" if boot else "")
            + "<table><tr><th>claim</th><th>task</th><th>metric</th><th>comparison</th><th>effect</th>"
            + ("<th>95% t interval</th><th>95% bootstrap, seeds and assets</th>" if boot else "<th>95% interval</th>")
            + "<th>verdict</th></tr>"]
    colors = {"holds": "#dcfce7", "does not hold": "#fee2e2", "inconclusive": "#f3f4f6"}

    def cell(ci):
        return "-" if not ci else f"[{ci[0]:+.3f}, {ci[1]:+.3f}]"

    for c in claims:
        ci = f"<td>{cell(c.get('ci95'))}</td>" + (f"<td>{cell(c.get('ci95_bootstrap'))}</td>" if boot else "")
        rows.append(f"<tr><td>{html.escape(c['claim'])}</td><td>{c['task']}</td><td>{c['metric']}</td>"
                    f"<td>{html.escape(c['comparison'])}</td><td>{c['effect']:+.3f}</td>{ci}"
                    f"<td style='background:{colors.get(c['verdict'], '#fff')}'>{c['verdict']}"
                    + (f"<br><small>{html.escape(c['note'])}</small>" if c.get("note") else "") + "</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def write_report(path: Path, summary: dict, views: dict, runs_dir: Path, extra_images: list | None = None) -> None:
    table = summary["table"]
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>realiz3d report</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:24px auto;color:#111}"
             "table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:right}"
             "th{background:#f3f4f6}td:first-child{text-align:left}img{image-rendering:pixelated;border:1px solid #ddd}"
             ".row{display:flex;gap:16px;flex-wrap:wrap}</style></head><body>",
             "<h1>realiz3d on the built-in world</h1>",
             f"<p>Plan: <code>{html.escape(json.dumps(summary['plan']))}</code></p>",
             _headline_table((summary.get("claims") or {}).get("headline", {})),
             _claims_table((summary.get("claims") or {}).get("claims", []))]
    for task, methods in table.items():
        keys = [k for k in METRIC_ORDER if any(k in row for row in methods.values())]
        parts.append(f"<h2>{task}</h2><table><tr><th>method</th>" + "".join(f"<th>{k}</th>" for k in keys) + "</tr>")
        for m, row in methods.items():
            cells = "".join(f"<td>{format_cell(row.get(k))}</td>" for k in keys)
            parts.append(f"<tr><td>{html.escape(m)}</td>{cells}</tr>")
        parts.append("</table>")
        imgs = [(m, v) for (t, m), v in views.items() if t == task]
        if imgs:
            parts.append("<h3>Same held-out captions and controls, same seeds, across methods</h3><div class='row'>")
            for caption, im in _asset_inputs(summary.get("plan", {}).get("world"), task):
                parts.append(f"<figure><figcaption>{html.escape(caption)}</figcaption>" +
                             (f"<img src='data:image/png;base64,{_png_b64(im)}'/>" if im is not None else "") + "</figure>")
            for m, v in imgs:
                parts.append(f"<figure><figcaption>{html.escape(m)}</figcaption><img src='data:image/png;base64,{_png_b64(_grid_img(v))}'/></figure>")
            parts.append("</div>")
        dial = summary.get("dial", {}).get(task)
        if dial:
            pts = [{**d, "label": f"L{d['L']} s{d['s']}"} for d in dial]
            key = CONTROL_METRIC[task]
            for m, color in (("base", "#4b5563"), ("naive", "#dc2626"), ("mixed", "#ea580c")):
                row = methods.get(m, {})
                if row.get("realism") and row.get(key) and row[key]["mean"] is not None:
                    pts.append({"realism": row["realism"]["mean"], "control": row[key]["mean"], "label": m, "color": color})
            seed = (summary.get("dial_seed") or {}).get(task)
            parts.append("<h3>Realism-control dial (inference-time domain shifting" +
                         (f"; Realiz3D of seed {seed}, methods' means over seeds" if seed is not None else "") + ")</h3>")
            parts.append(_svg_scatter(pts, "control", "realism", title=f"{task}: realism vs {key}"))
    if extra_images:
        from PIL import Image

        parts.append("<h2>Samples</h2><div class='row'>")
        for caption, p in extra_images:
            with Image.open(p) as im:
                im = im.convert("RGB")
                if im.width < 256:
                    im = im.resize((im.width * 4, im.height * 4), Image.NEAREST)
                parts.append(f"<figure><figcaption>{html.escape(caption)}</figcaption><img src='data:image/png;base64,{_png_b64(im)}'/></figure>")
        parts.append("</div>")
    if runs_dir and Path(runs_dir).is_dir():
        parts.append(_curves_section(runs_dir))
    parts.append("</body></html>")
    path.write_text("\n".join(parts))
