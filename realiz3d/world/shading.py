"""The two visual domains of the built-in world.

Synthetic: what renders of Objaverse-like assets look like: a flat albedo per material
(the mean colour of its photo texture), one soft light fixed in the world plus ambient,
white background, no noise.

Real: a stand-in for photographs (not photographs): the albedo is a photographic
texture from the real photos that scikit-image ships, mapped triplanarly on the object;
a warm key light with ray-cast shadows (on the object and on a ground plane under it),
a cool fill light, sky ambient, specular highlights, exposure and white-balance jitter,
gamma, vignetting and sensor noise, on a white background. One draw of all of it (a
`RealLook`) per asset, shared by its views; only the sensor noise is drawn per view.

Both domains stain the front half of an object (the half its front direction points to) to
a contrasting tone of its own material (dark on light materials, light on dark ones), so
that every kind shows which way it faces.
"""
from __future__ import annotations

from dataclasses import dataclass
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


# fixed in the world (not to the camera), so shading changes with the view: above, front-right
SYNTHETIC_LIGHT = np.array([0.45, 1.0, 0.65]) / np.linalg.norm([0.45, 1.0, 0.65])


def front_tone(material: str, color: np.ndarray) -> np.ndarray:
    """The front half's colour for colours (..., 3) in [0, 1] of a material: a dark stain on
    light materials, a light one on dark materials (decided by the material's mean colour, so
    one material gets one kind of stain everywhere). A fixed function of the material's own
    colour, so the front still tells the material, and far from it in brightness, so it
    tells the front."""
    lum = float((flat_color(material) * np.array([0.3, 0.59, 0.11])).sum())
    color = np.asarray(color, dtype=np.float32)
    return (color * 0.25 if lum > 0.4 else color + 0.75 * (1.0 - color)).astype(np.float32)


@lru_cache(maxsize=None)
def accent_color(material: str) -> np.ndarray:
    """The synthetic front half's flat colour."""
    return front_tone(material, flat_color(material))


def front_half(points: np.ndarray, front: np.ndarray | None) -> np.ndarray:
    """(S,) bool: the points of a normalised (centred) mesh on the side its front faces."""
    if front is None:
        return np.zeros(len(points), bool)
    return points @ np.asarray(front, dtype=np.float64) > 0.0


def lambert(albedo: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """The synthetic domain's shading: ambient plus one light fixed in the world."""
    ndl = np.clip(normals @ SYNTHETIC_LIGHT, 0, 1)
    return albedo * (0.4 + 0.6 * ndl)[:, None]


def shade_synthetic(hits: Hits, material: str, front: np.ndarray | None = None) -> np.ndarray:
    """(S, 3) colours in [0, 1] for the rays of one view."""
    col = np.ones((len(hits.hit), 3), np.float32)
    h = hits.hit
    albedo = np.broadcast_to(flat_color(material), (int(h.sum()), 3)).copy()
    albedo[front_half(hits.points[h], front)] = accent_color(material)
    col[h] = lambert(albedo, hits.normals[h])
    return col


@dataclass
class RealLook:
    """Everything random about one real-domain 'photograph' session of an asset (lights,
    texture placement, background, camera response); its views share it."""

    key: np.ndarray
    key_col: np.ndarray
    fill_col: np.ndarray
    sky: np.ndarray
    tex_scale: float
    tex_offset: np.ndarray
    bg_level: float
    exposure: np.ndarray  # overall gain x white balance, (3,)
    vignette: float
    noise: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> "RealLook":
        az = rng.uniform(0, 2 * np.pi)
        key = np.array([np.cos(az), rng.uniform(0.8, 2.0), np.sin(az)])
        return cls(key=key / np.linalg.norm(key),
                   key_col=np.array([1.0, 0.93, 0.82]) * rng.uniform(0.9, 1.2),
                   fill_col=np.array([0.55, 0.62, 0.78]) * rng.uniform(0.2, 0.4),
                   sky=np.array([0.75, 0.8, 0.9]) * rng.uniform(0.25, 0.4),
                   tex_scale=float(rng.uniform(0.9, 1.8)), tex_offset=rng.uniform(0, 1, 3),
                   bg_level=0.95 * float(rng.uniform(0.95, 1.05)),
                   exposure=rng.uniform(0.9, 1.15) * rng.uniform(0.94, 1.06, 3),
                   vignette=float(rng.uniform(0.05, 0.15)), noise=float(rng.uniform(0.01, 0.03)))


def real_albedo(material: str, points: np.ndarray, normals: np.ndarray, look: RealLook,
                front: np.ndarray | None) -> np.ndarray:
    """Linear albedo (S, 3): the material's photo texture; on the front half, the same
    texture stained to the material's front tone (front_tone)."""
    albedo = triplanar(texture(material), points, normals, look.tex_scale, look.tex_offset)
    fr = front_half(points, front)
    if fr.any():
        albedo[fr] = front_tone(material, albedo[fr])
    return np.clip(albedo, 0, 1) ** 2.2  # to linear


def shade_real(hits: Hits, camera: Camera, material: str, renderer: Renderer, look: RealLook,
               ground_y: float, front: np.ndarray | None = None) -> np.ndarray:
    s = len(hits.hit)
    h = hits.hit
    p, n, d = hits.points[h], hits.normals[h], hits.dirs[h]
    key = look.key
    fill = -key * np.array([1, -0.3, 1])
    fill /= np.linalg.norm(fill)
    albedo = real_albedo(material, p, n, look, front)
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
    amb = look.sky * (0.6 + 0.4 * n[:, 1:2])
    rad = (albedo * (ndl[:, None] * look.key_col + np.clip(n @ fill, 0, 1)[:, None] * look.fill_col + amb)
           + spec[:, None] * look.key_col)

    out = np.ones((s, 3))
    out[h] = rad
    # background: white studio sweep with the object's shadow on a ground plane
    bg = ~h
    origins = camera.rays()[0].reshape(-1, 3) if camera.orthographic else np.broadcast_to(camera.position, (s, 3))
    dirs = hits.dirs
    t = (ground_y - origins[:, 1]) / np.where(np.abs(dirs[:, 1]) > 1e-6, dirs[:, 1], -1e-6)
    on_ground = bg & (t > 0)
    out[bg] = look.bg_level
    if on_ground.any():
        gp = origins[on_ground] + dirs[on_ground] * t[on_ground, None]
        shadow = renderer._ray.intersects_any(gp + np.array([0, eps, 0]), np.broadcast_to(key, (len(gp), 3)).copy())
        out[np.flatnonzero(on_ground)[shadow]] *= 0.62
    return out


def finish_real(img: np.ndarray, look: RealLook, rng: np.random.Generator) -> np.ndarray:
    """Camera response on an (R, R, 3) linear image: exposure and white balance, gamma,
    vignetting (from the look), sensor noise (drawn per view). Returns [0, 1]."""
    r = img.shape[0]
    img = img * look.exposure
    img = np.clip(img, 0, None) ** (1 / 2.2)
    yy, xx = np.mgrid[0:r, 0:r] / (r - 1) * 2 - 1
    img = img * (1 - look.vignette * (xx**2 + yy**2) / 2)[..., None]
    img = img + rng.normal(0, look.noise, img.shape)
    return np.clip(img, 0, 1)


def render_views(renderer: Renderer, cameras: list[Camera], material: str, domain: str,
                 rng: np.random.Generator, supersample: int = 2, front: np.ndarray | None = None,
                 look: RealLook | None = None):
    """RGB images (N, R, R, 3) in [0, 1] plus the control maps, in one domain. `front`: the
    object's front direction (its front half gets the accent paint); `look`: the real
    domain's draw shared by these views (drawn from rng when not given)."""
    maps, hits = renderer.render(cameras, supersample)
    ground_y = float(renderer.mesh.bounds[0, 1])
    if domain == "real" and look is None:
        look = RealLook.draw(rng)
    imgs = []
    for cam, hh in zip(cameras, hits):
        r = cam.resolution * supersample
        if domain == "synthetic":
            col = shade_synthetic(hh, material, front)
        else:
            col = shade_real(hh, cam, material, renderer, look, ground_y, front)
        img = downsample(col.reshape(r, r, 3), supersample)
        if domain == "real":
            img = finish_real(img, look, rng)
        imgs.append(np.clip(img, 0, 1).astype(np.float32))
    return np.stack(imgs), maps
