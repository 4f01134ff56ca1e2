"""Sampling with inference-time domain shifting (Realiz3D, Sec. 4.3).

A DomainSchedule says, for every denoising step and block, which domain the shifters
use. Presets: `real` (all real), `synthetic` (all synthetic) and `shifted` (blocks [0, L)
in synthetic mode during the first fraction s of the steps, everything else real).

`sample` is one plain function: diffusers scheduler, classifier-free guidance with the
conditional and unconditional passes batched together, per-sample seeds (a sample does
not depend on batch size or position), and a per-step callback.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import torch

from .models.domain_shifter import REAL, SYNTHETIC
from .models.families import TextCondition
from .errors import InputError

# Tuned once on the validation split of the built-in world (never the held-out one) for
# the texturing model: `tune_schedule` (realiz3d tune-schedule) picks the setting with the
# best control score whose realism stays within 95% of the all-real schedule's. Sweep and
# choice: docs/results/tune_texturing.json.
DEFAULT_SHIFT_BLOCKS = 2
DEFAULT_SHIFT_FRACTION = 0.6


@dataclass
class DomainSchedule:
    """Per (step, block) domain. kind: real | synthetic | shifted."""

    kind: str = "real"
    blocks: int = DEFAULT_SHIFT_BLOCKS  # L: blocks [0, L) shifted
    fraction: float = DEFAULT_SHIFT_FRACTION  # s: the first s of the steps

    def __post_init__(self):
        if self.kind not in ("real", "synthetic", "shifted"):
            raise InputError(f"schedule {self.kind!r}: expected real, synthetic or shifted")
        if self.blocks < 0:
            raise InputError(f"schedule blocks L={self.blocks}: expected >= 0")
        if not 0.0 <= self.fraction <= 1.0:
            raise InputError(f"schedule fraction s={self.fraction}: expected a number in [0, 1]")

    def shifted_steps(self, num_steps: int) -> int:
        return int(math.ceil(self.fraction * num_steps - 1e-9)) if self.kind == "shifted" else 0

    def ids(self, step: int, num_steps: int, num_blocks: int) -> list[int]:
        """Domain of each block at denoising step `step` (0 = the noisiest)."""
        if self.kind == "real":
            return [REAL] * num_blocks
        if self.kind == "synthetic":
            return [SYNTHETIC] * num_blocks
        if step < self.shifted_steps(num_steps):
            k = min(self.blocks, num_blocks)
            return [SYNTHETIC] * k + [REAL] * (num_blocks - k)
        return [REAL] * num_blocks

    def canonical(self, num_steps: int, num_blocks: int) -> "DomainSchedule":
        """The plain schedule this one equals for a model of `num_blocks` sampled in
        `num_steps`: shifted with L = 0 or no shifted step is real mode; every block for every
        step is synthetic mode. Lets a sweep score each distinct schedule once."""
        if self.kind != "shifted":
            return DomainSchedule(self.kind)
        k, n = min(self.blocks, num_blocks), self.shifted_steps(num_steps)
        if k == 0 or n == 0:
            return DomainSchedule("real")
        if k == num_blocks and n >= num_steps:
            return DomainSchedule("synthetic")
        return DomainSchedule("shifted", k, self.fraction)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "blocks": self.blocks, "fraction": self.fraction}


def initial_noise(seeds: list[int], shape: tuple, device=None, dtype=torch.float32) -> torch.Tensor:
    """One generator per sample: sample i depends only on seeds[i]."""
    return torch.stack([torch.randn(shape, generator=torch.Generator().manual_seed(int(s))) for s in seeds]).to(device, dtype)


@torch.no_grad()
def sample(
    model,
    scheduler,
    cond: TextCondition,
    uncond: TextCondition | None,
    shape: tuple[int, int, int, int],
    seeds: list[int],
    num_steps: int = 30,
    guidance: float = 3.0,
    control: torch.Tensor | None = None,
    schedule: DomainSchedule | None = None,
    multiview: bool | None = None,
    callback: Callable[[int, torch.Tensor, torch.Tensor], torch.Tensor | None] | None = None,
    latents: torch.Tensor | None = None,
    control_guidance: float = 0.0,
) -> torch.Tensor:
    """Generate B samples of shape (N, C, H, W) each; returns (B, N, C, H, W) in model space.

    cond/uncond: text for the B samples (uncond: the negative prompt or empty caption);
    guidance 1.0 runs the conditional pass alone. latents: the initial noise (B, N, C, H, W)
    instead of drawing it from `seeds`; callback(step, timestep, x) after each step may return
    new latents. control_guidance g_c > 0 (with control): guidance on the control too, one more
    pass with the caption and null control: pred += g_c * (pred(text, control) - pred(text, null
    control)); meaningful for models trained with control dropout (train.control_dropout)."""
    schedule = schedule or DomainSchedule("real")
    if not model.has_domain and schedule.kind != "real":
        warnings.warn("this model has no domain mechanism; the domain schedule is ignored")
    device = model.device
    x = initial_noise(seeds, shape, device) if latents is None else latents.to(device, torch.float32)
    x = x * getattr(scheduler, "init_noise_sigma", 1.0)
    scheduler.set_timesteps(num_steps, device=device)
    use_cfg = guidance != 1.0
    if use_cfg and uncond is None:
        raise InputError("guidance != 1 needs an unconditional (negative) text condition")
    use_cg = control_guidance != 0.0 and control is not None
    texts = ([uncond] if use_cfg else []) + [cond] + ([cond] if use_cg else [])
    both = TextCondition.cat(texts) if len(texts) > 1 else cond
    if control is not None:
        ctrl = torch.cat([control] * (len(texts) - use_cg) + ([torch.zeros_like(control)] if use_cg else []))
    else:
        ctrl = None
    for i, t in enumerate(scheduler.timesteps):
        ids = schedule.ids(i, len(scheduler.timesteps), model.num_blocks)
        xin = torch.cat([x] * len(texts)) if len(texts) > 1 else x
        xin = scheduler.scale_model_input(xin, t) if hasattr(scheduler, "scale_model_input") else xin
        tt = t.expand(xin.shape[0]).to(device)
        out = model(xin, tt, both, control=ctrl, domain=ids, multiview=multiview).chunk(len(texts))
        pc = out[1] if use_cfg else out[0]
        pred = out[0] + guidance * (pc - out[0]) if use_cfg else pc
        if use_cg:
            pred = pred + control_guidance * (pc - out[-1])
        x = _step(scheduler, pred, t, x)
        if callback is not None:
            new = callback(i, t, x)
            x = x if new is None else new
    return x


def _step(scheduler, pred, t, x):
    # diffusers schedulers take (B, C, H, W); fold the views into the batch
    b, n = x.shape[:2]
    out = scheduler.step(pred.reshape(b * n, *pred.shape[2:]), t, x.reshape(b * n, *x.shape[2:]), return_dict=False)[0]
    return out.reshape(x.shape)
