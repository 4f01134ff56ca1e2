"""FID, KID and CLIP score for real backbones, with feature extractors the user provides.

- FID / KID use the Inception-v3 feature network of the FID literature as the TorchScript
  file NVIDIA publishes for StyleGAN2-ADA / clean-fid (`inception-2015-12-05.pt`; called as
  `net(images_0_255, return_features=True)` -> (N, 2048)). Pass its local path.
- CLIP score uses a CLIP model folder (transformers' `CLIPModel` + processor, e.g. a copy of
  openai/clip-vit-large-patch14): 100 * max(cos(image, text), 0), averaged (the usual
  definition, as in torchmetrics).

`score_prompts` accumulates them batch by batch with torchmetrics (FrechetInceptionDistance,
KernelInceptionDistance and CLIPScore, given these feature extractors): only features are
kept (FID: running sums), and under `accelerate launch` each process scores its share of the
prompts and the metrics sync across processes. torchmetrics' own default extractors need
torch-fidelity and torchvision, whose wheel for this torch pulls a newer torch with CUDA
(several GB; `pip install --dry-run torch-fidelity`), hence the user-supplied networks.
`fid` and `kid` below are the same definitions on feature tensors: FID is the Fréchet distance
of Gaussians fitted to the features; KID is the unbiased MMD^2 with the cubic polynomial kernel
k(x, y) = (x.y / d + 1)^3, averaged over random subsets (Binkowski et al. 2018).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .evaluators import frechet_distance
from ..errors import Realiz3DError, InputError
from ..runtime import default_device


class MetricWeightsError(Realiz3DError, ValueError):
    """Feature-extractor weights missing or unusable; the message says what to pass."""


class _FeatureModule(torch.nn.Module):
    """The Inception TorchScript as torchmetrics' `feature` module: uint8 images (N, 3, H, W)
    -> (N, D). FID and KID are fed the same batch: the last result is reused."""

    def __init__(self, inception: "InceptionFeatures"):
        super().__init__()
        self.inc = inception
        self.num_features = int(inception(torch.zeros(1, 3, 32, 32)).shape[-1])
        self._last = (None, None)

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        if self._last[0] is imgs:
            return self._last[1]
        feats = self.inc(imgs.float() / 127.5 - 1).to(imgs.device)
        self._last = (imgs, feats)
        return feats


def _clip_mean(scorer: "ClipScorer"):
    """Mean CLIP score of `scorer` as a torchmetrics Metric (torchmetrics is imported only here)."""
    from torchmetrics import Metric

    class ClipMean(Metric):
        """Mean CLIP score as a torchmetrics Metric (running sum and count, summed across
        processes). torchmetrics' own CLIPScore reads CLIP outputs as tensors, which
        transformers 5 no longer returns; ClipScorer handles both."""

        full_state_update = False

        def __init__(self, scorer: "ClipScorer"):
            super().__init__()
            self.scorer = scorer
            self.add_state("total", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
            self.add_state("count", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")

        def update(self, images: torch.Tensor, texts: list[str]) -> None:
            self.total += self.scorer(images, texts) * len(images)
            self.count += len(images)

        def compute(self) -> torch.Tensor:
            return self.total / self.count.clamp(min=1)

    return ClipMean(scorer)


class StreamingScores:
    """FID, KID and CLIP score through torchmetrics, fed batch by batch (images in [-1, 1])."""

    def __init__(self, inception: "InceptionFeatures | None" = None, clip: "ClipScorer | None" = None,
                 kid_subset_size: int = 1000, kid_subsets: int = 100):
        from torchmetrics.image.fid import FrechetInceptionDistance
        from torchmetrics.image.kid import KernelInceptionDistance

        self.fid = self.kid = self.clip = None
        if inception is not None:
            feat = _FeatureModule(inception)
            self.fid = FrechetInceptionDistance(feature=feat, reset_real_features=False)
            self.kid = KernelInceptionDistance(feature=feat, subsets=kid_subsets, subset_size=max(2, kid_subset_size),
                                               reset_real_features=False)
        if clip is not None:
            self.clip = _clip_mean(clip)
        self.generated = self.references = 0

    @staticmethod
    def _bytes(images: torch.Tensor) -> torch.Tensor:
        return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)

    def update_references(self, images: torch.Tensor) -> None:
        if self.fid is not None:
            b = self._bytes(images)
            self.fid.update(b, real=True)
            self.kid.update(b, real=True)
        self.references += len(images)

    def update(self, images: torch.Tensor, texts: list[str]) -> None:
        if len(images) != len(texts):
            raise InputError(f"{len(images)} images for {len(texts)} captions")
        b = self._bytes(images)
        if self.fid is not None:
            self.fid.update(b, real=False)
            self.kid.update(b, real=False)
        if self.clip is not None:
            self.clip.update(images, texts)
        self.generated += len(images)

    def compute(self) -> dict:
        res = {}
        if self.fid is not None:
            res["fid"] = float(self.fid.compute())
            k_mean, k_std = self.kid.compute()
            res["kid"], res["kid_std"] = float(k_mean), float(k_std)
        if self.clip is not None:
            res["clip_score"] = float(self.clip.compute())
        return res


class InceptionFeatures:
    def __init__(self, path: str | Path | None, device=None):
        if path is None:
            raise MetricWeightsError("FID/KID need the Inception feature network: pass --inception PATH "
                                     "(the TorchScript inception-2015-12-05.pt of StyleGAN2-ADA / clean-fid)")
        path = Path(path)
        if not path.is_file():
            raise MetricWeightsError(f"--inception {path}: no such file")
        try:
            self.net = torch.jit.load(str(path), map_location="cpu").eval()
        except (RuntimeError, ValueError) as e:
            raise MetricWeightsError(f"--inception {path}: not a TorchScript model ({str(e).splitlines()[0][:120]})") from None
        self.device = default_device(device)
        self.net.to(self.device)

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, batch: int = 64) -> torch.Tensor:
        """images: (N, 3, H, W) in [-1, 1] -> (N, D) features."""
        out = []
        for chunk in images.split(batch):
            x = ((chunk.clamp(-1, 1) + 1) * 127.5).to(self.device)
            out.append(self.net(x, return_features=True).float().cpu())
        return torch.cat(out)


def fid(a: torch.Tensor, b: torch.Tensor) -> float:
    if len(a) < 2 or len(b) < 2:
        raise InputError(f"FID needs at least 2 images per set (got {len(a)} and {len(b)})")
    return frechet_distance(a, b)


def kid(a: torch.Tensor, b: torch.Tensor, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Unbiased MMD^2 with the cubic polynomial kernel over random subsets: (mean, std)."""
    a, b = a.double().numpy(), b.double().numpy()
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise InputError("KID needs at least 2 images per set")
    d = a.shape[1]
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        vals.append((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                    - 2 * kxy.mean())
    return float(np.mean(vals)), float(np.std(vals))


class ClipScorer:
    def __init__(self, path: str | Path | None, device=None):
        if path is None:
            raise MetricWeightsError("CLIP score needs a CLIP model: pass --clip FOLDER (a transformers CLIPModel "
                                     "saved locally, e.g. a copy of openai/clip-vit-large-patch14)")
        path = Path(path)
        if not (path / "config.json").is_file():
            raise MetricWeightsError(f"--clip {path}: not a transformers model folder (no config.json)")
        from transformers import AutoProcessor, CLIPModel

        try:
            self.model = CLIPModel.from_pretrained(str(path), local_files_only=True).eval()
            self.processor = AutoProcessor.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as e:
            raise MetricWeightsError(f"--clip {path}: cannot load a CLIP model ({str(e).splitlines()[0][:120]})") from None
        self.device = default_device(device)
        self.model.to(self.device)

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, texts: list[str], batch: int = 32) -> float:
        """Mean CLIP score of images (N, 3, H, W) in [-1, 1] against their captions."""
        if len(images) != len(texts):
            raise InputError(f"{len(images)} images for {len(texts)} captions")
        from PIL import Image

        scores = []
        for i in range(0, len(images), batch):
            arr = ((images[i : i + batch].clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
            pil = [Image.fromarray(a) for a in arr]
            enc = self.processor(text=texts[i : i + batch], images=pil, return_tensors="pt", padding=True, truncation=True)
            enc = {k: v.to(self.device) for k, v in enc.items()}
            img = self.model.get_image_features(pixel_values=enc["pixel_values"])
            txt = self.model.get_text_features(input_ids=enc["input_ids"], attention_mask=enc.get("attention_mask"))
            img = _features(img)
            txt = _features(txt)
            cos = torch.nn.functional.cosine_similarity(img, txt, dim=-1)
            scores.append((100 * cos.clamp(min=0)).cpu())
        return float(torch.cat(scores).mean())


def _features(x) -> torch.Tensor:
    # transformers 5 may return a model output; the projected embedding is its pooled output
    if torch.is_tensor(x):
        return x
    for name in ("image_embeds", "text_embeds", "pooler_output"):
        v = getattr(x, name, None)
        if v is not None:
            return v
    raise TypeError(f"unexpected CLIP output {type(x).__name__}")


def load_reference_images(folder: str | Path, resolution: int, limit: int | None = None) -> torch.Tensor:
    """Reference images for FID/KID: a real image set (metadata.jsonl) or any folder of images,
    resized to `resolution`; (N, 3, R, R) in [-1, 1]."""
    from ..data import DataError, load_image, load_real

    folder = Path(folder)
    if (folder / "metadata.jsonl").is_file():
        return load_real(folder, resolution, limit).rgb.float() / 127.5 - 1
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"))[:limit]
    if not files:
        raise DataError(f"--references {folder}: no images in it")
    arr = np.stack([load_image(p, resolution) for p in files])
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 127.5 - 1


def check_metric_args(references, inception, clip) -> None:
    """The cheap checks, before any model is loaded."""
    if references is not None and inception is None:
        raise MetricWeightsError("FID/KID need the Inception feature network: pass --inception PATH "
                                 "(the TorchScript inception-2015-12-05.pt of StyleGAN2-ADA / clean-fid)")
    if inception is not None and references is None:
        raise MetricWeightsError("--inception given without --references: FID/KID compare against a folder of reference images")
    if references is None and clip is None:
        raise MetricWeightsError("nothing to score: pass --references with --inception (FID/KID) and/or --clip (CLIP score)")
    for name, p in (("--references", references), ("--inception", inception), ("--clip", clip)):
        if p is not None and not Path(p).exists():
            raise MetricWeightsError(f"{name} {p}: no such file or folder")


def score_prompts(pipe, prompts: list[str], references: str | Path | None = None, inception: str | Path | None = None,
                  clip: str | Path | None = None, views: int = 4, steps: int = 30, guidance: float = 3.0,
                  schedule="shifted", seed: int = 0, batch: int = 8, progress: bool = True) -> dict:
    """Generate `views` views per prompt with `pipe` and score them: FID and KID against the
    reference images (needs `inception`), CLIP score against the prompts (needs `clip`)."""
    from ..progress import track

    check_metric_args(references, inception, clip)
    from accelerate import PartialState

    # under `accelerate launch`: this process's share of prompts and references (cpu=True on a
    # machine without CUDA, or a CPU launch forms no process group and every rank does it all)
    state = PartialState(cpu=not torch.cuda.is_available())
    inc = InceptionFeatures(inception) if references is not None else None
    clp = ClipScorer(clip) if clip is not None else None
    refs = load_reference_images(references, pipe.resolution) if references is not None else None
    n_gen = len(prompts) * views
    scores = StreamingScores(inc, clp, kid_subset_size=min(1000, n_gen, len(refs) if refs is not None else n_gen))
    if refs is not None:
        for chunk in refs[state.process_index :: state.num_processes].split(64):
            scores.update_references(chunk)
    starts = list(range(0, len(prompts), batch))[state.process_index :: state.num_processes]
    for i in track(starts, "generate", total=len(starts), show=progress and state.is_main_process):
        chunk = prompts[i : i + batch]
        out = pipe(chunk, num_views=views, seed=[seed + i + j for j in range(len(chunk))], num_inference_steps=steps,
                   guidance_scale=guidance, schedule=schedule)
        scores.update(out.views.flatten(0, 1), [p for p in chunk for _ in range(views)])
    res: dict = {"prompts": len(prompts), "images": n_gen, "views": views, "steps": steps, "guidance": guidance}
    res.update(scores.compute())
    if refs is not None:
        res["references"] = len(refs)
    return res
