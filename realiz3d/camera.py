"""Cameras and rays. The conventions here are the project's only ones (docs/conventions.md).

- World = normalised object space: the mesh is centred and scaled into [-0.5, 0.5]^3,
  +Y up, right-handed.
- Camera-to-world matrices use the OpenGL/Blender convention: the camera looks along
  its -Z axis, +Y is up in the image, +X is right.
- Orbit cameras: azimuth in degrees around +Y, 0 = camera on the +Z axis looking at the
  origin, 90 = camera on +X; elevation in degrees above the XZ plane; distance from the
  origin.
- Pixel (i, j) = row i from the top, column j from the left; rays go through pixel
  centres.
- Perspective cameras have a vertical field of view `fov_deg`; orthographic cameras
  (fov_deg = 0) see a square of side `ortho_scale` world units.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from .errors import InputError


@dataclass
class Camera:
    c2w: np.ndarray  # (4, 4) camera-to-world
    resolution: int
    fov_deg: float = 30.0  # 0 => orthographic
    ortho_scale: float = 1.2
    azimuth: float | None = None
    elevation: float | None = None
    distance: float | None = None

    @property
    def orthographic(self) -> bool:
        return self.fov_deg == 0

    @property
    def position(self) -> np.ndarray:
        return self.c2w[:3, 3]

    def rays(self) -> tuple[np.ndarray, np.ndarray]:
        """Origins and unit directions through each pixel centre, both (H, W, 3) in world space."""
        n = self.resolution
        c = (np.arange(n) + 0.5) / n * 2 - 1  # pixel centres in [-1, 1]
        u = c[None, :].repeat(n, 0)  # x right
        v = -c[:, None].repeat(n, 1)  # y up (row 0 is the top)
        rot = self.c2w[:3, :3]
        if self.orthographic:
            half = self.ortho_scale / 2
            local = np.stack([u * half, v * half, np.zeros_like(u)], -1)
            origins = local @ rot.T + self.position
            dirs = np.broadcast_to(-rot[:, 2], origins.shape).copy()
        else:
            t = np.tan(np.radians(self.fov_deg) / 2)
            local = np.stack([u * t, v * t, -np.ones_like(u)], -1)
            dirs = local @ rot.T
            dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
            origins = np.broadcast_to(self.position, dirs.shape).copy()
        return origins, dirs

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (P, 3) -> pixel coordinates (P, 2) as (col, row) floats, and depth along -Z."""
        u, v, depth = self.image_plane(points)
        return self.pixels(u, v, self.resolution), depth

    def image_plane(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World points (P, 3) -> image-plane coordinates u (right), v (up) in [-1, 1] across the
        image, and depth along -Z: the part of `project` that does not depend on the resolution."""
        w2c = np.linalg.inv(self.c2w)
        pc = points @ w2c[:3, :3].T + w2c[:3, 3]
        depth = -pc[:, 2]
        if self.orthographic:
            half = self.ortho_scale / 2
            return pc[:, 0] / half, pc[:, 1] / half, depth
        t = np.tan(np.radians(self.fov_deg) / 2)
        return pc[:, 0] / (depth * t), pc[:, 1] / (depth * t), depth

    @staticmethod
    def pixels(u: np.ndarray, v: np.ndarray, resolution: int) -> np.ndarray:
        """Image-plane coordinates -> (P, 2) pixel coordinates (col, row) at `resolution`."""
        return np.stack([(u + 1) / 2 * resolution - 0.5, (1 - v) / 2 * resolution - 0.5], -1)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["c2w"] = np.asarray(self.c2w).tolist()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Camera":
        d = dict(d)
        d["c2w"] = np.asarray(d["c2w"], dtype=np.float64)
        return cls(**d)


def look_at(eye: np.ndarray, target=(0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0)) -> np.ndarray:
    eye = np.asarray(eye, dtype=np.float64)
    fwd = np.asarray(target, dtype=np.float64) - eye
    fwd /= np.linalg.norm(fwd)
    upv = np.asarray(up, dtype=np.float64)
    if abs(np.dot(fwd, upv)) > 0.999:  # looking straight up or down
        upv = np.array([0.0, 0.0, -1.0]) if fwd[1] < 0 else np.array([0.0, 0.0, 1.0])
    right = np.cross(fwd, upv)
    right /= np.linalg.norm(right)
    up2 = np.cross(right, fwd)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, up2, -fwd, eye
    return m


def orbit_camera(azimuth: float, elevation: float, distance: float = 2.2, resolution: int = 32,
                 fov_deg: float = 30.0, ortho_scale: float = 1.2) -> Camera:
    az, el = np.radians(azimuth), np.radians(elevation)
    eye = distance * np.array([np.cos(el) * np.sin(az), np.sin(el), np.cos(el) * np.cos(az)])
    return Camera(look_at(eye), resolution, fov_deg, ortho_scale, float(azimuth), float(elevation), float(distance))


def orbit_cameras(num_views: int, elevation: float = 20.0, start_azimuth: float = 0.0, **kw) -> list[Camera]:
    """N cameras evenly spaced in azimuth (the usual multiview layout: front, right, back, left for N=4)."""
    return [orbit_camera(start_azimuth + 360.0 * i / num_views, elevation, **kw) for i in range(num_views)]


# View words (DreamFusion's view-dependent prompting): the view a camera has of an object,
# named from its azimuth relative to the object's front, in 90-degree sectors.
VIEW_WORDS = ("front view", "right side view", "back view", "left side view")


def view_phrase(relative_azimuth: float) -> str:
    """The view word of a camera at `relative_azimuth` degrees from the object's front
    (0 = front, 90 = on the object's right as seen from the front, i.e. the camera on +X)."""
    return VIEW_WORDS[int(((float(relative_azimuth) + 45.0) % 360.0) // 90.0) % 4]


def caption_with_view(caption: str, relative_azimuth: float | None) -> str:
    """"a brick mug" -> "a brick mug, back view"; the empty (unconditional) caption, and a
    caption whose view is unknown (None), stay as they are."""
    return f"{caption}, {view_phrase(relative_azimuth)}" if caption and relative_azimuth is not None else caption


@dataclass
class CameraSetup:
    """The one camera set-up of a dataset and of every model trained on it: N views on a
    ring at one elevation (drawn per asset from [elevation_min, elevation_max]), evenly
    spaced in azimuth, at `distance` with a vertical field of view `fov_deg` (0 =
    orthographic). `azimuth_offset`: the ring is rotated by a random azimuth per asset
    (kept in each asset's cameras), so that view k is not always the same side.

    Written into the dataset (`camera_setup.json` beside metadata.jsonl) and into every
    checkpoint trained on it; `generate`, `texture`, `evaluate` and the demo build their
    cameras from it."""

    views: int = 4
    distance: float = 2.6
    fov_deg: float = 30.0
    elevation_min: float = 0.0
    elevation_max: float = 30.0
    azimuth_offset: bool = False

    def __post_init__(self):
        """One-line errors naming the field for a set-up out of range."""
        if self.views < 1:
            raise InputError(f"views={self.views}: expected >= 1")
        if not self.distance > 0.87:  # half the diagonal of the unit box the object is normalised into
            raise InputError(f"distance={self.distance}: expected a distance > 0.87 (outside the unit box of the object)")
        if not 0 <= self.fov_deg < 180:
            raise InputError(f"fov_deg={self.fov_deg}: expected 0 (orthographic) or a field of view in (0, 180)")
        for name in ("elevation_min", "elevation_max"):
            if not -90 <= getattr(self, name) <= 90:
                raise InputError(f"{name}={getattr(self, name)}: expected degrees in [-90, 90]")
        if self.elevation_min > self.elevation_max:
            raise InputError(f"elevation_min={self.elevation_min} > elevation_max={self.elevation_max}: expected min <= max")

    @property
    def elevation(self) -> float:
        """The elevation a request without one gets: the middle of the trained range."""
        return (self.elevation_min + self.elevation_max) / 2

    def cameras(self, resolution: int, elevation: float | None = None, start_azimuth: float = 0.0,
                num_views: int | None = None, azimuths: list[float] | None = None) -> list[Camera]:
        """N cameras of this set-up: evenly spaced from `start_azimuth`, or at the given
        `azimuths` (degrees), at one elevation (default: the middle of the range)."""
        el = self.elevation if elevation is None else float(elevation)
        if azimuths is None:
            return orbit_cameras(num_views or self.views, el, start_azimuth, distance=self.distance,
                                 resolution=resolution, fov_deg=self.fov_deg)
        return [orbit_camera(float(a), el, self.distance, resolution, self.fov_deg) for a in azimuths]

    def covers_elevation(self, elevation: float, tolerance: float = 5.0) -> bool:
        return self.elevation_min - tolerance <= elevation <= self.elevation_max + tolerance

    def covers_azimuth(self, azimuth: float, tolerance: float = 1.0) -> bool:
        """Whether data of this set-up had cameras at `azimuth` (degrees): any azimuth with
        azimuth offsets, else only the ring's own (multiples of 360 / views, within `tolerance`)."""
        if self.azimuth_offset:
            return True
        step = 360.0 / self.views
        return min(azimuth % step, step - azimuth % step) <= tolerance

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "CameraSetup":
        if not d:
            return cls()
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def plucker(camera: Camera) -> np.ndarray:
    """Per-pixel Plücker ray coordinates (direction, origin x direction), (6, H, W) float32."""
    o, d = camera.rays()
    m = np.cross(o, d)
    return np.concatenate([d, m], -1).transpose(2, 0, 1).astype(np.float32)
