"""What differs between diffusers transformer families, in one place.

Every piece of the method (Domain Shifters, multiview attention, control channels,
the Wonder3D-style switcher) attaches through the small interface below, so none of
diffusers' code is edited. A family says where its blocks, self-attention modules,
patch embedding and timestep embedding live, and how to call the backbone.

Supported: PixArt-alpha/Sigma (`PixArtTransformer2DModel`, also the built-in default
model), SD3/SD3.5 (`SD3Transformer2DModel`) and DiT (`DiTTransformer2DModel`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from ..errors import InputError


@dataclass
class TextCondition:
    """Text conditioning for one batch, already encoded.

    hidden_states: (B, L, C) token embeddings; mask: (B, L) 1 = keep;
    pooled: (B, P) pooled embedding (SD3); class_labels: (B,) (DiT).
    """

    hidden_states: torch.Tensor | None = None
    mask: torch.Tensor | None = None
    pooled: torch.Tensor | None = None
    class_labels: torch.Tensor | None = None

    @property
    def batch_size(self) -> int:
        for t in (self.hidden_states, self.pooled, self.class_labels):
            if t is not None:
                return t.shape[0]
        return 0

    def repeat_views(self, n: int) -> "TextCondition":
        """One copy per view: the views of a sample are run as a batch (B*N, ...)."""
        rep = (lambda t: None if t is None else t.repeat_interleave(n, dim=0))
        return TextCondition(rep(self.hidden_states), rep(self.mask), rep(self.pooled), rep(self.class_labels))

    def to(self, device) -> "TextCondition":
        mv = (lambda t: None if t is None else t.to(device))
        return TextCondition(mv(self.hidden_states), mv(self.mask), mv(self.pooled), mv(self.class_labels))

    def cast(self, dtype: torch.dtype) -> "TextCondition":
        """Floating tensors (embeddings) in `dtype`; the mask and labels stay as they are."""
        c = (lambda t: None if t is None else t.to(dtype))
        return TextCondition(c(self.hidden_states), self.mask, c(self.pooled), self.class_labels)

    def select(self, index: torch.Tensor) -> "TextCondition":
        sel = (lambda t: None if t is None else t[index])
        return TextCondition(sel(self.hidden_states), sel(self.mask), sel(self.pooled), sel(self.class_labels))

    @staticmethod
    def cat(conds: list["TextCondition"]) -> "TextCondition":
        def cat(ts):
            return None if ts[0] is None else torch.cat(ts, dim=0)
        return TextCondition(*(cat([getattr(c, f) for c in conds]) for f in ("hidden_states", "mask", "pooled", "class_labels")))


class Family:
    """Adapter for one diffusers transformer class."""

    name: str = ""
    classes: tuple[str, ...] = ()
    # joint attention (SD3's MM-DiT): text tokens run through every block beside the image
    # tokens (encoder_hidden_states is block state); else text enters by cross-attention only
    joint: bool = False
    pipelines: tuple[str, ...] = ()  # diffusers pipeline classes whose transformer this is
    text_max_length: int | None = None  # caption tokens of its text encoder (T5) by default
    text_tokens: int = 24  # text tokens a block sees (all encoders; the memory estimate)

    def blocks(self, model: nn.Module) -> list[nn.Module]:
        return list(model.transformer_blocks)

    def hidden_size(self, model: nn.Module) -> int:
        return model.config.num_attention_heads * model.config.attention_head_dim

    def patch_embed(self, model: nn.Module) -> nn.Module:
        """The patch embedding (diffusers' PatchEmbed: conv, then + positional embedding)."""
        return model.pos_embed

    def patch_conv(self, model: nn.Module) -> nn.Conv2d:
        return self.patch_embed(model).proj

    def in_channels(self, model: nn.Module) -> int:
        return int(model.config.in_channels)

    def out_channels(self, model: nn.Module) -> int:
        return int(model.out_channels)

    def self_attentions(self, block: nn.Module) -> list[tuple[nn.Module, bool]]:
        """Attention modules whose keys are the image tokens (the ones that see other views),
        each with whether it is joint attention (text tokens beside the image tokens)."""
        raise NotImplementedError

    def set_patch_conv(self, model: nn.Module, conv: nn.Conv2d) -> None:
        """Replace the patch embedding's convolution (control widens it)."""
        self.patch_embed(model).proj = conv

    def time_embedding(self, model: nn.Module) -> nn.Module | None:
        """Module whose output is the timestep embedding (the switcher adds to it)."""
        return None

    def shared_embeddings(self, model: nn.Module) -> list[nn.Module]:
        """Modules whose outputs feed every block (timestep / adaLN embedding, caption
        projection): layer-aware training keeps real samples' gradient out of them."""
        return []

    def call(self, model: nn.Module, x: torch.Tensor, t: torch.Tensor, cond: TextCondition) -> torch.Tensor:
        raise NotImplementedError

    def random_text(self, model: nn.Module, batch: int, length: int) -> TextCondition:
        """A text condition of random values with the shapes this backbone takes (for measuring
        memory without a text encoder): caption embeddings and their mask."""
        return TextCondition(torch.randn(batch, length, model.config.caption_channels),
                             torch.ones(batch, length, dtype=torch.long))


class PixArtFamily(Family):
    name = "pixart"
    classes = ("PixArtTransformer2DModel",)
    pipelines = ("PixArtSigmaPipeline", "PixArtAlphaPipeline")
    text_max_length = 300
    text_tokens = 300

    def self_attentions(self, block):
        return [(block.attn1, False)]

    def time_embedding(self, model):
        return model.adaln_single.emb

    def shared_embeddings(self, model):
        return [m for m in (model.adaln_single, getattr(model, "caption_projection", None)) if m is not None]

    def call(self, model, x, t, cond):
        kwargs = {}
        if model.use_additional_conditions:
            b = x.shape[0]
            size = torch.tensor([x.shape[-2], x.shape[-1]], device=x.device, dtype=x.dtype)
            kwargs["added_cond_kwargs"] = {"resolution": size.repeat(b, 1), "aspect_ratio": torch.ones(b, 1, device=x.device, dtype=x.dtype)}
        else:
            kwargs["added_cond_kwargs"] = {"resolution": None, "aspect_ratio": None}
        return model(
            x,
            encoder_hidden_states=cond.hidden_states,
            encoder_attention_mask=cond.mask,
            timestep=t,
            return_dict=False,
            **kwargs,
        )[0]


class DiTFamily(Family):
    name = "dit"
    classes = ("DiTTransformer2DModel",)

    def self_attentions(self, block):
        return [(block.attn1, False)]

    def call(self, model, x, t, cond):
        labels = cond.class_labels
        if labels is None:
            labels = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
        return model(x, timestep=t, class_labels=labels, return_dict=False)[0]


class SD3Family(Family):
    name = "sd3"
    classes = ("SD3Transformer2DModel",)
    joint = True
    pipelines = ("StableDiffusion3Pipeline",)
    text_max_length = 256
    text_tokens = 77 + 256  # CLIP + T5

    def hidden_size(self, model):
        return model.inner_dim

    def self_attentions(self, block):
        attns = [(block.attn, True)]  # MM-DiT joint attention
        if getattr(block, "attn2", None) is not None:  # SD3.5's second, image-only self-attention
            attns.append((block.attn2, False))
        return attns

    def time_embedding(self, model):
        return model.time_text_embed

    def shared_embeddings(self, model):
        return [model.time_text_embed, model.context_embedder]

    def random_text(self, model, batch, length):
        return TextCondition(torch.randn(batch, length, model.config.joint_attention_dim),
                             pooled=torch.randn(batch, model.config.pooled_projection_dim))

    def call(self, model, x, t, cond):
        return model(
            hidden_states=x,
            encoder_hidden_states=cond.hidden_states,
            pooled_projections=cond.pooled,
            timestep=t,
            return_dict=False,
        )[0]


FAMILIES: dict[str, Family] = {f.name: f for f in (PixArtFamily(), SD3Family(), DiTFamily())}


def family_of(model: nn.Module) -> Family:
    """The family adapter for a diffusers transformer instance."""
    cls = type(model).__name__
    for fam in FAMILIES.values():
        if cls in fam.classes:
            return fam
    raise InputError(
        f"unsupported backbone class {cls!r}: expected one of "
        + ", ".join(c for f in FAMILIES.values() for c in f.classes)
    )
