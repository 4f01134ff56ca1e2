"""Text-to-multiview in a few lines, the diffusers way:

    pipe = Realiz3DPipeline.from_pretrained("runs/stage2/final", torch_dtype=torch.bfloat16)  # () = built-in base
    pipe.to("cuda")
    # a checkpoint fine-tuned from a diffusers pipeline folder (PixArt, SD3) finds its VAE and
    # text encoders in the folder it was trained from (or pass pipeline="/models/...")
    out = pipe("a brick mug", num_views=4, num_inference_steps=30, guidance_scale=3.0,
               generator=torch.Generator().manual_seed(0), schedule="shifted")
    out.images    # output_type="pil": a PIL grid per prompt; "np" / "pt": (B, N, ...) in [0, 1]
    out.views     # always: (B, N, 3, H, W) in [-1, 1]

It is not a subclass of diffusers' DiffusionPipeline: a realiz3d checkpoint is a transformer
folder plus the adapters beside it (realiz3d_config.json, domain_shifters.safetensors), and its
VAE and text encoders are either the built-in MiniLM or those of the diffusers pipeline folder it
was trained from, referenced rather than copied, so there is no model_index.json of components
to register. save_pretrained / from_pretrained give the same round trip.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from .camera import CameraSetup, caption_with_view, plucker
from .checkpoint import trained_with
from .grid import tile
from .models import Realiz3DTransformer
from .models.builtin import BASE_MODEL_DIR
from .models.text import MiniLMTextEncoder
from .objectives import make_objective
from .sampling import DomainSchedule, sample
from .errors import InputError, InputFileError
from .runtime import default_device


def camera_maps(cameras: list, batch: int) -> torch.Tensor:
    """Plücker maps of N cameras, repeated for a batch: (batch, N, 6, H, W)."""
    import numpy as np

    c = torch.from_numpy(np.stack([plucker(cam) for cam in cameras]))  # (N, 6, H, W)
    return c.unsqueeze(0).expand(batch, -1, -1, -1, -1).contiguous()


OUTPUT_TYPES = ("pil", "np", "pt")


@dataclass
class PipelineOutput:
    views: torch.Tensor  # (B, N, 3, H, W) in [-1, 1]
    images: object  # output_type pil: a PIL grid per sample; np: (B, N, H, W, 3), pt: (B, N, 3, H, W) in [0, 1]
    settings: list[dict] = field(default_factory=list)


def _check_dtype(torch_dtype) -> torch.dtype:
    if not isinstance(torch_dtype, torch.dtype) or not torch_dtype.is_floating_point:
        raise InputError(f"torch_dtype={torch_dtype!r}: expected a floating dtype (torch.float32, torch.bfloat16, torch.float16)")
    return torch_dtype


class Realiz3DPipeline:
    def __init__(self, model: Realiz3DTransformer, text_encoder=None, objective="flow", checkpoint: str | None = None,
                 codec=None):
        self.model = model.eval()
        self.text_encoder = text_encoder or MiniLMTextEncoder()
        self.objective = make_objective(objective) if isinstance(objective, str) else objective
        self.checkpoint = checkpoint
        self.codec = codec  # a latent pipeline's VAE (realiz3d.latent.LatentStack); None in pixel space

    @property
    def transformer(self) -> Realiz3DTransformer:
        """The model (diffusers' name for it)."""
        return self.model

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    @property
    def device(self) -> torch.device:
        return self.model.device

    def to(self, device=None, dtype: torch.dtype | None = None) -> "Realiz3DPipeline":
        """Move the transformer (and a latent pipeline's VAE and text encoders) to `device`
        and/or `dtype`; returns the pipeline, as diffusers' `.to` does."""
        if isinstance(device, torch.dtype):
            device, dtype = None, device
        if dtype is not None:
            _check_dtype(dtype)
        self.model.to(device=device, dtype=dtype)
        if self.codec is not None:
            self.codec.pipe.to(device=device, dtype=dtype)
        return self

    def load_domain_shifters(self, path: str | Path) -> None:
        """Domain Shifters from another run onto this pipeline's transformer (see
        Realiz3DTransformer.load_domain_shifters)."""
        self.model.load_domain_shifters(path)
        self.model.to(self.device, self.dtype)

    def save_pretrained(self, path: str | Path) -> None:
        """Write the checkpoint (transformer, adapters, config) so that from_pretrained(path)
        gives this pipeline back (a latent pipeline's VAE and text encoders stay referenced)."""
        self.model.save_pretrained(path)

    @classmethod
    def from_pretrained(cls, path: str | Path | None = None, device: str | None = None,
                        pipeline: str | Path | None = None, torch_dtype: torch.dtype = torch.float32) -> "Realiz3DPipeline":
        """torch_dtype: the weights' dtype (bf16 halves the memory of the transformer and of a
        latent pipeline's text encoders); sampling steps stay in float32."""
        _check_dtype(torch_dtype)
        path = Path(path) if path else BASE_MODEL_DIR
        if (path / "model_index.json").is_file() and not (path / "realiz3d_config.json").is_file():
            return cls.from_base_pipeline(path, device, torch_dtype)
        if not (path / "realiz3d_config.json").is_file():
            if path == BASE_MODEL_DIR:
                raise InputFileError(f"the built-in base model is missing at {path}; reinstall realiz3d or pass --checkpoint")
            raise InputFileError(f"{path}: not a realiz3d checkpoint (no realiz3d_config.json)")
        model = Realiz3DTransformer.from_pretrained(path)
        device = default_device(device)
        model = model.to(device=device, dtype=torch_dtype)
        facts = trained_with(model.config)
        pipe_dir = pipeline or facts.pipeline
        if pipe_dir:
            from .latent import LatentStack, PipelineTextEncoder

            if not Path(pipe_dir).is_dir():
                raise InputFileError(f"{path} was trained from the pipeline folder {pipe_dir}, which is not here; "
                                        "pass its new location (--pipeline)")
            stack = LatentStack.from_folder(pipe_dir, device, dtype=torch_dtype,
                                            max_length=facts.text_max_length)
            return cls(model, PipelineTextEncoder(stack, memo=True), stack.objective(), str(path), codec=stack)
        name = facts.objective
        objective = make_objective(name, shift=float(facts.flow_shift)) if name == "flow" else name
        return cls(model, objective=objective, checkpoint=str(path))

    @classmethod
    def from_base_pipeline(cls, folder: str | Path, device: str | None = None,
                           torch_dtype: torch.dtype = torch.float32) -> "Realiz3DPipeline":
        """A diffusers pipeline folder's own model (no domain mechanism, no control): the base
        text-to-image model, e.g. for `realiz3d make-real`."""
        from .latent import LatentStack, PipelineTextEncoder
        from .models import ModelConfig
        from .checkpoint import load_backbone

        folder = Path(folder)
        device = default_device(device)
        backbone = load_backbone(folder / "transformer")
        model = Realiz3DTransformer(backbone, ModelConfig(domain="none", control="none",
                                                          pred_channels=int(backbone.config.in_channels),
                                                          extra={"pipeline": str(folder.resolve()), "views": 1}))
        stack = LatentStack.from_folder(folder, device, dtype=torch_dtype)
        return cls(model.to(device=device, dtype=torch_dtype), PipelineTextEncoder(stack, memo=True), stack.objective(), str(folder), codec=stack)

    @property
    def trained_views(self) -> int:
        """Views per sample the model was fine-tuned on (1: a text-to-image model, whose
        views are generated as independent images in single-image mode)."""
        return int(trained_with(self.model.config).views)

    @property
    def resolution(self) -> int:
        """Pixels per view."""
        factor = self.codec.factor if self.codec is not None else 1
        return int(trained_with(self.model.config).resolution or self.model.backbone.config.sample_size * factor)

    @property
    def camera_setup(self) -> CameraSetup:
        """The camera set-up of the data the model was trained on (saved in its checkpoint);
        the built-in world's default for checkpoints that predate saved set-ups."""
        return CameraSetup.from_dict(trained_with(self.model.config).camera_setup)

    def cameras(self, num_views: int, elevation: float | None = None, azimuths: list[float] | None = None,
                start_azimuth: float = 0.0) -> list:
        """The cameras of N views in the model's camera set-up: evenly spaced in azimuth from
        `start_azimuth`, or at `azimuths` (degrees); elevation by default the middle of the
        trained range. An elevation outside it (by more than 5 degrees) draws a warning, and so do
        azimuths off the world's ring for a model whose data had no azimuth offsets."""
        import warnings

        setup = self.camera_setup
        if azimuths is not None:
            azimuths = [float(a) for a in azimuths]
            if len(azimuths) != num_views:
                raise InputError(f"azimuths: {len(azimuths)} given for {num_views} views")
        if elevation is not None and not setup.covers_elevation(elevation):
            warnings.warn(f"elevation {elevation:g}: the model was trained on elevations "
                          f"{setup.elevation_min:g}-{setup.elevation_max:g}; its views may not follow the cameras")
        cams = setup.cameras(self.resolution, elevation=elevation, num_views=num_views, azimuths=azimuths,
                             start_azimuth=start_azimuth)
        off = [c.azimuth for c in cams if not setup.covers_azimuth(c.azimuth)]
        if off and self.model.config.control == "camera":
            ring = ", ".join(f"{360.0 * i / setup.views:g}" for i in range(setup.views))
            warnings.warn(f"azimuths {', '.join(f'{a:g}' for a in off)}: the model was trained only on cameras at "
                          f"azimuths {ring} (its data had no azimuth offsets); its views follow other azimuths "
                          "less well (docs/results_history.md, 'cameras between the world's azimuths')")
        return cams

    def camera_control(self, num_views: int, elevation: float | None, batch: int, azimuths: list[float] | None = None,
                       start_azimuth: float = 0.0) -> torch.Tensor:
        """(batch, N, 6, H, W) Plücker maps of `cameras(...)`."""
        return camera_maps(self.cameras(num_views, elevation, azimuths, start_azimuth), batch)

    @torch.no_grad()
    def __call__(
        self,
        prompt: str | list[str],
        num_views: int = 4,
        seed: int | list[int] = 0,
        num_inference_steps: int = 30,
        guidance_scale: float = 3.0,
        negative_prompt: str | list[str] = "",
        schedule: str | DomainSchedule = "shifted",
        control: torch.Tensor | None = None,
        elevation: float | None = None,
        azimuths: list[float] | None = None,
        start_azimuth: float = 0.0,
        generator: torch.Generator | list[torch.Generator] | None = None,
        latents: torch.Tensor | None = None,
        output_type: str = "pil",
        return_dict: bool = True,
        callback_on_step_end: Callable | None = None,
        callback_on_step_end_tensor_inputs: list[str] = ("latents",),
        control_guidance_scale: float = 0.0,
        view_words: bool | None = None,
        view_azimuths: list[list[float]] | None = None,
    ) -> PipelineOutput | tuple:
        """Generate `num_views` views per prompt. The initial noise comes from `latents`
        (B, N, C, h, w) if given, else from `generator` (one, or one per prompt, as in
        diffusers), else from `seed` (prompt i: seed + i; realiz3d's reproducible default).
        callback_on_step_end(pipe, step, timestep, {"latents": x}) -> dict, as in diffusers:
        a "latents" it returns replaces the current ones. return_dict=False: (images,).
        control_guidance_scale > 0: guidance on the control (cameras or maps) as well as on the
        text (one more pass per step; for models trained with train.control_dropout).
        view_words: name each view in its caption ("a wood chair, back view", from the camera's
        azimuth; objects face azimuth 0, as in the built-in world); None = as the model was
        trained (data.view_words). view_azimuths: per prompt, each view's azimuth relative to the
        object's front, to name the views by when `control` is given (default: the cameras')."""
        if output_type not in OUTPUT_TYPES:
            raise InputError(f"output_type={output_type!r}: expected one of {OUTPUT_TYPES}")
        unknown = set(callback_on_step_end_tensor_inputs) - {"latents"}
        if unknown:
            raise InputError(f"callback_on_step_end_tensor_inputs: {sorted(unknown)} not available (only 'latents')")
        prompts, seeds, negs = _prompt_lists(prompt, seed, negative_prompt)
        b = len(prompts)
        sched = schedule if isinstance(schedule, DomainSchedule) else DomainSchedule(schedule)
        if not self.model.has_domain:
            sched = DomainSchedule("real")  # a base or baseline model: nothing to shift
        dev = self.model.device
        kind = self.model.config.control
        cam_azimuths = None
        if control is None and kind == "camera":
            cams = self.cameras(num_views, elevation, azimuths, start_azimuth)
            cam_azimuths = [c.azimuth for c in cams]
            control = camera_maps(cams, b)
        elif control is None and kind == "texturing":
            raise InputError("a texturing model needs normal + position maps: use `realiz3d texture`")
        if control is not None:
            control = control.to(dev)
        if view_words is None:
            view_words = trained_with(self.model.config).view_words
        text_prompts, text_negs = prompts, negs
        if view_words and num_views > 1:  # one caption per view
            if view_azimuths is None:
                azs = cam_azimuths or [c.azimuth for c in self.cameras(num_views, elevation, azimuths, start_azimuth)]
                view_azimuths = [azs] * b
            if len(view_azimuths) != b or any(len(a) != num_views for a in view_azimuths):
                raise InputError(f"view_azimuths: expected {b} lists of {num_views} azimuths")
            text_prompts = [caption_with_view(p, a) for p, azs in zip(prompts, view_azimuths) for a in azs]
            text_negs = [n for n in negs for _ in range(num_views)]
        size = int(self.model.backbone.config.sample_size)
        shape = (num_views, self.model.config.pred_channels, size, size)
        latents = _initial_latents(latents, generator, b, shape)
        callback = None
        if callback_on_step_end is not None:
            def callback(i, t, x):
                res = callback_on_step_end(self, i, t, {"latents": x})
                return res.get("latents", x) if isinstance(res, dict) else x
        x = sample(self.model, self.objective.scheduler(), self.text_encoder.encode(text_prompts, dev),
                   self.text_encoder.encode(text_negs, dev) if guidance_scale != 1.0 else None,
                   shape, seeds, num_inference_steps, guidance_scale,
                   control, sched, multiview=num_views > 1 and self.trained_views > 1, callback=callback,
                   latents=latents, control_guidance=control_guidance_scale)
        if self.codec is not None:
            x = self.codec.decode(x)
        x = x.clamp(-1, 1).float()
        images = _images(x, output_type)
        settings = [{"checkpoint": self.checkpoint, "prompt": p, "negative_prompt": n, "seed": s, "num_views": num_views,
                     "steps": num_inference_steps, "guidance": guidance_scale,
                     "control_guidance": control_guidance_scale, "schedule": sched.to_dict(),
                     "scheduler": type(self.objective.scheduler()).__name__,
                     "elevation": self.camera_setup.elevation if elevation is None else elevation,
                     "azimuths": cam_azimuths, "view_words": bool(view_words and num_views > 1)}
                    for p, n, s in zip(prompts, negs, seeds)]
        if latents is not None:
            for st in settings:
                st["seed"] = None  # the noise came from a generator or from latents
        if not return_dict:
            return (images,)
        return PipelineOutput(x.cpu(), images, settings)


def write_outputs(out: PipelineOutput, out_dir: Path, names: list[str] | None = None) -> list[Path]:
    """grid.png, view-K.png and settings.json per sample (a subfolder per prompt when several)."""
    out_dir = Path(out_dir)
    paths = []
    from PIL import Image

    from .visual import to_uint8_images

    arr = to_uint8_images(out.views)
    for i, (grid, st) in enumerate(zip(out.images, out.settings)):
        d = out_dir / names[i] if names else (out_dir if len(out.images) == 1 else out_dir / f"{i:03d}")
        d.mkdir(parents=True, exist_ok=True)
        grid.save(d / "grid.png")
        for v in range(arr.shape[1]):
            Image.fromarray(arr[i, v]).save(d / f"view-{v}.png")
        (d / "settings.json").write_text(json.dumps(st, indent=2))
        paths.append(d)
    return paths


def _prompt_lists(prompt, seed, negative_prompt) -> tuple[list[str], list[int], list[str]]:
    """The prompts, one seed and one negative prompt per prompt (seed i = seed + i for an int)."""
    prompts = [prompt] if isinstance(prompt, str) else list(prompt)
    for p in prompts:
        if not isinstance(p, str) or not p.strip():
            raise InputError("prompt: expected a non-empty caption")
    b = len(prompts)
    seeds = [seed + i for i in range(b)] if isinstance(seed, int) else list(seed)
    if len(seeds) != b:
        raise InputError(f"{len(seeds)} seeds for {b} prompts")
    negs = [negative_prompt] * b if isinstance(negative_prompt, str) else list(negative_prompt)
    return prompts, seeds, negs


def _initial_latents(latents, generator, b: int, shape: tuple) -> torch.Tensor | None:
    """The starting noise (B, N, C, h, w): given, or drawn from the generator(s); None = from the seeds."""
    if latents is None and generator is not None:
        gens = generator if isinstance(generator, list) else None
        if gens is not None and len(gens) != b:
            raise InputError(f"{len(gens)} generators for {b} prompts")
        latents = torch.stack([torch.randn(shape, generator=g) for g in gens]) if gens else \
            torch.randn((b, *shape), generator=generator)
    if latents is not None and tuple(latents.shape) != (b, *shape):
        raise InputError(f"latents of shape {tuple(latents.shape)}: expected {(b, *shape)}")
    return latents


def _images(x: torch.Tensor, output_type: str):
    """Views (B, N, 3, H, W) in [-1, 1] as output_type: one PIL grid per prompt, numpy
    (B, N, H, W, 3) in [0, 1], or a tensor (B, N, 3, H, W) in [0, 1]."""
    if output_type == "pil":
        from PIL import Image

        from .visual import to_uint8_images

        arr = to_uint8_images(x)  # (B, N, H, W, 3)
        return [Image.fromarray(tile(a, channels_last=True)) for a in arr]
    if output_type == "np":
        return ((x + 1) / 2).permute(0, 1, 3, 4, 2).cpu().numpy()
    return ((x + 1) / 2).cpu()
