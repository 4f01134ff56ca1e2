"""Diffusion objectives: how a training example is noised and what the model predicts.

- FlowMatching (rectified flow; SD3 and the built-in model): x_s = (1 - s) x0 + s eps,
  target v = eps - x0, model timestep = 1000 s; sampled with diffusers'
  FlowMatchEulerDiscreteScheduler.
- EpsilonDiffusion (PixArt-alpha/Sigma checkpoints): diffusers' DDPMScheduler noising,
  target eps (or v with prediction_type="v_prediction"); sampled with DPM-Solver++.
The loss is a small callable: mean squared error per sample, averaged.
"""
from __future__ import annotations

import torch
from .errors import InputError


class FlowMatching:
    name = "flow"

    def __init__(self, num_train_timesteps: int = 1000, shift: float = 1.0):
        self.T = num_train_timesteps
        self.shift = shift

    def noisy(self, x0: torch.Tensor, noise: torch.Tensor, u: torch.Tensor):
        """u: (B,) uniform in [0, 1) per sample, or (B, N) per view of x0 (B, N, ...) ->
        (x_t, model timestep shaped like u, target)."""
        s = u if self.shift == 1.0 else self.shift * u / (1 + (self.shift - 1) * u)
        sv = s.reshape(*s.shape, *([1] * (x0.ndim - s.ndim)))
        xt = (1 - sv) * x0 + sv * noise
        return xt, s * self.T, noise - x0

    def scheduler(self):
        from diffusers import FlowMatchEulerDiscreteScheduler

        return FlowMatchEulerDiscreteScheduler(num_train_timesteps=self.T, shift=self.shift)


class EpsilonDiffusion:
    name = "epsilon"

    def __init__(self, scheduler_config: dict | None = None, prediction_type: str = "epsilon"):
        from diffusers import DDPMScheduler

        self.train_scheduler = DDPMScheduler(**(scheduler_config or {}))
        self.prediction_type = prediction_type

    def noisy(self, x0, noise, u):
        if u.ndim == 2:  # one level per view: noise the views as a batch of images
            xt, t, target = self.noisy(x0.flatten(0, 1), noise.flatten(0, 1), u.flatten())
            return xt.view_as(x0), t.view_as(u), target.view_as(x0)
        n_t = self.train_scheduler.config.num_train_timesteps
        t = (u * n_t).long().clamp(max=n_t - 1).cpu()
        xt = self.train_scheduler.add_noise(x0, noise, t.to(x0.device))
        target = noise if self.prediction_type == "epsilon" else self.train_scheduler.get_velocity(x0, noise, t.to(x0.device))
        return xt, t.to(x0.device).float(), target

    def scheduler(self):
        from diffusers import DPMSolverMultistepScheduler

        return DPMSolverMultistepScheduler.from_config(self.train_scheduler.config, prediction_type=self.prediction_type)


def make_objective(name: str, shift: float = 1.0, **kw):
    """shift: flow matching's noise shift (1 = none); the other objectives take none."""
    if name in ("flow", "flow_matching"):
        return FlowMatching(shift=shift, **kw)
    if shift != 1.0:
        raise InputError(f"a noise shift of {shift} is for flow matching, not for objective {name!r}")
    if name in ("epsilon", "v_prediction"):
        return EpsilonDiffusion(prediction_type="v_prediction" if name == "v_prediction" else "epsilon", **kw)
    raise InputError(f"objective {name!r}: expected 'flow', 'epsilon' or 'v_prediction'")


def per_sample_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (pred.float() - target.float()).square().flatten(1).mean(1)
