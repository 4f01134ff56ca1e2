"""Precomputed VAE latents and text embeddings for latent backbones (`realiz3d cache`).

Training a latent backbone otherwise runs the VAE encoder on every image and the text
encoder (T5-XXL for PixArt-Sigma and SD3) on every caption at every step. The cache holds,
per dataset, the VAE posterior of each item (mean and std in model space, so training still
draws a fresh latent every step, exactly as the uncached path does) and, per distinct
caption, the pipeline's text embedding. Layout::

    CACHE/manifest.json                 pipeline, VAE scaling, resolution, max length, sets
    CACHE/latents-synthetic.safetensors mean, std: (assets, views, C, h, w), float16
    CACHE/latents-real.safetensors      mean, std: (images, 1, C, h, w), float16
    CACHE/text.safetensors              per caption: hidden states (PixArt: only the
                                        unmasked tokens; padding is restored on lookup),
                                        mask, pooled; the caption list in the metadata

safetensors files are memory-mapped, so a large cache is read item by item, not loaded.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from .latent import LatentError, LatentStack, TextCondition

FORMAT = 1
EXTRA_CAPTIONS = ("",)  # the empty caption: caption dropout and the unconditional branch


def _sets_fingerprint(ds) -> dict:
    ids = getattr(ds, "ids", None) or getattr(ds, "files", None) or [str(i) for i in range(len(ds))]
    return {"count": len(ds), "resolution": int(ds.resolution),
            "ids_sha1": hashlib.sha1("\n".join(ids).encode()).hexdigest()[:16]}


def _stack_fingerprint(stack: LatentStack) -> dict:
    return {"pipeline": str(stack.path.resolve()), "scaling": stack.scaling, "shift": stack.shift,
            "latent_channels": stack.latent_channels, "factor": stack.factor, "max_length": stack.max_length}


def _write_atomic(tensors: dict, path: Path, metadata: dict | None = None) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata=metadata)
    tmp.replace(path)


def write_cache(out: str | Path, stack: LatentStack, sets: dict, batch: int = 16, progress: bool = True) -> dict:
    """sets: {"synthetic": SyntheticSet, "real": RealSet} (either may be missing)."""
    from .progress import track

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, **_stack_fingerprint(stack), "sets": {}}
    captions: set[str] = set(EXTRA_CAPTIONS)
    for name, ds in sets.items():
        if ds is None:
            continue
        means, stds = [], []
        for i in track(range(0, len(ds), batch), f"cache {name} latents", total=-(-len(ds) // batch), show=progress):
            idx = torch.arange(i, min(i + batch, len(ds)))
            m, s = stack.encode(ds.images(idx))
            means.append(m.half().cpu())
            stds.append(s.half().cpu())
        _write_atomic({"mean": torch.cat(means), "std": torch.cat(stds)}, out / f"latents-{name}.safetensors")
        manifest["sets"][name] = _sets_fingerprint(ds)
        captions.update(ds.captions)
    write_text_cache(out / "text.safetensors", stack, sorted(captions), batch=batch, progress=progress)
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2))
    tmp.replace(out / "manifest.json")
    return manifest


def write_text_cache(path: Path, stack: LatentStack, captions: list[str], batch: int = 16, progress: bool = True) -> None:
    from .progress import track

    tensors = {}
    for i in track(range(0, len(captions), batch), "cache text", total=-(-len(captions) // batch), show=progress):
        chunk = captions[i : i + batch]
        cond = stack.encode_text(chunk, "cpu")
        for j in range(len(chunk)):
            h = cond.hidden_states[j]
            if cond.mask is not None:
                keep = int(cond.mask[j].sum())  # PixArt masks the padding: store only real tokens
                tensors[f"h{i + j}"] = h[:keep].half()
                tensors[f"m{i + j}"] = cond.mask[j][:keep].to(torch.int8)
            else:
                tensors[f"h{i + j}"] = h.half()
            if cond.pooled is not None:
                tensors[f"p{i + j}"] = cond.pooled[j].half()
    meta = {"captions": json.dumps(captions), "max_length": str(stack.max_length), "family": stack.family}
    _write_atomic(tensors, path, meta)


class TextCache:
    def __init__(self, path: str | Path):
        from safetensors import safe_open

        self.path = Path(path)
        if not self.path.is_file():
            raise LatentError(f"{self.path}: no text cache here (run `realiz3d cache`)")
        self._f = safe_open(str(self.path), framework="pt")
        meta = self._f.metadata()
        self.index = {c: i for i, c in enumerate(json.loads(meta["captions"]))}
        self.max_length = int(meta["max_length"])
        self.family = meta["family"]
        self._keys = set(self._f.keys())

    def __contains__(self, caption: str) -> bool:
        return caption in self.index

    def lookup(self, captions: list[str], device=None) -> TextCondition:
        missing = [c for c in captions if c not in self.index]
        if missing:
            raise LatentError(f"caption {missing[0]!r} is not in the text cache {self.path}; rebuild it with `realiz3d cache`")
        ids = [self.index[c] for c in captions]
        hs = [self._f.get_tensor(f"h{i}").float() for i in ids]
        if f"m{ids[0]}" in self._keys:  # masked (PixArt): pad back to the longest caption of the batch
            length = max(h.shape[0] for h in hs)
            h = torch.zeros(len(ids), length, hs[0].shape[-1])
            mask = torch.zeros(len(ids), length, dtype=torch.long)
            for j, x in enumerate(hs):
                h[j, : x.shape[0]] = x
                mask[j, : x.shape[0]] = 1
        else:
            h, mask = torch.stack(hs), None
        pooled = torch.stack([self._f.get_tensor(f"p{i}").float() for i in ids]) if f"p{ids[0]}" in self._keys else None
        return TextCondition(hidden_states=h, mask=mask, pooled=pooled).to(device)


class LatentCache:
    """The cached VAE posteriors of one dataset."""

    def __init__(self, path: Path):
        from safetensors import safe_open

        self.path = path
        self._f = safe_open(str(path), framework="pt")
        self._mean = self._f.get_slice("mean")
        self._std = self._f.get_slice("std")
        self.shape = tuple(self._mean.get_shape())

    def __len__(self):
        return self.shape[0]

    def get(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        m = torch.stack([self._mean[i : i + 1][0] for i in idx]).float()
        s = torch.stack([self._std[i : i + 1][0] for i in idx]).float()
        return m, s


def open_cache(path: str | Path, sets: dict, pipeline: str | Path | None = None) -> tuple[dict, TextCache]:
    """Open a cache for training and check it against the datasets (and pipeline) it is used with."""
    path = Path(path)
    mf = path / "manifest.json"
    if not mf.is_file():
        raise LatentError(f"data.cache={path}: no cache here (missing manifest.json); build it with `realiz3d cache`")
    manifest = json.loads(mf.read_text())
    if pipeline is not None and Path(manifest["pipeline"]) != Path(pipeline).resolve():
        raise LatentError(f"data.cache={path} was built with the pipeline {manifest['pipeline']}, not {Path(pipeline).resolve()}")
    latents = {}
    for name, ds in sets.items():
        if ds is None:
            continue
        want = _sets_fingerprint(ds)
        have = manifest["sets"].get(name)
        if have != want:
            raise LatentError(f"data.cache={path}: its {name} set does not match the data "
                              f"(cache {have}, data {want}); rebuild it with `realiz3d cache`")
        latents[name] = LatentCache(path / f"latents-{name}.safetensors")
    return latents, TextCache(path / "text.safetensors")
