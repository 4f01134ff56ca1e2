"""Dataset formats (docs/datasets.md) and their PyTorch datasets.

Synthetic multiview set (what `realiz3d world` and `realiz3d render` write)::

    DIR/metadata.jsonl          one JSON object per asset:
                                {"id", "caption", "num_views", "resolution", ...}
    DIR/<id>/rgb.png            the N views tiled as a grid (realiz3d.grid), 8-bit RGB
    DIR/<id>/normal.png         normals (n + 1) / 2, grid; off-object pixels encode n = 0
    DIR/<id>/position.png       normalised object coordinates in [0, 1], grid; 0 off-object
    DIR/<id>/mask.png           coverage, grid, 8-bit
    DIR/<id>/depth.png          depth along the camera axis, 16-bit, units of 1/10000
    DIR/<id>/cameras.json       list of cameras (realiz3d.camera.Camera.to_dict)

Real image set (the Hugging Face image-folder convention)::

    DIR/metadata.jsonl          {"file_name": "images/0001.png", "text": "a caption"} per line
    DIR/images/...              any image PIL reads; converted to RGB, resized to the set's resolution

Both load into memory (uint8) in one pass; bad items are skipped and listed.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .camera import Camera, CameraSetup, plucker
from .grid import tile, untile
from .errors import Realiz3DError, InputError

CAMERA_SETUP_FILE = "camera_setup.json"
MAX_CAPTION_CHARS = 1000
MAX_IMAGE_PIXELS = 50_000_000


class DataError(Realiz3DError, ValueError):
    """A dataset or item that cannot be used; the message names it and the problem."""


# -- writing --------------------------------------------------------------------------
def _save_png(arr: np.ndarray, path: Path, mode: str | None = None) -> None:
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    Image.fromarray(arr, mode=mode).save(tmp)
    tmp.replace(path)


def to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 255), 0, 255).astype(np.uint8)


def write_synthetic_item(root: Path, item_id: str, rgb: np.ndarray, maps, meta: dict) -> dict:
    """rgb: (N, R, R, 3) in [0, 1]; maps: realiz3d.render.ViewMaps. Returns the metadata line."""
    d = root / item_id
    d.mkdir(parents=True, exist_ok=True)
    _save_png(to_uint8(tile(rgb, channels_last=True)), d / "rgb.png")
    _save_png(to_uint8(tile((maps.normal + 1) / 2, channels_last=True)), d / "normal.png")
    _save_png(to_uint8(tile(maps.position, channels_last=True)), d / "position.png")
    _save_png(to_uint8(tile(maps.mask[..., None], channels_last=True))[..., 0], d / "mask.png")
    depth = np.clip(np.round(maps.depth * 10000), 0, 65535).astype(np.uint16)
    _save_png(tile(depth[..., None], channels_last=True)[..., 0], d / "depth.png")
    tmp = d / "cameras.json.tmp"
    tmp.write_text(json.dumps([c.to_dict() for c in maps.cameras]))
    tmp.replace(d / "cameras.json")
    return {"id": item_id, "num_views": int(rgb.shape[0]), "resolution": int(rgb.shape[1]), **meta}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    tmp.replace(path)


def read_jsonl(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no metadata.jsonl (expected one JSON object per line)")
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{i}: not valid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}:{i}: expected a JSON object")
        rows.append(row)
    return rows


def metadata_rows(root: Path, limit: int | None, progress: bool, kinds: list[str] | None = None):
    """(location "metadata.jsonl:N", row) for each line of root/metadata.jsonl; `kinds`: only
    the rows whose "kind" is one of these (before `limit`)."""
    from .progress import track

    where = root / "metadata.jsonl"
    rows = [(f"{where}:{i + 1}", row) for i, row in enumerate(read_jsonl(where))]
    if kinds is not None:
        found = sorted({str(r.get("kind")) for _, r in rows})
        rows = [(w, r) for w, r in rows if r.get("kind") in kinds]
        if not rows:
            raise DataError(f"{where}: no item of kinds {list(kinds)} (kinds there: {', '.join(found)})")
    if limit:
        rows = rows[:limit]
    return list(track(rows, f"loading {root.name}", show=progress))


def check_caption(caption, where: str) -> str:
    if not isinstance(caption, str):
        raise DataError(f"{where}: caption missing or not a string")
    caption = " ".join(caption.split())
    if not caption:
        raise DataError(f"{where}: empty caption")
    if len(caption) > MAX_CAPTION_CHARS:
        raise DataError(f"{where}: caption of {len(caption)} characters (at most {MAX_CAPTION_CHARS})")
    return caption


# -- reading --------------------------------------------------------------------------
def read_camera_setup(path: str | Path) -> CameraSetup | None:
    """The camera set-up a multiview folder (or a built-in world folder, through its
    synthetic/) was rendered with; None for data written before set-ups were saved."""
    path = Path(path)
    for f in (path / CAMERA_SETUP_FILE, path / "synthetic" / CAMERA_SETUP_FILE):
        if f.is_file():
            try:
                return CameraSetup.from_dict(json.loads(f.read_text()))
            except (json.JSONDecodeError, TypeError, ValueError) as e:
                raise DataError(f"{f}: not a camera set-up ({e})") from None
    return None


def load_image(path: Path, resolution: int | None = None) -> np.ndarray:
    """Any image PIL reads -> (R, R, 3) uint8 RGB (alpha composited on white)."""
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                raise DataError(f"{path}: image of {im.width}x{im.height} pixels is larger than {MAX_IMAGE_PIXELS:,}")
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im, dtype=np.float64)
                im = Image.fromarray(to_uint8(arr / max(arr.max(), 1)))
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            im = im.convert("RGB")
            if resolution is not None and im.size != (resolution, resolution):
                if min(im.size) < 8:
                    raise DataError(f"{path}: image of {im.width}x{im.height} pixels is too small (at least 8x8)")
                s = min(im.size)  # centre-crop to square, then resize
                left, top = (im.width - s) // 2, (im.height - s) // 2
                im = im.crop((left, top, left + s, top + s)).resize((resolution, resolution), Image.BICUBIC)
            return np.array(im, dtype=np.uint8)
    except DataError:
        raise
    except Exception as e:
        raise DataError(f"{path}: not a readable image ({type(e).__name__})") from None


def texturing_maps(normal: torch.Tensor, position: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """uint8-valued normal, position (..., 3, R, R) and mask (..., 1, R, R) -> the texturing
    control (..., 6, R, R): normals in [-1, 1] and positions in [0, 1], zero off the object."""
    m = (mask.float() / 255 > 0.5).float()
    return torch.cat([(normal.float() / 127.5 - 1) * m, position.float() / 255 * m], dim=-3)


@dataclass
class SyntheticSet(torch.utils.data.Dataset):
    """A synthetic multiview set in memory (a map-style PyTorch dataset). Tensors are
    uint8, (A, N, C, R, R); items are dicts of float tensors."""

    root: Path
    ids: list[str]
    captions: list[str]
    rgb: torch.Tensor
    normal: torch.Tensor
    position: torch.Tensor
    mask: torch.Tensor
    cameras: list[list[Camera]]
    meta: list[dict]
    skipped: list[str] = field(default_factory=list)
    camera_setup: CameraSetup | None = None  # from the folder's camera_setup.json

    def __len__(self):
        return len(self.ids)

    @property
    def num_views(self) -> int:
        return self.rgb.shape[1]

    @property
    def resolution(self) -> int:
        return self.rgb.shape[-1]

    def images(self, idx) -> torch.Tensor:
        """(B, N, 3, R, R) in [-1, 1]."""
        return self.rgb[idx].float() / 127.5 - 1

    def __getitem__(self, i: int) -> dict:
        idx = torch.tensor([i])
        return {"views": self.images(idx)[0], "texturing": self.control(idx, "texturing")[0],
                "camera": self.control(idx, "camera")[0], "mask": self.mask[i].float() / 255, "caption": self.captions[i]}

    def control(self, idx, kind: str) -> torch.Tensor:
        """(B, N, 6, R, R) control maps of a kind: 'texturing' = normal + position (0 off-object),
        'camera' = Plücker rays."""
        if kind == "texturing":
            return texturing_maps(self.normal[idx], self.position[idx], self.mask[idx])
        if kind == "camera":
            return self._plucker[idx]
        raise InputError(f"control kind {kind!r}: expected 'texturing' or 'camera'")

    def view_azimuths(self, i: int) -> list[float] | None:
        """Item i's camera azimuths relative to its object's front (metadata "front_azimuth"),
        or None when the item does not say where its front is (for data.view_words)."""
        rel = [_relative_azimuth(c.azimuth, self.meta[i].get("front_azimuth")) for c in self.cameras[i]]
        return None if any(r is None for r in rel) else rel

    def __post_init__(self):
        self._plucker = torch.from_numpy(np.stack([np.stack([plucker(c) for c in cams]) for cams in self.cameras])) \
            if self.cameras else torch.zeros(0)


def load_synthetic(root: str | Path, resolution: int | None = None, limit: int | None = None,
                   progress: bool = False, kinds: list[str] | None = None) -> SyntheticSet:
    """kinds: keep only the items whose metadata "kind" is one of these."""
    root = Path(root)
    keep, skipped = [], []
    arrays = {k: [] for k in ("rgb", "normal", "position", "mask")}
    cams_all = []
    num_views = None
    for where, row in metadata_rows(root, limit, progress, kinds):
        try:
            item_id = row.get("id")
            if not isinstance(item_id, str) or not item_id:
                raise DataError(f"{where}: missing 'id'")
            cap = check_caption(row.get("caption"), where)
            n = int(row.get("num_views", 0))
            if num_views is None:
                num_views = n
            if n != num_views:
                raise DataError(f"{where}: {n} views, the set has {num_views}")
            d = root / item_id
            rgb = load_image(d / "rgb.png")
            views = {k: untile(load_image(d / f"{k}.png"), n, channels_last=True) for k in ("normal", "position", "mask")}
            views["rgb"] = untile(rgb, n, channels_last=True)
            cams = [Camera.from_dict(c) for c in json.loads((d / "cameras.json").read_text())]
            if len(cams) != n:
                raise DataError(f"{d / 'cameras.json'}: {len(cams)} cameras for {n} views")
            r = views["rgb"].shape[1]
            if resolution is not None and r != resolution:
                raise DataError(f"{d}: views of {r}x{r} pixels, expected {resolution}")
            for k in arrays:
                arr = views[k] if k != "mask" else views[k][..., :1]
                arrays[k].append(torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2))
            cams_all.append(cams)
            keep.append((item_id, cap, row))
        except (DataError, OSError, ValueError, KeyError) as e:
            skipped.append(str(e) if isinstance(e, DataError) else f"{where}: {type(e).__name__}: {e}")
    if skipped:
        warnings.warn(f"{root}: skipped {len(skipped)} bad item(s); first: {skipped[0]}")
    if not keep:
        raise DataError(f"{root}: no usable items" + (f" (first problem: {skipped[0]})" if skipped else ""))
    return SyntheticSet(
        root, [k[0] for k in keep], [k[1] for k in keep],
        *(torch.stack(arrays[k]) for k in ("rgb", "normal", "position", "mask")),
        cams_all, [k[2] for k in keep], skipped, read_camera_setup(root),
    )


@dataclass
class RealSet(torch.utils.data.Dataset):
    """A real image set in memory (a map-style PyTorch dataset)."""

    root: Path
    files: list[str]
    captions: list[str]
    rgb: torch.Tensor  # (M, 3, R, R) uint8
    skipped: list[str] = field(default_factory=list)
    # each image's camera azimuth relative to its object's front (metadata "azimuth" minus
    # "front_azimuth", as the built-in world writes them), None where unknown: for data.view_words
    view_azimuths: list[float | None] = field(default_factory=list)

    def __len__(self):
        return len(self.files)

    @property
    def resolution(self) -> int:
        return self.rgb.shape[-1]

    def images(self, idx) -> torch.Tensor:
        """(B, 1, 3, R, R) in [-1, 1]: one view per sample."""
        return (self.rgb[idx].float() / 127.5 - 1).unsqueeze(1)

    def __getitem__(self, i: int) -> dict:
        return {"image": self.rgb[i].float() / 127.5 - 1, "caption": self.captions[i]}


def load_real(root: str | Path, resolution: int, limit: int | None = None, progress: bool = False) -> RealSet:
    root = Path(root)
    files, caps, imgs, skipped, rel = [], [], [], [], []
    for where, row in metadata_rows(root, limit, progress):
        try:
            fn = row.get("file_name")
            if not isinstance(fn, str) or not fn:
                raise DataError(f"{where}: missing 'file_name'")
            cap = check_caption(row.get("text", row.get("caption")), where)
            img = load_image(root / fn, resolution)
            imgs.append(torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1))
            files.append(fn)
            caps.append(cap)
            rel.append(_relative_azimuth(row.get("azimuth"), row.get("front_azimuth")))
        except DataError as e:
            skipped.append(str(e))
    if skipped:
        warnings.warn(f"{root}: skipped {len(skipped)} bad item(s); first: {skipped[0]}")
    if not imgs:
        raise DataError(f"{root}: no usable images" + (f" (first problem: {skipped[0]})" if skipped else ""))
    return RealSet(root, files, caps, torch.stack(imgs), skipped, rel)


def _relative_azimuth(azimuth, front) -> float | None:
    """A camera's azimuth relative to the object's front, or None if either is unknown."""
    if isinstance(azimuth, (int, float)) and isinstance(front, (int, float)):
        return float(azimuth) - float(front)
    return None
