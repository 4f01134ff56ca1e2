"""Evaluator networks of the built-in world, trained once on renders that no training
run sees (their own seed, both domains, all 120 (kind, material) pairs).

- DomainCritic: P(real) of an image (realism score), and a feature space for a Fréchet
  distance to held-out real images. Its negatives are synthetic renders, synthetic renders
  with noise or blur, partly noised real images and pure noise: a critic trained on clean
  renders alone scores noise as "real" (a lesson of the pilot).
- AttributeNet: azimuth bin of a view relative to the object's front (front/right/back/left;
  camera adherence; every kind shows its front in world v2), material (10) and kind (12)
  (caption adherence).
- GeometryNet: per-pixel foreground mask and normals of an image, so that control
  adherence is scored against the exact control maps (mask IoU, normal agreement).

Held-out scores (a tenth of the renders, never trained on) are kept in evaluators.json,
per domain and, for the azimuth, both at uniformly random azimuths and at the world's own
camera layout (azimuths 0/90/180/270, the cameras every generated view is scored at); the
latter is the ceiling to quote beside a view accuracy.

`realiz3d train-evaluators --out DIR` reproduces the shipped weights.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from ..camera import CameraSetup, orbit_camera
from ..progress import track
from ..render import Renderer
from ..world.assets import KINDS, MATERIALS, Asset, front_azimuth
from ..world.shading import render_views
from ..errors import InputFileError

EVALUATOR_DIR = Path(__file__).resolve().parent.parent / "weights" / "evaluators"
AZIMUTH_BINS = 4  # front (0), right (90), back (180), left (270), each +-45 degrees


def azimuth_bin(azimuth: float) -> int:
    return int(((azimuth + 45) % 360) // 90)


def _block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.GroupNorm(8, cout), nn.SiLU())


class Trunk(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        # downsample first: at 32x32 the full-resolution layers would cost most of the time
        self.net = nn.Sequential(_block(3, w, 2), _block(w, 2 * w, 1), _block(2 * w, 2 * w, 2),
                                 _block(2 * w, 4 * w, 1), _block(4 * w, 4 * w, 2))
        self.dim = 4 * w

    def forward(self, x):  # (B, 3, H, W) in [-1, 1]
        return self.net(x).mean(dim=(2, 3))  # (B, D)


class DomainCritic(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        self.trunk = Trunk(width)
        self.head = nn.Linear(self.trunk.dim, 1)

    def features(self, x):
        return self.trunk(x)

    def forward(self, x):
        return self.head(self.trunk(x)).squeeze(1)  # logit of "real"

    def p_real(self, x):
        return torch.sigmoid(self(x))


class AttributeNet(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        self.trunk = Trunk(width)
        self.azimuth = nn.Linear(self.trunk.dim, AZIMUTH_BINS)
        self.material = nn.Linear(self.trunk.dim, len(MATERIALS))
        self.kind = nn.Linear(self.trunk.dim, len(KINDS))

    def forward(self, x):
        h = self.trunk(x)
        return self.azimuth(h), self.material(h), self.kind(h)


class GeometryNet(nn.Module):
    """A small U-Net: mask logit + normal (3) per pixel."""

    def __init__(self, width: int = 32):
        super().__init__()
        w = width // 2
        self.e1 = nn.Sequential(_block(3, w, 1))
        self.e2 = nn.Sequential(_block(w, 2 * w, 2), _block(2 * w, 2 * w, 1))
        self.e3 = nn.Sequential(_block(2 * w, 4 * w, 2), _block(4 * w, 4 * w, 1))
        self.d2 = nn.Sequential(_block(6 * w, 2 * w, 1))
        self.d1 = nn.Sequential(_block(3 * w, w, 1), nn.Conv2d(w, 4, 1))

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(a)
        c = self.e3(b)
        u = F.interpolate(c, scale_factor=2, mode="nearest")
        u = self.d2(torch.cat([u, b], 1))
        u = F.interpolate(u, scale_factor=2, mode="nearest")
        out = self.d1(torch.cat([u, a], 1))
        return out[:, 0], F.normalize(out[:, 1:], dim=1)  # (B, H, W) logit, (B, 3, H, W)


# -- data --------------------------------------------------------------------------------
@dataclass
class EvaluatorConfig:
    seed: int = 1234
    resolution: int = 32
    images: int = 12000
    steps: int = 1200  # critic and geometry
    attribute_steps: int | None = 3000  # the attribute network's (azimuth, material, kind); None: `steps`
    batch_size: int = 96
    lr: float = 0.002
    width: int = 32


def render_eval_set(cfg: EvaluatorConfig, workers: int = 2, progress: bool = True) -> dict[str, torch.Tensor]:
    """Single views of random assets of all pairs, in both domains, at random cameras."""
    from multiprocessing import get_context

    jobs = [(cfg, i) for i in range(cfg.images)]
    if workers > 1:
        with get_context("fork").Pool(workers) as pool:
            it = pool.imap(_render_one, jobs, chunksize=16)
            rows = list(track(it, "evaluator renders", len(jobs), progress))
    else:
        rows = [_render_one(j) for j in track(jobs, "evaluator renders", len(jobs), progress)]
    out = {k: torch.from_numpy(np.stack([r[k] for r in rows])) for k in rows[0]}
    return out


def _render_one(args):
    """One view of a random asset: half at a uniformly random azimuth, half at the world's
    layout (a multiple of 90 degrees); the label is the azimuth relative to the object's front."""
    cfg, i = args
    rng = np.random.default_rng([cfg.seed, 77, i])
    k, m = int(rng.integers(len(KINDS))), int(rng.integers(len(MATERIALS)))
    asset = Asset(f"e{i}", KINDS[k], MATERIALS[m], int(rng.integers(2**31)))
    domain = "real" if rng.random() < 0.5 else "synthetic"
    layout = rng.random() < 0.5
    az = float(90 * rng.integers(4)) if layout else float(rng.uniform(0, 360))
    el = float(rng.uniform(-5, 40))
    setup = CameraSetup()
    cam = orbit_camera(az, el, setup.distance, cfg.resolution, setup.fov_deg)
    mesh, front = asset.posed()
    renderer = Renderer(mesh)
    rgb, maps = render_views(renderer, [cam], asset.material, domain, rng, 2, front=front)
    relative = az - front_azimuth(front)
    return {
        "rgb": (rgb[0].transpose(2, 0, 1) * 255).round().astype(np.uint8),
        "mask": (maps.mask[0] * 255).round().astype(np.uint8),
        "normal": maps.normal[0].transpose(2, 0, 1).astype(np.float16),
        "real": np.int64(domain == "real"),
        "azimuth": np.int64(azimuth_bin(relative)),
        "layout": np.int64(layout),
        "material": np.int64(m),
        "kind": np.int64(k),
    }



def _critic_batch(data, idx, g):
    """Positives: real renders. Negatives: synthetic, synthetic + noise/blur, partly noised
    real images, pure noise."""
    x = data["rgb"][idx].float() / 127.5 - 1
    y = data["real"][idx].float()
    b = len(idx)
    kind = torch.randint(0, 6, (b,), generator=g)
    noise = torch.randn(x.shape, generator=g)
    sig = torch.rand(b, generator=g).view(-1, 1, 1, 1)
    # 0,1,2: unchanged; 3: add noise (any image -> negative); 4: pure noise; 5: blur synthetic
    noisy = kind == 3
    x[noisy] = ((1 - sig[noisy] * 0.8) * x[noisy] + sig[noisy] * 0.8 * noise[noisy]).clamp(-1.5, 1.5)
    y[noisy] = 0
    pure = kind == 4
    x[pure] = noise[pure] * torch.rand(int(pure.sum()), 1, 1, 1, generator=g)
    y[pure] = 0
    blur = (kind == 5) & (y == 0)
    if blur.any():
        x[blur] = F.avg_pool2d(F.pad(x[blur], (1, 1, 1, 1), mode="replicate"), 3, 1)
    return x, y


def train_evaluators(out: str | Path, cfg: EvaluatorConfig, workers: int = 2, progress: bool = True) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    data = render_eval_set(cfg, workers, progress)
    n = len(data["rgb"])
    n_test = max(n // 10, 1)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed))
    test, train = perm[:n_test], perm[n_test:]
    torch.manual_seed(cfg.seed)
    nets = {"critic": DomainCritic(cfg.width), "attributes": AttributeNet(cfg.width), "geometry": GeometryNet(cfg.width)}
    report = {}
    for name, net in nets.items():
        steps = cfg.attribute_steps if name == "attributes" and cfg.attribute_steps else cfg.steps
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=steps, pct_start=0.1)
        g = torch.Generator().manual_seed(cfg.seed + len(name))
        it = track(range(steps), f"train {name}", show=progress)
        net.train()
        for step in it:
            idx = train[torch.randint(0, len(train), (cfg.batch_size,), generator=g)]
            loss = batch_loss(name, net, data, idx, g)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        report[name] = _test_scores(name, net, data, test)
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out / f"{name}.safetensors"))
    meta = {"config": asdict(cfg), "test_scores": report, "seconds": round(time.time() - t0, 1)}
    (out / "evaluators.json").write_text(json.dumps(meta, indent=2))
    return meta


def _augment(x, g):
    """Small shifts and colour jitter so the evaluators judge content, not exact pixels."""
    b = x.shape[0]
    gain = 1 + 0.1 * (torch.rand(b, 3, 1, 1, generator=g) - 0.5)
    return x * gain


def batch_loss(name, net, data, idx, g):
    if name == "critic":
        x, y = _critic_batch(data, idx, g)
        return F.binary_cross_entropy_with_logits(net(x), y)
    x = _augment(data["rgb"][idx].float() / 127.5 - 1, g)
    if name == "attributes":
        az, mat, kind = net(x)
        return (F.cross_entropy(az, data["azimuth"][idx]) + F.cross_entropy(mat, data["material"][idx])
                + F.cross_entropy(kind, data["kind"][idx]))
    m_logit, normal = net(x)
    m = data["mask"][idx].float() / 255
    gt_n = data["normal"][idx].float()
    l_mask = F.binary_cross_entropy_with_logits(m_logit, m)
    cos = (normal * gt_n).sum(1)
    l_n = ((1 - cos) * (m > 0.5)).sum() / (m > 0.5).sum().clamp(min=1)
    return l_mask + l_n


@torch.no_grad()
def _test_scores(name, net, data, idx):
    x = data["rgb"][idx].float() / 127.5 - 1
    if name == "critic":
        p = net.p_real(x)
        real = data["real"][idx].bool()
        noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
        return {"p_real_on_real": float(p[real].mean()), "p_real_on_synthetic": float(p[~real].mean()),
                "p_real_on_noise": float(net.p_real(noise).mean()), "accuracy": float(((p > 0.5) == real).float().mean())}
    if name == "attributes":
        az, mat, kind = net(x)
        ok_az = az.argmax(1) == data["azimuth"][idx]
        real, layout = data["real"][idx].bool(), data["layout"][idx].bool()
        res = {}
        for dom, sel in (("synthetic", ~real), ("real", real)):
            res[f"azimuth_accuracy_{dom}_world_cameras"] = float(ok_az[sel & layout].float().mean())
            res[f"azimuth_accuracy_{dom}_random_azimuths"] = float(ok_az[sel & ~layout].float().mean())
        res["azimuth_test_images"] = {"world_cameras": int(layout.sum()), "random_azimuths": int((~layout).sum())}
        res["material_accuracy"] = float((mat.argmax(1) == data["material"][idx]).float().mean())
        res["kind_accuracy"] = float((kind.argmax(1) == data["kind"][idx]).float().mean())
        return res
    m_logit, normal = net(x)
    gt = data["mask"][idx].float() / 255 > 0.5
    pred = m_logit > 0
    iou = ((pred & gt).flatten(1).sum(1).float() / (pred | gt).flatten(1).sum(1).clamp(min=1)).mean()
    cos = (normal * data["normal"][idx].float()).sum(1)[gt].mean()
    return {"mask_iou": float(iou), "normal_cosine": float(cos)}


class Evaluators:
    """The three shipped evaluator networks, loaded together."""

    def __init__(self, path: str | Path | None = None, width: int = 32):
        path = Path(path) if path else EVALUATOR_DIR
        self.path = path
        if not (path / "critic.safetensors").is_file():
            raise InputFileError(f"{path}: evaluator weights missing; run `realiz3d train-evaluators --out {path}`")
        meta = json.loads((path / "evaluators.json").read_text()) if (path / "evaluators.json").is_file() else {}
        width = meta.get("config", {}).get("width", width)
        self.resolution = meta.get("config", {}).get("resolution", 32)
        self.critic = DomainCritic(width).eval()
        self.attributes = AttributeNet(width).eval()
        self.geometry = GeometryNet(width).eval()
        for name in ("critic", "attributes", "geometry"):
            getattr(self, name).load_state_dict(load_file(str(path / f"{name}.safetensors")))


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, D)."""
    from scipy import linalg

    a, b = a.double().numpy(), b.double().numpy()
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))
