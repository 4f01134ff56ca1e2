"""Validated configuration: dataclasses built from YAML files and `key=value` overrides.

Unknown keys, wrong types and out-of-range values fail early with a message that names
the key and what was expected. Every run writes its resolved config next to its outputs.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from .errors import Realiz3DError


class ConfigError(Realiz3DError, ValueError):
    pass


def _type_name(tp) -> str:
    return getattr(tp, "__name__", str(tp)).replace("typing.", "")


def _coerce(value: Any, tp, key: str):
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, key)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(f"{key}={value!r}: expected {' or '.join(_type_name(a) for a in args)}")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping of {tp.__name__} fields, got {type(value).__name__}")
        return from_dict(tp, value, prefix=key + ".")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}={value!r}: expected a list")
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}={value!r}: expected a mapping")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}={value!r}: expected true or false")
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError(f"{key}={value!r}: expected an integer")
        return value
    if tp is float:
        if isinstance(value, str):
            # PyYAML reads 5e-4 (no dot) as a string: YAML 1.1 floats need one; accept the
            # usual spelling of a learning rate instead of failing on it
            try:
                return float(value)
            except ValueError:
                raise ConfigError(f"{key}={value!r}: expected a number") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}={value!r}: expected a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}={value!r}: expected a string")
        return value
    return value


def from_dict(cls, data: dict, prefix: str = ""):
    """Build dataclass `cls` from a (nested) dict; unknown keys and bad types raise ConfigError."""
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix or 'config'}: expected a mapping")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown config key {prefix}{unknown[0]!s}: expected one of {sorted(names)}")
    kwargs = {k: _coerce(v, hints[k], prefix + k) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(f"{prefix.rstrip('.') or cls.__name__}: {e}") from None


def to_dict(obj) -> dict:
    return dataclasses.asdict(obj)


def parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected key=value (e.g. train.steps=100)")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"override {text!r}: empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    data = dict(data)
    for text in overrides:
        path, value = parse_override(text)
        node = data
        for p in path[:-1]:
            nxt = node.get(p)
            if nxt is None:
                nxt = {}
            elif not isinstance(nxt, dict):
                raise ConfigError(f"override {text!r}: {p} is not a section")
            node[p] = dict(nxt)
            node = node[p]
        node[path[-1]] = value
    return data


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    base = data.pop("base", None)  # `base: other.yaml` inherits from another file
    if base:
        parent = load_yaml(path.parent / base)
        data = deep_merge(parent, data)
    return data


def deep_merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def dump_yaml(obj, path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(to_dict(obj), sort_keys=False))
    tmp.replace(path)


# -- the run schema: what `realiz3d train --config` reads --------------------------------
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
    view_rope: int | None = None  # camera control: channel pairs per head turned by the view's azimuth (0 off; default: the init checkpoint's, else 0)
    shifter_form: str | None = None  # bias (the paper's) | token | caption (beyond it); default: the init checkpoint's, else bias
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
    # share of samples whose captions name the view ("a brick mug, back view"; DreamFusion's
    # view-dependent prompts), from each image's azimuth relative to its object's front; a
    # multiview sample gets one caption per view. Needs metadata that says where the front is.
    view_words: float = 0.0

    def __post_init__(self):
        if self.views is not None and self.views < 1:
            raise ConfigError(f"data.views={self.views}: expected a positive number of views")
        if not 0.0 <= self.view_words <= 1.0:
            raise ConfigError(f"data.view_words={self.view_words}: expected a share in [0, 1]")


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
    # weight of a real sample's error in the batch mean (synthetic samples weigh 1): a smaller
    # weight keeps the real samples in every batch but lets them pull less on the shared weights
    real_loss_weight: float = 1.0
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
    # realism along training: the built-in world's realism critic scores the validation samples
    # (real schedule, EMA weights) at every validate_every steps into OUT/validation.jsonl;
    # "" = off, "builtin" = the shipped evaluators, else a folder of evaluator weights
    validate_critic: str = ""
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
        if not self.real_loss_weight >= 0:
            raise ConfigError(f"train.real_loss_weight={self.real_loss_weight}: expected a weight >= 0")
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
