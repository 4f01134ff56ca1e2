"""The `realiz3d` command line.

Errors a user can fix (bad input, missing files, bad configs: realiz3d.errors.Realiz3DError)
end with one line on stderr and exit code 2; set REALIZ3D_DEBUG=1 to see the traceback
instead. Anything else is a bug and shows its traceback (exit code 1).
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import List, Optional

import typer
from .errors import InputError, InputFileError, Realiz3DError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="realiz3d: fine-tune diffusion transformers for photorealistic 3D control (Realiz3D).",
)


@app.callback()
def _root():
    """realiz3d: fine-tune diffusion transformers for photorealistic 3D control (Realiz3D)."""


@app.command()
def bench(
    name: str = typer.Argument(..., help="benchmark name, or 'all'"),
    preset: str = typer.Option("default", help="built-in model preset"),
):
    """Run a named benchmark; prints one JSON object per benchmark."""
    from . import bench as b

    b.run(name, preset=preset)


@app.command()
def world(
    out: Path = typer.Option(..., "--out", help="folder to write the world into"),
    preset: str = typer.Option("default", help="default | small | tiny"),
    seed: int = typer.Option(0, help="world seed (the world is deterministic under it)"),
    resolution: Optional[int] = typer.Option(None, help="pixels per view"),
    synthetic_assets: Optional[int] = typer.Option(None, help="number of synthetic multiview assets"),
    real_images: Optional[int] = typer.Option(None, help="number of real-domain images"),
    distance: Optional[float] = typer.Option(None, help="camera distance (the object fits the unit box; default 2.6)"),
    fov: Optional[float] = typer.Option(None, help="vertical field of view in degrees (default 30; 0 = orthographic)"),
    elevation_min: Optional[float] = typer.Option(None, help="lowest camera elevation in degrees (default 0)"),
    elevation_max: Optional[float] = typer.Option(None, help="highest camera elevation in degrees (default 30)"),
    azimuth_offset: bool = typer.Option(False, "--azimuth-offset", help="rotate each asset's cameras by a random azimuth"),
    render_share: Optional[float] = typer.Option(None, help="share of renders in the pretraining set (default 0.25)"),
    workers: int = typer.Option(2, help="parallel processes"),
    check: bool = typer.Option(False, "--check", help="do not build: measure how distinct each kind's views are in OUT/heldout"),
):
    """Build the built-in world: synthetic multiview set, real and render image sets, val and held-out sets."""
    from .world.build import WorldConfig, build_world

    if check:
        from .data import load_synthetic
        from .evaluation.camera_diagnostics import view_distinctness

        typer.echo(json.dumps(view_distinctness(load_synthetic(out / "heldout")), indent=2))
        return
    kw = {k: v for k, v in dict(seed=seed, resolution=resolution, synthetic_assets=synthetic_assets,
                                real_images=real_images, distance=distance, fov_deg=fov, elevation_min=elevation_min,
                                elevation_max=elevation_max, render_share=render_share).items() if v is not None}
    if azimuth_offset:
        kw["azimuth_offset"] = True
    summary = build_world(out, WorldConfig.preset(preset, **kw), workers=workers)
    typer.echo(json.dumps(summary))


@app.command()
def render(
    mesh_dir: Path = typer.Argument(..., help="folder of meshes (OBJ, GLB/GLTF, PLY, STL, OFF)"),
    out: Path = typer.Option(..., "--out", help="output folder (synthetic multiview format)"),
    views: int = typer.Option(4, help="views per mesh"),
    resolution: int = typer.Option(32, help="pixels per view"),
    elevation: float = typer.Option(20.0, help="camera elevation in degrees"),
    fov: float = typer.Option(30.0, help="vertical field of view in degrees; 0 = orthographic"),
    captions: Optional[Path] = typer.Option(None, help="JSON {name: caption} or JSONL {file, caption}"),
    workers: int = typer.Option(2, help="parallel processes"),
):
    """Render a folder of meshes into the synthetic multiview format (bad files are skipped and listed)."""
    from .mesh_dataset import RenderOptions, render_folder

    if views < 1 or resolution < 8:
        raise InputError("--views must be >= 1 and --resolution >= 8")
    res = render_folder(mesh_dir, out, RenderOptions(views=views, resolution=resolution, elevation=elevation, fov_deg=fov),
                        captions, workers)
    for s in res["skipped"]:
        typer.echo(f"skipped: {s['error']}", err=True)
    typer.echo(json.dumps({"rendered": res["rendered"], "skipped": len(res["skipped"])}))
    if res["rendered"] == 0:
        raise typer.Exit(2)


@app.command()
def train(
    config: Path = typer.Option(..., "--config", help="YAML config (configs/...)"),
    overrides: Optional[List[str]] = typer.Argument(None, help="key=value overrides, e.g. train.steps=100"),
    resume: Optional[str] = typer.Option(None, help="'latest' or a checkpoint folder"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the resolved config and stop"),
):
    """Train a stage or baseline (pretrain, stage1, stage2, naive, mixed, switcher)."""
    from .config import to_dict
    from .config import load_config
    from .train import train as run_train

    cfg = load_config(config, overrides or [])
    if dry_run:
        import yaml

        typer.echo(yaml.safe_dump(to_dict(cfg), sort_keys=False))
        return
    typer.echo(json.dumps(run_train(cfg, resume=resume)))


def _schedule(kind: str, blocks: Optional[int], fraction: Optional[float]):
    """The domain schedule of --schedule, --shift-blocks and --shift-fraction (the last two: the
    shifted schedule's L and s; unset, the pipeline's defaults)."""
    from .sampling import DomainSchedule

    sk = {k: v for k, v in dict(blocks=blocks, fraction=fraction).items() if v is not None}
    if sk and kind != "shifted":
        raise InputError(f"--shift-blocks/--shift-fraction with --schedule {kind}: they set the shifted schedule only")
    return DomainSchedule(kind, **sk)


@app.command()
def generate(
    prompt: Optional[str] = typer.Argument(None, help="caption; or use --prompts FILE"),
    out: Path = typer.Option(..., "--out", help="output folder"),
    views: int = typer.Option(4, help="number of views"),
    checkpoint: Optional[Path] = typer.Option(None, help="realiz3d checkpoint folder (default: the shipped text-to-multiview model)"),
    schedule: str = typer.Option("shifted", help="domain schedule: real | synthetic | shifted"),
    shift_blocks: Optional[int] = typer.Option(None, help="L: blocks [0, L) synthetic in the shifted schedule"),
    shift_fraction: Optional[float] = typer.Option(None, help="s: fraction of steps shifted"),
    seed: int = typer.Option(0, help="seed of the first prompt (prompt i uses seed + i)"),
    steps: int = typer.Option(30, help="denoising steps"),
    guidance: float = typer.Option(3.0, help="classifier-free guidance scale (1 = off)"),
    negative: str = typer.Option("", help="negative prompt"),
    elevation: Optional[float] = typer.Option(None, help="camera elevation of the views (camera-controlled models; default: the middle of the range the model was trained on)"),
    azimuths: Optional[str] = typer.Option(None, help="comma-separated azimuths in degrees, one per view (camera-controlled models; default: evenly spaced)"),
    start_azimuth: float = typer.Option(0.0, help="azimuth of the first of the evenly spaced views"),
    prompts: Optional[Path] = typer.Option(None, help="text file, one prompt per line (batched)"),
    batch_size: int = typer.Option(8, help="prompts per batch"),
    pipeline: Optional[Path] = typer.Option(None, help="diffusers pipeline folder of a latent checkpoint (default: the one it was trained from)"),
    dtype: str = typer.Option("float32", help="weights' dtype: float32 | bfloat16 | float16 (half precision: for GPUs)"),
    control_guidance: float = typer.Option(0.0, help="guidance on the cameras as well as the text (0 = off; for models trained with train.control_dropout)"),
    view_words: Optional[bool] = typer.Option(None, "--view-words/--no-view-words", help="name each view in its caption (\"..., back view\"; default: as the model was trained, data.view_words)"),
):
    """Text-to-multiview: writes grid.png, view-K.png and settings.json."""
    from .pipeline import Realiz3DPipeline, write_outputs

    plist = _prompts(prompt, prompts)
    if views < 1:
        raise InputError(f"--views {views}: expected >= 1")
    az_list = _azimuths(azimuths, views)
    if steps < 1:
        raise InputError(f"--steps {steps}: expected >= 1")
    if control_guidance < 0:
        raise InputError(f"--control-guidance {control_guidance}: expected 0 (off) or more")
    sched = _schedule(schedule, shift_blocks, shift_fraction)
    import torch

    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype not in dtypes:
        raise InputError(f"--dtype {dtype}: expected one of {', '.join(dtypes)}")
    from .models.builtin import default_generate_model

    pipe = Realiz3DPipeline.from_pretrained(checkpoint or default_generate_model(), pipeline=pipeline,
                                            torch_dtype=dtypes[dtype])
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(0, len(plist), batch_size):
        chunk = plist[i : i + batch_size]
        res = pipe(chunk, num_views=views, seed=[seed + i + j for j in range(len(chunk))], num_inference_steps=steps,
                   guidance_scale=guidance, negative_prompt=negative, schedule=sched, elevation=elevation,
                   azimuths=az_list, start_azimuth=start_azimuth, control_guidance_scale=control_guidance,
                   view_words=view_words)
        # one prompt: files straight into --out; several: a subfolder per prompt
        names = [f"{i + j:03d}-{_slug(p)}" for j, p in enumerate(chunk)] if len(plist) > 1 else None
        written += write_outputs(res, out, names)
    typer.echo(json.dumps({"written": [str(p) for p in written]}))


@app.command()
def texture(
    mesh: Path = typer.Argument(..., help="mesh file (OBJ, GLB/GLTF, PLY, STL, OFF)"),
    prompt: str = typer.Option(..., "--prompt", help="caption of the texture"),
    out: Path = typer.Option(..., "--out", help="output file OUT.glb (or a folder)"),
    checkpoint: Optional[Path] = typer.Option(None, help="texturing checkpoint (default: the shipped one)"),
    views: int = typer.Option(4, help="orbit views to generate"),
    top_bottom: bool = typer.Option(True, "--top-bottom/--no-top-bottom", help="also generate a top and a bottom view"),
    max_views: int = typer.Option(8, help="views in all: view selection adds views that see what the others do not, up to this many (16 at most)"),
    texture_size: Optional[int] = typer.Option(None, help="texture resolution (default: 8 x the views' resolution)"),
    schedule: str = typer.Option("shifted", help="domain schedule: real | synthetic | shifted"),
    shift_blocks: Optional[int] = typer.Option(None, help="L: blocks [0, L) synthetic in the shifted schedule"),
    shift_fraction: Optional[float] = typer.Option(None, help="s: fraction of steps shifted"),
    seed: int = typer.Option(0, help="seed"),
    steps: int = typer.Option(30, help="denoising steps"),
    guidance: float = typer.Option(3.0, help="classifier-free guidance scale"),
    fmt: str = typer.Option("glb", "--format", help="glb, or obj (OBJ + MTL + PNG)"),
    pipeline: Optional[Path] = typer.Option(None, help="diffusers pipeline folder of a latent checkpoint (default: the one it was trained from)"),
):
    """Texture a mesh from a prompt: views generated from its normal + position maps, back-projected to UV."""
    from .models.builtin import TEXTURING_MODEL_DIR
    from .pipeline import Realiz3DPipeline
    from .texture import TextureOptions, run_texture

    if not prompt.strip():
        raise InputError("--prompt: expected a non-empty caption")
    if views < 1:
        raise InputError(f"--views {views}: expected >= 1")
    sched = _schedule(schedule, shift_blocks, shift_fraction)
    from .texture import TOP_BOTTOM

    opts = TextureOptions(views=views, texture_size=texture_size, format=fmt, max_views=max_views,
                          extra_views=list(TOP_BOTTOM) if top_bottom else [])
    from .texture import prepare_mesh

    uvm = prepare_mesh(mesh)  # fail on a bad mesh before loading any model
    pipe = Realiz3DPipeline.from_pretrained(checkpoint or TEXTURING_MODEL_DIR, pipeline=pipeline)
    report = run_texture(uvm, prompt, out, pipe, opts, seed=seed, schedule=sched, steps=steps, guidance=guidance)
    typer.echo(json.dumps({k: report[k] for k in ("texel_coverage", "view_psnr", "timings_s", "written")}))


@app.command()
def cache(
    pipeline: Path = typer.Option(..., "--pipeline", help="diffusers pipeline folder (PixArt-alpha/Sigma, SD3/SD3.5)"),
    out: Path = typer.Option(..., "--out", help="cache folder (then train with data.cache=OUT)"),
    world: Optional[Path] = typer.Option(None, help="a built-in world folder (its synthetic/ and real/ sets)"),
    synthetic: Optional[Path] = typer.Option(None, help="synthetic multiview set folder"),
    real: Optional[Path] = typer.Option(None, help="real image set folder"),
    max_length: Optional[int] = typer.Option(None, help="caption tokens (default: PixArt 300, SD3 256); must match model.text_max_length"),
    batch_size: int = typer.Option(16, help="images / captions per encoder call"),
):
    """Precompute VAE latents of the images and text embeddings of the captions, once."""
    from .cache import write_cache
    from .data import load_real, load_synthetic
    from .latent import LatentStack, pixel_resolution

    syn = synthetic or (world / "synthetic" if world else None)
    rl = real or (world / "real" if world else None)
    if syn is None and rl is None:
        raise InputError("nothing to cache: give --world, --synthetic or --real")
    res = pixel_resolution(pipeline)
    sets = {"synthetic": load_synthetic(syn, res, progress=True) if syn else None,
            "real": load_real(rl, res, progress=True) if rl else None}
    stack = LatentStack.from_folder(pipeline, max_length=max_length)
    manifest = write_cache(out, stack, sets, batch=batch_size)
    typer.echo(json.dumps({"out": str(out), "sets": manifest["sets"]}))


@app.command()
def shard(
    src: Path = typer.Argument(..., help="a synthetic multiview set or a real image set (folder format)"),
    out: Path = typer.Option(..., "--out", help="folder for the tar shards and index.json"),
    per_shard: int = typer.Option(1000, help="items per shard"),
):
    """Write a dataset as WebDataset-style tar shards that training streams (data.synthetic=OUT)."""
    from .shards import write_shards

    index = write_shards(src, out, per_shard)
    typer.echo(json.dumps({"out": str(out), "kind": index["kind"], "items": index["total"], "shards": len(index["shards"])}))


@app.command("make-real")
def make_real_cmd(
    captions: Path = typer.Option(..., "--captions", help="text file (one per line), JSONL, or a synthetic set folder"),
    out: Path = typer.Option(..., "--out", help="real image set folder to write (image-folder format)"),
    base: Optional[Path] = typer.Option(None, help="base model: a diffusers pipeline folder or a realiz3d checkpoint (default: the built-in base model)"),
    checkpoint: Optional[Path] = typer.Option(None, help="alias of --base for a realiz3d checkpoint"),
    per_caption: int = typer.Option(1, help="images per caption (the paper matches the synthetic set's size)"),
    suffix: str = typer.Option(", photorealistic, on a white background", help="added to each caption in the prompt"),
    steps: int = typer.Option(30, help="denoising steps"),
    guidance: float = typer.Option(3.0, help="classifier-free guidance scale"),
    batch_size: int = typer.Option(8, help="images per batch"),
    seed: int = typer.Option(0, help="seed of image 0 (image k uses seed + k)"),
):
    """Generate the real-domain set with the base model from the synthetic set's captions."""
    from .make_real import make_real, read_captions
    from .pipeline import Realiz3DPipeline

    if base and checkpoint:
        raise InputError("give --base or --checkpoint, not both")
    if per_caption < 1 or steps < 1 or batch_size < 1:
        raise InputError("--per-caption, --steps and --batch-size must be >= 1")
    caps = read_captions(captions)
    pipe = Realiz3DPipeline.from_pretrained(base or checkpoint)
    if pipe.model.config.control != "none":
        raise InputError(f"{base or checkpoint}: a control model; make-real needs the base text-to-image model")
    typer.echo(json.dumps(make_real(pipe, caps, out, per_caption, suffix, steps, guidance, batch_size, seed)))


@app.command("train-evaluators")
def train_evaluators_cmd(
    out: Path = typer.Option(..., "--out", help="folder for the evaluator weights"),
    images: int = typer.Option(12000, help="renders to train on"),
    steps: int = typer.Option(1200, help="optimizer steps of the critic and the geometry network"),
    attribute_steps: int = typer.Option(3000, help="optimizer steps of the attribute network (azimuth, material, kind)"),
    workers: int = typer.Option(2, help="parallel render processes"),
):
    """Train the built-in world's evaluator networks (realism critic, attributes, geometry)."""
    from .evaluation.evaluators import EvaluatorConfig, train_evaluators

    meta = train_evaluators(out, EvaluatorConfig(images=images, steps=steps, attribute_steps=attribute_steps),
                            workers=workers)
    typer.echo(json.dumps(meta["test_scores"]))


@app.command()
def evaluate(
    checkpoint: Path = typer.Option(..., help="realiz3d checkpoint folder"),
    task: str = typer.Option(..., help="multiview | texturing"),
    out: Path = typer.Option(..., "--out", help="output folder (scores.json)"),
    world: Path = typer.Option(Path("worlds/default"), help="built-in world folder"),
    split: str = typer.Option("heldout", help="heldout | val"),
    schedule: str = typer.Option("shifted", help="domain schedule: real | synthetic | shifted"),
    shift_blocks: Optional[int] = typer.Option(None, help="L: blocks [0, L) synthetic in the shifted schedule "
                                               "(default: the pipeline's; e.g. the L `realiz3d tune-schedule` chose)"),
    shift_fraction: Optional[float] = typer.Option(None, help="s: fraction of steps shifted (default: the pipeline's)"),
    steps: int = typer.Option(20, help="denoising steps"),
    assets: Optional[int] = typer.Option(None, help="evaluate the first N assets only"),
    prompts: Optional[Path] = typer.Option(None, help="real backbones: text file of prompts to generate and score"),
    references: Optional[Path] = typer.Option(None, help="real backbones: folder of reference images (FID/KID)"),
    inception: Optional[Path] = typer.Option(None, help="real backbones: TorchScript Inception (inception-2015-12-05.pt) for FID/KID"),
    clip: Optional[Path] = typer.Option(None, help="real backbones: local CLIP model folder for the CLIP score"),
    views: int = typer.Option(4, help="real backbones: views per prompt"),
    textured_meshes: int = typer.Option(12, help="texturing: also texture this many held-out meshes end to end and "
                                                 "score the textured meshes (0: off)"),
    control_guidance: float = typer.Option(0.0, help="guidance on the control as well as the text (0 = off; for "
                                                     "models trained with train.control_dropout)"),
    view_words: Optional[bool] = typer.Option(None, "--view-words/--no-view-words", help="text-to-multiview: name each "
                                              "view in its caption (default: as the model was trained, data.view_words)"),
    rotated_cameras: bool = typer.Option(False, "--rotated-cameras", help="text-to-multiview: also score the views with "
                                         "each asset's cameras turned by a random azimuth (view_accuracy_rotated)"),
):
    """Score one model: on the built-in world's held-out (or validation) assets, or, for a real
    backbone, on your prompts with FID/KID against reference images and CLIP score."""
    from .experiments import TASKS, evaluate_checkpoint

    if task not in TASKS:
        raise InputError(f"--task {task!r}: expected one of {TASKS}")
    schedule = _schedule(schedule, shift_blocks, shift_fraction)
    from .checkpoint import is_latent_checkpoint

    latent = is_latent_checkpoint(checkpoint)
    if prompts is not None or latent:
        from .evaluation.backbone_metrics import check_metric_args, score_prompts
        from .pipeline import Realiz3DPipeline

        if task != "multiview":
            raise InputError("--prompts scoring is for text-to-multiview; for texturing score the views `realiz3d texture` writes")
        if prompts is None:
            raise InputError(f"{checkpoint} is a real-backbone checkpoint: score it with --prompts FILE and "
                             "--references DIR --inception PATH (FID/KID) and/or --clip FOLDER (CLIP score)")
        plist = _prompts(None, prompts)
        check_metric_args(references, inception, clip)  # before loading any model
        res = score_prompts(Realiz3DPipeline.from_pretrained(checkpoint), plist, references, inception, clip, views,
                            steps, schedule=schedule)
        res["checkpoint"] = str(checkpoint)
        out.mkdir(parents=True, exist_ok=True)
        (out / "scores.json").write_text(json.dumps(res, indent=2))
        typer.echo(json.dumps(res))
        return
    if split not in ("heldout", "val"):
        raise InputError(f"--split {split!r}: expected heldout or val")
    if textured_meshes < 0:
        raise InputError(f"--textured-meshes {textured_meshes}: expected 0 or more")
    if control_guidance < 0:
        raise InputError(f"--control-guidance {control_guidance}: expected 0 (off) or more")
    res = evaluate_checkpoint(checkpoint, task, world / split, schedule, assets, steps, camera=True,
                              textured_meshes=textured_meshes, control_guidance=control_guidance, view_words=view_words,
                              rotated_cameras=rotated_cameras)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scores.json").write_text(json.dumps(res, indent=2))
    typer.echo(json.dumps({k: v for k, v in res.items() if not k.startswith("per_asset")}))  # per asset: scores.json


@app.command("tune-schedule")
def tune_schedule_cmd(
    checkpoint: Path = typer.Option(..., help="Realiz3D (stage 2) checkpoint"),
    task: str = typer.Option(..., help="multiview | texturing"),
    out: Path = typer.Option(..., "--out", help="output JSON file"),
    world: Path = typer.Option(Path("worlds/default"), help="built-in world (its val/ split is used)"),
    steps: int = typer.Option(20, help="denoising steps"),
    blocks: str = typer.Option("0,1,2,3,4", help="L values to sweep (blocks [0, L) synthetic), comma-separated"),
    fractions: str = typer.Option("0,0.2,0.4,0.6", help="s values to sweep (the first s of the steps shifted), comma-separated"),
    realism_keep: float = typer.Option(0.95, help="keep the realism of the all-real schedule within this factor "
                                                  "(e.g. 0.9 for the reproduction goal's floor)"),
):
    """Tune the shifted schedule (L, s) once on the validation split (never the held-out one):
    the best control whose realism stays within --realism-keep of the all-real schedule's."""
    from .experiments import tune_schedule

    if not 0 < realism_keep <= 1:
        raise InputError(f"--realism-keep {realism_keep}: expected a factor in (0, 1]")
    grid = {}
    for name, text, kind in (("--blocks", blocks, int), ("--fractions", fractions, float)):
        try:
            grid[name] = tuple(kind(v) for v in text.split(",") if v.strip())
        except ValueError:
            raise InputError(f"{name} {text!r}: expected comma-separated {'block counts' if kind is int else 'numbers'}") from None
        if not grid[name]:
            raise InputError(f"{name} {text!r}: expected at least one value")
    if any(b < 0 for b in grid["--blocks"]) or any(not 0 <= f <= 1 for f in grid["--fractions"]):
        raise InputError(f"--blocks {blocks!r} / --fractions {fractions!r}: expected L >= 0 and s in [0, 1]")
    res = tune_schedule(checkpoint, task, world / "val", blocks=grid["--blocks"], fractions=grid["--fractions"],
                        steps=steps, realism_keep=realism_keep)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    typer.echo(json.dumps(res["chosen"]))


@app.command()
def reproduce(
    out: Path = typer.Option(..., "--out", help="output folder (results.json, results.md, report.html)"),
    world: Path = typer.Option(Path("worlds/default"), help="built-in world folder (built if missing)"),
    quick: bool = typer.Option(False, "--quick", help="the 20-minute version"),
    seeds: Optional[int] = typer.Option(None, help="seeds per method (default 3; --quick: 1)"),
    first_seed: int = typer.Option(0, help="the first seed (seeds FIRST .. FIRST+SEEDS-1), e.g. 3 to replicate a 3-seed run with fresh seeds"),
    steps: Optional[int] = typer.Option(None, help="fine-tuning steps per method (override)"),
    stage1_steps: Optional[int] = typer.Option(None, help="stage-1 steps (override)"),
    batch_size: Optional[int] = typer.Option(None, help="samples per fine-tuning step (override)"),
    assets: Optional[int] = typer.Option(None, help="held-out assets to evaluate (override; at most 40)"),
    methods: Optional[str] = typer.Option(None, help="comma-separated subset, e.g. naive,mixed,realiz3d"),
    tasks: Optional[str] = typer.Option(None, help="comma-separated subset of multiview,texturing"),
    shifter_form: str = typer.Option("bias", help="Domain Shifters: bias (the paper's), token or caption (beyond it)"),
    stage1_lr: Optional[float] = typer.Option(None, help="stage-1 learning rate (default: 0.02 for bias, 0.005 for token and caption)"),
    real_fraction: Optional[float] = typer.Option(None, help="share of real images in stage-2 batches of the methods trained with real data (default: their configs', 0.5)"),
    real_loss_weight: Optional[float] = typer.Option(None, help="weight of a real sample's error in the stage-2 loss of the same methods (synthetic: 1; default 1)"),
    freeze_k: Optional[str] = typer.Option(None, help="layer-aware training: real samples leave blocks [0, k) frozen, k drawn from LO..HI, e.g. 3,5 (default: the configs', 1,3)"),
    base: Optional[Path] = typer.Option(None, help="base model every method starts from: a checkpoint folder, or base_long for the three-run base the committed reproduction started from (default: the shipped realiz3d/weights/base)"),
    tune_schedule: bool = typer.Option(False, "--tune-schedule", help="tune each seed's Realiz3D schedule on the validation split to the goal's realism floor and score it there as \"realiz3d (tuned)\", the row the headline reads (claims stay at the plan's schedule; a few minutes a seed and task)"),
    tune_realism_keep: Optional[float] = typer.Option(None, help="with --tune-schedule: the share of real mode's realism to keep (default 0.9, the goal's floor)"),
):
    """The paper's Table 1 and ablations on the built-in world: train, evaluate, report."""
    from .experiments import ABLATIONS, BASELINES, TASKS, Plan, reproduce as run

    kw: dict = {"seeds": seeds} if seeds else {}
    if first_seed:
        kw["first_seed"] = first_seed
    if steps:
        kw["steps"] = steps
    if stage1_steps:
        kw["stage1_steps"] = stage1_steps
    if batch_size:
        kw["batch_size"] = batch_size
    if assets:
        kw["eval_assets"] = assets
    if methods:
        ms = tuple(m.strip() for m in methods.split(",") if m.strip())
        bad = [m for m in ms if m not in BASELINES + ABLATIONS + ("realiz3d",)]
        if bad:
            raise InputError(f"--methods: unknown {bad[0]!r}; expected some of {BASELINES + ('realiz3d',) + ABLATIONS}")
        kw["methods"] = ms
    if tasks:
        ts = tuple(t.strip() for t in tasks.split(",") if t.strip())
        if any(t not in TASKS for t in ts):
            raise InputError(f"--tasks: expected some of {TASKS}")
        kw["tasks"] = ts
    if shifter_form != "bias":
        kw["shifter_form"] = shifter_form
    if stage1_lr is not None:
        kw["stage1_lr"] = stage1_lr
    if real_fraction is not None:
        kw["real_fraction"] = real_fraction
    if real_loss_weight is not None:
        kw["real_loss_weight"] = real_loss_weight
    if freeze_k is not None:
        m = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*", freeze_k)
        if not m:
            raise InputError(f"--freeze-k {freeze_k!r}: expected two block counts LO,HI, e.g. 3,5")
        kw["freeze_k"] = (int(m.group(1)), int(m.group(2)))
    if base is not None:
        kw["base"] = str(base.resolve())
    if tune_realism_keep is not None and not tune_schedule:
        raise InputError("--tune-realism-keep: set with --tune-schedule only")
    if tune_schedule:
        kw["tune_schedule"] = True
        if tune_realism_keep is not None:
            kw["tune_realism_keep"] = tune_realism_keep
    plan = Plan.preset("quick" if quick else "default", str(world.resolve()), str(out.resolve()), **kw)
    _ensure_world(world)  # after the options are checked: a bad option costs no world build
    summary = run(plan, command=" ".join(["realiz3d"] + sys.argv[1:]))
    typer.echo((out / "results.md").read_text())
    typer.echo(f"report: {out / 'report.html'} ({summary['seconds']} s)")


@app.command()
def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="output folder (report.html)"),
    world: Path = typer.Option(Path("worlds/default"), help="built-in world folder (built if missing)"),
):
    """The main job: stage 1 + stage 2 on the built-in world, text-to-multiview, texturing,
    a comparison with the naive baseline, all in out/report.html."""
    from .experiments import run_demo

    _ensure_world(world)
    summary = run_demo(world.resolve(), out.resolve())
    typer.echo(f"report: {out / 'report.html'} ({summary['seconds']} s)")


def _ensure_world(world: Path) -> None:
    if not (world / "world.json").is_file():
        from .world.build import WorldConfig, build_world

        typer.echo(f"building the built-in world in {world} ...", err=True)
        build_world(world, WorldConfig())


def _prompts(prompt, prompts_file) -> list[str]:
    if prompts_file is not None:
        if not prompts_file.is_file():
            raise InputFileError(f"{prompts_file}: prompts file not found")
        plist = [l.strip() for l in prompts_file.read_text(encoding="utf-8").splitlines() if l.strip()]
        if not plist:
            raise InputError(f"{prompts_file}: no prompts (expected one per line)")
        return plist
    if prompt is None or not prompt.strip():
        raise InputError("prompt: expected a non-empty caption (or --prompts FILE)")
    return [prompt]


def _azimuths(text: str | None, views: int) -> list[float] | None:
    """--azimuths "0,90,180,270": one number of degrees per view."""
    if text is None:
        return None
    try:
        vals = [float(a) for a in text.split(",")]
    except ValueError:
        raise InputError(f"--azimuths {text!r}: expected comma-separated numbers of degrees, e.g. 0,90,180,270") from None
    if len(vals) != views:
        raise InputError(f"--azimuths {text!r}: {len(vals)} azimuths for --views {views} (one per view)")
    return vals


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "prompt"


def main(argv: Optional[List[str]] = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _quiet_libraries()
    try:
        app(args=argv, standalone_mode=False)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001
        exits, usage, aborts = _command_line_exceptions()
        if isinstance(e, exits):
            sys.exit(e.exit_code)
        if isinstance(e, usage):  # a missing or malformed argument: click's usage message
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, aborts):
            print("aborted", file=sys.stderr)
            sys.exit(1)
        if not isinstance(e, Realiz3DError) or os.environ.get("REALIZ3D_DEBUG"):
            raise  # a bug (ours or a library's): its traceback, exit status 1
        # bad input: one line naming it, no traceback
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"error: {msg}", file=sys.stderr)
        sys.exit(2)


def _command_line_exceptions() -> tuple[tuple, tuple, tuple]:
    """(exit, usage error, abort) exception classes of the command-line layer. Typer >= 0.24
    raises those of its own bundled copy of click (typer.exceptions), which are not click's:
    catching click's alone let a missing option end in a traceback."""
    import click
    import typer

    exits, usage, aborts = [click.exceptions.Exit], [click.ClickException], [click.exceptions.Abort]
    texc = getattr(typer, "exceptions", None)
    for name, kinds in (("Exit", exits), ("Abort", aborts), ("TyperException", usage)):
        cls = getattr(texc, name, None)
        if isinstance(cls, type) and cls not in kinds:
            kinds.append(cls)
    return tuple(exits), tuple(usage), tuple(aborts)


def _quiet_libraries():
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    # diffusers 0.36 warns at import on machines without CUDA (its Kandinsky module)
    warnings.filterwarnings("ignore", message="CUDA is not available or torch_xla is imported")
    for name in ("diffusers", "transformers", "accelerate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as tlog

        tlog.disable_progress_bar()
        tlog.set_verbosity_error()
    except Exception:
        pass
    _one_line_warnings()


def _one_line_warnings():
    """Our own warnings (a request outside what a model was trained on) read as one line,
    "warning: ...", at the command line; a library's keep their source. Installed once."""
    import warnings

    plain = warnings.formatwarning
    if getattr(plain, "realiz3d", False):
        return

    def fmt(message, category, filename, lineno, line=None):
        if f"{os.sep}realiz3d{os.sep}" in str(filename) and issubclass(category, UserWarning):
            return f"warning: {message}\n"
        return plain(message, category, filename, lineno, line)

    fmt.realiz3d = True
    warnings.formatwarning = fmt


if __name__ == "__main__":
    main()
