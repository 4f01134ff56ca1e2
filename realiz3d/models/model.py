"""Realiz3DTransformer: a diffusers transformer with the Realiz3D pieces attached.

    x (B, N, C, H, W) views  --+-- control maps (B, N, Cc, H, W), zero = null control
                               v
    backbone on B*N images: patch embedding (widened, zero-init control channels);
      camera control: + CameraEmbedding(mean Plücker ray of the view) on the timestep embedding
      -> for each block i: [detach rows frozen at i] -> + Domain Shifter bias(domain[:, i])
         -> block (self-attention over the views of a sample in multiview mode)
      -> output (B, N, C, H, W)

Nothing in diffusers is edited: shifters and layer freezing are forward pre-hooks on the
blocks, multiview attention is an attention processor, control is a widened patch
embedding, the switcher baseline and the camera embedding are forward hooks on the
timestep embedding.
"""
from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .attention import MultiviewAttnProcessor, MultiviewJointAttnProcessor, ViewLayout
from .control import CameraEmbedding, control_channels, control_to_resolution, widen_patch_embedding
from .domain_shifter import SHIFTER_FORMS, DomainShifters, DomainSpec, ShifterConfig, resolve_domain
from .families import Family, TextCondition, family_of
from .switcher import DomainSwitcher
from ..errors import InputError

DOMAIN_MECHANISMS = ("shifter", "switcher", "none")


@dataclass
class ModelConfig:
    """What Realiz3D adds to a backbone; saved as realiz3d_config.json beside it."""

    domain: str = "shifter"  # shifter | switcher | none
    rank: int = 4
    embed_dim: int | None = None
    control: str = "none"  # none | camera | texturing
    pred_channels: int | None = None  # channels of the prediction; default: backbone out_channels
    base_in_channels: int | None = None  # backbone input channels before control was attached
    family: str | None = None  # filled in from the backbone
    # control='camera': also add each view's camera vector to the timestep embedding (CameraEmbedding)
    camera_embedding: bool = False
    camera_embedding_init: str = "zero"  # zero | normal (see CameraEmbedding)
    # how the views of a sample are placed: "batch" (every view at the positions of a single
    # image) or "grid" (the paper's: views tiled into one image, each at the positions of its
    # tile; see grid_position_offsets)
    layout: str = "batch"
    # control='camera': turn this many channel pairs of every attention head by the view's
    # azimuth (relative azimuth between views inside multiview attention; 0 = off; see attention.py)
    view_rope: int = 0
    # joint-attention families (SD3): the shifter bias goes to "all" tokens of a block, as the
    # paper says, or to the "image" tokens only (what checkpoints from before this option did)
    shifter_tokens: str = "all"
    # the Domain Shifters' form: "bias" (the paper's), "token" (also a per-domain low-rank map
    # of each token) or "caption" (token, and the caption tokens each block reads get their own
    # token-form shifter); the last two are beyond the paper, see ShifterConfig
    shifter_form: str = "bias"
    extra: dict = field(default_factory=dict)  # free-form (text encoder name, preset, ...)

    def __post_init__(self):
        if self.domain not in DOMAIN_MECHANISMS:
            raise InputError(f"model.domain={self.domain!r}: expected one of {DOMAIN_MECHANISMS}")
        control_channels(self.control)
        if self.rank < 1:
            raise InputError(f"model.rank={self.rank}: expected a positive integer")
        if self.shifter_tokens not in ("all", "image"):
            raise InputError(f"model.shifter_tokens={self.shifter_tokens!r}: expected 'all' or 'image'")
        if self.shifter_form not in SHIFTER_FORMS:
            raise InputError(f"model.shifter_form={self.shifter_form!r}: expected one of {SHIFTER_FORMS}")
        if self.layout not in ("batch", "grid"):
            raise InputError(f"model.layout={self.layout!r}: expected 'batch' or 'grid'")
        if self.view_rope < 0:
            raise InputError(f"model.view_rope={self.view_rope}: expected 0 (off) or a number of channel pairs")
        if self.view_rope and self.control != "camera":
            raise InputError(f"model.view_rope needs control='camera', not {self.control!r}")
        if self.camera_embedding_init not in ("zero", "normal"):
            raise InputError(f"model.camera_embedding_init={self.camera_embedding_init!r}: expected 'zero' or 'normal'")


@dataclass
class _Step:
    """Per-forward state read by the hooks (kept after the forward so that gradient
    checkpointing recomputes the same thing)."""

    ids: torch.Tensor | None = None  # (B*N, num_blocks)
    camera: torch.Tensor | None = None  # (B*N, 6) per-view camera vectors (CameraEmbedding)
    freeze_k: torch.Tensor | None = None  # (B*N,)
    views: int = 1  # N (grid layout: which tile each row of the flat batch is)


def view_azimuths(plucker: torch.Tensor) -> torch.Tensor:
    """(M, 6, H, W) Plücker maps -> (M,) azimuths (radians) of the cameras, from the mean ray
    direction (a centred camera at azimuth a looks along -(sin a, ., cos a); realiz3d.camera);
    0 for null control (all-zero rays)."""
    d = plucker[:, :3].float().mean(dim=(-2, -1))  # (M, 3)
    dx, dz = -d[:, 0], -d[:, 2]
    seen = (dx * dx + dz * dz) > 1e-12
    return torch.where(seen, torch.atan2(dx, dz), torch.zeros_like(dx))


def _own(module: nn.Module, model: "Realiz3DTransformer", index: int) -> None:
    # object.__setattr__: a plain attribute, not a registered submodule (no cycle)
    object.__setattr__(module, "_realiz3d_owner", model)
    object.__setattr__(module, "_realiz3d_index", index)


def _block_pre_hook(module, args, kwargs):
    """Before block i: detach the rows frozen at i (layer-aware training), then add the
    Domain Shifter bias of each row's domain for block i."""
    model, i = module._realiz3d_owner, module._realiz3d_index
    step = model._step
    frozen = None if step.freeze_k is None else (step.freeze_k == i)
    do_freeze = i > 0 and frozen is not None and bool(frozen.any())
    if not do_freeze and model.shifters is None:
        return None
    sig = module.__dict__.get("_realiz3d_sig")
    if sig is None:
        sig = inspect.signature(module.forward)
        object.__setattr__(module, "_realiz3d_sig", sig)
    bound = sig.bind(*args, **kwargs)
    a = bound.arguments
    if do_freeze:
        for name in model._stream_args():
            if a.get(name) is not None:
                a[name] = _detach_rows(a[name], frozen)
    if model.shifters is not None and step.ids is not None:
        a["hidden_states"] = model.shifters[i](a["hidden_states"], step.ids[:, i])
        text = a.get("encoder_hidden_states")
        if text is not None and model.shifters.captions is not None:  # form "caption": the block's own caption shifter
            a["encoder_hidden_states"] = model.shifters.captions[i](text, step.ids[:, i])
        elif model.config.shifter_tokens == "all" and text is not None and model.family.joint:
            a["encoder_hidden_states"] = model.shifters[i](text, step.ids[:, i])  # joint blocks: text tokens too
    return bound.args, bound.kwargs


def _last_block_hook(module, args, output):
    """Rows frozen at k == num_blocks: detach after the last block."""
    model = module._realiz3d_owner
    step = model._step
    if step.freeze_k is None:
        return None
    rows = step.freeze_k == model.num_blocks
    if not bool(rows.any()):
        return None
    if isinstance(output, tuple):
        return tuple(_detach_rows(o, rows) if torch.is_tensor(o) else o for o in output)
    return _detach_rows(output, rows)


def _switcher_hook(module, args, output):
    model = module._realiz3d_owner
    ids = model._step.ids
    if ids is None:
        return None
    return model.switcher(output, ids.max(dim=1).values)


def _camera_hook(module, args, output):
    model = module._realiz3d_owner
    cam = model._step.camera
    if cam is None:
        return None
    return model.camera_embedding(output, cam)


def _grid_hook(module, args, output):
    """Grid layout: move each view's tokens from the positions of a single image to those of
    its tile in the grid of the sample's views."""
    model = module._realiz3d_owner
    n = model._step.views
    if n == 1:
        return None
    x = args[0]
    cache = module.__dict__.setdefault("_realiz3d_grid", {})
    key = (n, x.shape[-2], x.shape[-1], output.device, output.dtype)
    if key not in cache:
        cache[key] = grid_position_offsets(module, n, x.shape[-2], x.shape[-1]).to(output.device, output.dtype)
    return output + cache[key].repeat(x.shape[0] // n, 1, 1)  # (N, T, D) per sample


def grid_position_offsets(patch_embed: nn.Module, n: int, h: int, w: int) -> torch.Tensor:
    """(N, T, D): for view v of N, the positional embedding of tile v of the views' grid
    (realiz3d.grid.grid_shape; row-major) minus that of a single h x w image.

    Adding it to the patch embedding of each view makes the batch of views exactly the
    paper's grid: attention is over tokens (which image they came from does not matter once
    their positions say where they sit), patches never straddle two tiles, and the output
    layer is per token. (Exact for cross-attention families, PixArt and DiT; SD3's joint
    attention keeps one copy of the text tokens per view where a tiled image has one.)"""
    from ..grid import grid_shape

    rows, cols = grid_shape(n)
    p = patch_embed.patch_size
    th, tw = h // p, w // p
    single = _positions(patch_embed, h, w)  # (1, th*tw, D)
    full = _positions(patch_embed, rows * h, cols * w).reshape(rows * th, cols * tw, -1)
    tiles = [full[r * th:(r + 1) * th, c * tw:(c + 1) * tw].reshape(th * tw, -1)
             for r in range(rows) for c in range(cols)]
    return torch.stack(tiles) - single


@torch.no_grad()
def _positions(pe: nn.Module, h: int, w: int) -> torch.Tensor:
    """The positional embedding diffusers' PatchEmbed adds for an h x w input, (1, T, D)."""
    if getattr(pe, "pos_embed", None) is None:
        raise InputError("model.layout=grid needs a backbone with positional embeddings")
    if getattr(pe, "pos_embed_max_size", None):
        try:
            return pe.cropped_pos_embed(h, w).float()
        except ValueError as e:
            raise InputError(f"model.layout=grid: the grid of views is too large for this backbone ({e})") from None
    p = pe.patch_size
    if (h // p, w // p) == (pe.height, pe.width):
        return pe.pos_embed.float()
    from diffusers.models.embeddings import get_2d_sincos_pos_embed

    pos = get_2d_sincos_pos_embed(embed_dim=pe.pos_embed.shape[-1], grid_size=(h // p, w // p), base_size=pe.base_size,
                                  interpolation_scale=pe.interpolation_scale, output_type="pt")
    return pos.float().unsqueeze(0)


def _shared_hook(module, args, output):
    """Layer-aware training: rows frozen at k > 0 give no gradient to the embeddings that
    feed every block (they would otherwise reach the frozen blocks' inputs)."""
    model = module._realiz3d_owner
    fk = model._step.freeze_k
    if fk is None or not model.freeze_shared or not torch.is_grad_enabled():
        return None
    rows = fk > 0
    if not bool(rows.any()):
        return None
    if isinstance(output, tuple):
        return tuple(_detach_rows(o, rows) if torch.is_tensor(o) and o.shape[0] == len(rows) else o for o in output)
    return _detach_rows(output, rows)


def _detach_rows(h: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    if bool(rows.all()):
        return h.detach()
    return torch.where(rows.view(-1, *([1] * (h.ndim - 1))), h.detach(), h)


class Realiz3DTransformer(nn.Module):
    config_class = ModelConfig  # what realiz3d.checkpoint.read_model builds from realiz3d_config.json

    def __init__(self, backbone: nn.Module, config: ModelConfig):
        super().__init__()
        self.family: Family = family_of(backbone)
        config.family = self.family.name
        if config.pred_channels is None:
            config.pred_channels = self.family.out_channels(backbone)
        self.config = config
        self.backbone = backbone
        cc, have = control_channels(config.control), self.family.in_channels(backbone)
        if config.base_in_channels is None:
            config.base_in_channels = have
        if have == config.base_in_channels:
            widen_patch_embedding(backbone, self.family, cc)
        elif have != config.base_in_channels + cc:
            raise InputError(
                f"backbone has {have} input channels; this config expects {config.base_in_channels} "
                f"(+{cc} control channels for control={config.control!r})"
            )
        self.blocks = self.family.blocks(backbone)
        hidden = self.family.hidden_size(backbone)
        self.shifters: DomainShifters | None = None
        self.switcher: DomainSwitcher | None = None
        if config.domain == "shifter":
            self.shifters = DomainShifters(ShifterConfig(len(self.blocks), hidden, config.rank, config.embed_dim,
                                                        config.shifter_form))
            config.embed_dim = self.shifters.config.embed_dim
        elif config.domain == "switcher":
            self._hook_time_embedding(backbone, "the switcher baseline", _switcher_hook)
            self.switcher = DomainSwitcher(hidden)
        self.camera_embedding: CameraEmbedding | None = None
        if config.camera_embedding:
            if config.control != "camera":
                raise InputError(f"camera_embedding needs control='camera', not {config.control!r}")
            self._hook_time_embedding(backbone, "the camera embedding", _camera_hook)
            self.camera_embedding = CameraEmbedding(hidden, init=config.camera_embedding_init)
        if config.layout == "grid":
            pe = self.family.patch_embed(backbone)
            _own(pe, self, -1)
            pe.register_forward_hook(_grid_hook)
        self.layout = ViewLayout(rope_pairs=config.view_rope)
        self._step = _Step()
        # the diffusers transformer folder the backbone weights were loaded from, if any
        self.backbone_source: Path | None = None
        self._default_domain: DomainSpec = "real"
        # Hooks are module-level functions that find their model through the hooked module
        # (not closures over self): a deep copy of the model then drives its own hooks.
        for i, block in enumerate(self.blocks):
            _own(block, self, i)
            block.register_forward_pre_hook(_block_pre_hook, with_kwargs=True)
        self.blocks[-1].register_forward_hook(_last_block_hook)
        self.freeze_shared = True  # layer-aware training: see _shared_hook (the trainer sets it)
        for m in self.family.shared_embeddings(backbone):
            _own(m, self, -1)
            m.register_forward_hook(_shared_hook)
        self._install_processors()

    def _hook_time_embedding(self, backbone: nn.Module, what: str, hook) -> None:
        """Register `hook` on the backbone's timestep embedding (the switcher, the camera embedding)."""
        temb = self.family.time_embedding(backbone)
        if temb is None:
            raise InputError(f"{what} needs a timestep embedding; {self.family.name} has none exposed")
        _own(temb, self, -1)
        temb.register_forward_hook(hook)

    # -- properties -------------------------------------------------------------------
    @property
    def num_blocks(self) -> int:
        return len(self.blocks)

    @property
    def control_channels(self) -> int:
        return control_channels(self.config.control)

    @property
    def has_domain(self) -> bool:
        return self.config.domain != "none"

    @property
    def device(self) -> torch.device:
        return next(self.backbone.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.backbone.parameters()).dtype

    def set_domain(self, spec: DomainSpec) -> None:
        """Default domain for forwards that pass none: 'real', 'synthetic' or a per-block list."""
        resolve_domain(spec, 1, self.num_blocks)  # validate now
        self._default_domain = spec

    # -- hooks ------------------------------------------------------------------------
    def _install_processors(self):
        for block in self.blocks:
            for attn, joint in self.family.self_attentions(block):
                attn.set_processor((MultiviewJointAttnProcessor if joint else MultiviewAttnProcessor)(self.layout))

    def _stream_args(self) -> tuple[str, ...]:
        """Block arguments that carry block state (detached for frozen rows)."""
        return ("hidden_states", "encoder_hidden_states") if self.family.joint else ("hidden_states",)

    # -- forward ----------------------------------------------------------------------
    def forward(
        self,
        x: torch.Tensor,
        timestep: torch.Tensor,
        cond: TextCondition,
        control: torch.Tensor | None = None,
        domain: DomainSpec = None,
        multiview: bool | torch.Tensor | None = None,
        freeze_k: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x: (B, N, C, H, W) noisy views; timestep: (B,), (B, N) (one per view) or scalar, in the backbone's units;
        cond: text for B samples, or for B*N views (then each view has its own caption);
        control: (B, N, Cc, H, W) or None (null control); domain: see resolve_domain;
        multiview: per-sample attention mode (default: multiview when N > 1);
        freeze_k: (B,) per sample, blocks [0, k) get no gradient from that sample.
        Returns the prediction (B, N, pred_channels, H, W)."""
        if x.ndim != 5:
            raise InputError(f"x of shape {tuple(x.shape)}: expected (batch, views, channels, height, width)")
        b, n, c, h, w = x.shape
        out_dtype = x.dtype
        flat = x.reshape(b * n, c, h, w).to(self.dtype)  # (B*N, C, H, W), in the weights' dtype (bf16 pipelines)
        cc = self.control_channels
        camera = None
        if cc:
            if control is None:
                ctrl = flat.new_zeros(b * n, cc, h, w)
            else:
                if control.shape[:3] != (b, n, cc):
                    raise InputError(f"control of shape {tuple(control.shape)}: expected {(b, n, cc, h, w)}")
                ctrl = control_to_resolution(control, (h, w)).reshape(b * n, cc, h, w).to(flat.dtype)
            if self.camera_embedding is not None:
                camera = CameraEmbedding.summarize(ctrl)
            if self.config.view_rope:
                self.layout.azimuths = view_azimuths(ctrl)
            flat = torch.cat([flat, ctrl], dim=1)  # (B*N, C+Cc, H, W)
        elif control is not None:
            raise InputError("control given, but this model has no control channels (control='none')")

        if multiview is None:
            multiview = n > 1
        if isinstance(multiview, bool):
            multiview = torch.full((b,), multiview, dtype=torch.bool, device=x.device)
        self.layout.num_views = n
        self.layout.multiview = multiview.to(x.device)

        ids = None
        if self.has_domain:
            spec = self._default_domain if domain is None else domain
            ids = resolve_domain(spec, b, self.num_blocks, device=x.device).repeat_interleave(n, 0)  # (B*N, nb)
        fk = None
        if freeze_k is not None:
            fk = torch.as_tensor(freeze_k, device=x.device).long().reshape(b).repeat_interleave(n, 0)  # (B*N,)
            if ((fk < 0) | (fk > self.num_blocks)).any():
                raise InputError(f"freeze_k must lie in [0, {self.num_blocks}]")
        self._step = _Step(ids=ids, camera=camera, freeze_k=fk, views=n)

        t = torch.as_tensor(timestep, device=x.device)
        if t.ndim == 2:  # one timestep per view
            if t.shape != (b, n):
                raise InputError(f"timestep of shape {tuple(t.shape)}: expected (batch,), (batch, views) = {(b, n)} or a scalar")
            t = t.reshape(b * n)
        else:
            t = (t.expand(b) if t.ndim == 0 else t).repeat_interleave(n, 0)  # (B*N,)
        # one caption per sample (repeated over its views) or one per view (grids of real images)
        cond_v = cond if (n > 1 and cond.batch_size == b * n) else cond.repeat_views(n)
        if self.dtype != torch.float32:
            cond_v = cond_v.cast(self.dtype)
        out = self.family.call(self.backbone, flat, t, cond_v)  # (B*N, Cout, H, W)
        out = out[:, : self.config.pred_channels]
        return out.reshape(b, n, -1, h, w).to(out_dtype)

    # -- parameters -------------------------------------------------------------------
    def domain_parameters(self) -> list[nn.Parameter]:
        mod = self.shifters if self.shifters is not None else self.switcher
        return [] if mod is None else list(mod.parameters())

    def backbone_parameters(self) -> list[nn.Parameter]:
        return list(self.backbone.parameters())

    def control_parameters(self) -> list[nn.Parameter]:
        """What control adds outside the backbone (the camera embedding; the control input
        channels live in the backbone's patch embedding)."""
        return [] if self.camera_embedding is None else list(self.camera_embedding.parameters())

    def block_parameters(self, i: int) -> list[nn.Parameter]:
        return list(self.blocks[i].parameters())

    # -- persistence ------------------------------------------------------------------
    def save_pretrained(self, path: str | Path, backbone: bool = True) -> None:
        """Write realiz3d_config.json, the backbone (diffusers format, in `transformer/`)
        and the domain mechanism (safetensors) into `path`. backbone=False writes the adapters
        only, with a reference to the backbone's folder and a hash of its weights
        (base_model.json; the model must have been loaded from a folder). The format lives in
        realiz3d.checkpoint (write_model)."""
        from ..checkpoint import write_model

        write_model(self, path, backbone=backbone)

    @classmethod
    def from_pretrained(cls, path: str | Path, backbone: nn.Module | None = None, **overrides) -> "Realiz3DTransformer":
        """Load a model saved by save_pretrained (or attach its saved shifters to `backbone`);
        realiz3d.checkpoint.read_model."""
        from ..checkpoint import read_model

        return read_model(path, cls, backbone=backbone, **overrides)

    def load_domain_shifters(self, path: str | Path) -> None:
        """Load Domain Shifters saved by another run (a checkpoint folder or its
        domain_shifters.safetensors) onto this model, in the spirit of diffusers'
        load_lora_weights: a shape mismatch is an error; shifters trained on a backbone whose
        weights differ from this one's (base_model.json hash) draw a warning."""
        path = Path(path)
        file = path / "domain_shifters.safetensors" if path.is_dir() else path
        if self.shifters is None:
            raise InputError(f"{path}: this model has no Domain Shifters (model.domain={self.config.domain!r})")
        loaded = DomainShifters.load(file, expect=self.shifters.config)
        if loaded.config.rank != self.shifters.config.rank or loaded.config.embed_dim != self.shifters.config.embed_dim:
            raise InputError(f"{file}: shifters of rank {loaded.config.rank}, embedding {loaded.config.embed_dim}; "
                             f"this model's have rank {self.shifters.config.rank}, embedding {self.shifters.config.embed_dim}")
        from ..checkpoint import BASE_REFERENCE_FILE, backbone_hash

        ref = file.parent / BASE_REFERENCE_FILE
        if ref.is_file() and json.loads(ref.read_text()).get("sha256") != backbone_hash(self.backbone):
            import warnings

            warnings.warn(f"{file}: these shifters were trained on a backbone whose weights differ from this model's")
        self.shifters.load_state_dict(loaded.state_dict())
