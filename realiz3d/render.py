"""CPU renderer of control maps by ray casting (trimesh + the embreex ray engine).

From any triangle mesh trimesh reads: normalise it into the unit box, cast one ray per
pixel (per sub-pixel with supersampling) and return per view the normal map, position
map, mask, depth and the hit geometry that shading and texturing need.

Conventions (docs/conventions.md): normals are unit vectors in normalised object space,
shown as (n + 1) / 2 in images; positions are normalised object coordinates p + 0.5 in
[0, 1]^3; depth is the distance along the camera's -Z axis; off-object pixels have mask 0,
normal 0, position 0, depth 0. Normals face the camera (open meshes show their inside).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh

from .camera import Camera
from .errors import Realiz3DError


class MeshError(Realiz3DError, ValueError):
    """A file that is not a usable triangle mesh; the message names the file and the problem."""


MAX_FACES = 2_000_000


def load_mesh(path: str | Path, max_faces: int = MAX_FACES) -> trimesh.Trimesh:
    """Read any mesh file trimesh knows (OBJ, GLB/GLTF scenes merged, PLY, STL, OFF) and
    check it; raise MeshError naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise MeshError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise MeshError(f"{path}: empty file")
    try:
        loaded = trimesh.load(str(path), force=None, process=False)
    except Exception as e:  # trimesh raises many types for unreadable files
        raise MeshError(f"{path}: cannot be read as a mesh ({type(e).__name__}: {str(e).strip()[:120]})") from None
    return check_mesh(as_single_mesh(loaded, path), path, max_faces)


PARTS_KEY = "realiz3d_parts"  # mesh.metadata: the scene's parts, in face order (as_single_mesh)


def as_single_mesh(loaded, path="mesh") -> trimesh.Trimesh:
    """Merge a scene into one mesh in world coordinates (keeping UVs where all parts have them).
    A scene of several parts records them in `mesh.metadata[PARTS_KEY]`: per part, in face
    order, its node name, its node's transform and its number of faces (texturing writes the
    parts back as separate nodes)."""
    if isinstance(loaded, trimesh.Scene):
        geoms, parts = [], []
        for node in loaded.graph.nodes_geometry:
            transform, name = loaded.graph[node]
            g = loaded.geometry.get(name)
            if isinstance(g, trimesh.Trimesh) and len(g.faces):
                geoms.append(g.copy().apply_transform(transform))
                parts.append({"name": str(node), "transform": np.asarray(transform, float).tolist(), "faces": len(g.faces)})
        if not geoms:
            kinds = sorted({type(g).__name__ for g in loaded.geometry.values()}) or ["nothing"]
            raise MeshError(f"{path}: no triangle mesh in the file (found {', '.join(kinds)})")
        loaded = geoms[0] if len(geoms) == 1 else trimesh.util.concatenate(geoms)
        if len(parts) > 1:
            loaded.metadata[PARTS_KEY] = parts
    if isinstance(loaded, trimesh.PointCloud):
        raise MeshError(f"{path}: a point cloud, not a triangle mesh")
    if not isinstance(loaded, trimesh.Trimesh):
        raise MeshError(f"{path}: not a triangle mesh (got {type(loaded).__name__})")
    return loaded


def check_mesh(mesh: trimesh.Trimesh, path="mesh", max_faces: int = MAX_FACES) -> trimesh.Trimesh:
    v, f = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    if len(v) == 0:
        raise MeshError(f"{path}: the mesh has no vertices")
    if len(f) == 0:
        raise MeshError(f"{path}: the mesh has no faces (a point cloud?)")
    if not np.isfinite(v).all():
        raise MeshError(f"{path}: the mesh has NaN or infinite vertex coordinates")
    if f.min() < 0 or f.max() >= len(v):
        raise MeshError(f"{path}: face indices point outside the vertex list")
    if len(f) > max_faces:
        raise MeshError(f"{path}: {len(f):,} faces, more than the limit of {max_faces:,}")
    area = trimesh.triangles.area(v[f])
    if not (area > 1e-12 * max(1.0, float(np.ptp(v, axis=0).max()) ** 2)).any():
        raise MeshError(f"{path}: all faces are degenerate (zero area)")
    return mesh


@dataclass
class Normalization:
    """x_normalised = (x_source - center) * scale; keeps outputs mappable back."""

    center: np.ndarray
    scale: float

    def apply(self, points: np.ndarray) -> np.ndarray:
        return (points - self.center) * self.scale

    def invert(self, points: np.ndarray) -> np.ndarray:
        return points / self.scale + self.center


def normalize_mesh(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, Normalization]:
    """Centre the bounding box at the origin and scale its largest side to 1."""
    lo, hi = mesh.bounds
    center = (lo + hi) / 2
    extent = float((hi - lo).max())
    if extent <= 0:
        raise MeshError("mesh has zero extent")
    norm = Normalization(center, 1.0 / extent)
    out = mesh.copy()
    out.vertices = norm.apply(np.asarray(mesh.vertices, dtype=np.float64))
    return out, norm


def intersector(mesh: trimesh.Trimesh):
    try:
        from trimesh.ray.ray_pyembree import RayMeshIntersector

        return RayMeshIntersector(mesh)
    except Exception:  # embreex missing (non-x86 machines): trimesh's pure-python engine
        from trimesh.ray.ray_triangle import RayMeshIntersector

        return RayMeshIntersector(mesh)


def first_hits(ray, triangles: np.ndarray, face_normals: np.ndarray, origins: np.ndarray, dirs: np.ndarray):
    """First hit of each ray: (locations, ray indices, triangle indices), the same values as
    `ray.intersects_location(origins, dirs, multiple_hits=False)` (triangles, face_normals: those of
    the mesh `ray` was built on, as arrays: the caller reads trimesh's caches once, not per thread).

    With embree, trimesh's wrapper also prepares what multiple hits would need (offsets, copies of
    every ray), a third of a 1M-ray cast; this path asks embree for the first triangle and
    intersects only the hit rays with its plane, with trimesh's own arithmetic (so the maps stay
    bit-identical; a test compares the two)."""
    scene = getattr(ray, "_scene", None)
    if scene is None or not hasattr(scene, "run"):  # trimesh's pure-python engine
        return ray.intersects_location(origins, dirs, multiple_hits=False)
    from trimesh import util

    origins = np.asarray(origins, dtype=np.float64)
    dirs = util.unitize(np.asarray(dirs, dtype=np.float64))
    tri = scene.run(origins, dirs)
    rays = np.flatnonzero(tri != -1)
    tri = tri[rays]
    o, d = origins[rays], dirs[rays]
    n = face_normals[tri]
    proj_o = util.diagonal_dot(triangles[tri, 0, :] - o, n)
    proj_d = util.diagonal_dot(d, n)
    valid = np.abs(proj_d) > 1e-5  # near-parallel: trimesh drops these hits too
    locs = d[valid] * np.divide(proj_o[valid], proj_d[valid]).reshape((-1, 1))
    locs += o[valid]
    return locs, rays[valid], tri[valid]


@dataclass
class ViewMaps:
    """Maps of N views at resolution R (after supersampling)."""

    normal: np.ndarray  # (N, R, R, 3) float32 in [-1, 1], 0 off-object
    position: np.ndarray  # (N, R, R, 3) float32 in [0, 1], 0 off-object
    mask: np.ndarray  # (N, R, R) float32 coverage in [0, 1]
    depth: np.ndarray  # (N, R, R) float32, 0 off-object
    cameras: list[Camera]


@dataclass
class Hits:
    """Per-ray hits at full sample resolution, for shading."""

    hit: np.ndarray  # (S,) bool
    points: np.ndarray  # (S, 3)
    normals: np.ndarray  # (S, 3) facing the camera
    dirs: np.ndarray  # (S, 3)
    faces: np.ndarray  # (S,) face index, -1 on miss
    bary: np.ndarray  # (S, 3)


class Renderer:
    """Ray-casts one normalised mesh from many cameras.

    smooth=True: normals are interpolated inside smoothing groups (trimesh's
    `smooth_shaded`, which splits vertices at sharp edges), and face ids refer to that
    re-ordered copy. smooth=False: flat face normals, face ids of `mesh` itself (what
    texturing needs)."""

    def __init__(self, mesh: trimesh.Trimesh, smooth: bool = True):
        if smooth and len(mesh.faces) > 300_000:
            smooth = False  # smoothing groups cost more than they show at this density
        self.smooth = smooth
        self.mesh = mesh.smooth_shaded if smooth else mesh
        self._vertex_normals = np.asarray(self.mesh.vertex_normals, dtype=np.float64) if smooth else None
        self._face_normals = np.asarray(self.mesh.face_normals, dtype=np.float64)
        self._triangles = np.asarray(self.mesh.triangles, dtype=np.float64)
        self._faces = np.asarray(self.mesh.faces)
        self._ray = intersector(self.mesh)

    def cast(self, origins: np.ndarray, dirs: np.ndarray) -> Hits:
        s = len(origins)
        locs, ray_idx, tri = first_hits(self._ray, self._triangles, self._face_normals, origins, dirs)
        hit = np.zeros(s, bool)
        points = np.zeros((s, 3))
        normals = np.zeros((s, 3))
        faces = np.full(s, -1)
        bary = np.zeros((s, 3))
        if len(ray_idx):
            hit[ray_idx] = True
            points[ray_idx] = locs
            faces[ray_idx] = tri
            tris = self._triangles[tri]
            b = trimesh.triangles.points_to_barycentric(tris, locs)
            b = np.nan_to_num(b, nan=1 / 3)
            bary[ray_idx] = b
            if self.smooth:
                n = (self._vertex_normals[self._faces[tri]] * b[:, :, None]).sum(1)  # (H, 3)
                length = np.linalg.norm(n, axis=1)
                bad = ~np.isfinite(n).all(1) | (length < 1e-8)
                n[bad] = self._face_normals[tri[bad]]
                length[bad] = np.linalg.norm(n[bad], axis=1)
            else:
                n = self._face_normals[tri].copy()
                length = np.linalg.norm(n, axis=1)
            n /= length[:, None] + 1e-12
            flip = (n * dirs[ray_idx]).sum(1) > 0  # face the camera
            n[flip] *= -1
            normals[ray_idx] = n
        return Hits(hit, points, normals, dirs, faces, bary)

    def _view(self, cam: Camera, supersample: int) -> tuple[dict, Hits]:
        hi = Camera(cam.c2w, cam.resolution * supersample, cam.fov_deg, cam.ortho_scale)
        o, d = hi.rays()
        hits = self.cast(o.reshape(-1, 3), d.reshape(-1, 3))
        r, h = hi.resolution, hits.hit
        w2c = np.linalg.inv(cam.c2w)
        # supersampled maps average in float64, as they always did (the world's saved maps stay
        # bit-identical); one ray per pixel rounds to float32 at once, which gives the same values
        dt = np.float32 if supersample == 1 else np.float64
        maps = {"normal": np.zeros((r * r, 3), dt), "position": np.zeros((r * r, 3), dt), "mask": h.astype(np.float32),
                "depth": np.zeros(r * r, dt)}
        pts = hits.points[h]
        maps["normal"][h] = hits.normals[h]
        maps["position"][h] = pts + 0.5
        maps["depth"][h] = -(pts @ w2c[2, :3] + w2c[2, 3])  # distance along the view axis
        return {k: downsample(v.reshape(r, r, *v.shape[1:]), supersample) for k, v in maps.items()}, hits

    def render(self, cameras: list[Camera], supersample: int = 1, threads: int = 1) -> tuple[ViewMaps, list[Hits]]:
        """Maps of each camera at its resolution; rays at `supersample`^2 per pixel. threads > 1
        casts that many views at once (embree and numpy release the GIL; the maps are the same)."""
        threads = max(1, min(threads, len(cameras)))
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads) as pool:
                per_view = list(pool.map(lambda cam: self._view(cam, supersample), cameras))
        else:
            per_view = [self._view(cam, supersample) for cam in cameras]
        outs = {k: [m[k] for m, _ in per_view] for k in ("normal", "position", "mask", "depth")}
        all_hits = [h for _, h in per_view]
        normal = np.stack(outs["normal"]).astype(np.float32)
        cover = np.stack(outs["mask"]).astype(np.float32)
        on = cover > 0
        # average over covered sub-pixels only, then renormalise normals
        safe = np.maximum(cover, 1e-6)[..., None]
        normal /= safe
        normal /= np.linalg.norm(normal, axis=-1, keepdims=True) + 1e-12
        normal *= on[..., None]
        position = np.stack(outs["position"]).astype(np.float32) / safe * on[..., None]
        depth = np.stack(outs["depth"]).astype(np.float32) / np.maximum(cover, 1e-6) * on
        return ViewMaps(normal, position, cover, depth, list(cameras)), all_hits


def downsample(x: np.ndarray, f: int) -> np.ndarray:
    """Box-filter by an integer factor (the mean of each f x f block)."""
    if f == 1:
        return x
    r = x.shape[0] // f
    y = x.reshape(r, f, r, f, *x.shape[2:]).mean(axis=(1, 3))
    return y

