"""`realiz3d world --out DIR`: build the built-in world's datasets.

    DIR/synthetic/   multiview set of training assets, synthetic domain (realiz3d.data format)
    DIR/real/        single real-domain images of training assets with captions (image folder)
    DIR/renders/     single synthetic-domain renders of training assets, captioned "a 3d render
                     of ..." (image folder)
    DIR/pretrain/    the base model's pretraining set: real/ plus renders/ (render_share of it),
                     an image folder whose file names point into those two
    DIR/val/         validation assets (training pairs, new proportions): synthetic format,
                     plus rgb_real.png (the same views in the real domain) and mesh.ply
    DIR/heldout/     the 40 held-out (kind, material) pairs, same format as val/
    DIR/world.json   the resolved WorldConfig
    camera_setup.json  in each multiview folder: the one camera set-up (realiz3d.camera.CameraSetup)

Deterministic under a seed: every item has its own random generator seeded by
(seed, split, index), so the result does not depend on the number of workers.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ..camera import CameraSetup, orbit_camera
from ..data import CAMERA_SETUP_FILE, to_uint8, write_jsonl, write_synthetic_item
from ..progress import track
from ..render import Renderer
from .assets import front_azimuth, sample_assets
from .shading import render_views
from ..errors import InputError

SPLIT_CODES = {"train": 0, "real": 1, "val": 2, "heldout": 3, "renders": 4}
RENDER_PREFIX = "a 3d render of "


def render_caption(caption: str) -> str:
    """The caption of a synthetic render in the pretraining set ("a brick mug" -> "a 3d render
    of a brick mug"); plain captions stay photographic."""
    return RENDER_PREFIX + caption


@dataclass
class WorldConfig:
    seed: int = 0
    resolution: int = 32
    views: int = 4
    synthetic_assets: int = 1600
    real_images: int = 6400
    val_assets: int = 40
    heldout_assets: int = 40
    elevation_min: float = 0.0
    elevation_max: float = 30.0
    distance: float = 2.6
    fov_deg: float = 30.0
    azimuth_offset: bool = False  # rotate each asset's ring of cameras by a random azimuth
    render_share: float = 0.25  # share of synthetic renders ("a 3d render of ...") in pretrain/
    supersample: int = 2

    def __post_init__(self):
        if self.resolution < 8:
            raise InputError(f"world.resolution={self.resolution}: expected >= 8")
        for name in ("synthetic_assets", "real_images", "heldout_assets", "val_assets", "supersample"):
            if getattr(self, name) < 1:
                raise InputError(f"world.{name}={getattr(self, name)}: expected a positive integer")
        if not 0.0 <= self.render_share <= 1.0:
            raise InputError(f"world.render_share={self.render_share}: expected a share in [0, 1]")
        self.camera_setup()  # checks views, distance, fov and the elevation range

    def camera_setup(self) -> CameraSetup:
        try:
            return CameraSetup(self.views, self.distance, self.fov_deg, self.elevation_min, self.elevation_max,
                               self.azimuth_offset)
        except ValueError as e:
            raise InputError(f"world.{e}") from None

    @property
    def renders(self) -> int:
        """Renders in the pretraining set, so that they are render_share of it."""
        if self.render_share >= 1.0:
            return self.real_images
        return int(round(self.real_images * self.render_share / (1.0 - self.render_share)))

    @classmethod
    def preset(cls, name: str, **kw) -> "WorldConfig":
        presets = {
            "default": {},
            "small": dict(synthetic_assets=400, real_images=1600),
            "tiny": dict(resolution=16, synthetic_assets=12, real_images=24, val_assets=4, heldout_assets=4),
        }
        if name not in presets:
            raise InputError(f"world preset {name!r}: expected one of {sorted(presets)}")
        return cls(**{**presets[name], **kw})


def _rng(cfg: WorldConfig, split: str, i: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, SPLIT_CODES[split], i])


def _multiview_cameras(cfg: WorldConfig, rng):
    setup = cfg.camera_setup()
    el = float(rng.uniform(setup.elevation_min, setup.elevation_max))
    start = float(rng.uniform(0, 360)) if setup.azimuth_offset else 0.0
    return setup.cameras(cfg.resolution, elevation=el, start_azimuth=start)


def _job(args):
    kind, cfg, split, i, asset, out = args
    rng = _rng(cfg, split, i)
    mesh, front = asset.posed()
    renderer = Renderer(mesh)
    base = {"caption": asset.caption, "kind": asset.kind, "material": asset.material, "asset_seed": asset.seed,
            "front_azimuth": round(front_azimuth(front), 3)}
    if kind in ("real", "renders"):
        az = float(rng.uniform(0, 360))
        el = float(rng.uniform(cfg.elevation_min, cfg.elevation_max + 5))
        cam = orbit_camera(az, el, cfg.distance, cfg.resolution, cfg.fov_deg)
        domain = "real" if kind == "real" else "synthetic"
        rgb, _ = render_views(renderer, [cam], asset.material, domain, rng, cfg.supersample, front=front)
        fn = f"images/{asset.id}.png"
        from PIL import Image

        Image.fromarray(to_uint8(rgb[0])).save(out / fn)
        text = asset.caption if kind == "real" else render_caption(asset.caption)
        return {"file_name": fn, "text": text, "kind": asset.kind, "material": asset.material,
                "domain": domain, "azimuth": az, "elevation": el, "front_azimuth": base["front_azimuth"]}
    cams = _multiview_cameras(cfg, rng)
    rgb, maps = render_views(renderer, cams, asset.material, "synthetic", rng, cfg.supersample, front=front)
    row = write_synthetic_item(out, asset.id, rgb, maps, base)
    if kind == "eval":
        from PIL import Image

        from ..grid import tile

        # one draw of lighting, texture placement and exposure for all views (RealLook)
        real, _ = render_views(renderer, cams, asset.material, "real", rng, cfg.supersample, front=front)
        Image.fromarray(to_uint8(tile(real, channels_last=True))).save(out / asset.id / "rgb_real.png")
        renderer.mesh.export(out / asset.id / "mesh.ply")
    return row


def build_world(out: str | Path, cfg: WorldConfig, workers: int = 2, progress: bool = True) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    plan = [
        ("synthetic", "train", cfg.synthetic_assets, "multiview"),
        ("real", "real", cfg.real_images, "real"),
        ("renders", "renders", cfg.renders, "renders"),
        ("val", "val", cfg.val_assets, "eval"),
        ("heldout", "heldout", cfg.heldout_assets, "eval"),
    ]
    setup = cfg.camera_setup()
    summary = {}
    ctx = get_context("fork") if workers > 1 else None
    for folder, split, n, kind in plan:
        d = out / folder
        single = kind in ("real", "renders")
        (d / "images" if single else d).mkdir(parents=True, exist_ok=True)
        asset_split = "heldout" if split == "heldout" else "train"
        assets = sample_assets(n, asset_split, seed=cfg.seed * 1000 + SPLIT_CODES[split])
        for i, a in enumerate(assets):
            a.id = f"{folder}-{i:05d}"
        jobs = [(kind, cfg, split, i, a, d) for i, a in enumerate(assets)]
        if workers > 1:
            with ctx.Pool(workers) as pool:
                it = pool.imap(_job, jobs, chunksize=8)
                rows = list(track(it, f"world: {folder}", len(jobs), progress))
        else:
            rows = list(track(map(_job, jobs), f"world: {folder}", len(jobs), progress))
        write_jsonl(d / "metadata.jsonl", rows)
        if not single:
            (d / CAMERA_SETUP_FILE).write_text(json.dumps(setup.to_dict(), indent=2))
        summary[folder] = len(rows)
    summary["pretrain"] = _write_pretrain_set(out, cfg)
    summary["seconds"] = round(time.time() - t0, 1)
    (out / "world.json").write_text(json.dumps({"config": asdict(cfg), "camera_setup": setup.to_dict(),
                                                "counts": summary}, indent=2))
    return summary


def _write_pretrain_set(out: Path, cfg: WorldConfig) -> int:
    """pretrain/metadata.jsonl: the real images and the renders as one image folder; returns its size."""
    from ..data import read_jsonl

    rows = []
    for folder in ("real", "renders"):
        if folder == "real" and cfg.render_share >= 1.0:
            continue
        for r in read_jsonl(out / folder / "metadata.jsonl"):
            rows.append({**r, "file_name": f"../{folder}/{r['file_name']}"})
    (out / "pretrain").mkdir(exist_ok=True)
    write_jsonl(out / "pretrain" / "metadata.jsonl", rows)
    return len(rows)

