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
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .batches import Batch, Data
from .checkpoint import ema_weights, export_final, latest_checkpoint, record_training, resume_point, save_checkpoint
from .config import ConfigError, RunConfig, dump_yaml, stage_control, to_dict
from .errors import Realiz3DError
from .objectives import make_objective, per_sample_mse
from .run_setup import ControlLR, build_model, make_objective_name, param_groups, set_trainable, setup_latent
from .runtime import default_device


class TrainingError(Realiz3DError, RuntimeError):
    pass


@dataclass
class Run:
    """A training run's objects, once built."""

    cfg: RunConfig
    accel: object  # accelerate.Accelerator
    model: object  # Realiz3DTransformer (dmodel: as accelerate prepared it)
    dmodel: object
    params: list
    data: Data
    text: object
    objective: object
    codec: object  # the VAE of a latent backbone (None: pixels, or cached latents)
    latent: bool
    resolution: int
    optimizer: object
    lr_sched: object
    ema: object
    control_lr: ControlLR
    nonfinite_run: int = 0
    nonfinite_total: int = 0
    summary: dict = field(default_factory=dict)

    @property
    def main(self) -> bool:
        return self.accel.is_main_process


def train(cfg: RunConfig, resume: str | None = None, progress: bool = True, stop_after: int | None = None,
          on_end=None) -> dict:
    """Run (or resume) a training run; returns a summary. `stop_after` ends early after
    that many steps of this invocation (tests of resuming); `on_end(model, accelerator)`
    is called on every process before it finishes."""
    out, t = Path(cfg.out), cfg.train
    accel = _accelerator(cfg)
    start_ckpt, state = resume_point(cfg, resume) if resume else (None, None)
    run = _build(cfg, accel, progress)
    step = 0
    if start_ckpt is not None:
        # checkpoints written before trainable-only saving hold everything: load strictly then
        accel.load_state(str(start_ckpt), strict=state.get("weights") != "trainable")
        step = state["step"]
    run.data.seek(step)
    if run.main:
        out.mkdir(parents=True, exist_ok=True)
        dump_yaml(cfg, out / "config.yaml")
    trackers = t.trackers()
    if trackers:  # TensorBoard writes to OUT/tb, as before trackers
        accel.init_trackers("tb", config=_flat_config(cfg))
    metrics_f = open(out / "metrics.jsonl", "a") if run.main else None
    t_start, steps_this_run = time.time(), 0
    critic = None  # the realism critic of train.validate_critic, loaded at the first validation
    with _bar(progress and run.main, t.stage, t.steps, step) as (pbar, task):
        while step < t.steps:
            loss, grad_norm, finite = _train_step(run, step)
            step += 1
            steps_this_run += 1
            rate = steps_this_run * t.batch_size / max(time.time() - t_start, 1e-9)
            if run.main and (step % t.log_every == 0 or step == t.steps or not finite):
                rec = {"step": step, "loss": loss, "lr": run.lr_sched.get_last_lr()[0], "grad_norm": grad_norm,
                       "nonfinite_skipped": run.nonfinite_total, "elapsed_s": round(time.time() - t_start, 2),
                       "samples_per_s": round(rate, 2)}
                metrics_f.write(json.dumps(rec) + "\n")
                metrics_f.flush()
                if trackers:
                    accel.log({f"train/{k}": rec[k] for k in ("loss", "lr", "grad_norm", "samples_per_s")}, step=step)
            pbar.update(task, completed=step, info=f"loss {loss:.4f}  {rate:.0f} img/s")
            if t.checkpoint_every and (step % t.checkpoint_every == 0 or step == t.steps):
                save_checkpoint(accel, cfg, out, step)
            if run.main and t.validate_every and step % t.validate_every == 0:
                images = validate(run.model, run.ema, run.params, cfg, run.text, out / "val" / f"step-{step:06d}.png",
                                  run.data, run.objective, run.codec)
                if t.validate_critic and images is not None:
                    if critic is None:
                        critic = _load_critic(t.validate_critic)
                    _score_validation(critic, images, step, out / "validation.jsonl")
            if stop_after is not None and steps_this_run >= stop_after:
                break
    if metrics_f:
        metrics_f.close()
    accel.wait_for_everyone()
    if step >= t.steps and run.main:
        _export(run)
    summary = {"out": str(out), "stage": t.stage, "step": step, "nonfinite_skipped": run.nonfinite_total,
               "seconds": round(time.time() - t_start, 1)}
    if on_end is not None:
        on_end(run.model, accel)
    accel.end_training()
    return summary


def _accelerator(cfg: RunConfig):
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from accelerate.utils import DistributedDataParallelKwargs

    t = cfg.train
    cuda = default_device() == "cuda"
    mp = t.mixed_precision if t.mixed_precision != "auto" else ("bf16" if cuda else "no")
    # accelerate keeps its settings in a process-wide singleton; runs in one process (the
    # reproduce pipeline, tests) may differ in precision, so start each from a clean state
    # (the process group, if any, is kept)
    AcceleratorState._reset_state(reset_partial_state=False)
    accel = Accelerator(
        cpu=not cuda, mixed_precision=mp, log_with=t.trackers() or None, project_dir=str(cfg.out),
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
    )
    world = accel.num_processes
    per_rank, rem = divmod(t.batch_size, world * t.grad_accum)
    if rem or per_rank == 0:
        raise ConfigError(f"train.batch_size={t.batch_size} must be a multiple of processes x grad_accum = {world * t.grad_accum}")
    return accel


def _build(cfg: RunConfig, accel, progress: bool) -> Run:
    """The model, its data, text encoder and objective, the optimizer and the EMA (in this
    order: the model's new parts are drawn from the run's seed first)."""
    from diffusers.optimization import get_scheduler

    from .models.text import MiniLMTextEncoder

    t = cfg.train
    model = build_model(cfg)
    params = set_trainable(model, t.stage, t.train_shifters)
    model.freeze_shared = t.layer_aware_shared == "frozen"
    if (t.gradient_checkpointing == "on") or (t.gradient_checkpointing == "auto" and default_device() == "cuda"):
        model.backbone.enable_gradient_checkpointing()
    latent = setup_latent(cfg, model, accel.device, progress and accel.is_main_process)
    res = latent.resolution if latent else model.backbone.config.sample_size
    data = latent.data if latent else Data(cfg, res, progress and accel.is_main_process)
    text = latent.text if latent else MiniLMTextEncoder()
    if latent and t.noise_shift != 1.0:
        raise ConfigError(f"train.noise_shift={t.noise_shift}: the built-in model's option; a pipeline's scheduler "
                          "config sets its own shift")
    objective = latent.objective if latent else make_objective(make_objective_name(cfg), shift=t.noise_shift)
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
    return Run(cfg, accel, model, dmodel, params, data, text, objective, latent.codec if latent else None,
               latent is not None, res, optimizer, lr_sched, ema, control_lr)


def _train_step(run: Run, step: int) -> tuple[float, float, bool]:
    """One optimizer step on this process's share of the step's global batch (gradient
    accumulation over micro-batches); a non-finite loss or gradient skips the update.
    Returns (loss averaged over processes, gradient norm, finite)."""
    t, accel = run.cfg.train, run.accel
    batch = run.data.batch(step, run.model.num_blocks)
    mine = torch.arange(accel.process_index, t.batch_size, accel.num_processes)  # this rank's share
    local = batch.select(mine)
    micro = torch.arange(len(mine)).chunk(t.grad_accum)
    loss_sum = torch.zeros((), device=accel.device)
    for j, mi in enumerate(micro):
        mb = local.select(mi)
        ctx = contextlib.nullcontext() if j == len(micro) - 1 else accel.no_sync(run.dmodel)
        with ctx:
            loss = batch_loss(run.dmodel, run.model, mb, run.text, run.objective, accel.device, run.codec,
                              real_weight=t.real_loss_weight)
            accel.backward(loss / t.grad_accum)
        loss_sum += loss.detach() / t.grad_accum
    grad_norm = accel.clip_grad_norm_(run.params, t.max_grad_norm) if t.max_grad_norm > 0 else _grad_norm(run.params)
    loss_all = accel.reduce(loss_sum, reduction="mean")
    finite = bool(torch.isfinite(loss_all)) and bool(torch.isfinite(torch.as_tensor(grad_norm)))
    if finite:
        run.control_lr.before_step()
        run.optimizer.step()
        run.control_lr.after_step()
        run.lr_sched.step()
        if run.ema is not None:
            run.ema.step(run.params)
        run.nonfinite_run = 0
    else:
        run.nonfinite_run += 1
        run.nonfinite_total += 1
        if run.nonfinite_run >= t.max_nonfinite:
            raise TrainingError(
                f"{run.nonfinite_run} non-finite steps in a row (loss {float(loss_all)}); stopping at step {step}. "
                f"Lower train.lr or check the data; the last good checkpoint is {latest_checkpoint(Path(run.cfg.out))}"
            )
    run.optimizer.zero_grad(set_to_none=True)
    return float(loss_all), float(grad_norm), finite


def _export(run: Run) -> None:
    """OUT/final: the model (EMA weights if EMA is on) with what it was trained with."""
    cfg, t, data = run.cfg, run.cfg.train, run.data
    facts = dict(objective=run.objective.name if run.latent else make_objective_name(cfg), resolution=run.resolution,
                 views=data.views, stage=t.stage, view_words=cfg.data.view_words > 0)
    if not run.latent:
        facts["flow_shift"] = t.noise_shift
    if data.camera_setup is not None:  # else the init checkpoint's (if any) stays
        facts["camera_setup"] = data.camera_setup.to_dict()
    if run.latent and cfg.model.text_max_length:
        facts["text_max_length"] = cfg.model.text_max_length
    record_training(run.model.config, **facts)
    # stage 1 trains the shifters alone: export them with a reference to the backbone
    adapters_only = t.stage == "stage1" and run.model.backbone_source is not None
    export_final(run.model, run.ema, run.params, Path(cfg.out) / "final", backbone=not adapters_only)


def batch_loss(dmodel, model, mb: Batch, text, objective, device, codec=None, real_weight: float = 1.0) -> torch.Tensor:
    """The batch's loss: the mean over its samples of each one's squared error, real samples
    weighted by `real_weight` (train.real_loss_weight; 1 = the plain mean)."""
    x0 = mb.x0.to(device)
    if not mb.encoded:  # pixels of a latent backbone: through the VAE now (no cache)
        mean, std = codec.encode(x0)
        x0 = mean + std * mb.vae_eps.to(device)
    xt, tmodel, target = objective.noisy(x0, mb.noise.to(device), mb.u.to(device))
    cond = text.encode(mb.captions, device)
    pred = dmodel(xt, tmodel, cond, control=None if mb.control is None else mb.control.to(device),
                  domain=mb.domain.to(device) if model.has_domain else None,
                  multiview=mb.multiview.to(device), freeze_k=None if mb.freeze_k is None else mb.freeze_k.to(device))
    per = per_sample_mse(pred, target)
    if real_weight != 1.0:
        per = per * torch.where(mb.is_real.to(per.device), real_weight, 1.0)
    return per.mean()


def _grad_norm(params) -> torch.Tensor:
    grads = [p.grad.detach().float().norm() for p in params if p.grad is not None]
    return torch.stack(grads).norm() if grads else torch.zeros(())


@torch.no_grad()
def validate(model, ema, params, cfg: RunConfig, text, path: Path, data: Data, objective=None, codec=None):
    """Sample the validation prompts (real schedule, the EMA weights) into a picture at `path`;
    returns the images (P, N, 3, H, W) in [-1, 1], or None where nothing could be decoded."""
    from .sampling import DomainSchedule, sample
    from .visual import save_grid_rows

    prompts = cfg.train.validate_prompts
    n = data.views
    control = None
    if model.control_channels and data.synthetic is not None and hasattr(data.synthetic, "control"):
        control = data.synthetic.control(torch.zeros(len(prompts), dtype=torch.long), stage_control(cfg)).to(model.device)
    if data.latent and codec is None:
        return None  # latents and text came from a cache: no VAE loaded to decode with
    was_training = model.training
    model.eval()
    try:
        with ema_weights(ema, params):
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
    return x


def _load_critic(where: str):
    """The evaluators of train.validate_critic ("builtin": the shipped ones, else a folder)."""
    from .evaluation.evaluators import Evaluators

    return Evaluators(None if where == "builtin" else where)


def _score_validation(ev, images: torch.Tensor, step: int, path: Path) -> None:
    """Mean P(real) of the realism critic of `ev` over the validation images, appended to `path`."""
    flat = images.reshape(-1, *images.shape[-3:]).float().cpu().clamp(-1, 1)
    if flat.shape[-1] != ev.resolution:
        flat = torch.nn.functional.interpolate(flat, size=(ev.resolution, ev.resolution), mode="area")
    with torch.no_grad():
        realism = float(ev.critic.p_real(flat).mean())
    with open(path, "a") as f:
        f.write(json.dumps({"step": step, "realism": round(realism, 4), "images": len(flat)}) + "\n")


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
