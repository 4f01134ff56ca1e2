"""Training memory of a stage, computed rather than guessed (the README's GPU figures).

    peak <= weights + optimizer state + gradients + peak of activations during forward + backward

- weights: every parameter of the transformer (with shifters), fp32 master weights (mixed
  precision autocasts the compute, not the storage); frozen VAE / text encoders are not
  counted: with `realiz3d cache` they are not loaded during training;
- AdamW state: two fp32 moments per trainable parameter of the stage;
- gradients of the trainable parameters, fp32, all of them (an upper bound: during backward
  they fill up while the saved activations are freed);
- the live-tensor peak of one training forward + backward without the gradients
  (activations saved for backward, temporaries) is *measured* by `LiveBytes` (a dispatch mode that adds up the
  storage of every tensor an op creates until it is freed, as CUDA's
  max_memory_allocated does) on the real architecture on the CPU at two small token counts
  and two batch sizes, and extrapolated linearly in tokens (attention memory is linear with
  the fused attention kernels) and in images; the activation part is scaled to the compute dtype's element size
  (2 bytes under bf16 autocast). With gradient checkpointing the probe
  runs with it on, so the same extrapolation covers it.

tests/test_memory.py checks the extrapolation against the measured peak of full-size tiny
training steps. The process's resident memory on the CPU is higher (glibc keeps freed
memory: 1.6-1.75x the live peak in those runs); GPU allocators reserve some more than
max_memory_allocated, too.
"""
from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

# configs of released checkpoints (their transformer/config.json), for the README's table
KNOWN = {
    "pixart-sigma-xl": ("PixArtTransformer2DModel", dict(
        num_attention_heads=16, attention_head_dim=72, in_channels=4, out_channels=8, num_layers=28,
        cross_attention_dim=1152, caption_channels=4096, sample_size=64, patch_size=2, norm_type="ada_norm_single",
        use_additional_conditions=False, interpolation_scale=1)),
    "sd3-medium": ("SD3Transformer2DModel", dict(
        sample_size=128, patch_size=2, in_channels=16, num_layers=24, attention_head_dim=64, num_attention_heads=24,
        joint_attention_dim=4096, caption_projection_dim=1536, pooled_projection_dim=2048, out_channels=16,
        pos_embed_max_size=192)),
}
MB = 2**20


@dataclass
class MemoryEstimate:
    weights_mb: float
    optimizer_mb: float
    live_peak_mb: float  # activations + gradients + temporaries at the peak of forward + backward
    total_mb: float
    tokens_per_view: int
    trainable_params: int
    params: int


class LiveBytes(TorchDispatchMode):
    """Bytes of tensor storage created inside the mode and still alive; `peak` is the maximum."""

    def __init__(self):
        super().__init__()
        self.live: dict[int, int] = {}
        self.current = 0
        self.peak = 0

    def _free(self, key: int) -> None:
        self.current -= self.live.pop(key, 0)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.device.type != "meta":
                st = t.untyped_storage()
                key, n = st.data_ptr(), st.nbytes()
                if key and n and key not in self.live:
                    self.live[key] = n
                    self.current += n
                    self.peak = max(self.peak, self.current)
                    weakref.finalize(st, self._free, key)
        return out


def _trainable(model, stage: str) -> list[torch.nn.Parameter]:
    from .run_setup import set_trainable

    return set_trainable(model, stage)


def _inputs(model, batch: int, views: int, size: int, text_len: int):
    x = torch.randn(batch, views, model.config.base_in_channels, size, size)
    cond = model.family.random_text(model.backbone, batch, text_len)
    ctrl = torch.randn(batch, views, model.control_channels, size, size) if model.control_channels else None
    return x, cond, ctrl


def live_peak_bytes(model, stage: str, batch: int, views: int, size: int, text_len: int, keep_grads: bool = True) -> int:
    """Measured peak of live tensor bytes over one training forward + backward (fp32).
    keep_grads=False drops each parameter gradient as soon as it is accumulated, so the peak
    is that of activations and temporaries alone."""
    params = _trainable(model, stage)
    x, cond, ctrl = _inputs(model, batch, views, size, text_len)
    for p in params:
        p.grad = None
    hooks = [] if keep_grads else [p.register_post_accumulate_grad_hook(lambda p: setattr(p, "grad", None)) for p in params]
    mode = LiveBytes()
    try:
        with mode:
            out = model(x, torch.full((batch,), 500.0), cond, control=ctrl, domain="synthetic" if model.has_domain else None)
            out.float().square().mean().backward()
            del out
    finally:
        for h in hooks:
            h.remove()
        for p in params:
            p.grad = None
    return mode.peak


def estimate(model, stage: str, batch: int, views: int, latent_size: int, text_len: int | None = None,
             compute_bytes: int = 2, gradient_checkpointing: bool = False, probe_sizes: tuple[int, int] | None = None
             ) -> MemoryEstimate:
    """Per-process training memory of `stage` at `batch` samples of `views` views each, with
    latents of latent_size^2 (pixels / VAE factor). compute_bytes: 2 under bf16 autocast, 4 in fp32."""
    text_len = text_len or model.family.text_tokens
    patch = int(model.backbone.config.patch_size)
    small = probe_sizes or (8 * patch, 16 * patch)  # 64 and 256 tokens: past the fixed costs, linear
    if gradient_checkpointing:
        model.backbone.enable_gradient_checkpointing()
    try:
        tok = [(s // patch) ** 2 for s in small]
        meas = [live_peak_bytes(model, stage, 1, 1, s, text_len, keep_grads=False) for s in small]
        meas2 = live_peak_bytes(model, stage, 2, 1, small[0], text_len, keep_grads=False)
    finally:
        if gradient_checkpointing:
            model.backbone.disable_gradient_checkpointing()
    trainable = sum(p.numel() for p in _trainable(model, stage))
    grads = trainable * 4
    # peak(n images, T tokens each) = fixed + n * (per_image + per_token * T), from three probes
    per_token = (meas[1] - meas[0]) / (tok[1] - tok[0])
    per_image = (meas2 - meas[0]) - per_token * tok[0]
    fixed = max(0.0, meas[0] - per_image - per_token * tok[0])  # weight-sized temporaries, not per image
    tokens = (latent_size // patch) ** 2
    # all gradients on top of the activation peak: an upper bound (during backward the
    # gradients fill up while the saved activations are freed)
    live = grads + (fixed + batch * views * (per_image + per_token * tokens)) * compute_bytes / 4
    params = sum(p.numel() for p in model.parameters())
    w, o = params * 4, trainable * 8
    return MemoryEstimate(w / MB, o / MB, live / MB, (w + o + live) / MB, tokens, trainable, params)


def known_model(name: str, control: str = "camera"):
    """A randomly initialised model of a released architecture (no weights needed to count memory)."""
    import diffusers

    from .models import ModelConfig, Realiz3DTransformer

    cls, cfg = KNOWN[name]
    backbone = getattr(diffusers, cls)(**cfg)
    return Realiz3DTransformer(backbone, ModelConfig(control=control, pred_channels=cfg["in_channels"]))


def table(names=("pixart-sigma-xl", "sd3-medium"), views: int = 4, batch: int = 1) -> list[dict]:
    """Per-GPU memory of stage 1 (single images, 4x the batch) and stage 2 (4-view samples)
    at 512 and 1024 px, bf16 autocast, with and without gradient checkpointing."""
    rows = []
    for name in names:
        model = known_model(name)
        for px in (512, 1024):
            for stage, v, b in (("stage1", 1, batch * views), ("stage2", views, batch)):
                for ckpt in (False, True):
                    e = estimate(model, stage, b, v, px // 8, gradient_checkpointing=ckpt)
                    rows.append({"model": name, "pixels": px, "stage": stage, "batch_per_gpu": b, "views": v,
                                 "gradient_checkpointing": ckpt, **{k: round(x, 1) if isinstance(x, float) else x
                                                                  for k, x in asdict(e).items()}})
        del model
    return rows


if __name__ == "__main__":
    import json
    import sys

    torch.set_num_threads(max(1, torch.get_num_threads()))
    for row in table(*(sys.argv[1:2] and [tuple(sys.argv[1].split(","))])):
        print(json.dumps(row), flush=True)
