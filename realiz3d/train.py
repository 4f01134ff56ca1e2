"""`realiz3d train --config FILE.yaml [key=value ...]`: every stage and baseline.

| stage    | trains              | data                                    | domain                      |
|----------|---------------------|-----------------------------------------|-----------------------------|
| pretrain | backbone            | real, single view                        | none                        |
| stage1   | Domain Shifters     | real + synthetic, single view, no control | per source (paper Sec. 4.1) |
| stage2   | backbone            | synthetic grids with control + real      | shifters frozen; layer-aware training and domain reassignment for real samples (Sec. 4.2) |
| naive    | backbone            | synthetic grids with control             | none                        |
| mixed    | backbone            | synthetic grids with control + real      | none                        |
| switcher | backbone + switcher | synthetic grids with control + real      | Wonder3D-style, joint       |

STAGE_TABLE below is this table in code: the trainer, the batch builder and the exporter read it.

Ablations of the paper are switches of stage2: train.real_fraction=0 (no real data),
train.freeze_k=[0,0] (no layer-aware training), train.reassign_p=0 (no reassignment),
model.init=base + train.train_shifters=true (no stage 1: the shifters start at the identity
and train jointly with the backbone, the set-up the paper warns collapses into two modes).

Layer-aware training: a real sample frozen at k gives no gradient to blocks [0, k), nor (by
default, train.layer_aware_shared=frozen) to what feeds every block, the timestep / adaLN
embedding and the caption projection (Family.shared_embeddings); `trained` keeps the behaviour
before that option (those embeddings learn from real samples too).

Runs on one process or under `accelerate launch` (DDP). All randomness of a step (batch
indices, noise, timesteps, caption dropout, k, reassignment) comes from a generator
seeded by (seed, step), and each process takes its share of one global batch; so a run
is repeatable, independent of the number of processes, and resumes exactly.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .config import ConfigError, apply_overrides, dump_yaml, from_dict, load_yaml, to_dict
from .models import REAL, SYNTHETIC, ModelConfig, Realiz3DTransformer
from .models.builtin import BASE_MODEL_DIR, build_builtin_backbone
from .objectives import make_objective, per_sample_mse
from .errors import Realiz3DError

@dataclass(frozen=True)
class Stage:
    """What a stage is, in one row (the table of this module's docstring)."""

    trains: tuple[str, ...]  # parameter groups: backbone, control, domain
    real: bool  # uses real images (single-image mode)
    synthetic: bool  # uses synthetic renders
    domain: str  # domain mechanism: none | shifter | switcher
    control: bool  # synthetic samples carry control (else null control, single views)
    layer_aware: bool = False  # real samples: layer-aware training and domain reassignment
    real_set: str = "real"  # the world's folder of real images it reads


STAGE_TABLE = {
    "pretrain": Stage(("backbone",), real=True, synthetic=False, domain="none", control=False, real_set="pretrain"),
    "stage1": Stage(("domain",), real=True, synthetic=True, domain="shifter", control=False),
    "stage2": Stage(("backbone", "control"), real=True, synthetic=True, domain="shifter", control=True, layer_aware=True),
    "naive": Stage(("backbone", "control"), real=False, synthetic=True, domain="none", control=True),
    "mixed": Stage(("backbone", "control"), real=True, synthetic=True, domain="none", control=True),
    "switcher": Stage(("backbone", "control", "domain"), real=True, synthetic=True, domain="switcher", control=True),
}
STAGES = tuple(STAGE_TABLE)


@dataclass
class ModelSection:
    init: str = "base"  # "base" (shipped built-in base model, or model.path's transformer), "scratch", or a realiz3d checkpoint folder
    preset: str = "default"  # built-in preset for init=scratch
    path: str | None = None  # a diffusers pipeline folder (PixArt-alpha/Sigma, SD3/SD3.5): train in its latent space
    domain: str = "shifter"  # shifter | switcher | none (the stage may force it)
    rank: int = 4
    control: str = "camera"  # none | camera | texturing
    camera_embedding: bool = False  # camera control: also feed each view's camera to the timestep embedding
    camera_embedding_init: str = "zero"  # zero | normal: the camera MLP's output layer at the start (both: identity with null control)
    layout: str | None = None  # batch | grid: how the views are placed (default: the init checkpoint's, else batch)
    objective: str = "auto"  # auto (flow for the built-in model; the pipeline scheduler's for model.path) | flow | epsilon | v_prediction
    text_max_length: int | None = None  # caption tokens for a pipeline's text encoder (default: PixArt 300, SD3 256)


@dataclass
class DataSection:
    world: str | None = None  # a built-in world folder (has synthetic/ and real/)
    synthetic: str | None = None
    real: str | None = None
    limit: int | None = None  # use at most this many items of each set (tests, quick runs)
    synthetic_kinds: list[str] | None = None  # train only on the synthetic items of these kinds (metadata "kind")
    cache: str | None = None  # precomputed latents + text embeddings (`realiz3d cache`), latent backbones only
    workers: int = 0  # DataLoader workers decoding sharded sets (`realiz3d shard`); keep it fixed across a resume
    views: int | None = None  # views per synthetic sample (default: all of the set's; 1 = single images, null control)

    def __post_init__(self):
        if self.views is not None and self.views < 1:
            raise ConfigError(f"data.views={self.views}: expected a positive number of views")


@dataclass
class TrainSection:
    stage: str = "stage2"
    steps: int = 1000
    batch_size: int = 32  # global, per optimizer step
    grad_accum: int = 1
    lr: float = 1e-4
    lr_schedule: str = "constant"  # constant | cosine | linear (diffusers.optimization names)
    warmup_steps: int = 0
    weight_decay: float = 0.0
    # what control adds (input channels, camera embedding; zero at the start) steps at this x lr
    control_lr_scale: float = 1.0
    max_grad_norm: float = 1.0
    ema_decay: float = 0.0  # 0 = no EMA
    real_fraction: float = 0.5  # share of real samples (stage1, stage2, mixed, switcher)
    freeze_k: list[int] = field(default_factory=lambda: [0, 0])  # layer-aware training: k ~ U{lo..hi}
    reassign_p: float = 0.0  # domain reassignment probability
    reassign_k: list[int] = field(default_factory=lambda: [1, 1])  # k' ~ U{lo..hi}
    caption_dropout: float = 0.1
    control_dropout: float = 0.0  # share of synthetic samples trained with null control (for guidance on the control)
    train_shifters: bool = False  # stage2: also train the Domain Shifters (the "no stage 1" ablation)
    domain_lr_scale: float = 1.0  # the domain mechanism (shifters, switcher table) steps at this x lr
    layer_aware_shared: str = "frozen"  # frozen | trained: real samples' gradient to the shared embeddings
    # share of multiview samples whose views get independent noise levels (CAT3D-style: some views
    # near clean beside noisy ones, so the cameras must say how one view becomes another)
    view_noise: float = 0.0
    # flow matching: training noise levels s = shift*u / (1 + (shift-1)*u), u uniform (SD3's shift;
    # > 1 trains more at high noise, where the layout of the views is decided); sampling uses it too
    noise_shift: float = 1.0
    seed: int = 0
    checkpoint_every: int = 250
    keep_checkpoints: int = 2
    log_every: int = 10
    validate_every: int = 0
    validate_prompts: list[str] = field(default_factory=lambda: ["a brick mug", "a grass lamp", "a marble vase", "a wood chair"])
    max_nonfinite: int = 10  # stop after this many non-finite steps in a row
    mixed_precision: str = "auto"  # auto (bf16 on CUDA, fp32 on CPU) | no | bf16 | fp16
    gradient_checkpointing: str | bool = "auto"  # auto (on CUDA) | on | off (YAML reads on/off as booleans)
    # accelerate trackers, comma-separated (tensorboard, wandb, comet_ml, mlflow, aim, clearml,
    # dvclive) or none; metrics.jsonl is written whatever this says
    report_to: str = "tensorboard"

    def __post_init__(self):
        if self.stage not in STAGES:
            raise ConfigError(f"train.stage={self.stage!r}: expected one of {STAGES}")
        for name in ("steps", "batch_size", "grad_accum", "log_every", "max_nonfinite"):
            if getattr(self, name) < 1:
                raise ConfigError(f"train.{name}={getattr(self, name)}: expected a positive integer")
        for name in ("real_fraction", "reassign_p", "caption_dropout", "control_dropout", "view_noise"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"train.{name}={v}: expected a probability in [0, 1]")
        for name in ("freeze_k", "reassign_k"):
            v = getattr(self, name)
            if len(v) != 2 or v[0] > v[1] or v[0] < 0:
                raise ConfigError(f"train.{name}={v}: expected [lo, hi] with 0 <= lo <= hi")
        if self.lr <= 0:
            raise ConfigError(f"train.lr={self.lr}: expected a positive number")
        if self.control_lr_scale <= 0:
            raise ConfigError(f"train.control_lr_scale={self.control_lr_scale}: expected a positive number")
        if self.domain_lr_scale <= 0:
            raise ConfigError(f"train.domain_lr_scale={self.domain_lr_scale}: expected a positive number")
        if self.layer_aware_shared not in ("frozen", "trained"):
            raise ConfigError(f"train.layer_aware_shared={self.layer_aware_shared!r}: expected frozen or trained")
        if self.train_shifters and self.stage != "stage2":
            raise ConfigError(f"train.train_shifters is a stage2 option (train.stage={self.stage})")
        if self.noise_shift <= 0:
            raise ConfigError(f"train.noise_shift={self.noise_shift}: expected a positive number")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"train.ema_decay={self.ema_decay}: expected a number in [0, 1)")
        if self.mixed_precision not in ("auto", "no", "bf16", "fp16"):
            raise ConfigError(f"train.mixed_precision={self.mixed_precision!r}: expected auto, no, bf16 or fp16")
        if isinstance(self.gradient_checkpointing, bool):
            self.gradient_checkpointing = "on" if self.gradient_checkpointing else "off"
        if self.gradient_checkpointing not in ("auto", "on", "off"):
            raise ConfigError(f"train.gradient_checkpointing={self.gradient_checkpointing!r}: expected auto, on or off")
        self.trackers()  # validate now

    def trackers(self) -> list[str]:
        """train.report_to as a list of installed accelerate trackers (ConfigError otherwise)."""
        import importlib.util

        names = [n.strip() for n in str(self.report_to).split(",") if n.strip()]
        if names in ([], ["none"]):
            return []
        for n in names:
            if n not in TRACKER_MODULES:
                raise ConfigError(f"train.report_to={self.report_to!r}: {n!r} is not a tracker; expected none or "
                                  f"some of {', '.join(TRACKER_MODULES)}")
            if not any(importlib.util.find_spec(m) for m in TRACKER_MODULES[n]):
                raise ConfigError(f"train.report_to={self.report_to!r}: {n} is not installed (pip install {TRACKER_MODULES[n][0]})")
        return names


# accelerate's trackers and the module each needs
TRACKER_MODULES = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",), "comet_ml": ("comet_ml",),
                   "mlflow": ("mlflow",), "aim": ("aim",), "clearml": ("clearml",), "dvclive": ("dvclive",)}


@dataclass
class RunConfig:
    out: str = "runs/run"
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    train: TrainSection = field(default_factory=TrainSection)


def load_config(path: str | Path | None, overrides: list[str] = ()) -> RunConfig:
    data = load_yaml(path) if path else {}
    data = apply_overrides(data, list(overrides))
    return from_dict(RunConfig, data)


class TrainingError(Realiz3DError, RuntimeError):
    pass


# -- stage semantics -------------------------------------------------------------------
def stage_domain(cfg: RunConfig) -> str:
    return STAGE_TABLE[cfg.train.stage].domain


def stage_control(cfg: RunConfig) -> str:
    return cfg.model.control if STAGE_TABLE[cfg.train.stage].control else "none"


def stage_sources(cfg: RunConfig) -> tuple[bool, bool]:
    """(uses real, uses synthetic)"""
    st = STAGE_TABLE[cfg.train.stage]
    if not (st.real and st.synthetic):
        return st.real, st.synthetic
    return cfg.train.real_fraction > 0, cfg.train.real_fraction < 1


def pipeline_path(cfg: RunConfig, model: Realiz3DTransformer | None = None) -> Path | None:
    """The diffusers pipeline folder of a latent run (model.path, or the one the init
    checkpoint was trained from); None for the built-in pixel-space model."""
    if cfg.model.path:
        return Path(cfg.model.path)
    if model is not None and model.config.extra.get("pipeline"):
        return Path(model.config.extra["pipeline"])
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
    if cfg.model.path == "required":
        raise ConfigError("this config trains a latent backbone: set model.path=/path/to/the/diffusers/pipeline/folder")
    if cfg.model.path and init == "base":  # a latent backbone's own transformer
        from .latent import is_pipeline_folder
        from .models.model import load_backbone

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
    path = BASE_MODEL_DIR if init == "base" else Path(init)
    if not (path / "realiz3d_config.json").is_file():
        if init == "base":
            raise ConfigError(
                f"the built-in base model is not installed at {path}; build it with "
                "`realiz3d train --config configs/world/pretrain.yaml` or set model.init=scratch"
            )
        raise ConfigError(f"model.init={init}: not a realiz3d checkpoint (no realiz3d_config.json)")
    model = Realiz3DTransformer.from_pretrained(path, **adds)
    if cfg.model.path:
        model.config.extra["pipeline"] = str(Path(cfg.model.path).resolve())
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


# -- data -------------------------------------------------------------------------------
@dataclass
class Batch:
    x0: torch.Tensor  # (B, N, C, H, W)
    captions: list[str]  # B (one per sample) or B*N (one per view)
    control: torch.Tensor | None  # (B, N, Cc, H, W)
    domain: torch.Tensor  # (B, num_blocks)
    multiview: torch.Tensor  # (B,)
    freeze_k: torch.Tensor | None  # (B,)
    is_real: torch.Tensor  # (B,)
    noise: torch.Tensor  # (B, N, C, H, W)
    u: torch.Tensor  # (B,) uniform draw that sets each sample's timestep, or (B, N): one per view (train.view_noise)
    vae_eps: torch.Tensor | None = None  # latent backbones: draw of the VAE posterior sample
    encoded: bool = True  # x0 is in model space (False: pixels a VAE still has to encode)

    def select(self, idx: torch.Tensor) -> "Batch":
        n = self.x0.shape[1]
        per_view = len(self.captions) == self.x0.shape[0] * n and n > 1
        caps = [self.captions[i * n + v] for i in idx.tolist() for v in range(n)] if per_view else [self.captions[i] for i in idx.tolist()]
        sel = lambda t: None if t is None else t[idx]  # noqa: E731
        return Batch(self.x0[idx], caps, sel(self.control), self.domain[idx], self.multiview[idx], sel(self.freeze_k),
                     self.is_real[idx], self.noise[idx], self.u[idx], sel(self.vae_eps), self.encoded)


class Data:
    """The training data of a run. `resolution`: pixels per view; `space`: (channels, size)
    of the model's input (pixels for the built-in model, VAE latents for a pipeline);
    `latents`: cached VAE posteriors per set (realiz3d.cache), used instead of the images."""

    def __init__(self, cfg: RunConfig, resolution: int, progress: bool = True, space: tuple[int, int] | None = None,
                 latents: dict | None = None):
        from .data import load_real, load_synthetic

        d = cfg.data
        syn_dir = d.synthetic or (Path(d.world) / "synthetic" if d.world else None)
        real_dir = d.real or (world_real_folder(Path(d.world), cfg.train.stage) if d.world else None)
        use_real, use_syn = stage_sources(cfg)
        self.synthetic = self.real = None
        from .shards import StreamSource, is_sharded

        if use_syn:
            if syn_dir is None:
                raise ConfigError(f"train.stage={cfg.train.stage} needs synthetic data: set data.world or data.synthetic")
            self.synthetic = StreamSource(syn_dir, resolution, cfg.train.seed, d.workers) if is_sharded(syn_dir) \
                else load_synthetic(syn_dir, resolution, d.limit, progress, d.synthetic_kinds)
        if use_real:
            if real_dir is None:
                raise ConfigError(f"train.stage={cfg.train.stage} needs real data: set data.world or data.real")
            self.real = StreamSource(real_dir, resolution, cfg.train.seed + 1, d.workers) if is_sharded(real_dir) \
                else load_real(real_dir, resolution, d.limit, progress)
        self.real_streamed = isinstance(self.real, StreamSource)
        self.syn_streamed = isinstance(self.synthetic, StreamSource)
        self.streamed = self.real_streamed or self.syn_streamed
        if d.cache and d.synthetic_kinds:
            raise ConfigError("data.synthetic_kinds does not combine with data.cache (the cache holds the whole "
                              "synthetic set): cache a folder of those items instead")
        if self.streamed and (d.cache or d.limit or d.synthetic_kinds):
            raise ConfigError("data.cache, data.limit and data.synthetic_kinds work with folder datasets, not with shards")
        self.cfg = cfg
        self.resolution = resolution
        self.space = space or (3, resolution)
        self.latent = self.space != (3, resolution)
        self.latents = latents

    def seek(self, step: int) -> None:
        """Sharded sources: continue from where an uninterrupted run is at `step`."""
        if self.streamed:
            _stream_seek(self, step)

    @property
    def views(self) -> int:
        if not STAGE_TABLE[self.cfg.train.stage].control:
            return 1
        full = self.synthetic.num_views if self.synthetic is not None else 1
        want = self.cfg.data.views
        if want is None or want == full:
            return full
        if want != 1:
            raise ConfigError(f"data.views={want}: expected 1 (single images) or the set's {full} views")
        if stage_control(self.cfg) != "none":
            raise ConfigError("data.views=1 trains single images without control: set model.control=none")
        return 1

    @property
    def camera_setup(self):
        """The camera set-up of the training data (realiz3d.camera.CameraSetup), or None."""
        from .data import read_camera_setup

        found = getattr(self.synthetic, "camera_setup", None)
        if found is None and self.cfg.data.world:
            found = read_camera_setup(self.cfg.data.world)
        return found

    def batch(self, step: int, num_blocks: int) -> Batch:
        """The global batch of a step, a pure function of (seed, step)."""
        t = self.cfg.train
        g = torch.Generator().manual_seed(_step_seed(t.seed, step))
        bsz, n, r = t.batch_size, self.views, self.resolution
        c, s = self.space
        cached = self.latents is not None
        if self.real is None:
            is_real = torch.zeros(bsz, dtype=torch.bool)
        elif self.synthetic is None:
            is_real = torch.ones(bsz, dtype=torch.bool)
        else:
            is_real = torch.rand(bsz, generator=g) < t.real_fraction
        ctrl_kind = stage_control(self.cfg)
        x0 = torch.empty(bsz, n, 3, r, r) if not cached else torch.empty(bsz, n, c, s, s)
        x_std = torch.empty(bsz, n, c, s, s) if cached else None
        control = torch.zeros(bsz, n, 6, r, r) if ctrl_kind != "none" else None
        captions: list[str] = []
        per_view = n > 1
        domain = torch.full((bsz, num_blocks), REAL, dtype=torch.long)
        multiview = torch.zeros(bsz, dtype=torch.bool)
        freeze = torch.zeros(bsz, dtype=torch.long)
        drop = torch.rand(bsz, generator=g) < t.caption_dropout
        # draws in a fixed order, for every sample, so a sample's randomness never depends on others
        real_idx = torch.randint(0, len(self.real) if self.real is not None else 1, (bsz, n), generator=g)
        syn_idx = torch.randint(0, len(self.synthetic) if self.synthetic is not None else 1, (bsz,), generator=g)
        syn_view = torch.randint(0, self.synthetic.num_views if self.synthetic is not None else 1, (bsz,), generator=g)
        k_freeze = torch.randint(t.freeze_k[0], t.freeze_k[1] + 1, (bsz,), generator=g).clamp(max=num_blocks)
        reassign = torch.rand(bsz, generator=g) < t.reassign_p
        k_re = torch.randint(t.reassign_k[0], t.reassign_k[1] + 1, (bsz,), generator=g).clamp(max=num_blocks)
        noise = torch.randn(bsz, n, c, s, s, generator=g)
        u = torch.rand(bsz, generator=g)
        vae_eps = torch.randn(bsz, n, c, s, s, generator=g) if self.latent else None
        # drawn after everything above, so runs without it keep the batches they had
        drop_control = torch.rand(bsz, generator=g) < t.control_dropout if t.control_dropout > 0 else None
        per_view_u = None
        if t.view_noise > 0 and n > 1:
            per_view_u = (torch.rand(bsz, generator=g) < t.view_noise, torch.rand(bsz, n, generator=g))
        stage2 = STAGE_TABLE[t.stage].layer_aware
        for i in range(bsz):
            if is_real[i] and self.real_streamed:
                items = self.real.take(n)
                x0[i] = torch.stack([it["image"] for it in items])
                caps = [it["caption"] for it in items]
                domain[i] = REAL
                if stage2:
                    freeze[i] = k_freeze[i]
                    if reassign[i]:
                        domain[i, : k_re[i]] = SYNTHETIC
            elif not is_real[i] and self.syn_streamed:
                it = self.synthetic.take(1)[0]
                v0 = int(syn_view[i]) if n == 1 else 0
                x0[i] = it["views"][v0 : v0 + n]
                if n > 1:
                    multiview[i] = True
                    if control is not None:
                        control[i] = it[ctrl_kind]
                caps = [it["caption"]] * n
                domain[i] = SYNTHETIC
            elif is_real[i]:
                idx = real_idx[i]
                if cached:
                    x0[i], x_std[i] = (t_.squeeze(1) for t_ in self.latents["real"].get(idx.tolist()))
                else:
                    x0[i] = self.real.images(idx).squeeze(1)
                caps = [self.real.captions[j] for j in idx.tolist()]
                domain[i] = REAL
                if stage2:
                    freeze[i] = k_freeze[i]
                    if reassign[i]:
                        domain[i, : k_re[i]] = SYNTHETIC
            else:
                a = syn_idx[i : i + 1]
                if cached:
                    m_, s_ = self.latents["synthetic"].get([int(a)])
                    v0 = int(syn_view[i]) if n == 1 else 0
                    x0[i], x_std[i] = m_[0, v0 : v0 + n], s_[0, v0 : v0 + n]
                    if n > 1:
                        multiview[i] = True
                        if control is not None:
                            control[i] = self.synthetic.control(a, ctrl_kind)[0]
                elif n == 1:
                    x0[i] = self.synthetic.images(a)[0, syn_view[i] : syn_view[i] + 1]
                else:
                    x0[i] = self.synthetic.images(a)[0]
                    if control is not None:
                        control[i] = self.synthetic.control(a, ctrl_kind)[0]
                    multiview[i] = True
                caps = [self.synthetic.captions[int(a)]] * n
                domain[i] = SYNTHETIC
            if drop[i]:
                caps = [""] * n
            captions.extend(caps if per_view else caps[:1])
        if cached:
            x0 = x0 + x_std * vae_eps  # a fresh draw of the VAE posterior, as the uncached path makes
        if control is not None and drop_control is not None:
            control[drop_control] = 0  # null control: what guidance on the control compares against
        if per_view_u is not None:  # multiview samples drawn for it: each view its own level
            which, uv = per_view_u
            u = torch.where((which & multiview)[:, None], uv, u[:, None].expand(bsz, n))
        return Batch(x0, captions, control, domain, multiview, freeze if stage2 else None, is_real, noise, u,
                     vae_eps, encoded=cached or not self.latent)


def world_real_folder(world: Path, stage: str) -> Path:
    """A built-in world's real images: for pretraining, its pretrain/ set (real images plus a
    share of renders captioned "a 3d render of ..."), where the world has one."""
    own = world / STAGE_TABLE[stage].real_set
    return own if (own / "metadata.jsonl").is_file() else world / "real"


def _stream_seek(data: "Data", step: int) -> None:
    """Put sharded sources where an uninterrupted run is at `step`: replay each earlier step's
    real/synthetic draw (the first draw of its generator) and count the items taken."""
    t = data.cfg.train
    n_real = n_syn = 0
    for s in range(step):
        if data.real is None:
            r = 0
        elif data.synthetic is None:
            r = t.batch_size
        else:
            g = torch.Generator().manual_seed(_step_seed(t.seed, s))
            r = int((torch.rand(t.batch_size, generator=g) < t.real_fraction).sum())
        n_real += r * data.views
        n_syn += t.batch_size - r
    for src, k, streamed in ((data.real, n_real, data.real_streamed), (data.synthetic, n_syn, data.syn_streamed)):
        if streamed:
            src.seek(k)


def _step_seed(seed: int, step: int) -> int:
    return (seed * 1_000_003 + step * 7_919 + 12_345) % (2**63 - 1)


# -- checkpoints --------------------------------------------------------------------------
def checkpoint_dirs(out: Path) -> list[Path]:
    d = out / "checkpoints"
    if not d.is_dir():
        return []
    done = [p for p in d.iterdir() if p.is_dir() and p.name.startswith("step-") and (p / "state.json").is_file()]
    return sorted(done, key=lambda p: int(p.name.split("-")[1]))


def latest_checkpoint(out: Path) -> Path | None:
    dirs = checkpoint_dirs(out)
    return dirs[-1] if dirs else None


IDENTITY_DEFAULTS = {"model.camera_embedding": False, "model.camera_embedding_init": "zero", "model.layout": None}


def _identity(cfg: RunConfig) -> dict:
    """What must match between a checkpoint and the config that resumes it."""
    return {"model.init": cfg.model.init, "model.preset": cfg.model.preset, "model.rank": cfg.model.rank,
            "model.control": cfg.model.control,
            "model.camera_embedding": cfg.model.camera_embedding,
            "model.camera_embedding_init": cfg.model.camera_embedding_init, "model.layout": cfg.model.layout,
            "model.objective": cfg.model.objective, "model.path": cfg.model.path, "train.stage": cfg.train.stage}


# -- the loop ----------------------------------------------------------------------------
def train(cfg: RunConfig, resume: str | None = None, progress: bool = True, stop_after: int | None = None,
          on_end=None) -> dict:
    """Run (or resume) a training run; returns a summary. `stop_after` ends early after
    that many steps of this invocation (tests of resuming); `on_end(model, accelerator)`
    is called on every process before it finishes."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    from .models.text import MiniLMTextEncoder

    out = Path(cfg.out)
    t = cfg.train
    cuda = torch.cuda.is_available()
    mp = t.mixed_precision if t.mixed_precision != "auto" else ("bf16" if cuda else "no")
    # accelerate keeps its settings in a process-wide singleton; runs in one process (the
    # reproduce pipeline, tests) may differ in precision, so start each from a clean state
    # (the process group, if any, is kept)
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=False)
    trackers = t.trackers()
    accel = Accelerator(
        cpu=not cuda, mixed_precision=mp, log_with=trackers or None, project_dir=str(out),
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
    )
    main = accel.is_main_process
    world = accel.num_processes
    per_rank, rem = divmod(t.batch_size, world * t.grad_accum)
    if rem or per_rank == 0:
        raise ConfigError(f"train.batch_size={t.batch_size} must be a multiple of processes x grad_accum = {world * t.grad_accum}")

    start_ckpt = None
    if resume:
        start_ckpt = latest_checkpoint(out) if resume == "latest" else Path(resume)
        if start_ckpt is None:
            raise ConfigError(f"--resume latest: no complete checkpoint in {out / 'checkpoints'}")
        if not (start_ckpt / "state.json").is_file():
            raise ConfigError(f"--resume {resume}: not a complete checkpoint")
        saved = json.loads((start_ckpt / "state.json").read_text())["identity"]
        for k, v in _identity(cfg).items():
            was = saved.get(k, IDENTITY_DEFAULTS.get(k))  # keys added later: what older runs did
            if was != v:
                raise ConfigError(f"cannot resume {start_ckpt}: it was trained with {k}={was!r}, this config has {v!r}")

    model = build_model(cfg)
    params = set_trainable(model, t.stage, t.train_shifters)
    model.freeze_shared = t.layer_aware_shared == "frozen"
    if (t.gradient_checkpointing == "on") or (t.gradient_checkpointing == "auto" and cuda):
        model.backbone.enable_gradient_checkpointing()
    latent = setup_latent(cfg, model, accel.device, progress and main)
    res = latent.resolution if latent else model.backbone.config.sample_size
    data = latent.data if latent else Data(cfg, res, progress and main)
    text = latent.text if latent else MiniLMTextEncoder()
    if latent and t.noise_shift != 1.0:
        raise ConfigError(f"train.noise_shift={t.noise_shift}: the built-in model's option; a pipeline's scheduler "
                          "config sets its own shift")
    objective = latent.objective if latent else make_objective(make_objective_name(cfg), shift=t.noise_shift)
    codec = latent.codec if latent else None

    from diffusers.optimization import get_scheduler

    optimizer = torch.optim.AdamW(param_groups(model, params, t.lr, t.control_lr_scale, t.domain_lr_scale), lr=t.lr,
                                  weight_decay=t.weight_decay)
    lr_sched = get_scheduler(t.lr_schedule, optimizer, num_warmup_steps=t.warmup_steps, num_training_steps=t.steps)
    ema = None
    if t.ema_decay > 0:
        from diffusers.training_utils import EMAModel

        ema = EMAModel(params, decay=t.ema_decay)
    control_lr = ControlLR(model, params, t.control_lr_scale)
    dmodel, optimizer, lr_sched = accel.prepare(model, optimizer, lr_sched)
    if ema is not None:
        accel.register_for_checkpointing(ema)
    # training checkpoints hold what trains (the frozen weights come from model.init again)
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}

    def _only_trainable(models, weights, output_dir):
        for i, w in enumerate(weights):
            weights[i] = {k: v for k, v in w.items() if k.removeprefix("module.") in trainable}

    accel.register_save_state_pre_hook(_only_trainable)

    step = 0
    if start_ckpt is not None:
        # checkpoints written before trainable-only saving hold everything: load strictly then
        partial = json.loads((start_ckpt / "state.json").read_text()).get("weights") == "trainable"
        accel.load_state(str(start_ckpt), strict=not partial)
        step = json.loads((start_ckpt / "state.json").read_text())["step"]
    data.seek(step)
    if main:
        out.mkdir(parents=True, exist_ok=True)
        dump_yaml(cfg, out / "config.yaml")
    if trackers:  # TensorBoard writes to OUT/tb, as before trackers
        accel.init_trackers("tb", config=_flat_config(cfg))
    metrics_f = open(out / "metrics.jsonl", "a") if main else None

    nonfinite_run = nonfinite_total = 0
    t_start = time.time()
    steps_this_run = 0
    summary: dict = {"out": str(out), "stage": t.stage}
    bar_ctx = _bar(progress and main, t.stage, t.steps, step)
    with bar_ctx as (pbar, task):
        while step < t.steps:
            batch = data.batch(step, model.num_blocks)
            mine = torch.arange(accel.process_index, t.batch_size, world)  # this rank's share
            local = batch.select(mine)
            micro = torch.arange(len(mine)).chunk(t.grad_accum)
            loss_sum = torch.zeros((), device=accel.device)
            for j, mi in enumerate(micro):
                mb = local.select(mi)
                sync = j == len(micro) - 1
                ctx = contextlib.nullcontext() if sync else accel.no_sync(dmodel)
                with ctx:
                    loss = batch_loss(dmodel, model, mb, text, objective, accel.device, codec)
                    accel.backward(loss / t.grad_accum)
                loss_sum += loss.detach() / t.grad_accum
            grad_norm = accel.clip_grad_norm_(params, t.max_grad_norm) if t.max_grad_norm > 0 else _grad_norm(params)
            loss_all = accel.reduce(loss_sum, reduction="mean")
            finite = bool(torch.isfinite(loss_all)) and bool(torch.isfinite(torch.as_tensor(grad_norm)))
            if finite:
                control_lr.before_step()
                optimizer.step()
                control_lr.after_step()
                lr_sched.step()
                if ema is not None:
                    ema.step(params)
                nonfinite_run = 0
            else:
                nonfinite_run += 1
                nonfinite_total += 1
                if nonfinite_run >= t.max_nonfinite:
                    raise TrainingError(
                        f"{nonfinite_run} non-finite steps in a row (loss {float(loss_all)}); stopping at step {step}. "
                        f"Lower train.lr or check the data; the last good checkpoint is {latest_checkpoint(out)}"
                    )
            optimizer.zero_grad(set_to_none=True)
            step += 1
            steps_this_run += 1
            lval = float(loss_all)
            if main and (step % t.log_every == 0 or step == t.steps or not finite):
                rec = {"step": step, "loss": lval, "lr": lr_sched.get_last_lr()[0], "grad_norm": float(grad_norm),
                       "nonfinite_skipped": nonfinite_total, "elapsed_s": round(time.time() - t_start, 2),
                       "samples_per_s": round(steps_this_run * t.batch_size / max(time.time() - t_start, 1e-9), 2)}
                metrics_f.write(json.dumps(rec) + "\n")
                metrics_f.flush()
                if trackers:
                    accel.log({f"train/{k}": rec[k] for k in ("loss", "lr", "grad_norm", "samples_per_s")}, step=step)
            pbar.update(task, completed=step, info=f"loss {lval:.4f}  {steps_this_run * t.batch_size / max(time.time() - t_start, 1e-9):.0f} img/s")
            if t.checkpoint_every and (step % t.checkpoint_every == 0 or step == t.steps):
                save_checkpoint(accel, cfg, out, step)
            if main and t.validate_every and step % t.validate_every == 0:
                validate(model, ema, params, cfg, text, out / "val" / f"step-{step:06d}.png", data, objective, codec)
            if stop_after is not None and steps_this_run >= stop_after:
                break
    if metrics_f:
        metrics_f.close()
    accel.wait_for_everyone()
    if step >= t.steps and main:
        model.config.extra.update(objective=objective.name if latent else make_objective_name(cfg), resolution=res,
                                  views=data.views, stage=t.stage)
        if not latent:
            model.config.extra["flow_shift"] = t.noise_shift
        setup = data.camera_setup
        if setup is not None:  # else the init checkpoint's (if any) stays
            model.config.extra["camera_setup"] = setup.to_dict()
        if latent and cfg.model.text_max_length:
            model.config.extra["text_max_length"] = cfg.model.text_max_length
        # stage 1 trains the shifters alone: export them with a reference to the backbone
        adapters_only = t.stage == "stage1" and model.backbone_source is not None
        export_final(model, ema, params, out / "final", backbone=not adapters_only)
    summary.update(step=step, nonfinite_skipped=nonfinite_total, seconds=round(time.time() - t_start, 1))
    if on_end is not None:
        on_end(model, accel)
    accel.end_training()
    return summary


def batch_loss(dmodel, model, mb: Batch, text, objective, device, codec=None) -> torch.Tensor:
    x0 = mb.x0.to(device)
    if not mb.encoded:  # pixels of a latent backbone: through the VAE now (no cache)
        mean, std = codec.encode(x0)
        x0 = mean + std * mb.vae_eps.to(device)
    xt, tmodel, target = objective.noisy(x0, mb.noise.to(device), mb.u.to(device))
    cond = text.encode(mb.captions, device)
    pred = dmodel(xt, tmodel, cond, control=None if mb.control is None else mb.control.to(device),
                  domain=mb.domain.to(device) if model.has_domain else None,
                  multiview=mb.multiview.to(device), freeze_k=None if mb.freeze_k is None else mb.freeze_k.to(device))
    return per_sample_mse(pred, target).mean()


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
            if not all(c in text_cache for c in set(data_captions(data)) | {""}):
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


def data_captions(data: Data) -> list[str]:
    caps = []
    for ds in (data.synthetic, data.real):
        if ds is not None:
            caps.extend(ds.captions)
    return caps


def _grad_norm(params) -> torch.Tensor:
    grads = [p.grad.detach().float().norm() for p in params if p.grad is not None]
    return torch.stack(grads).norm() if grads else torch.zeros(())


def save_checkpoint(accel, cfg: RunConfig, out: Path, step: int) -> Path | None:
    """accelerate's save_state into a temporary folder, renamed into place when complete."""
    final = out / "checkpoints" / f"step-{step:06d}"
    tmp = out / "checkpoints" / f".tmp-step-{step:06d}"
    if accel.is_main_process:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.parent.mkdir(parents=True, exist_ok=True)
    accel.wait_for_everyone()
    accel.save_state(str(tmp))
    accel.wait_for_everyone()
    if accel.is_main_process:
        (tmp / "state.json").write_text(json.dumps({"step": step, "identity": _identity(cfg), "config": to_dict(cfg),
                                                    "weights": "trainable"}))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        for old in checkpoint_dirs(out)[: -cfg.train.keep_checkpoints]:
            shutil.rmtree(old, ignore_errors=True)
    accel.wait_for_everyone()
    return final


@contextlib.contextmanager
def _ema_weights(ema, params):
    if ema is None:
        yield
        return
    ema.store(params)
    ema.copy_to(params)
    try:
        yield
    finally:
        ema.restore(params)


def export_final(model, ema, params, path: Path, backbone: bool = True) -> None:
    """The trained model (EMA weights if EMA is on), loadable by from_pretrained; backbone=False:
    the adapters and a reference to the backbone's folder (Realiz3DTransformer.save_pretrained)."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    with _ema_weights(ema, params):
        model.save_pretrained(tmp, backbone=backbone)
    if path.exists():
        shutil.rmtree(path)
    os.replace(tmp, path)


@torch.no_grad()
def validate(model, ema, params, cfg: RunConfig, text, path: Path, data: Data, objective=None, codec=None) -> None:
    from .sampling import DomainSchedule, sample
    from .visual import save_grid_rows

    prompts = cfg.train.validate_prompts
    n = data.views
    control = None
    if model.control_channels and data.synthetic is not None and hasattr(data.synthetic, "control"):
        control = data.synthetic.control(torch.zeros(len(prompts), dtype=torch.long), stage_control(cfg)).to(model.device)
    if data.latent and codec is None:
        return  # latents and text came from a cache: no VAE loaded to decode with
    was_training = model.training
    model.eval()
    try:
        with _ema_weights(ema, params):
            c, size = data.space
            x = sample(model, (objective or make_objective(make_objective_name(cfg), shift=cfg.train.noise_shift)).scheduler(),
                       text.encode(prompts, model.device), text.encode([""] * len(prompts), model.device),
                       (n, c, size, size), seeds=list(range(len(prompts))), num_steps=20, guidance=3.0,
                       control=control, schedule=DomainSchedule("real"))
            if data.latent:
                x = codec.decode(x)
    finally:
        model.train(was_training)  # also when sampling fails: the run must go on training in train mode
    path.parent.mkdir(parents=True, exist_ok=True)
    save_grid_rows(x, path, labels=prompts)


def _flat_config(cfg: RunConfig) -> dict:
    """The run's config as flat scalars (what trackers take as hyperparameters)."""
    flat = {}

    def walk(d, prefix):
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                flat[prefix + k] = v if isinstance(v, (int, float, str, bool)) else str(v)
    walk(to_dict(cfg), "")
    return flat


def _bar(enabled: bool, name: str, total: int, start: int):
    from .progress import bar

    return _started(bar(f"train {name}", total, show=enabled), start)


@contextlib.contextmanager
def _started(cm, start):
    with cm as (p, task):
        if task is not None:
            p.update(task, completed=start)
        yield p, task
