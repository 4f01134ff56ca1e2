"""Multiview attention: the views of a sample run through the backbone as a batch of
images (B*N, T, D); only self-attention lets them see each other.

Multiview mode: the N views of a sample attend over all N*T tokens (the grid attends to
itself). Single-image mode: each view attends only to its own tokens, which is exactly
what the pretrained model does with one image. The mode is chosen per sample, so one
batch can hold synthetic grids (multiview) and real images (single-image).

Because each view keeps the per-view position embedding of the pretrained model, a grid
in single-image mode is computed exactly as its views run one by one.

Relative azimuth (model.view_rope = P > 0, camera control): the first 2P channels of every
head's queries and keys are turned, pair by pair, by f * azimuth of their view (f = 1..P),
as rotary position embeddings turn them by position. Between two tokens of one view the
turns cancel; between views the attention logit then depends on the difference of their
azimuths only (turning every camera by the same angle changes nothing). Null control
(no cameras) gives azimuth 0: no turn, the pretrained attention exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from ..errors import InputError


@dataclass
class ViewLayout:
    """How the current batch is laid out; shared by every processor of one model."""

    num_views: int = 1
    multiview: torch.Tensor | None = None  # (B,) bool per sample, None = all single-image
    rope_pairs: int = 0  # channel pairs per head turned by the view's azimuth (model.view_rope)
    azimuths: torch.Tensor | None = None  # (B*N,) radians, per view row (None: no turn)
    # set by the model before each forward; processors only read it


def turn_by_view(x: torch.Tensor, layout: ViewLayout) -> torch.Tensor:
    """x (B*N, H, S, d) with the first 2P channels of each head turned by f * azimuth of the
    row's view, pair (2f-2, 2f-1) at frequency f = 1..P (see the module docstring)."""
    pairs, az = layout.rope_pairs, layout.azimuths
    if not pairs or az is None:
        return x
    if 2 * pairs > x.shape[-1]:
        raise InputError(f"model.view_rope={pairs}: needs {2 * pairs} channels per attention head, "
                         f"the heads have {x.shape[-1]}")
    f = torch.arange(1, pairs + 1, device=x.device, dtype=torch.float32)
    ang = az.to(x.device, torch.float32)[:, None] * f  # (B*N, P)
    cos, sin = ang.cos()[:, None, None, :].to(x.dtype), ang.sin()[:, None, None, :].to(x.dtype)
    a, b = x[..., 0 : 2 * pairs : 2], x[..., 1 : 2 * pairs : 2]
    turned = torch.stack([a * cos - b * sin, a * sin + b * cos], -1).flatten(-2)  # (B*N, H, S, 2P)
    return torch.cat([turned, x[..., 2 * pairs :]], -1)


def view_sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, layout: ViewLayout) -> torch.Tensor:
    """Scaled dot-product attention over (B*N, H, S, d) with the per-sample view mode."""
    n = layout.num_views
    mv = layout.multiview
    if n == 1 or mv is None or not bool(mv.any()):
        return F.scaled_dot_product_attention(q, k, v)
    bn, h, s, d = q.shape

    def join(x):  # (b*N, H, S, d) -> (b, H, N*S, d)
        return x.reshape(-1, n, h, s, d).transpose(1, 2).reshape(-1, h, n * s, d)

    def split(x):  # (b, H, N*S, d) -> (b*N, H, S, d)
        return x.reshape(-1, h, n, s, d).transpose(1, 2).reshape(-1, h, s, d)

    if bool(mv.all()):
        return split(F.scaled_dot_product_attention(join(q), join(k), join(v)))
    rows = mv.repeat_interleave(n)  # (B*N,)
    out = torch.empty_like(q)
    out[~rows] = F.scaled_dot_product_attention(q[~rows], k[~rows], v[~rows])
    out[rows] = split(F.scaled_dot_product_attention(join(q[rows]), join(k[rows]), join(v[rows])))
    return out


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    b, s, c = x.shape
    return x.view(b, s, heads, c // heads).transpose(1, 2)  # (B, H, S, d)


def _qkv(x: torch.Tensor, heads: int, projections, norm_q, norm_k):
    """Queries, keys and values of x split into heads (B, H, S, d), q and k normalised when the
    layer has norms (diffusers' `norm_q`/`norm_k`, or `norm_added_*` for the text stream)."""
    q, k, v = (_heads(proj(x), heads) for proj in projections)
    return (q if norm_q is None else norm_q(q)), (k if norm_k is None else norm_k(k)), v


class MultiviewAttnProcessor:
    """Self-attention (PixArt `attn1`, DiT, SD3.5 `attn2`) with per-sample view modes."""

    def __init__(self, layout: ViewLayout):
        self.layout = layout

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, **kwargs):
        if encoder_hidden_states is not None or attention_mask is not None:
            raise InputError("MultiviewAttnProcessor is for self-attention without a mask")
        residual = hidden_states
        q, k, v = _qkv(hidden_states, attn.heads, (attn.to_q, attn.to_k, attn.to_v), attn.norm_q, attn.norm_k)
        q, k = turn_by_view(q, self.layout), turn_by_view(k, self.layout)
        out = view_sdpa(q, k, v, self.layout)  # (B*N, H, T, d)
        out = out.transpose(1, 2).flatten(2).to(q.dtype)  # (B*N, T, H*d)
        out = attn.to_out[1](attn.to_out[0](out))
        if attn.residual_connection:
            out = out + residual
        return out / attn.rescale_output_factor


class MultiviewJointAttnProcessor:
    """SD3 joint attention: each view's image and text tokens form one sequence; in
    multiview mode the sequences of all views of a sample are joined."""

    def __init__(self, layout: ViewLayout):
        self.layout = layout

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, *args, **kwargs):
        t = hidden_states.shape[1]
        q, k, v = _qkv(hidden_states, attn.heads, (attn.to_q, attn.to_k, attn.to_v), attn.norm_q, attn.norm_k)
        if encoder_hidden_states is not None:
            cq, ck, cv = _qkv(encoder_hidden_states, attn.heads, (attn.add_q_proj, attn.add_k_proj, attn.add_v_proj),
                              attn.norm_added_q, attn.norm_added_k)
            q, k, v = torch.cat([q, cq], 2), torch.cat([k, ck], 2), torch.cat([v, cv], 2)
        # a view's text tokens turn with its image tokens: within one view nothing changes
        q, k = turn_by_view(q, self.layout), turn_by_view(k, self.layout)
        out = view_sdpa(q, k, v, self.layout).transpose(1, 2).flatten(2).to(q.dtype)  # (B*N, T+L, H*d)
        image, context = out[:, :t], out[:, t:]
        image = attn.to_out[1](attn.to_out[0](image))
        if encoder_hidden_states is None:
            return image
        if not attn.context_pre_only:
            context = attn.to_add_out(context)
        return image, context
