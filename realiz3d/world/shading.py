"""The two visual domains of the built-in world.

Synthetic: what renders of Objaverse-like assets look like: a flat albedo per material
(the mean colour of its photo texture), one soft light plus ambient, white background,
no noise.

Real: a stand-in for photographs (not photographs): the albedo is a photographic
texture from the real photos that scikit-image ships, mapped triplanarly on the object;
a warm key light with ray-cast shadows (on the object and on a ground plane under it),
a cool fill light, sky ambient, specular highlights, exposure and white-balance jitter,
gamma, vignetting and sensor noise, on a white background.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..camera import Camera
from ..render import Hits, Renderer, downsample
from .assets import MATERIALS

TEX = 256

# (skimage image, crop rows, crop cols, tint for grayscale sources, glossiness)
_SOURCES = {
    "brick": ("brick", None, None, (0.80, 0.38, 0.27), 0.1),
    "grass": ("grass", None, None, (0.38, 0.66, 0.26), 0.05),
    "gravel": ("gravel", None, None, (0.68, 0.62, 0.54), 0.05),
    "wood": ("coffee", (0, 160), (0, 160), None, 0.35),
    "fur": ("chelsea", (0, 120), (160, 300), None, 0.0),
    "starry": ("hubble_deep_field", (0, 400), (0, 400), None, 0.5),
    "speckled": ("immunohistochemistry", (0, 300), (0, 300), None, 0.2),
    "coral": ("retina", (400, 1000), (400, 1000), None, 0.3),
    "newspaper": ("page", (0, 190), (0, 190), (0.72, 0.70, 0.62), 0.0),
    "marble": ("moon", None, None, (0.72, 0.80, 0.95), 0.6),
}
assert set(_SOURCES) == set(MATERIALS)


@lru_cache(maxsize=None)
def texture(material: str) -> np.ndarray:
    """(TEX, TEX, 3) float32 linear-ish RGB in [0, 1]."""
    import skimage.data
    from skimage.transform import resize

    name, rows, cols, tint, _ = _SOURCES[material]
    img = getattr(skimage.data, name)()
    if rows:
        img = img[rows[0] : rows[1]]
    if cols:
        img = img[:, cols[0] : cols[1]]
    img = img.astype(np.float32) / 255.0
    if img.ndim == 2:
        img = img[..., None] * (np.asarray(tint, np.float32) * 1.4 if tint is not None else np.ones(3, np.float32))
        img = np.clip(img, 0, 1)
    img = img[..., :3]
    return resize(img, (TEX, TEX), anti_aliasing=True).astype(np.float32)


@lru_cache(maxsize=None)
def flat_color(material: str) -> np.ndarray:
    return texture(material).reshape(-1, 3).mean(0)


def glossiness(material: str) -> float:
    return _SOURCES[material][4]


def _sample(tex: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear, wrapping. uv: (S, 2) in texture periods."""
    n = tex.shape[0]
    x = (uv[:, 0] % 1.0) * n - 0.5
    y = (uv[:, 1] % 1.0) * n - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    x0, y0, x1, y1 = x0 % n, y0 % n, (x0 + 1) % n, (y0 + 1) % n
    return (tex[y0, x0] * (1 - fx) * (1 - fy) + tex[y0, x1] * fx * (1 - fy)
            + tex[y1, x0] * (1 - fx) * fy + tex[y1, x1] * fx * fy)


def triplanar(tex: np.ndarray, points: np.ndarray, normals: np.ndarray, scale: float, offset: np.ndarray) -> np.ndarray:
    w = np.abs(normals) ** 4
    w /= w.sum(1, keepdims=True) + 1e-8
    p = points * scale + offset
    return (_sample(tex, p[:, [2, 1]]) * w[:, :1] + _sample(tex, p[:, [0, 2]]) * w[:, 1:2]
            + _sample(tex, p[:, [0, 1]]) * w[:, 2:3])


def shade_synthetic(hits: Hits, camera: Camera, material: str) -> np.ndarray:
    """(S, 3) colours in [0, 1] for the rays of one view."""
    col = np.ones((len(hits.hit), 3), np.float32)
    h = hits.hit
    cam_dir = camera.position / np.linalg.norm(camera.position)
    light = cam_dir + np.array([0.3, 1.0, 0.2])
    light /= np.linalg.norm(light)
    ndl = np.clip(hits.normals[h] @ light, 0, 1)
    col[h] = flat_color(material) * (0.55 + 0.45 * ndl)[:, None]
    return col


def shade_real(hits: Hits, camera: Camera, material: str, renderer: Renderer, rng: np.random.Generator,
               ground_y: float) -> np.ndarray:
    s = len(hits.hit)
    h = hits.hit
    p, n, d = hits.points[h], hits.normals[h], hits.dirs[h]
    az = rng.uniform(0, 2 * np.pi)
    key = np.array([np.cos(az), rng.uniform(0.8, 2.0), np.sin(az)])
    key /= np.linalg.norm(key)
    fill = -key * np.array([1, -0.3, 1])
    fill /= np.linalg.norm(fill)
    key_col = np.array([1.0, 0.93, 0.82]) * rng.uniform(0.9, 1.2)
    fill_col = np.array([0.55, 0.62, 0.78]) * rng.uniform(0.2, 0.4)
    sky = np.array([0.75, 0.8, 0.9]) * rng.uniform(0.25, 0.4)

    albedo = triplanar(texture(material), p, n, rng.uniform(0.9, 1.8), rng.uniform(0, 1, 3))
    albedo = albedo ** 2.2  # to linear
    eps = 1e-3
    lit = np.ones(len(p), bool)
    facing = n @ key > 0
    if facing.any():
        blocked = renderer._ray.intersects_any(p[facing] + n[facing] * eps, np.broadcast_to(key, (facing.sum(), 3)).copy())
        lit[np.flatnonzero(facing)[blocked]] = False
    ndl = np.clip(n @ key, 0, 1) * lit
    half = key - d
    half /= np.linalg.norm(half, axis=1, keepdims=True)
    g = glossiness(material)
    spec = g * np.clip((n * half).sum(1), 0, 1) ** (10 + 80 * g) * lit
    amb = sky * (0.6 + 0.4 * n[:, 1:2])
    rad = albedo * (ndl[:, None] * key_col + np.clip(n @ fill, 0, 1)[:, None] * fill_col + amb) + spec[:, None] * key_col

    out = np.ones((s, 3))
    out[h] = rad
    # background: white studio sweep with the object's shadow on a ground plane
    bg = ~h
    origins = camera.rays()[0].reshape(-1, 3) if camera.orthographic else np.broadcast_to(camera.position, (s, 3))
    dirs = hits.dirs
    t = (ground_y - origins[:, 1]) / np.where(np.abs(dirs[:, 1]) > 1e-6, dirs[:, 1], -1e-6)
    on_ground = bg & (t > 0)
    level = 0.95 * rng.uniform(0.95, 1.05)
    out[bg] = level
    if on_ground.any():
        gp = origins[on_ground] + dirs[on_ground] * t[on_ground, None]
        shadow = renderer._ray.intersects_any(gp + np.array([0, eps, 0]), np.broadcast_to(key, (len(gp), 3)).copy())
        out[np.flatnonzero(on_ground)[shadow]] *= 0.62
    return out


def finish_real(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Camera response on an (R, R, 3) linear image: exposure, white balance, gamma,
    vignetting, sensor noise. Returns [0, 1]."""
    r = img.shape[0]
    img = img * rng.uniform(0.9, 1.15) * rng.uniform(0.94, 1.06, 3)
    img = np.clip(img, 0, None) ** (1 / 2.2)
    yy, xx = np.mgrid[0:r, 0:r] / (r - 1) * 2 - 1
    img = img * (1 - rng.uniform(0.05, 0.15) * (xx**2 + yy**2) / 2)[..., None]
    img = img + rng.normal(0, rng.uniform(0.01, 0.03), img.shape)
    return np.clip(img, 0, 1)


def render_views(renderer: Renderer, cameras: list[Camera], material: str, domain: str,
                 rng: np.random.Generator, supersample: int = 2):
    """RGB images (N, R, R, 3) in [0, 1] plus the control maps, in one domain."""
    maps, hits = renderer.render(cameras, supersample)
    ground_y = float(renderer.mesh.bounds[0, 1])
    imgs = []
    for cam, hh in zip(cameras, hits):
        r = cam.resolution * supersample
        if domain == "synthetic":
            col = shade_synthetic(hh, cam, material)
        else:
            col = shade_real(hh, cam, material, renderer, rng, ground_y)
        img = downsample(col.reshape(r, r, 3), supersample)
        if domain == "real":
            img = finish_real(img, rng)
        imgs.append(np.clip(img, 0, 1).astype(np.float32))
    return np.stack(imgs), maps
