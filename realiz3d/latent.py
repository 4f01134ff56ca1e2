"""Latent backbones from a local diffusers pipeline folder: PixArt-alpha/Sigma and SD3/SD3.5.

A folder written by `DiffusionPipeline.save_pretrained` (or downloaded from the Hub by the
user) holds `transformer/`, `vae/`, `scheduler/`, the text encoder(s) and tokenizer(s).
`LatentStack.from_folder` loads everything but the transformer (that one goes through
`Realiz3DTransformer`) with diffusers' own pipeline class, so captions are encoded exactly as
the pipeline encodes them (`encode_prompt`: T5 for PixArt; CLIP-L + CLIP-G + T5 for SD3), and:

- images go through the VAE: z = (x_raw - shift_factor) * scaling_factor;
- control maps are area-pooled to the latent grid (`models.control.control_to_resolution`,
  the documented alternative to encoding them with the VAE);
- the training objective and sampler follow the pipeline's scheduler: flow matching with the
  scheduler's shift for SD3, epsilon (or v) prediction with DPM-Solver++ for PixArt.

Nothing is downloaded: every load passes `local_files_only=True`.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .models.families import FAMILIES, TextCondition
from .errors import Realiz3DError, InputError
from .runtime import default_device

# diffusers pipeline class per transformer family, and the default caption length of each
# the pipelines each backbone family comes in, and its caption length (models/families.py)
PIPELINES = {f.name: f.pipelines for f in FAMILIES.values() if f.pipelines}
DEFAULT_MAX_LENGTH = {f.name: f.text_max_length for f in FAMILIES.values() if f.text_max_length}


class LatentError(Realiz3DError, ValueError):
    """A pipeline folder or cache that cannot be used; the message names it."""


def is_pipeline_folder(path: str | Path) -> bool:
    return (Path(path) / "model_index.json").is_file()


class LatentStack:
    """The parts of a latent pipeline around the transformer: VAE, text encoder(s), scheduler."""

    def __init__(self, path: Path, pipe, family: str, max_length: int | None = None):
        self.path = Path(path)
        self.pipe = pipe
        self.family = family
        self.vae = pipe.vae
        self.max_length = int(max_length or DEFAULT_MAX_LENGTH[family])
        cfg = self.vae.config
        self.scaling = float(cfg.scaling_factor)
        self.shift = float(cfg.shift_factor) if getattr(cfg, "shift_factor", None) is not None else 0.0
        self.factor = 2 ** (len(cfg.block_out_channels) - 1)
        self.latent_channels = int(cfg.latent_channels)

    @classmethod
    def from_folder(cls, path: str | Path, device=None, dtype: torch.dtype = torch.float32,
                    max_length: int | None = None) -> "LatentStack":
        import diffusers

        path = Path(path)
        index = path / "model_index.json"
        if not index.is_file():
            raise LatentError(f"{path}: not a diffusers pipeline folder (no model_index.json)")
        cls_name = json.loads(index.read_text()).get("_class_name")
        family = next((f for f, names in PIPELINES.items() if cls_name in names), None)
        if family is None:
            known = sorted(n for names in PIPELINES.values() for n in names)
            raise LatentError(f"{path}: pipeline {cls_name!r} is not supported (expected one of {known})")
        try:
            pipe = getattr(diffusers, cls_name).from_pretrained(str(path), transformer=None, torch_dtype=dtype,
                                                                 local_files_only=True)
        except (OSError, ValueError, RuntimeError, TypeError) as e:
            raise LatentError(f"{path}: cannot load the pipeline ({str(e).strip().splitlines()[0][:160]})") from None
        device = default_device(device)
        pipe.to(device)
        for m in pipe.components.values():
            if isinstance(m, torch.nn.Module):
                m.requires_grad_(False).eval()
        return cls(path, pipe, family, max_length)

    @property
    def device(self) -> torch.device:
        return self.vae.device

    # -- the objective the pipeline's scheduler implies ------------------------------------
    def objective(self):
        return objective_for_scheduler(type(self.pipe.scheduler).__name__, dict(self.pipe.scheduler.config))

    # -- images <-> latents --------------------------------------------------------------------
    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixels (..., 3, H, W) in [-1, 1] -> the VAE posterior in model space: (mean, std),
        each (..., C, H/f, W/f). A latent is mean + std * eps."""
        lead, (c, h, w) = x.shape[:-3], x.shape[-3:]
        if h % self.factor or w % self.factor:
            raise LatentError(f"images of {h}x{w} pixels: expected a multiple of the VAE's factor {self.factor}")
        flat = x.reshape(-1, c, h, w)
        means, stds = [], []
        for chunk in flat.split(batch):
            dist = self.vae.encode(chunk.to(self.device, self.vae.dtype)).latent_dist
            means.append((dist.mean.float() - self.shift) * self.scaling)
            stds.append(dist.std.float() * self.scaling)
        mean, std = torch.cat(means), torch.cat(stds)
        return mean.reshape(*lead, *mean.shape[1:]), std.reshape(*lead, *std.shape[1:])

    @torch.no_grad()
    def decode(self, z: torch.Tensor, batch: int = 8) -> torch.Tensor:
        """Model-space latents (..., C, h, w) -> pixels (..., 3, h*f, w*f) in [-1, 1]."""
        lead = z.shape[:-3]
        flat = z.reshape(-1, *z.shape[-3:])
        out = [self.vae.decode((c.to(self.device, self.vae.dtype) / self.scaling) + self.shift).sample.float()
               for c in flat.split(batch)]
        x = torch.cat(out)
        return x.reshape(*lead, *x.shape[1:])

    # -- captions -----------------------------------------------------------------------------
    @torch.no_grad()
    def encode_text(self, captions: list[str], device=None) -> TextCondition:
        """Captions through the pipeline's own encode_prompt."""
        dev = self.device
        if self.family == "pixart":
            emb, mask, _, _ = self.pipe.encode_prompt(list(captions), do_classifier_free_guidance=False, device=dev,
                                                      clean_caption=False, max_sequence_length=self.max_length)
            cond = TextCondition(hidden_states=emb.float(), mask=mask)
        else:
            emb, _, pooled, _ = self.pipe.encode_prompt(list(captions), None, None, do_classifier_free_guidance=False,
                                                        device=dev, max_sequence_length=self.max_length)
            cond = TextCondition(hidden_states=emb.float(), pooled=pooled.float())
        return cond.to(device)


class PipelineTextEncoder:
    """The `encode(captions, device) -> TextCondition` interface of training and sampling, for
    a latent pipeline. With a text cache (realiz3d.cache) captions are looked up, not encoded;
    `memo` keeps encodings in memory (sampling: a handful of prompts)."""

    def __init__(self, stack: LatentStack | None, cache=None, memo: bool = False):
        if stack is None and cache is None:
            raise InputError("a text encoder needs a pipeline or a text cache")
        self.stack = stack
        self.cache = cache
        self.memo = {} if memo else None
        self.calls = 0  # encoder forward passes (tests and benchmarks read this)

    def encode(self, captions: list[str], device=None) -> TextCondition:
        if self.cache is not None and (self.stack is None or all(c in self.cache for c in captions)):
            return self.cache.lookup(captions, device)
        if self.memo is None:
            self.calls += 1
            return self.stack.encode_text(captions, device)
        todo = sorted({c for c in captions if c not in self.memo})
        if todo:
            self.calls += 1
            enc = self.stack.encode_text(todo, "cpu")
            for i, c in enumerate(todo):
                self.memo[c] = enc.select(torch.tensor([i]))
        return TextCondition.cat([self.memo[c] for c in captions]).to(device)


def vae_geometry(path: str | Path) -> tuple[int, int]:
    """(downsampling factor, latent channels) of a pipeline folder's VAE, from its config."""
    cfg_file = Path(path) / "vae" / "config.json"
    if not cfg_file.is_file():
        raise LatentError(f"{path}: no VAE in this pipeline folder (missing vae/config.json)")
    cfg = json.loads(cfg_file.read_text())
    return 2 ** (len(cfg["block_out_channels"]) - 1), int(cfg["latent_channels"])


def objective_for_scheduler(class_name: str, sc: dict):
    """The training objective a pipeline's scheduler implies: flow matching (with the
    scheduler's shift) for FlowMatch* schedulers, else epsilon / v prediction on its betas."""
    from .objectives import EpsilonDiffusion, FlowMatching

    if "FlowMatch" in class_name:
        return FlowMatching(num_train_timesteps=int(sc.get("num_train_timesteps", 1000)), shift=float(sc.get("shift", 1.0)))
    keep = ("num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "clip_sample")
    cfg = {k: sc[k] for k in keep if k in sc and sc[k] is not None}
    return EpsilonDiffusion(cfg, prediction_type=sc.get("prediction_type", "epsilon"))


def objective_from_folder(path: str | Path):
    """The objective of a pipeline folder from its scheduler config alone (nothing loaded)."""
    f = Path(path) / "scheduler" / "scheduler_config.json"
    if not f.is_file():
        raise LatentError(f"{path}: no scheduler in this pipeline folder (missing scheduler/scheduler_config.json)")
    sc = json.loads(f.read_text())
    return objective_for_scheduler(sc.get("_class_name", ""), sc)


def pixel_resolution(path: str | Path) -> int:
    """Pixels per view the pipeline's transformer works at: its sample_size x the VAE factor."""
    if not is_pipeline_folder(path):
        raise LatentError(f"{path}: not a diffusers pipeline folder (no model_index.json)")
    f = Path(path) / "transformer" / "config.json"
    if not f.is_file():
        raise LatentError(f"{path}: no transformer in this pipeline folder (missing transformer/config.json)")
    return int(json.loads(f.read_text())["sample_size"]) * vae_geometry(path)[0]
