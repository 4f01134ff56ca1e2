"""`realiz3d world --out DIR`: build the built-in world's datasets.

    DIR/synthetic/   multiview set of training assets, synthetic domain (realiz3d.data format)
    DIR/real/        single real-domain images of training assets with captions (image folder)
    DIR/val/         validation assets (training pairs, new proportions): synthetic format,
                     plus rgb_real.png (the same views in the real domain) and mesh.ply
    DIR/heldout/     the 40 held-out (kind, material) pairs, same format as val/
    DIR/world.json   the resolved WorldConfig

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

from ..camera import orbit_camera, orbit_cameras
from ..data import to_uint8, write_jsonl, write_synthetic_item
from ..progress import track
from ..render import Renderer
from .assets import Asset, sample_assets
from .shading import render_views

SPLIT_CODES = {"train": 0, "real": 1, "val": 2, "heldout": 3}


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
    supersample: int = 2

    def __post_init__(self):
        if self.resolution < 8:
            raise ValueError(f"world.resolution={self.resolution}: expected >= 8")
        if self.views < 1:
            raise ValueError(f"world.views={self.views}: expected >= 1")
        if self.heldout_assets < 1 or self.synthetic_assets < 1 or self.real_images < 1:
            raise ValueError("world sizes must be positive")
        if not self.elevation_min <= self.elevation_max:
            raise ValueError("world.elevation_min must not exceed elevation_max")

    @classmethod
    def preset(cls, name: str, **kw) -> "WorldConfig":
        presets = {
            "default": {},
            "small": dict(synthetic_assets=400, real_images=1600),
            "tiny": dict(resolution=16, synthetic_assets=12, real_images=24, val_assets=4, heldout_assets=4),
        }
        if name not in presets:
            raise ValueError(f"world preset {name!r}: expected one of {sorted(presets)}")
        return cls(**{**presets[name], **kw})


def _rng(cfg: WorldConfig, split: str, i: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, SPLIT_CODES[split], i])


def _multiview_cameras(cfg: WorldConfig, rng):
    el = float(rng.uniform(cfg.elevation_min, cfg.elevation_max))
    return orbit_cameras(cfg.views, elevation=el, distance=cfg.distance, resolution=cfg.resolution, fov_deg=cfg.fov_deg)


def _job(args):
    kind, cfg, split, i, asset, out = args
    rng = _rng(cfg, split, i)
    renderer = Renderer(asset.mesh())
    base = {"caption": asset.caption, "kind": asset.kind, "material": asset.material, "asset_seed": asset.seed}
    if kind == "real":
        az = float(rng.uniform(0, 360))
        el = float(rng.uniform(cfg.elevation_min, cfg.elevation_max + 5))
        cam = orbit_camera(az, el, cfg.distance, cfg.resolution, cfg.fov_deg)
        rgb, _ = render_views(renderer, [cam], asset.material, "real", rng, cfg.supersample)
        fn = f"images/{asset.id}.png"
        from PIL import Image

        Image.fromarray(to_uint8(rgb[0])).save(out / fn)
        return {"file_name": fn, "text": asset.caption, "kind": asset.kind, "material": asset.material,
                "azimuth": az, "elevation": el}
    cams = _multiview_cameras(cfg, rng)
    rgb, maps = render_views(renderer, cams, asset.material, "synthetic", rng, cfg.supersample)
    row = write_synthetic_item(out, asset.id, rgb, maps, base)
    if kind == "eval":
        from PIL import Image

        from ..grid import tile

        real, _ = render_views(renderer, cams, asset.material, "real", rng, cfg.supersample)
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
        ("val", "val", cfg.val_assets, "eval"),
        ("heldout", "heldout", cfg.heldout_assets, "eval"),
    ]
    summary = {}
    ctx = get_context("fork") if workers > 1 else None
    for folder, split, n, kind in plan:
        d = out / folder
        (d / "images" if kind == "real" else d).mkdir(parents=True, exist_ok=True)
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
        summary[folder] = len(rows)
    summary["seconds"] = round(time.time() - t0, 1)
    (out / "world.json").write_text(json.dumps({"config": asdict(cfg), "counts": summary}, indent=2))
    return summary

