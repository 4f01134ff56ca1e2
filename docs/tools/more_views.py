"""Does a texturing model trained on 4-view samples generate more views well? (issue 18)

`realiz3d texture` generates its four views around the mesh together with a top, a bottom and
the views that view selection adds (up to 8) in ONE multiview sample, but the world's texturing
models train on four-view samples. This script textures held-out meshes' views three ways, with
the same seed (so the same starting noise for the first four views):

  4 views: the four around the mesh only (what training looked like);
  6 views: the four + top + bottom (realiz3d texture's fixed views);
  8 views: the six + two of view selection's candidates (azimuth 45 at elevation 50, azimuth
           225 at -20), realiz3d texture's default budget;

and scores the FOUR SIDE VIEWS in each (the same cameras and control maps every time, the
evaluators' own camera range): realism (critic), normal agreement with the control normals,
and cross-view colour consistency among them; plus the cross-view consistency over ALL the
views of the sample (do the added views agree with the side views?). Paired per mesh; a 95%
Student t interval over meshes for the differences against 4 views.

    python docs/tools/more_views.py --checkpoint CKPT --split worlds/default/heldout --out more_views.json [--meshes 40]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch

from realiz3d.camera import orbit_camera
from realiz3d.data import load_synthetic
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import cross_view_color, image_scores
from realiz3d.pipeline import Realiz3DPipeline
from realiz3d.progress import track
from realiz3d.render import Renderer
from realiz3d.texture import TOP_BOTTOM, TextureOptions, prepare_mesh, view_cameras

EXTRA = [(45.0, 50.0), (225.0, -20.0)]  # two of view selection's candidates (CANDIDATE_VIEWS)
SETTINGS = {"4 views": 4, "6 views": 6, "8 views": 8}


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    from scipy import stats

    x = x[np.isfinite(x)]
    m, sd = float(x.mean()), float(x.std(ddof=1))
    h = float(stats.t.ppf(0.975, len(x) - 1)) * sd / math.sqrt(len(x))
    return m, m - h, m + h


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--split", default="worlds/default/heldout")
    ap.add_argument("--out", required=True)
    ap.add_argument("--meshes", type=int, default=40)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=3.0)
    ap.add_argument("--schedule", default="shifted")
    args = ap.parse_args()

    pipe = Realiz3DPipeline.from_pretrained(args.checkpoint)
    ev = Evaluators()
    assets = load_synthetic(args.split, limit=args.meshes)
    res, setup = pipe.resolution, pipe.camera_setup
    rows = {name: {"realism": [], "normal_agreement": [], "side_consistency": [], "all_consistency": []}
            for name in SETTINGS}
    for i in track(list(range(len(assets))), "meshes"):
        uvm = prepare_mesh(assets.root / assets.ids[i] / "mesh.ply")
        cams = view_cameras(TextureOptions(extra_views=[]), res, setup)
        cams += [orbit_camera(az, el, setup.distance, res, setup.fov_deg) for az, el in TOP_BOTTOM + EXTRA]
        maps = Renderer(uvm.mesh).render(cams, supersample=2)[0]
        m = (maps.mask > 0.5)
        control = np.concatenate([maps.normal * m[..., None], maps.position * m[..., None]], -1).transpose(0, 3, 1, 2)
        control = torch.from_numpy(control).float()[None]
        for name, n in SETTINGS.items():
            out = pipe(assets.captions[i], num_views=n, seed=i, num_inference_steps=args.steps,
                       guidance_scale=args.guidance, schedule=args.schedule, control=control[:, :n])
            views = out.views[0].clamp(-1, 1)  # (n, 3, R, R)
            s = image_scores(ev, views[:4])
            gt = torch.from_numpy(maps.normal[:4]).permute(0, 3, 1, 2)
            on = torch.from_numpy(m[:4])
            cos = (s["normal"] * gt).sum(1)
            imgs = ((views + 1) / 2).permute(0, 2, 3, 1).numpy()
            r = rows[name]
            r["realism"].append(float(s["p_real"].mean()))
            r["normal_agreement"].append(float(cos[on].mean()))
            r["side_consistency"].append(cross_view_color(imgs[:4], maps.position[:4], m[:4]))
            r["all_consistency"].append(cross_view_color(imgs, maps.position[:n], m[:n]))
    summary = {"checkpoint": args.checkpoint, "split": args.split, "meshes": len(assets), "steps": args.steps,
               "guidance": args.guidance, "schedule": args.schedule, "extra_views": TOP_BOTTOM + EXTRA,
               "note": "side views = the 4 views around the mesh, scored in every setting; consistency = mean L1 "
                       "colour difference of pixels showing the same surface point (lower is better)",
               "mean": {}, "difference_to_4_views": {}}
    for name, r in rows.items():
        summary["mean"][name] = {k: float(np.nanmean(v)) for k, v in r.items()}
        if name != "4 views":
            summary["difference_to_4_views"][name] = {
                k: dict(zip(("effect", "ci95_low", "ci95_high"),
                            t_interval(np.asarray(r[k]) - np.asarray(rows["4 views"][k]))))
                for k in ("realism", "normal_agreement", "side_consistency")}
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
