"""Scoring a model on the built-in world's held-out (or validation) assets.

For every asset: generate its N views from its caption with the control the model takes
(camera rays for text-to-multiview, normal + position maps for texturing), then score:

| metric | meaning | better |
|---|---|---|
| realism | mean P(real) of the critic over generated views | higher |
| fd_real | Fréchet distance, critic feature space, to the same assets' real-domain renders | lower |
| view_accuracy | azimuth bin predicted from each view == the requested one (all kinds) | higher |
| material_accuracy, kind_accuracy | caption adherence | higher |
| mask_iou | predicted foreground vs the control silhouette (texturing) | higher |
| normal_agreement | cosine of predicted normals with the control normals on the silhouette (texturing) | higher |
| cross_view_color | mean colour difference of pixels that see the same surface point in two views (texturing) | lower |
| view_accuracy_rollK | view_accuracy with each asset's cameras rolled by K views (scored against the rolled cameras): equal to view_accuracy for camera control, lower for a model that memorised "view 0 is the front" | higher |
| references | the same scores of the assets' own synthetic and real-domain renders (`synthetic_render`, `real_render`): each score's ceiling in each domain (`realiz3d evaluate`) | - |
| per_asset | the scores above per asset (the mean over its views; `per_asset_weight`: its pixel count where a score pools pixels), for intervals over assets | - |
| camera_use | relative rise of the denoising loss on the assets' renders when each view is paired with another view's camera (multiview; `realiz3d evaluate`) | higher; 0 = cameras ignored |
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..camera import caption_with_view, orbit_camera
from ..checkpoint import trained_with
from ..data import SyntheticSet
from ..world.assets import KINDS, MATERIALS
from .evaluators import Evaluators, azimuth_bin, frechet_distance


@torch.no_grad()
def image_scores(ev: Evaluators, images: torch.Tensor, batch: int = 256) -> dict[str, torch.Tensor]:
    """images: (M, 3, H, W) in [-1, 1]."""
    out: dict[str, list] = {k: [] for k in ("p_real", "features", "azimuth", "material", "kind", "mask", "normal")}
    for i in range(0, len(images), batch):
        x = images[i : i + batch].float()
        out["p_real"].append(ev.critic.p_real(x))
        out["features"].append(ev.critic.features(x))
        az, mat, kind = ev.attributes(x)
        out["azimuth"].append(az.argmax(1))
        out["material"].append(mat.argmax(1))
        out["kind"].append(kind.argmax(1))
        m, n = ev.geometry(x)
        out["mask"].append(m > 0)
        out["normal"].append(n)
    return {k: torch.cat(v) for k, v in out.items()}


def cross_view_color(views: np.ndarray, positions: np.ndarray, masks: np.ndarray, tol: float = 0.02) -> float:
    """views (N, H, W, 3) in [0, 1]; positions (N, H, W, 3); masks (N, H, W) bool. Mean L1
    colour difference over pixel pairs of different views whose surface points are within tol."""
    from scipy.spatial import cKDTree

    diffs = []
    n = len(views)
    for i in range(n):
        for j in range(i + 1, n):
            pi, pj = positions[i][masks[i]], positions[j][masks[j]]
            if len(pi) == 0 or len(pj) == 0:
                continue
            d, k = cKDTree(pj).query(pi, distance_upper_bound=tol)
            ok = np.isfinite(d)
            if ok.any():
                ci, cj = views[i][masks[i]][ok], views[j][masks[j]][k[ok]]
                diffs.append(np.abs(ci - cj).mean(1))
    return float(np.concatenate(diffs).mean()) if diffs else float("nan")


# the control-adherence score of each task (the dial's and the schedule tuning's control axis).
# Texturing uses normal agreement: it separates no control from full control more widely than
# the silhouette IoU (world v1, 240 steps: base 0.23 -> naive 0.38, against IoU 0.66 -> 0.79)
CONTROL_METRIC = {"multiview": "view_accuracy", "texturing": "normal_agreement"}
# the order of the result tables' columns (reproduce, demo, report)
METRIC_ORDER = ["realism", "fd_real", "realism_null_control", "leakage", "view_accuracy", "view_accuracy_roll1",
                "view_accuracy_roll2", "camera_use", "mask_iou", "normal_agreement",
                "cross_view_color", "material_accuracy", "kind_accuracy", "textured_realism",
                "textured_material_accuracy", "textured_view_psnr", "seam_color_jump", "interior_color_jump",
                "textured_coverage"]


def format_cell(summary: dict | None) -> str:
    """A table cell of a metric summarised over seeds ({"mean", "std", "n"}): "0.512 ± 0.031"."""
    if not summary or summary["mean"] is None:
        return "-"
    return f"{summary['mean']:.3f}" + (f" ± {summary['std']:.3f}" if summary["n"] > 1 else "")


@dataclass
class EvalSettings:
    steps: int = 20
    guidance: float = 3.0
    seed: int = 0
    batch: int = 8
    control_guidance: float = 0.0  # guidance on the control too (models trained with train.control_dropout)
    view_words: bool | None = None  # name each view in its caption (None: as the model was trained)


def generate_for_assets(pipe, assets: SyntheticSet, schedule, settings: EvalSettings, control: str | None = "auto",
                        progress: bool = False) -> torch.Tensor:
    """Views (A, N, 3, H, W) for every asset, prompt = its caption, seed = settings.seed + index.
    control: 'auto' = the model's own control kind from the assets; None = null control."""
    kind = pipe.model.config.control
    out = []
    idx_all = list(range(len(assets)))
    chunks = [idx_all[i : i + settings.batch] for i in range(0, len(idx_all), settings.batch)]
    it = chunks
    if progress:
        from ..progress import track

        it = track(chunks, "generating")
    for chunk in it:
        idx = torch.tensor(chunk)
        ctrl = None
        if kind != "none":
            ctrl = assets.control(idx, kind) if control == "auto" else torch.zeros(len(chunk), assets.num_views, 6,
                                                                               assets.resolution, assets.resolution)
        res = pipe([assets.captions[i] for i in chunk], num_views=assets.num_views,
                   seed=[settings.seed + i for i in chunk], num_inference_steps=settings.steps,
                   guidance_scale=settings.guidance, schedule=schedule, control=ctrl,
                   control_guidance_scale=settings.control_guidance if control == "auto" else 0.0,
                   # models trained with view words name the views from the assets' cameras; with null
                   # control the cameras are absent, and so are the view words
                   view_words=settings.view_words if control == "auto" else False,
                   view_azimuths=_known_view_azimuths(assets, chunk))
        out.append(res.views)
    return torch.cat(out)


def _known_view_azimuths(assets: SyntheticSet, idx) -> list[list[float]] | None:
    """The assets' view azimuths relative to their fronts, or None if any asset lacks them."""
    azs = [assets.view_azimuths(i) for i in idx]
    return None if any(a is None for a in azs) else azs


def azimuth_targets(assets: SyntheticSet) -> torch.Tensor:
    """(A*N,) the azimuth bin each view asks for, relative to the object's front (world metadata):
    what the evaluator's azimuth reading is scored against."""
    return torch.tensor([azimuth_bin(c.azimuth - float(m.get("front_azimuth", 0.0)))
                         for cams, m in zip(assets.cameras, assets.meta) for c in cams])


def mask_and_normal_targets(assets: SyntheticSet) -> tuple[torch.Tensor, torch.Tensor]:
    """(A*N, H, W) object masks and (A*N, 3, H, W) normals in [-1, 1] of the assets' views."""
    a, n = len(assets), assets.num_views
    gt_mask = (assets.mask[:, :, 0].float() / 255 > 0.5).reshape(a * n, *assets.mask.shape[-2:])
    gt_n = (assets.normal.float() / 127.5 - 1).reshape(a * n, 3, *assets.normal.shape[-2:])
    return gt_mask, gt_n


def score_views(ev: Evaluators, views: torch.Tensor, assets: SyntheticSet, task: str, real_refs: torch.Tensor | None) -> dict:
    """views: (A, N, 3, H, W) generated for `assets`; real_refs: (M, 3, H, W) real renders."""
    a, n = views.shape[:2]
    flat = views.reshape(a * n, *views.shape[2:])
    s = image_scores(ev, flat)
    metas = assets.meta
    kinds = torch.tensor([KINDS.index(m["kind"]) for m in metas]).repeat_interleave(n)
    mats = torch.tensor([MATERIALS.index(m["material"]) for m in metas]).repeat_interleave(n)
    per = {  # per asset: the mean over its views (or, with a weight, its pixels)
        "realism": s["p_real"].reshape(a, n).mean(1),
        "material_accuracy": (s["material"] == mats).float().reshape(a, n).mean(1),
        "kind_accuracy": (s["kind"] == kinds).float().reshape(a, n).mean(1),
    }
    weight = {}
    res = {
        "realism": float(s["p_real"].mean()),
        "material_accuracy": float((s["material"] == mats).float().mean()),
        "kind_accuracy": float((s["kind"] == kinds).float().mean()),
    }
    if real_refs is not None and len(real_refs) > 2:
        ref = image_scores(ev, real_refs)["features"]
        res["fd_real"] = frechet_distance(s["features"], ref)
    if task == "multiview":
        hit = (s["azimuth"] == azimuth_targets(assets)).float()
        res["view_accuracy"] = float(hit.mean())
        per["view_accuracy"] = hit.reshape(a, n).mean(1)
    if task == "texturing":
        gt_mask, gt_n = mask_and_normal_targets(assets)
        pred = s["mask"]
        inter = (pred & gt_mask).flatten(1).sum(1).float()
        union = (pred | gt_mask).flatten(1).sum(1).float().clamp(min=1)
        res["mask_iou"] = float((inter / union).mean())
        per["mask_iou"] = (inter / union).reshape(a, n).mean(1)
        cos = (s["normal"] * gt_n).sum(1)
        res["normal_agreement"] = float(cos[gt_mask].mean())
        # pooled over the masked pixels of all views: each asset weighs by its pixel count
        pix = gt_mask.reshape(a, -1).sum(1).double()
        per["normal_agreement"] = (cos.double() * gt_mask).reshape(a, -1).sum(1) / pix.clamp(min=1)
        weight["normal_agreement"] = pix
        imgs = ((views.clamp(-1, 1) + 1) / 2).permute(0, 1, 3, 4, 2).numpy()
        pos = (assets.position.float() / 255).permute(0, 1, 3, 4, 2).numpy()
        msk = (assets.mask[:, :, 0] > 200).numpy()
        res["cross_view_color"] = float(np.nanmean([cross_view_color(imgs[i], pos[i], msk[i]) for i in range(a)]))
    # per-asset scores, so that a comparison can be bootstrapped over assets as well as seeds
    # (evaluation.claims); pooled as above they give the scores: sum(w * x) / sum(w), w = 1 if absent
    res["per_asset"] = {k: [round(float(x), 6) for x in v] for k, v in per.items()}
    if weight:
        res["per_asset_weight"] = {k: [int(x) for x in v] for k, v in weight.items()}
    return res


def asset_scores(scores: dict, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(per-asset values, their weights) of one metric from score_views' output (or a row that
    carries it); None without per-asset scores. Pooled, sum(w * x) / sum(w), they give the score."""
    xs = (scores.get("per_asset") or {}).get(metric)
    if xs is None:
        return None
    x = np.asarray(xs, dtype=float)
    w = (scores.get("per_asset_weight") or {}).get(metric)
    return x, (np.ones_like(x) if w is None else np.asarray(w, dtype=float))


def roll_cameras(assets: SyntheticSet, k: int) -> SyntheticSet:
    """The same assets with each one's cameras (and camera control) rolled by k views: view i
    is asked for with the camera of view i + k. Images and maps stay: only the request moves."""
    import dataclasses

    n = assets.num_views
    cams = [[c[(i + k) % n] for i in range(n)] for c in assets.cameras]
    return dataclasses.replace(assets, cameras=cams)


def rotate_cameras(assets: SyntheticSet, seed: int = 0, offsets: list[float] | None = None) -> SyntheticSet:
    """The same assets with each one's ring of cameras turned about the vertical axis by its
    own azimuth (degrees; `offsets`, or drawn uniformly from [0, 360) with `seed`), elevation
    and distance kept: view i is asked for at azimuth a_i + offset. With the world's fixed
    layout (0/90/180/270) most requests fall between the azimuths a model was trained on, so
    this tests whether it reads its cameras as directions or as four learned codes. Turning
    by a multiple of 360 / N is rolling by views (roll_cameras). Images and maps stay."""
    import dataclasses

    if offsets is None:
        offsets = np.random.default_rng(seed).uniform(0.0, 360.0, len(assets)).tolist()
    if len(offsets) != len(assets):
        raise ValueError(f"{len(offsets)} offsets for {len(assets)} assets")
    cams = [[orbit_camera((c.azimuth + float(off)) % 360.0, c.elevation, c.distance, c.resolution, c.fov_deg,
                          c.ortho_scale) for c in ring] for ring, off in zip(assets.cameras, offsets)]
    return dataclasses.replace(assets, cameras=cams)


def reference_rows(assets: SyntheticSet, real: torch.Tensor | None = None) -> list[tuple[str, torch.Tensor]]:
    """The figures' first two rows per asset: its synthetic renders and its real-domain renders,
    each (A, N, 3, H, W). real: the assets' real_references when already loaded."""
    views = assets.images(torch.arange(len(assets)))
    real = real_references(assets) if real is None else real
    return [("synthetic render", views), ("real render", real.reshape(views.shape))]


# the scores of each task that reference_scores reports for the assets' own renders
REFERENCE_METRICS = {"multiview": ("realism", "view_accuracy"),
                     "texturing": ("realism", "normal_agreement", "mask_iou")}


def reference_scores(ev: Evaluators, assets: SyntheticSet, task: str,
                     real: torch.Tensor | None = None) -> dict[str, dict[str, float]]:
    """The evaluators' scores of the assets' own renders, scored as a generation would be: the
    ceiling of each score in each domain. A model that draws the real-domain look is read
    against the real renders' ceiling, one that draws the render look against the synthetic
    renders' (the geometry network reads normals from textured, lit real-domain renders less
    exactly than from the flat renders: docs/results.md, "How much of the texturing control
    gap is the metric's"). real: the assets' real_references when already loaded."""
    keys = REFERENCE_METRICS.get(task, ("realism",))
    out = {}
    for name, views in reference_rows(assets, real):
        s = score_views(ev, views, assets, task, None)
        out[name.replace(" ", "_")] = {k: float(s[k]) for k in keys if k in s}
    return out


def real_references(assets: SyntheticSet) -> torch.Tensor:
    """The assets' real-domain renders (rgb_real.png), (A*N, 3, H, W) in [-1, 1]."""
    from ..data import load_image
    from ..grid import untile

    refs = []
    for item in assets.ids:
        p = assets.root / item / "rgb_real.png"
        if p.is_file():
            v = untile(load_image(p), assets.num_views, channels_last=True)
            refs.append(torch.from_numpy(v).permute(0, 3, 1, 2).float() / 127.5 - 1)
    return torch.cat(refs) if refs else None


@torch.no_grad()
def camera_use(pipe, assets: SyntheticSet, levels=(0.3, 0.5, 0.7, 0.9), seed: int = 0, batch: int = 8,
               view_words: bool | None = None) -> float | None:
    """How much a multiview model relies on its cameras, without generating anything.

    The denoising loss on the assets' own synthetic renders (views with their cameras)
    against the same renders rolled by one view, each view with its own noise, while the
    cameras stay in place: the model now sees every view under another view's camera.
    Multiview attention is equivariant to the order of the views, so for a model that
    ignores its cameras the two losses are equal and the score is 0; the more a model
    has learned what each camera should see, the more the roll costs it. Returns
    loss(rolled) / loss(kept) - 1 over the noise levels `levels` (flow time u), or None
    for models without camera control or in a VAE's latent space.
    """
    model = pipe.model
    if model.config.control != "camera" or pipe.codec is not None:
        return None
    from ..objectives import per_sample_mse

    dev = model.device
    g = torch.Generator().manual_seed(seed)
    domain = "real" if model.has_domain else None
    loss = {"kept": 0.0, "rolled": 0.0}
    named = trained_with(model.config).view_words if view_words is None else view_words
    for i in range(0, len(assets), batch):
        idx = torch.arange(i, min(i + batch, len(assets)))
        x0 = assets.images(idx).to(dev)
        ctrl = assets.control(idx, "camera").to(dev)
        caps = [assets.captions[j] for j in idx.tolist()]
        azs = _known_view_azimuths(assets, idx.tolist()) if named else None
        if azs is not None:
            # the views are named from the cameras, which stay in place when the views roll
            caps = [caption_with_view(c, a) for c, row in zip(caps, azs) for a in row]
        cond = pipe.text_encoder.encode(caps, dev)
        for u in levels:
            noise = torch.randn(x0.shape, generator=g).to(dev)
            for which, (x, e) in (("kept", (x0, noise)), ("rolled", (x0.roll(1, 1), noise.roll(1, 1)))):
                xt, tm, target = pipe.objective.noisy(x, e, torch.full((len(idx),), float(u), device=dev))
                pred = model(xt, tm, cond, control=ctrl, domain=domain, multiview=True)
                loss[which] += float(per_sample_mse(pred, target).sum())
    return loss["rolled"] / loss["kept"] - 1.0
