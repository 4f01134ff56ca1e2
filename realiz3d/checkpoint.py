"""Everything a checkpoint holds, written and read in one place.

Two kinds of folder:

- **An exported model** (a run's `final/`, the shipped `realiz3d/weights/*`): `realiz3d_config.json`
  (what Realiz3D adds to the backbone, `ModelConfig`), the backbone in `transformer/` (or, for
  adapter-only exports, `base_model.json`: a reference to it with its hash), the Domain Shifters
  and the optional modules (`Realiz3DTransformer.save_pretrained` writes them). What the run was
  trained with (objective, views, resolution, camera set-up, pipeline folder, ...) is the
  `TrainedWith` record below, stored in the config's `extra` field with a schema version. Every
  command reads it through `trained_with`, which fills in what checkpoints written before a
  field existed did.
- **A training checkpoint** (`OUT/checkpoints/step-N/`): accelerate's state of what trains
  (the frozen weights come from `model.init` again), the optimizer, the EMA, and `state.json`
  (step, the run's identity, its config). A folder becomes `step-N` only once complete.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .config import RunConfig, to_dict
from .errors import InputError, InputFileError

SCHEMA_VERSION = 1  # of TrainedWith; checkpoints without one are version 0 (before this record had a schema)
CONFIG_FILE = "realiz3d_config.json"


# -- what an exported model was trained with -------------------------------------------------
@dataclass
class TrainedWith:
    """The facts of training an exported model carries (ModelConfig.extra)."""

    views: int  # views per sample (1: a text-to-image model)
    objective: str = "flow"  # flow | epsilon | v_prediction (latent pipelines: their scheduler's)
    flow_shift: float = 1.0  # the built-in model's flow noise shift (train.noise_shift), used by sampling
    resolution: int | None = None  # pixels per view (None: the backbone's sample size)
    stage: str | None = None  # the training stage of its last run
    camera_setup: dict | None = None  # the training data's cameras (None: the built-in world's default)
    pipeline: str | None = None  # the diffusers pipeline folder of a latent backbone
    text_max_length: int | None = None  # caption tokens of the pipeline's text encoder
    preset: str | None = None  # built-in preset of a model trained from scratch
    view_words: bool = False  # captions named each view in its last run (data.view_words); sampling does too
    version: int = SCHEMA_VERSION

    @property
    def latent(self) -> bool:
        return bool(self.pipeline)


_FIELDS = {f.name for f in dataclasses.fields(TrainedWith)}


def trained_with(config) -> TrainedWith:
    """The TrainedWith record of a ModelConfig (defaults for what older checkpoints lack:
    4 views for a model with control, else 1; the flow objective; no shift)."""
    extra = dict(config.extra or {})
    known = {k: v for k, v in extra.items() if k in _FIELDS and v is not None}
    known.setdefault("views", 4 if config.control != "none" else 1)
    known.setdefault("version", 0)
    return TrainedWith(**known)


def record_training(config, **facts) -> None:
    """Write facts of training into a ModelConfig (what is not given stays as it was)."""
    unknown = set(facts) - _FIELDS
    if unknown:
        raise TypeError(f"not fields of TrainedWith: {sorted(unknown)}")
    config.extra.update(facts)
    config.extra["version"] = SCHEMA_VERSION


def is_latent_checkpoint(folder: str | Path) -> bool:
    """A diffusers pipeline folder, or a realiz3d checkpoint trained from one."""
    folder = Path(folder)
    if (folder / "model_index.json").is_file():
        return True
    cfg = folder / CONFIG_FILE
    if not cfg.is_file():
        return False
    try:
        extra = json.loads(cfg.read_text()).get("extra") or {}
    except (OSError, json.JSONDecodeError) as e:
        raise InputFileError(f"{cfg}: unreadable ({e})") from None
    return bool(extra.get("pipeline"))


# -- training checkpoints ------------------------------------------------------------------
IDENTITY_DEFAULTS = {"model.camera_embedding": False, "model.camera_embedding_init": "zero", "model.layout": None,
                     "model.view_rope": None}


def identity(cfg: RunConfig) -> dict:
    """What must match between a checkpoint and the config that resumes it."""
    return {"model.init": cfg.model.init, "model.preset": cfg.model.preset, "model.rank": cfg.model.rank,
            "model.control": cfg.model.control,
            "model.camera_embedding": cfg.model.camera_embedding,
            "model.camera_embedding_init": cfg.model.camera_embedding_init, "model.layout": cfg.model.layout,
            "model.view_rope": cfg.model.view_rope,
            "model.objective": cfg.model.objective, "model.path": cfg.model.path, "train.stage": cfg.train.stage}


def checkpoint_dirs(out: Path) -> list[Path]:
    d = out / "checkpoints"
    if not d.is_dir():
        return []
    done = [p for p in d.iterdir() if p.is_dir() and p.name.startswith("step-") and (p / "state.json").is_file()]
    return sorted(done, key=lambda p: int(p.name.split("-")[1]))


def latest_checkpoint(out: Path) -> Path | None:
    dirs = checkpoint_dirs(out)
    return dirs[-1] if dirs else None


def resume_point(cfg: RunConfig, resume: str) -> tuple[Path, dict]:
    """The checkpoint `--resume` names ("latest" or a folder) and its state.json, after checking
    that it was trained with the same identity as `cfg` (ConfigError otherwise)."""
    from .config import ConfigError

    out = Path(cfg.out)
    ckpt = latest_checkpoint(out) if resume == "latest" else Path(resume)
    if ckpt is None:
        raise ConfigError(f"--resume latest: no complete checkpoint in {out / 'checkpoints'}")
    if not (ckpt / "state.json").is_file():
        raise ConfigError(f"--resume {resume}: not a complete checkpoint")
    state = json.loads((ckpt / "state.json").read_text())
    saved = state["identity"]
    for k, v in identity(cfg).items():
        was = saved.get(k, IDENTITY_DEFAULTS.get(k))  # keys added later: what older runs did
        if was != v:
            raise ConfigError(f"cannot resume {ckpt}: it was trained with {k}={was!r}, this config has {v!r}")
    return ckpt, state


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
        (tmp / "state.json").write_text(json.dumps({"step": step, "identity": identity(cfg), "config": to_dict(cfg),
                                                    "weights": "trainable"}))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        for old in checkpoint_dirs(out)[: -cfg.train.keep_checkpoints]:
            shutil.rmtree(old, ignore_errors=True)
    accel.wait_for_everyone()
    return final


# -- an exported model: writing and reading it --------------------------------------------
# an adapter-only checkpoint (stage 1) names the backbone it was trained on here, not a copy of it
BASE_REFERENCE_FILE = "base_model.json"
# small modules saved beside the backbone as <file> (their state_dict), when the model has them
OPTIONAL_MODULE_FILES = {"switcher": "domain_switcher.safetensors", "camera_embedding": "camera_embedding.safetensors"}


def write_model(model, path: str | Path, backbone: bool = True) -> None:
    """An exported model (Realiz3DTransformer.save_pretrained): realiz3d_config.json, the backbone
    in `transformer/` (or, backbone=False, base_model.json: its folder and weights hash), the
    Domain Shifters and the optional modules."""
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if backbone:
        model.backbone.save_pretrained(path / "transformer", safe_serialization=True)
    else:
        if model.backbone_source is None:
            raise InputError("an adapter-only export needs a backbone loaded from a folder (this one was built in memory)")
        (path / BASE_REFERENCE_FILE).write_text(json.dumps(
            {"transformer": _reference(model.backbone_source), "sha256": backbone_hash(model.backbone)}, indent=2))
    if model.shifters is not None:
        model.shifters.save(path / "domain_shifters.safetensors")
    for name, fname in OPTIONAL_MODULE_FILES.items():
        mod = getattr(model, name)
        if mod is not None:
            save_file({k: v.detach().cpu().contiguous() for k, v in mod.state_dict().items()}, str(path / fname))
    tmp = path / (CONFIG_FILE + ".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(model.config), indent=2))
    tmp.replace(path / CONFIG_FILE)


def read_model(path: str | Path, cls, backbone=None, **overrides):
    """The model an exported folder holds, as `cls` (Realiz3DTransformer.from_pretrained passes
    itself: this module does not import the model, so the two do not import each other); with
    `backbone` given, that backbone with the folder's adapters. overrides: fields of
    `cls.config_class` (ModelConfig) to replace."""
    from safetensors.torch import load_file

    path = Path(path)
    cfg_file = path / CONFIG_FILE
    if not cfg_file.is_file():
        raise InputFileError(f"{path}: not a realiz3d checkpoint (no {CONFIG_FILE})")
    raw = json.loads(cfg_file.read_text())
    raw.setdefault("shifter_tokens", "image")  # saved before the option: the image tokens only
    raw.update(overrides)
    config = cls.config_class(**raw)
    source = None
    if backbone is None:
        source, expected = _backbone_folder(path)
        backbone = load_backbone(source)
        if expected is not None and backbone_hash(backbone) != expected:
            import warnings

            warnings.warn(f"{path} was trained on a backbone whose weights differ from those now at {source} "
                          "(its base_model.json hash does not match)")
    model = cls(backbone, config)
    model.backbone_source = source
    if model.shifters is not None and (path / "domain_shifters.safetensors").exists():
        loaded = type(model.shifters).load(path / "domain_shifters.safetensors", expect=model.shifters.config)
        model.shifters.load_state_dict(loaded.state_dict())
    for name, fname in OPTIONAL_MODULE_FILES.items():
        mod = getattr(model, name)
        if mod is not None and (path / fname).exists():
            mod.load_state_dict(load_file(str(path / fname)))
    return model


def backbone_hash(backbone) -> str:
    """sha256 of a backbone's weights (names, dtypes, shapes and values), to tell whether
    adapters meet the backbone they were trained on."""
    import hashlib

    import torch

    h = hashlib.sha256()
    for name, t in sorted(backbone.state_dict().items()):
        t = t.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _reference(folder: Path) -> str:
    """How an adapter-only checkpoint names its backbone: "builtin:NAME" for a shipped base
    (wherever realiz3d is installed), else the folder's absolute path."""
    from .models.builtin import NAMED_BASES

    folder = Path(folder).resolve()
    for name, d in NAMED_BASES.items():
        if folder == (d / "transformer").resolve():
            return f"builtin:{name}"
    return str(folder)


def _backbone_folder(path: Path) -> tuple[Path, str | None]:
    """The transformer folder of checkpoint `path` (its own, or the one its base_model.json
    names) and the weights hash it expects (None for a full checkpoint)."""
    own = path / "transformer"
    ref_file = path / BASE_REFERENCE_FILE
    if own.is_dir() or not ref_file.is_file():
        return own, None
    ref = json.loads(ref_file.read_text())
    from .models.builtin import named_base

    named = str(ref.get("transformer", ""))
    folder = named_base(named.removeprefix("builtin:")) / "transformer" if named.startswith("builtin:") else Path(named)
    if not (folder / "config.json").is_file():
        raise InputFileError(f"{path}: an adapter-only checkpoint of the backbone at {folder}, which is not there "
                             f"(edit {ref_file} to point at it)")
    return folder, ref.get("sha256")


def load_backbone(path: str | Path, dtype=None):
    """Load a diffusers transformer from a local folder (no network), in `dtype`."""
    import diffusers
    import torch

    from .models.families import FAMILIES

    dtype = dtype or torch.float32
    path = Path(path)
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise InputFileError(f"{path}: no diffusers transformer here (missing config.json)")
    cls_name = json.loads(cfg_file.read_text()).get("_class_name")
    known = {c for f in FAMILIES.values() for c in f.classes}
    if cls_name not in known:
        raise InputError(f"{path}: backbone class {cls_name!r} is not supported (expected one of {sorted(known)})")
    try:
        return getattr(diffusers, cls_name).from_pretrained(str(path), local_files_only=True, torch_dtype=dtype)
    except (OSError, ValueError, RuntimeError) as e:
        raise InputError(f"{path}: cannot load the backbone weights ({str(e).strip().splitlines()[0][:160]})") from None


# -- exporting -------------------------------------------------------------------------------
@contextlib.contextmanager
def ema_weights(ema, params):
    """Inside: the parameters hold the EMA average (no-op without EMA)."""
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
    with ema_weights(ema, params):
        model.save_pretrained(tmp, backbone=backbone)
    if path.exists():
        shutil.rmtree(path)
    os.replace(tmp, path)
