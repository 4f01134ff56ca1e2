"""Texturing from 3D inputs: mesh + prompt -> controlled views in real mode -> UV texture -> GLB.

Stages (each timed and reported in texture.json):
1. load and normalise the mesh (multi-part scenes merged); keep valid UVs, else unwrap with xatlas;
2. render normal + position maps of N views (ray casting, realiz3d.render);
3. generate the views with the texturing model (real mode + the chosen domain schedule);
4. back-project: texels -> surface points by ray casting the mesh laid out in UV space
   (embreex), visibility against each view's depth map, blending weighted by the cosine
   between the surface normal and the view direction, grazing views rejected;
5. fill texels no view saw from the nearest seen surface point in 3D (so colour never
   bleeds across UV islands onto another part of the surface), then dilate the texture
   past island borders (nearest texel in UV space) so mip-mapping shows no seams;
6. write the GLB (PBR base colour texture, original coordinates), the texture PNG, the
   generated views and preview renders from viewpoints that were not generated.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from .camera import Camera, CameraSetup, orbit_camera
from .render import PARTS_KEY, Normalization, Renderer, load_mesh, normalize_mesh
from .runtime import cpu_threads
from .errors import InputError


@dataclass
class UVMesh:
    mesh: trimesh.Trimesh  # normalised coordinates, with uv per vertex
    uv: np.ndarray  # (V, 2)
    norm: Normalization
    unwrapped: bool  # True when xatlas made the UVs
    source: str = ""
    parts: list[dict] | None = None  # a scene's parts in face order (render.PARTS_KEY): written back as nodes


def has_valid_uv(mesh: trimesh.Trimesh) -> bool:
    uv = getattr(mesh.visual, "uv", None)
    if uv is None or len(uv) != len(mesh.vertices) or not np.isfinite(uv).all():
        return False
    # UVs must lay faces out with area (not all collapsed)
    tri = uv[mesh.faces]
    a, b = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    area = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum() / 2
    return area > 1e-6


def prepare_mesh(path: str | Path, max_faces: int = 2_000_000) -> UVMesh:
    mesh = load_mesh(path, max_faces=max_faces)
    parts = mesh.metadata.get(PARTS_KEY)
    norm_mesh, norm = normalize_mesh(mesh)
    if has_valid_uv(mesh):
        return UVMesh(norm_mesh, np.asarray(mesh.visual.uv, dtype=np.float64), norm, False, str(path), parts)
    vertices, faces, uv = unwrap(norm_mesh)  # faces keep their order, so the parts' face ranges hold
    return UVMesh(trimesh.Trimesh(vertices, faces, process=False), uv, norm, True, str(path), parts)


def unwrap(mesh: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UV-unwrap with xatlas, after splitting the faces into six groups by the axis and sign of
    their normal (a cube-map segmentation). No group can be a closed surface, which avoids an
    xatlas crash on closed, sphere-like meshes (jpcy/xatlas#146: a chart grows over the whole
    surface; here an 82k-face icosphere segfaulted), and the groups unwrap faster than the
    whole (326k-face torus: 21 s instead of 38 s). xatlas packs the groups into one atlas.
    Charts are grown without xatlas' refinement iterations (max_iterations=0): on the
    100k-face benchmark torus 1.46 s instead of 2.34 s, 46 charts instead of 34 and the same
    share of the atlas used (0.59; docs/benchmarks.md, row texture-unwrap).
    Returns (vertices (V', 3), faces (F, 3), uv (V', 2)); faces keep their order."""
    import xatlas

    fn = np.asarray(mesh.face_normals)
    axis = np.argmax(np.abs(fn), 1)
    group = axis * 2 + (fn[np.arange(len(fn)), axis] > 0)
    atlas = xatlas.Atlas()
    parts = []
    for g in range(6):
        fi = np.nonzero(group == g)[0]
        if not len(fi):
            continue
        used, local = np.unique(mesh.faces[fi], return_inverse=True)
        atlas.add_mesh(np.asarray(mesh.vertices[used], np.float32), local.reshape(-1, 3).astype(np.uint32))
        parts.append((fi, used))
    charts = xatlas.ChartOptions()
    charts.max_iterations = 0
    atlas.generate(chart_options=charts)
    verts, uvs = [], []
    faces = np.empty((len(mesh.faces), 3), np.int64)
    offset = 0
    for i, (fi, used) in enumerate(parts):
        vmap, f, uv = atlas[i]
        verts.append(np.asarray(mesh.vertices)[used[vmap]])
        uvs.append(uv)
        faces[fi] = f.astype(np.int64) + offset
        offset += len(vmap)
    return np.concatenate(verts), faces, np.concatenate(uvs).astype(np.float64)


@dataclass
class Texels:
    """Texels covered by the UV layout and the surface point each one shows."""

    size: int
    rows: np.ndarray  # (T,)
    cols: np.ndarray
    points: np.ndarray  # (T, 3) normalised coordinates
    normals: np.ndarray  # (T, 3)


def rasterize_uv(uvm: UVMesh, size: int, chunk: int = 4_000_000) -> Texels:
    """Which surface point each texel shows: every texel whose centre lies in a face's UV
    triangle, with the point of that face at the centre's barycentric coordinates.

    Rasterised in UV space directly: the texel centres inside each face's bounding box are
    tested against the face, all faces at once (in chunks of about `chunk` candidate texels).
    A texel on the border of two faces goes to the first. (Texel (row, col) has its centre
    at u = (col + 0.5) / size, v = 1 - (row + 0.5) / size: row 0 is the top of the image.)"""
    uv = uvm.uv
    uv = uv % 1.0 if (uv.min() < 0 or uv.max() > 1) else uv
    faces = np.asarray(uvm.mesh.faces)
    tri = uv[faces]  # (F, 3, 2)
    x = tri[..., 0] * size - 0.5  # texel coordinates: centres at integers
    y = (1.0 - tri[..., 1]) * size - 0.5
    x0 = np.clip(np.ceil(x.min(1) - 1e-9), 0, size - 1).astype(np.int64)
    x1 = np.clip(np.floor(x.max(1) + 1e-9), 0, size - 1).astype(np.int64)
    y0 = np.clip(np.ceil(y.min(1) - 1e-9), 0, size - 1).astype(np.int64)
    y1 = np.clip(np.floor(y.max(1) + 1e-9), 0, size - 1).astype(np.int64)
    # the faces' edge vectors for barycentric coordinates; degenerate UV faces cover nothing
    ex1, ey1 = x[:, 1] - x[:, 0], y[:, 1] - y[:, 0]
    ex2, ey2 = x[:, 2] - x[:, 0], y[:, 2] - y[:, 0]
    det = ex1 * ey2 - ex2 * ey1
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    ok = (nx > 0) & (ny > 0) & (np.abs(det) > 1e-12) & (x.max(1) >= -0.5) & (y.max(1) >= -0.5)
    fids = np.nonzero(ok)[0]
    counts = (nx * ny)[fids]
    ends = np.cumsum(counts)
    idx_parts, face_parts, bary_parts = [], [], []
    start = 0
    while start < len(fids):  # chunks of faces with about `chunk` candidate texels in all
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + chunk, side="right"))
        stop = max(stop, start + 1)
        f = fids[start:stop]
        c = counts[start:stop]
        rep = np.repeat(np.arange(len(f)), c)
        k = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        fr = f[rep]
        cx = x0[fr] + k % nx[fr]
        cy = y0[fr] + k // nx[fr]
        px, py = cx - x[fr, 0], cy - y[fr, 0]
        b1 = (px * ey2[fr] - ex2[fr] * py) / det[fr]
        b2 = (ex1[fr] * py - px * ey1[fr]) / det[fr]
        b0 = 1.0 - b1 - b2
        inside = (b0 >= -1e-9) & (b1 >= -1e-9) & (b2 >= -1e-9)
        idx_parts.append((cy * size + cx)[inside])
        face_parts.append(fr[inside])
        bary_parts.append(np.stack([b0, b1, b2], 1)[inside])
        start = stop
    idx = np.concatenate(idx_parts) if idx_parts else np.zeros(0, np.int64)
    face = np.concatenate(face_parts) if face_parts else np.zeros(0, np.int64)
    bary = np.concatenate(bary_parts) if bary_parts else np.zeros((0, 3))
    idx, first = np.unique(idx, return_index=True)  # a texel on a shared border: its first face
    face, bary = face[first], np.clip(bary[first], 0.0, 1.0)
    pts = (np.asarray(uvm.mesh.vertices)[faces[face]] * bary[:, :, None]).sum(1)
    normals = np.asarray(uvm.mesh.face_normals)[face]
    return Texels(size, idx // size, idx % size, pts, normals)


def visibility(points: np.ndarray, normals: np.ndarray, cam: Camera, depth: np.ndarray, min_cos: float = 0.2,
               depth_tol: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Which surface points (P, 3) camera `cam` sees well: in its image, not occluded (its
    depth map, any resolution) and not grazing (|cos| of normal and view ray > min_cos).
    Returns (visible (P,) bool, |cos| (P,))."""
    visible, cos, _ = _seen(points, normals, cam, depth, min_cos, depth_tol)
    return visible, cos


def _seen(points, normals, cam: Camera, depth, min_cos, depth_tol):
    """visibility, plus the image-plane coordinates (u, v) of the visible points, so that the
    back-projection samples the view without projecting the points again."""
    to_cam = (cam.position[None] - points) if not cam.orthographic else np.broadcast_to(cam.c2w[:3, 2], points.shape)
    # |cos| of normal and ray (faces may be wound either way); einsum: one pass, no temporaries
    cos = np.abs(np.einsum("ij,ij->i", normals, to_cam)) / np.sqrt(np.einsum("ij,ij->i", to_cam, to_cam))
    u, v, z = cam.image_plane(points)
    dres = depth.shape[0]
    pix = Camera.pixels(u, v, dres)
    col, row = np.round(pix[:, 0]).astype(int), np.round(pix[:, 1]).astype(int)
    inside = (col >= 0) & (col < dres) & (row >= 0) & (row < dres) & (z > 0)
    d = np.zeros(len(z))
    d[inside] = depth[row[inside], col[inside]]
    visible = inside & (d > 0) & (np.abs(d - z) < depth_tol) & (cos > min_cos)
    return visible, cos, (u[visible], v[visible])


def backproject(texels: Texels, views: np.ndarray, cameras: list[Camera], depths: np.ndarray,
                min_cos: float = 0.2, depth_tol: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Blend views (N, R, R, 3) into texel colours (T, 3); returns colours and the per-texel
    weight sum (0 = seen by no view). depths: (N, D, D) depth maps for visibility (any D)."""
    acc = np.zeros((len(texels.points), 3))
    wsum = np.zeros(len(texels.points))
    for img, cam, depth in zip(views, cameras, depths):
        visible, cos, (u, v) = _seen(texels.points, texels.normals, cam, depth, min_cos, depth_tol)
        if not visible.any():
            continue
        w = cos[visible] ** 2
        acc[visible] += w[:, None] * bilinear(img, Camera.pixels(u, v, img.shape[0]))
        wsum[visible] += w
    colors = acc / np.maximum(wsum, 1e-12)[:, None]
    return colors, wsum


def bilinear(img: np.ndarray, pix: np.ndarray) -> np.ndarray:
    """Sample img (H, W, C) at pixel coordinates (P, 2) (col, row), clamped to the image."""
    h, w = img.shape[:2]
    x = np.clip(pix[:, 0], 0, w - 1)
    y = np.clip(pix[:, 1], 0, h - 1)
    x0, y0 = np.floor(x).astype(np.intp), np.floor(y).astype(np.intp)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    flat = img.reshape(h * w, -1)
    top = flat[y0 * w + x0] * (1 - fx) + flat[y0 * w + x1] * fx
    bottom = flat[y1 * w + x0] * (1 - fx) + flat[y1 * w + x1] * fx
    return top * (1 - fy) + bottom * fy


FILL_GRID = 96  # voxels along the unit box for filling unseen texels


def fill_and_dilate(texels: Texels, colors: np.ndarray, seen: np.ndarray, grid: int = FILL_GRID) -> np.ndarray:
    """Texture image (S, S, 3): unseen texels take the colour of the nearest seen surface in
    3D; texels outside every island take the nearest island texel's colour.

    Nearest in 3D through a voxel grid of the unit box (`grid`^3): seen points are binned into
    voxels (mean colour per voxel), one Euclidean distance transform gives every voxel its
    nearest occupied voxel, and each unseen texel reads the voxel it falls in. Linear in
    texels and voxels: a k-d tree query was too, on average, but degenerate layouts (the
    unseen top of a nut, facing rows of equidistant seen points on flat faces) made it
    explore most of the tree (28 s for a 1k-face nut at 1024x1024)."""
    from scipy.ndimage import distance_transform_edt

    colors = colors.copy()
    if seen.any() and (~seen).any():
        r = grid
        vox = lambda p: np.clip(((p + 0.5) * r).astype(np.int64), 0, r - 1)  # noqa: E731
        flat = np.ravel_multi_index(vox(texels.points[seen]).T, (r, r, r))
        count = np.bincount(flat, minlength=r**3)
        sums = np.stack([np.bincount(flat, weights=colors[seen][:, c], minlength=r**3) for c in range(3)], 1)
        _, near = distance_transform_edt((count == 0).reshape(r, r, r), return_indices=True)
        q = vox(texels.points[~seen])
        cell = np.ravel_multi_index(tuple(near[:, q[:, 0], q[:, 1], q[:, 2]]), (r, r, r))
        colors[~seen] = sums[cell] / count[cell][:, None]
    elif not seen.any():
        colors[:] = 0.5
    s = texels.size
    tex = np.zeros((s, s, 3))
    covered = np.zeros((s, s), bool)
    tex[texels.rows, texels.cols] = colors
    covered[texels.rows, texels.cols] = True
    if covered.any() and not covered.all():
        _, (ri, ci) = distance_transform_edt(~covered, return_indices=True)
        tex = tex[ri, ci]
    return np.clip(tex, 0, 1)


def textured_mesh(uvm: UVMesh, texture: np.ndarray, original_coordinates: bool = True) -> trimesh.Trimesh:
    from PIL import Image

    verts = uvm.norm.invert(np.asarray(uvm.mesh.vertices)) if original_coordinates else np.asarray(uvm.mesh.vertices)
    img = Image.fromarray((texture * 255).round().astype(np.uint8))
    mat = trimesh.visual.material.PBRMaterial(baseColorTexture=img, metallicFactor=0.0, roughnessFactor=0.9)
    return trimesh.Trimesh(verts, uvm.mesh.faces, visual=trimesh.visual.TextureVisuals(uv=uvm.uv, material=mat), process=False)


def textured_scene(uvm: UVMesh, texture: np.ndarray):
    """What `realiz3d texture` writes: the textured mesh in its own coordinates; a scene's parts
    as separate nodes with their names and transforms, sharing one texture."""
    mesh = textured_mesh(uvm, texture)
    if not uvm.parts:
        return mesh
    scene = trimesh.Scene()
    start = 0
    faces = np.asarray(mesh.faces)
    for part in uvm.parts:
        f = faces[start : start + part["faces"]]
        start += part["faces"]
        used, local = np.unique(f, return_inverse=True)
        transform = np.asarray(part["transform"], float)
        verts = trimesh.transform_points(np.asarray(mesh.vertices)[used], np.linalg.inv(transform))
        sub = trimesh.Trimesh(verts, local.reshape(-1, 3), process=False,
                              visual=trimesh.visual.TextureVisuals(uv=uvm.uv[used], material=mesh.visual.material))
        scene.add_geometry(sub, node_name=part["name"], geom_name=part["name"], transform=transform)
    return scene


def render_textured(uvm: UVMesh, texture: np.ndarray, cameras: list[Camera], supersample: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Shaded renders (N, R, R, 3) of the textured mesh (normalised coordinates), and masks."""
    from .mesh_dataset import surface_colors
    from .render import downsample

    mesh = textured_mesh(uvm, texture, original_coordinates=False)
    renderer = Renderer(mesh, smooth=False)
    maps, hits = renderer.render(cameras, supersample)
    out = []
    for cam, hh in zip(cameras, hits):
        r = cam.resolution * supersample
        col = np.ones((len(hh.hit), 3))
        h = hh.hit
        if h.any():
            col[h] = surface_colors(mesh, hh.faces[h], hh.points[h])
        out.append(downsample(col.reshape(r, r, 3), supersample))
    return np.stack(out), maps.mask


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    m = mask > 0.99
    if not m.any():
        return float("nan")
    mse = float(((a - b) ** 2)[m].mean())
    return float(10 * np.log10(1.0 / max(mse, 1e-10)))


TOP_BOTTOM = [(0.0, 89.0), (0.0, -89.0)]
# where view selection may add views: around at low and high elevations, every 45 degrees
CANDIDATE_VIEWS = [(float(az), float(el)) for el in (-50, -20, 50) for az in range(0, 360, 45)] + \
                  [(float(az), 70.0) for az in range(0, 360, 90)] + [(float(az), -70.0) for az in range(45, 360, 90)]
MAX_VIEWS_LIMIT = 16


@dataclass
class TextureOptions:
    views: int = 4
    elevation: float | None = None  # None: the middle of the model's trained elevation range
    extra_views: list[tuple[float, float]] = field(default_factory=lambda: list(TOP_BOTTOM))  # (azimuth, elevation)
    # view selection: add views (from CANDIDATE_VIEWS) that see the surface the views so far do
    # not, up to this many views in all (= views + extra_views: no selection)
    max_views: int = 8
    min_gain: float = 0.005  # stop adding views when the next one sees less than this share of the surface
    texture_size: int | None = None  # None: texture_scale x the views' resolution
    depth_resolution: int = 256  # resolution of the depth maps used for visibility
    min_cos: float = 0.2
    format: str = "glb"  # glb | obj
    texture_scale: int = 8  # default texture size: this x the view resolution (a 32 px view: 256)

    def __post_init__(self):
        fixed = self.views + len(self.extra_views)
        if not fixed <= self.max_views <= MAX_VIEWS_LIMIT:
            raise InputError(f"--max-views {self.max_views}: expected {fixed} (the fixed views) to {MAX_VIEWS_LIMIT}")
        if self.texture_size is not None and self.texture_size < 16:
            raise InputError(f"--texture-size {self.texture_size}: expected >= 16")

    def size_for(self, resolution: int) -> int:
        return self.texture_size or self.texture_scale * resolution


def view_cameras(opts: TextureOptions, resolution: int, setup: CameraSetup | None = None) -> list[Camera]:
    """The views of a texturing run, in the model's camera set-up (distance, field of view)."""
    setup = setup or CameraSetup()
    cams = setup.cameras(resolution, elevation=opts.elevation, num_views=opts.views)
    cams += [orbit_camera(az, el, setup.distance, resolution, setup.fov_deg) for az, el in opts.extra_views]
    return cams


def surface_samples(mesh: trimesh.Trimesh, count: int = 20000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points spread over the surface in proportion to area, with their face normals."""
    pts, face = trimesh.sample.sample_surface(mesh, count, seed=seed)
    return np.asarray(pts), np.asarray(mesh.face_normals)[face]


def seen_by(renderer: Renderer, cameras: list[Camera], points: np.ndarray, normals: np.ndarray,
            min_cos: float = 0.2, depth_resolution: int = 128) -> np.ndarray:
    """(N, P) which of the points each camera sees well (same rules as the back-projection)."""
    dcams = [Camera(c.c2w, depth_resolution, c.fov_deg, c.ortho_scale) for c in cameras]
    depth = renderer.render(dcams, threads=cpu_threads())[0].depth
    return np.stack([visibility(points, normals, c, d, min_cos)[0] for c, d in zip(cameras, depth)])


def select_views(mesh: trimesh.Trimesh, cameras: list[Camera], candidates: list[Camera], max_views: int,
                 min_cos: float = 0.2, min_gain: float = 0.005) -> tuple[list[Camera], dict]:
    """Greedy view selection: while fewer than `max_views`, add the candidate that sees the
    largest share of the surface (area-weighted samples) that no chosen view sees well, as
    long as it adds at least `min_gain`. Returns the added cameras and a report (coverage
    before and after, the views added as (azimuth, elevation))."""
    pts, nrm = surface_samples(mesh)
    renderer = Renderer(mesh, smooth=False)  # one ray-casting structure for all the depth maps
    seen = seen_by(renderer, cameras, pts, nrm, min_cos).any(0)
    report = {"coverage_fixed_views": float(seen.mean()), "added": []}
    added = []
    if max_views > len(cameras) and candidates:
        cand = seen_by(renderer, candidates, pts, nrm, min_cos)
        free = list(range(len(candidates)))
        while len(cameras) + len(added) < max_views and free:
            gains = [(cand[i] & ~seen).mean() for i in free]
            best = int(np.argmax(gains))
            if gains[best] < min_gain:
                break
            i = free.pop(best)
            added.append(candidates[i])
            seen |= cand[i]
            report["added"].append([round(candidates[i].azimuth, 1), round(candidates[i].elevation, 1)])
    report["coverage"] = float(seen.mean())
    return added, report


def texture_from_views(uvm: UVMesh, views: np.ndarray, cameras: list[Camera], opts: TextureOptions,
                       timings: dict | None = None, depth: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """Back-project views (N, R, R, 3) in [0, 1] into a texture; returns texture and measures.
    depth: (N, D, D) depth maps of the cameras for visibility (rendered when not given)."""
    timings = timings if timings is not None else {}
    t = time.perf_counter()
    if depth is None:
        dcams = [Camera(c.c2w, opts.depth_resolution, c.fov_deg, c.ortho_scale) for c in cameras]
        depth = Renderer(uvm.mesh, smooth=False).render(dcams, threads=cpu_threads())[0].depth
    texels = rasterize_uv(uvm, opts.size_for(views.shape[1]))
    colors, wsum = backproject(texels, views, cameras, depth, opts.min_cos)
    timings["backproject_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    seen = wsum > 0
    tex = fill_and_dilate(texels, colors, seen)
    timings["fill_s"] = round(time.perf_counter() - t, 3)
    coverage = float(seen.mean()) if len(seen) else 0.0
    # filled_share: texels no view saw, coloured from the nearest seen surface (enclosed parts)
    return tex, {"texel_coverage": coverage, "filled_share": 1.0 - coverage, "texels": int(len(seen))}


@dataclass
class TextureResult:
    """A textured mesh and how it was made (texture_mesh)."""

    uvm: UVMesh
    texture: np.ndarray  # (S, S, 3) in [0, 1]
    views: np.ndarray  # (N, R, R, 3) generated views in [0, 1]
    cameras: list[Camera]
    mask: np.ndarray  # (N, R, R) the object's pixels in each view
    settings: dict  # of the generation (schedule, ...)
    selection: dict  # view selection report
    measures: dict  # texel_coverage, filled_share, view_psnr, ...
    timings: dict = field(default_factory=dict)


def texture_mesh(uvm: UVMesh, prompt: str, pipe, opts: TextureOptions, seed: int = 0, schedule="shifted", steps: int = 30,
                 guidance: float = 3.0) -> TextureResult:
    """Texture a prepared mesh: choose the views, render their normal + position maps, generate
    the views with the texturing model, back-project them into a texture."""
    import torch

    timings: dict = {}
    res = pipe.resolution
    setup = pipe.camera_setup
    cams = view_cameras(opts, res, setup)
    t = time.perf_counter()
    candidates = [orbit_camera(az, el, setup.distance, res, setup.fov_deg) for az, el in CANDIDATE_VIEWS]
    added, selection = select_views(uvm.mesh, cams, candidates, opts.max_views, opts.min_cos, opts.min_gain)
    cams = cams + added
    timings["select_views_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    maps = Renderer(uvm.mesh).render(cams, supersample=2, threads=cpu_threads())[0]
    timings["render_maps_s"] = round(time.perf_counter() - t, 3)
    m = (maps.mask > 0.5)[..., None]
    control = np.concatenate([maps.normal * m, maps.position * m], -1).transpose(0, 3, 1, 2)  # (N, 6, R, R)
    t = time.perf_counter()
    gen = pipe(prompt, num_views=len(cams), seed=seed, num_inference_steps=steps, guidance_scale=guidance,
               schedule=schedule, control=torch.from_numpy(control).float()[None],
               view_azimuths=[[c.azimuth for c in cams]])  # named by these cameras if the model uses view words
    timings["generate_s"] = round(time.perf_counter() - t, 3)
    views = ((gen.views[0].clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 1).numpy()  # (N, R, R, 3)
    # keep the object's pixels only: background colours must not reach the texture
    tex, measures = texture_from_views(uvm, views, cams, opts, timings)
    rerender, rmask = render_textured(uvm, tex, cams)
    measures["view_psnr"] = psnr(views, rerender, rmask * (maps.mask > 0.99))
    return TextureResult(uvm, tex, views, cams, maps.mask, gen.settings[0], selection, measures, timings)


def run_texture(mesh_path: "str | Path | UVMesh", prompt: str, out: str | Path, pipe, opts: TextureOptions, seed: int = 0,
                schedule="shifted", steps: int = 30, guidance: float = 3.0) -> dict:
    """The whole `realiz3d texture` job. Writes into a temporary folder and moves the
    results into place only when everything succeeded."""
    from PIL import Image

    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError("prompt: expected a non-empty caption")
    out = Path(out)
    if opts.format not in ("glb", "obj"):
        raise InputError(f"--format {opts.format!r}: expected glb or obj")
    out_dir = out.parent if out.suffix else out
    stem = out.stem if out.suffix else "textured"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_dir, delete=True)
        probe.close()
    except OSError as e:
        raise InputError(f"{out}: cannot write there ({e.strerror or e})") from None
    if pipe.model.config.control != "texturing":
        raise InputError(f"the checkpoint {pipe.checkpoint} takes {pipe.model.config.control!r} control, not normal + position maps (texturing)")
    t = time.perf_counter()
    uvm = mesh_path if isinstance(mesh_path, UVMesh) else prepare_mesh(mesh_path)
    load_s = round(time.perf_counter() - t, 3)
    r = texture_mesh(uvm, prompt, pipe, opts, seed, schedule, steps, guidance)
    timings = {"load_unwrap_s": load_s, **r.timings}
    t = time.perf_counter()
    setup, res = pipe.camera_setup, pipe.resolution
    preview_cams = [orbit_camera(az, el, setup.distance, max(res, 128), setup.fov_deg) for az, el in ((45, 30), (135, 10), (225, 30), (315, -10))]
    previews, _ = render_textured(uvm, r.texture, preview_cams)
    timings["preview_s"] = round(time.perf_counter() - t, 3)

    tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=".texture-"))
    try:
        Image.fromarray((r.texture * 255).round().astype(np.uint8)).save(tmp / f"{stem}_texture.png")
        if opts.format == "glb":
            textured_scene(uvm, r.texture).export(tmp / f"{stem}.glb")
        else:  # one OBJ mesh (parts merged)
            _export_obj(textured_mesh(uvm, r.texture), tmp, stem)
        from .grid import tile

        Image.fromarray((tile(r.views, channels_last=True) * 255).round().astype(np.uint8)).save(tmp / f"{stem}_views.png")
        Image.fromarray((tile(previews, channels_last=True) * 255).round().astype(np.uint8)).save(tmp / f"{stem}_previews.png")
        report = {"mesh": str(getattr(mesh_path, "source", mesh_path)), "prompt": prompt, "seed": seed, "steps": steps, "guidance": guidance,
                  "schedule": r.settings["schedule"], "checkpoint": pipe.checkpoint, "views": len(r.cameras),
                  "view_selection": r.selection, "texture_size": opts.size_for(res), "unwrapped_with_xatlas": uvm.unwrapped,
                  "faces": int(len(uvm.mesh.faces)), "parts": len(uvm.parts) if uvm.parts else 1, **r.measures, "timings_s": timings}
        (tmp / f"{stem}_texture.json").write_text(json.dumps(report, indent=2))
        written = []
        for f in sorted(tmp.iterdir()):
            dest = out_dir / f.name
            f.replace(dest)
            written.append(str(dest))
        report["written"] = written
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _export_obj(mesh: trimesh.Trimesh, folder: Path, stem: str) -> None:
    from trimesh.exchange.obj import export_obj

    text, files = export_obj(mesh, include_texture=True, return_texture=True, mtl_name=f"{stem}.mtl")
    (folder / f"{stem}.obj").write_text(text)
    for name, data in files.items():
        (folder / name).write_bytes(data)
