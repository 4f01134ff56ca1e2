"""`realiz3d render MESH_DIR --out DIR`: a user's folder of meshes -> the synthetic
multiview format (realiz3d.data), in parallel processes.

RGB views use the mesh's own colours (texture through its UVs, or vertex/face colours;
light grey when it has none) with the synthetic domain's simple shading (one light fixed in
the world, as the built-in world's). The camera set-up goes to DIR/camera_setup.json, so
models trained on the set generate with the same cameras. Captions come
from an optional captions file (JSON {"name": "caption"} or JSONL {"file", "caption"}),
else from the file name ("a red chair" from red_chair.glb). Files that cannot be read are
skipped and listed in DIR/skipped.jsonl.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import trimesh

from .camera import CameraSetup
from .errors import InputError, InputFileError
from .data import CAMERA_SETUP_FILE, write_jsonl, write_synthetic_item
from .progress import track
from .render import MeshError, Renderer, downsample, load_mesh, normalize_mesh

MESH_SUFFIXES = {".obj", ".glb", ".gltf", ".ply", ".stl", ".off"}


@dataclass
class RenderOptions:
    views: int = 4
    resolution: int = 32
    elevation: float = 20.0
    distance: float = 2.6
    fov_deg: float = 30.0  # 0 = orthographic
    supersample: int = 2

    def camera_setup(self) -> CameraSetup:
        return CameraSetup(self.views, self.distance, self.fov_deg, self.elevation, self.elevation)


def read_captions(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: captions file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            return {str(k): str(v) for k, v in data.items()}
    except json.JSONDecodeError:
        pass
    out = {}
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
                out[str(row["file"])] = str(row["caption"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{i}: expected {{\"file\": ..., \"caption\": ...}}") from None
    return out


def surface_colors(mesh: trimesh.Trimesh, faces: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Base colour (S, 3) in [0, 1] at surface points on the given faces of `mesh`."""
    vis = mesh.visual
    default = np.full((len(faces), 3), 0.7)
    try:
        if isinstance(vis, trimesh.visual.TextureVisuals) and vis.uv is not None and len(vis.uv) == len(mesh.vertices):
            img = None
            mat = vis.material
            for attr in ("baseColorTexture", "image"):
                img = getattr(mat, attr, None)
                if img is not None:
                    break
            if img is None:
                return default
            tex = np.asarray(img.convert("RGB"), dtype=np.float32) / 255
            b = trimesh.triangles.points_to_barycentric(mesh.triangles[faces], points)
            uv = (vis.uv[mesh.faces[faces]] * np.nan_to_num(b, nan=1 / 3)[:, :, None]).sum(1)
            h, w = tex.shape[:2]
            x = np.clip((uv[:, 0] % 1.0) * (w - 1), 0, w - 1).astype(int)
            y = np.clip((1 - uv[:, 1] % 1.0) * (h - 1), 0, h - 1).astype(int)
            col = tex[y, x]
            factor = getattr(mat, "baseColorFactor", None)
            if factor is not None:
                col = col * (np.asarray(factor[:3], dtype=np.float32) / (255 if np.max(factor) > 1 else 1))
            return col
        if isinstance(vis, trimesh.visual.ColorVisuals) and vis.kind in ("face", "vertex"):
            if vis.kind == "face":
                return np.asarray(vis.face_colors[faces, :3], dtype=np.float32) / 255
            b = trimesh.triangles.points_to_barycentric(mesh.triangles[faces], points)
            vc = np.asarray(vis.vertex_colors[:, :3], dtype=np.float32) / 255
            return (vc[mesh.faces[faces]] * np.nan_to_num(b, nan=1 / 3)[:, :, None]).sum(1)
    except Exception:  # malformed visuals: fall back to grey rather than fail the asset
        return default
    return default


def render_asset(mesh: trimesh.Trimesh, opts: RenderOptions):
    """Normalised mesh -> (rgb (N, R, R, 3), ViewMaps)."""
    from .world.shading import lambert

    cams = opts.camera_setup().cameras(opts.resolution)
    renderer = Renderer(mesh, smooth=False)  # face ids of `mesh` itself, for its colours
    maps, hits = renderer.render(cams, opts.supersample)
    rgbs = []
    for cam, hh in zip(cams, hits):
        r = cam.resolution * opts.supersample
        col = np.ones((len(hh.hit), 3))
        h = hh.hit
        if h.any():
            col[h] = lambert(surface_colors(mesh, hh.faces[h], hh.points[h]), hh.normals[h])
        rgbs.append(downsample(col.reshape(r, r, 3), opts.supersample))
    return np.stack(rgbs).astype(np.float32), maps


def _caption_from_name(path: Path) -> str:
    words = path.stem.replace("_", " ").replace("-", " ").split()
    return "a " + " ".join(words) if words else "an object"


def _job(args):
    path, out, item_id, caption, opts = args
    try:
        mesh, norm = normalize_mesh(load_mesh(path))
        rgb, maps = render_asset(mesh, opts)
        row = write_synthetic_item(out, item_id, rgb, maps, {"caption": caption, "source": str(path),
                                                            "normalization": {"center": norm.center.tolist(), "scale": norm.scale}})
        return row, None
    except MeshError as e:
        return None, {"file": str(path), "error": str(e)}
    except Exception as e:  # one bad file must not stop the batch
        return None, {"file": str(path), "error": f"{path}: {type(e).__name__}: {e}"}


def render_folder(mesh_dir: str | Path, out: str | Path, opts: RenderOptions, captions: Path | None = None,
                  workers: int = 2, progress: bool = True) -> dict:
    mesh_dir, out = Path(mesh_dir), Path(out)
    if not mesh_dir.is_dir():
        raise InputFileError(f"{mesh_dir}: not a folder of meshes")
    files = sorted(p for p in mesh_dir.rglob("*") if p.suffix.lower() in MESH_SUFFIXES and p.is_file())
    if not files:
        raise InputError(f"{mesh_dir}: no mesh files ({', '.join(sorted(MESH_SUFFIXES))})")
    caps = read_captions(captions)
    setup = opts.camera_setup()  # checks the options before any work
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for i, p in enumerate(files):
        rel = str(p.relative_to(mesh_dir))
        cap = caps.get(rel) or caps.get(p.name) or caps.get(p.stem) or _caption_from_name(p)
        jobs.append((p, out, f"{i:06d}-{p.stem[:40]}", cap, opts))
    if workers > 1:
        with get_context("fork").Pool(workers) as pool:
            it = pool.imap(_job, jobs, chunksize=1)
            results = list(track(it, "render", len(jobs), progress))
    else:
        results = list(track(map(_job, jobs), "render", len(jobs), progress))
    rows = [r for r, _ in results if r is not None]
    skipped = [s for _, s in results if s is not None]
    write_jsonl(out / "metadata.jsonl", rows)
    write_jsonl(out / "skipped.jsonl", skipped)
    (out / CAMERA_SETUP_FILE).write_text(json.dumps(setup.to_dict(), indent=2))
    return {"rendered": len(rows), "skipped": skipped}

