"""Control inputs: per-view maps concatenated to the model input through extra,
zero-initialised input channels of the patch embedding.

With null control (all zeros) or right after attaching, the widened model computes
exactly what the original did. The kinds and their channels:

- "none": no control channels;
- "camera": per-pixel Plücker rays (direction, moment), 6 channels (text-to-multiview);
- "texturing": normal map (3) + position map (3), 6 channels (texturing from 3D inputs).

The backbone's config records the widened `in_channels` (as diffusers' inpainting models
do), so the fine-tuned backbone saves and reloads as a plain diffusers model.
"""
from __future__ import annotations

import torch
from torch import nn
from ..errors import InputError

CONTROL_CHANNELS = {"none": 0, "camera": 6, "texturing": 6}


def control_channels(kind: str) -> int:
    if kind not in CONTROL_CHANNELS:
        raise InputError(f"control kind {kind!r}: expected one of {sorted(CONTROL_CHANNELS)}")
    return CONTROL_CHANNELS[kind]


def widen_patch_embedding(model: nn.Module, family, extra: int) -> None:
    """Give the patch embedding's convolution `extra` more input channels, zero-initialised;
    record it in the backbone's config. family: the backbone's realiz3d.models.families.Family."""
    if extra == 0:
        return
    conv = family.patch_conv(model)
    new = nn.Conv2d(
        conv.in_channels + extra, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
        bias=conv.bias is not None, device=conv.weight.device, dtype=conv.weight.dtype,
    )
    with torch.no_grad():
        new.weight.zero_()
        new.weight[:, : conv.in_channels] = conv.weight
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    family.set_patch_conv(model, new)
    # Keep the prediction width: the output stays the image/latent channels.
    cfg = model.config
    out = model.out_channels
    model.register_to_config(in_channels=cfg.in_channels + extra, out_channels=out)


def control_to_resolution(control: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bring per-view control maps (..., C, H, W) to the model's input size.

    Latent backbones run at 1/8 (or 1/16) of the pixel resolution; their control maps are
    area-downsampled to the latent grid (each latent cell gets the mean ray / normal /
    position of the pixels it covers). This is the documented alternative to encoding
    the maps with the VAE: it keeps the maps' geometric meaning exactly and costs nothing.
    """
    h, w = control.shape[-2:]
    if (h, w) == tuple(size):
        return control
    if h % size[0] or w % size[1]:
        raise InputError(f"control maps of {h}x{w} cannot be pooled to the model's {size[0]}x{size[1]} input")
    lead = control.shape[:-3]
    flat = control.reshape(-1, *control.shape[-3:])
    out = torch.nn.functional.avg_pool2d(flat, (h // size[0], w // size[1]))
    return out.reshape(*lead, *out.shape[-3:])


class CameraEmbedding(nn.Module):
    """Per-view camera vector added to the backbone's timestep embedding (text-to-multiview).

    The Plücker rays enter every patch through the control channels, but a view's camera is
    a global fact about the whole view, and the timestep embedding modulates every block
    (adaLN), so MVDream-style models feed the camera there. Here the camera vector is the
    view's mean Plücker ray (mean direction and moment: it carries the azimuth, elevation
    and distance of a centred pinhole camera), through a two-layer MLP without biases.
    An MLP without biases maps the null control (all-zero rays: the real samples, and any
    request without cameras) to exactly zero, whatever its weights: with null control the
    model is the pretrained one at any point of training. init="zero" also zeroes the output
    layer, so attaching it changes nothing even with cameras; init="normal" starts it with
    small random weights (std 0.02, as MVDream's camera MLP starts), so the camera reaches
    the timestep embedding from the first step.
    """

    def __init__(self, dim: int, in_features: int = 6, init: str = "zero"):
        super().__init__()
        if init not in ("zero", "normal"):
            raise InputError(f"camera embedding init {init!r}: expected 'zero' or 'normal'")
        self.fc1 = nn.Linear(in_features, dim, bias=False)
        self.fc2 = nn.Linear(dim, dim, bias=False)
        if init == "zero":
            nn.init.zeros_(self.fc2.weight)
        else:
            nn.init.normal_(self.fc2.weight, std=0.02)

    @staticmethod
    def summarize(control: torch.Tensor) -> torch.Tensor:
        """(M, 6, H, W) Plücker maps -> (M, 6) per-view camera vectors."""
        return control.float().mean(dim=(-2, -1))

    def forward(self, temb: torch.Tensor, camera: torch.Tensor) -> torch.Tensor:
        # temb: (M, D); camera: (M, 6)
        return temb + self.fc2(torch.nn.functional.silu(self.fc1(camera.to(self.fc1.weight.dtype)))).to(temb.dtype)
