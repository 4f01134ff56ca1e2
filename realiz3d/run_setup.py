"""What a training run is built from: the model (`build_model`), what it trains and at which
learning rate (`set_trainable`, `param_groups`, `ControlLR`), and, for a diffusers pipeline
backbone, its latent space, text encoder and objective (`setup_latent`). `realiz3d train` (train.py),
the memory estimate and the benchmarks build runs through these.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .batches import Data
from .checkpoint import record_training, trained_with
from .config import STAGE_TABLE, ConfigError, RunConfig, stage_control, stage_domain
from .models import ModelConfig, Realiz3DTransformer
from .models.builtin import NAMED_BASES, build_builtin_backbone, named_base


def pipeline_path(cfg: RunConfig, model: Realiz3DTransformer | None = None) -> Path | None:
    """The diffusers pipeline folder of a latent run (model.path, or the one the init
    checkpoint was trained from); None for the built-in pixel-space model."""
    if cfg.model.path:
        return Path(cfg.model.path)
    pipeline = trained_with(model.config).pipeline if model is not None else None
    if pipeline:
        return Path(pipeline)
    return None


def build_model(cfg: RunConfig) -> Realiz3DTransformer:
    domain, control = stage_domain(cfg), stage_control(cfg)
    init = cfg.model.init
    torch.manual_seed(cfg.train.seed)  # what is new (shifters' A, switcher) starts the same on every process
    camera_emb = bool(cfg.model.camera_embedding) and control == "camera"
    if cfg.model.camera_embedding and cfg.model.control != "camera":
        raise ConfigError(f"model.camera_embedding needs model.control=camera, not {cfg.model.control!r}")
    if cfg.model.layout not in (None, "batch", "grid"):
        raise ConfigError(f"model.layout={cfg.model.layout!r}: expected batch or grid")
    # what Realiz3D adds, the same whatever the backbone comes from
    adds = dict(domain=domain, rank=cfg.model.rank, control=control, camera_embedding=camera_emb,
                camera_embedding_init=cfg.model.camera_embedding_init)
    if cfg.model.layout is not None:
        adds["layout"] = cfg.model.layout
    if cfg.model.shifter_form is not None:  # ModelConfig checks the value, as it does layout's
        adds["shifter_form"] = cfg.model.shifter_form
    if cfg.model.view_rope is not None:
        adds["view_rope"] = cfg.model.view_rope if control == "camera" else 0
    if cfg.model.path == "required":
        raise ConfigError("this config trains a latent backbone: set model.path=/path/to/the/diffusers/pipeline/folder")
    if cfg.model.path and init == "base":  # a latent backbone's own transformer
        from .latent import is_pipeline_folder
        from .checkpoint import load_backbone

        path = Path(cfg.model.path)
        if not is_pipeline_folder(path):
            raise ConfigError(f"model.path={path}: not a diffusers pipeline folder (no model_index.json)")
        backbone = load_backbone(path / "transformer")
        fam_in = backbone.config.in_channels
        mc = ModelConfig(pred_channels=fam_in, extra={"pipeline": str(path.resolve())}, **adds)
        model = Realiz3DTransformer(backbone, mc)
        model.backbone_source = path / "transformer"
        return model
    if init == "scratch":
        mc = ModelConfig(extra={"preset": cfg.model.preset}, **adds)
        return Realiz3DTransformer(build_builtin_backbone(cfg.model.preset, seed=cfg.train.seed), mc)
    path = named_base(init)
    if not (path / "realiz3d_config.json").is_file():
        if init in NAMED_BASES:
            recipe = ("`realiz3d train --config configs/world/pretrain_fast.yaml`" if init == "base" else
                      "the three runs of configs/world/pretrain.yaml, pretrain_views.yaml and pretrain_views_more.yaml")
            raise ConfigError(f"model.init={init}: the shipped base model is not installed at {path}; build it with "
                              f"{recipe} (README) or set model.init=scratch")
        raise ConfigError(f"model.init={init}: not a realiz3d checkpoint (no realiz3d_config.json)")
    model = Realiz3DTransformer.from_pretrained(path, **adds)
    if cfg.model.path:
        record_training(model.config, pipeline=str(Path(cfg.model.path).resolve()))
    return model


def param_groups(model: Realiz3DTransformer, params: list[torch.nn.Parameter], lr: float, control_scale: float,
                 domain_scale: float = 1.0) -> list[dict]:
    """The optimizer's groups: what control adds outside the backbone (new, zero-initialised
    modules) steps at control_scale x lr, the domain mechanism at domain_scale x lr, the rest at lr."""
    ctrl = {id(p) for p in model.control_parameters()}
    dom = {id(p) for p in model.domain_parameters()}
    groups = [{"params": [p for p in params if id(p) not in ctrl and id(p) not in dom], "lr": lr}]
    for ids, scale in ((ctrl, control_scale), (dom, domain_scale)):
        new = [p for p in params if id(p) in ids]
        if new:
            groups.append({"params": new, "lr": lr * scale})
    return [g for g in groups if g["params"]]


class ControlLR:
    """Let the control input channels of the patch embedding step `scale` times the lr.

    They start at zero (the identity) and AdamW moves a weight by at most ~lr per step,
    so at lr 1e-4 a few hundred steps leave them ~100x smaller than the image weights
    beside them and the model can barely see its control. The optimizer holds the whole
    conv weight as one tensor, so this scales the update of the control slice after each
    optimizer step: w += (scale - 1) * (w - w_before), which for AdamW is exactly a
    learning rate of scale * lr (weight decay included) on those entries.
    """

    def __init__(self, model: Realiz3DTransformer, params: list[torch.nn.Parameter], scale: float):
        cc = model.control_channels
        w = model.family.patch_conv(model.backbone).weight
        self.active = scale != 1.0 and cc > 0 and any(p is w for p in params)
        self.weight, self.start, self.scale = w, w.shape[1] - cc, scale
        self._before = None

    def before_step(self) -> None:
        if self.active:
            self._before = self.weight.detach()[:, self.start :].clone()

    @torch.no_grad()
    def after_step(self) -> None:
        if self.active and self._before is not None:
            sl = self.weight[:, self.start :]
            sl.add_(sl - self._before, alpha=self.scale - 1.0)
            self._before = None


def set_trainable(model: Realiz3DTransformer, stage: str, train_shifters: bool = False) -> list[torch.nn.Parameter]:
    """Make what `stage` trains (STAGE_TABLE; train_shifters adds the domain mechanism to
    stage 2) trainable and everything else frozen; returns the trainable parameters."""
    for p in model.parameters():
        p.requires_grad_(False)
    groups = STAGE_TABLE[stage].trains + (("domain",) if train_shifters and "domain" not in STAGE_TABLE[stage].trains else ())
    get = {"backbone": model.backbone_parameters, "control": model.control_parameters, "domain": model.domain_parameters}
    params = [p for g in ("backbone", "control", "domain") if g in groups for p in get[g]()]
    for p in params:
        p.requires_grad_(True)
    return params


def make_objective_name(cfg: RunConfig) -> str:
    return "flow" if cfg.model.objective == "auto" else cfg.model.objective


@dataclass
class LatentSetup:
    """What a latent-backbone run uses instead of the built-in pixel path."""

    resolution: int  # pixels per view
    data: Data
    text: object
    objective: object
    codec: object  # LatentStack, or None when latents are cached


def setup_latent(cfg: RunConfig, model: Realiz3DTransformer, device, progress: bool) -> LatentSetup | None:
    """For a model trained from a diffusers pipeline folder: data in its latent space, its
    text encoder and its scheduler's objective; with data.cache, the cached latents and
    embeddings (the VAE and text encoders are then not even loaded)."""
    from .latent import LatentError, LatentStack, PipelineTextEncoder, objective_from_folder, vae_geometry
    from .objectives import make_objective

    path = pipeline_path(cfg, model)
    if path is None:
        if cfg.data.cache:
            raise ConfigError("data.cache is for latent backbones (model.path); the built-in model trains on pixels")
        return None
    try:
        factor, channels = vae_geometry(path)
        size = int(model.backbone.config.sample_size)
        res = size * factor
        data = Data(cfg, res, progress, space=(channels, size))
        stack = None
        if cfg.data.cache:
            from .cache import open_cache

            latents, text_cache = open_cache(cfg.data.cache, {"synthetic": data.synthetic, "real": data.real}, path)
            data.latents = latents
            if not all(c in text_cache for c in set(data.captions) | {""}):
                stack = LatentStack.from_folder(path, device, max_length=cfg.model.text_max_length)
            text = PipelineTextEncoder(stack, cache=text_cache)
        else:
            stack = LatentStack.from_folder(path, device, max_length=cfg.model.text_max_length)
            text = PipelineTextEncoder(stack)
        if cfg.model.objective == "auto":
            objective = objective_from_folder(path)
        else:
            objective = make_objective(cfg.model.objective)
    except LatentError as e:
        raise ConfigError(str(e)) from None
    return LatentSetup(res, data, text, objective, stack)
