"""Sharded datasets: the synthetic and real formats as WebDataset-style tar shards that stream.

`realiz3d shard SET_DIR --out SHARDS` writes::

    SHARDS/index.json           {"kind", "num_views", "resolution", "total", "shards": [{"file", "count"}]}
    SHARDS/shard-000000.tar     per item KEY: KEY.json (caption, cameras, ...) and
                                synthetic: KEY.rgb.png KEY.normal.png KEY.position.png KEY.mask.png (grids)
                                real:      KEY.png

The tar layout is the WebDataset convention (files grouped by key), so `webdataset` and
other tar-shard readers read our shards too. Reading is ours because training needs a
resumable position, which plain tar streaming does not give:

- `ShardStream` is a torch IterableDataset. Each epoch visits the shards in an order drawn
  from (seed, epoch); the shards are dealt to (process rank, DataLoader worker) streams; items
  within a shard are shuffled with the same seed. `skip` items are passed over by counting
  (whole shards are never opened), so a resumed run continues where it stopped.
- Training with `data.synthetic=SHARDS` (or `data.real=SHARDS`) takes items in stream order
  (realiz3d.train.Data); the position is a function of the step, so `--resume` is exact.

A 100k-asset set never has to fit in memory or in one folder: only the shards being read are.
"""
from __future__ import annotations

import io
import json
import tarfile
import zlib
from pathlib import Path

import numpy as np
import torch

from .data import DataError, texturing_maps
from .errors import InputError

INDEX = "index.json"


def is_sharded(path: str | Path | None) -> bool:
    return path is not None and (Path(path) / INDEX).is_file()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def write_shards(src: str | Path, out: str | Path, per_shard: int = 1000, progress: bool = True) -> dict:
    """Write a synthetic multiview set or a real image set (folder formats) as tar shards."""
    from .data import metadata_rows
    from .progress import track

    src, out = Path(src), Path(out)
    if per_shard < 1:
        raise InputError(f"--per-shard {per_shard}: expected >= 1")
    rows = list(metadata_rows(src, None, False))
    if not rows:
        raise DataError(f"{src}: no items")
    kind = "synthetic" if "id" in rows[0][1] else "real"
    out.mkdir(parents=True, exist_ok=True)
    shards, tar, count = [], None, 0
    meta0 = rows[0][1]
    for i, (where, row) in enumerate(track(rows, f"shard {kind}", total=len(rows), show=progress)):
        if i % per_shard == 0:
            if tar is not None:
                tar.close()
                shards.append({"file": name, "count": count})
            name, count = f"shard-{len(shards):06d}.tar", 0
            tar = tarfile.open(out / (name + ".tmp"), "w")
        key = f"{i:09d}"
        if kind == "synthetic":
            d = src / row["id"]
            row = {**row, "cameras": json.loads((d / "cameras.json").read_text())}
            for m in ("rgb", "normal", "position", "mask"):
                _add(tar, f"{key}.{m}.png", (d / f"{m}.png").read_bytes())
        else:
            _add(tar, f"{key}.png", (src / row["file_name"]).read_bytes())
        _add(tar, f"{key}.json", json.dumps(row).encode())
        count += 1
    tar.close()
    shards.append({"file": name, "count": count})
    for s in shards:
        (out / (s["file"] + ".tmp")).replace(out / s["file"])
    index = {"kind": kind, "total": len(rows), "num_views": int(meta0.get("num_views", 1)),
             "resolution": int(meta0.get("resolution", 0)), "shards": shards}
    (out / INDEX).write_text(json.dumps(index, indent=2))
    return index


def read_index(path: str | Path) -> dict:
    f = Path(path) / INDEX
    if not f.is_file():
        raise DataError(f"{path}: not a sharded set (no {INDEX}); write one with `realiz3d shard`")
    return json.loads(f.read_text())


def _decode(kind: str, files: dict, resolution: int | None) -> dict:
    from PIL import Image

    from .camera import Camera, plucker
    from .grid import untile

    meta = json.loads(files["json"])
    cap = meta.get("caption", meta.get("text"))
    if kind == "real":
        img = Image.open(io.BytesIO(files["png"])).convert("RGB")
        if resolution and img.size != (resolution, resolution):
            img = img.resize((resolution, resolution), Image.BICUBIC)
        x = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float() / 127.5 - 1
        return {"image": x, "caption": cap}
    n = int(meta["num_views"])
    arr = {m: untile(np.asarray(Image.open(io.BytesIO(files[f"{m}.png"])).convert("RGB")), n, channels_last=True)
           for m in ("rgb", "normal", "position", "mask")}
    if resolution and arr["rgb"].shape[1] != resolution:
        raise DataError(f"sharded item {meta.get('id')}: views of {arr['rgb'].shape[1]} pixels, expected {resolution}")
    t = {m: torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2) for m, a in arr.items()}
    cams = [Camera.from_dict(c) for c in meta["cameras"]]
    return {"views": t["rgb"].float() / 127.5 - 1, "caption": cap,
            "texturing": texturing_maps(t["normal"], t["position"], t["mask"][:, :1]),
            "camera": torch.from_numpy(np.stack([plucker(c) for c in cams])).float()}


def _read_shard(path: Path) -> list[dict]:
    groups: dict[str, dict] = {}
    with tarfile.open(path, "r") as tar:
        for m in tar:
            if not m.isfile():
                continue
            key, _, ext = m.name.partition(".")
            groups.setdefault(key, {})[ext] = tar.extractfile(m).read()
    return [groups[k] for k in sorted(groups)]


class ShardStream(torch.utils.data.IterableDataset):
    """Items of a sharded set, in a deterministic order per (seed, epoch), dealt to
    rank x worker streams; `skip` items of this rank's stream are passed over first."""

    def __init__(self, root: str | Path, resolution: int | None = None, seed: int = 0, rank: int = 0, world: int = 1,
                 skip: int = 0, epochs: int | None = None):
        self.root = Path(root)
        self.index = read_index(root)
        self.kind = self.index["kind"]
        self.resolution = resolution
        self.seed, self.rank, self.world, self.skip, self.epochs = seed, rank, world, skip, epochs

    def order(self, epoch: int, stream: int, streams: int) -> list[tuple[str, int]]:
        """(shard file, item count) this stream reads in `epoch`."""
        g = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        perm = torch.randperm(len(self.index["shards"]), generator=g).tolist()
        mine = perm[stream::streams]
        return [(self.index["shards"][i]["file"], self.index["shards"][i]["count"]) for i in mine]

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        # The DataLoader takes items round-robin from its workers, starting at worker 0. After
        # `skip` items the next one belongs to stream skip % nw, so worker w plays that role.
        role = (wid + self.skip) % nw
        stream, streams = self.rank * nw + role, self.world * nw
        if streams > len(self.index["shards"]):
            raise DataError(f"{self.root}: {len(self.index['shards'])} shard(s) for {streams} reading streams "
                            "(processes x workers); write more, smaller shards")
        skip = self.skip // nw + (1 if role < self.skip % nw else 0)  # items this stream already gave
        epoch = 0
        while self.epochs is None or epoch < self.epochs:
            for file, count in self.order(epoch, stream, streams):
                if skip >= count:
                    skip -= count  # passed over by count: the shard is not opened
                    continue
                items = _read_shard(self.root / file)
                g = torch.Generator().manual_seed(self.seed * 7_919 + epoch * 31 + zlib.crc32(file.encode()))
                for j in torch.randperm(len(items), generator=g).tolist()[skip:]:
                    yield _decode(self.kind, items[j], self.resolution)
                skip = 0
            epoch += 1


class StreamSource:
    """Sequential items of a sharded set for training: `take(n)` returns the next n items;
    `seek(k)` restarts the stream after k items (resume). Uses DataLoader workers."""

    def __init__(self, root: str | Path, resolution: int, seed: int = 0, workers: int = 0):
        self.root, self.resolution, self.seed, self.workers = Path(root), resolution, seed, workers
        self.index = read_index(root)
        self.position = 0
        self._it = None

    @property
    def num_views(self) -> int:
        return int(self.index["num_views"])

    def __len__(self):
        return int(self.index["total"])

    def seek(self, position: int) -> None:
        self.position = position
        self._it = None

    def take(self, n: int) -> list[dict]:
        if n == 0:
            return []
        if self._it is None:
            ds = ShardStream(self.root, self.resolution, self.seed, skip=self.position)
            workers = min(self.workers, len(self.index["shards"]))
            loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers)
            self._it = iter(loader)
        out = [next(self._it) for _ in range(n)]
        self.position += n
        return out
