"""The batch builder: what one training step sees.

`Data(cfg, resolution)` opens a run's sources (the stage table says which: real images,
synthetic renders, or both); `Data.batch(step, num_blocks)` builds the global batch of a step.

All the random draws of a step are made in one place (`Data.draws`), from a generator seeded by
(seed, step), in a fixed order and for every sample whether it uses them or not; so a sample's
randomness never depends on the others, runs repeat exactly, and a resumed run continues where
it stopped. Each kind of sample then is one small function:

| sample     | source                               | function            |
|------------|--------------------------------------|---------------------|
| real       | sharded stream (`realiz3d shard`)    | `_real_streamed`    |
| real       | folder in memory, or cached latents  | `_real_in_memory`   |
| synthetic  | sharded stream                       | `_synthetic_streamed` |
| synthetic  | folder in memory, or cached latents  | `_synthetic_in_memory` |

Real samples are in single-image mode and get the stage's layer-aware training and domain
reassignment (`_real_domain`); synthetic samples are multiview grids with control (or single
views with null control, when the stage has no control).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .camera import VIEW_WORDS, caption_with_view
from .config import STAGE_TABLE, ConfigError, RunConfig, stage_control, stage_sources
from .models import REAL, SYNTHETIC


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


@dataclass
class Draws:
    """Every random draw of one step (B samples, N views)."""

    is_real: torch.Tensor  # (B,) which samples are real
    drop: torch.Tensor  # (B,) caption dropout
    real_idx: torch.Tensor  # (B, N) real images of in-memory sets
    syn_idx: torch.Tensor  # (B,) synthetic asset of in-memory sets
    syn_view: torch.Tensor  # (B,) the view of a single-view synthetic sample
    k_freeze: torch.Tensor  # (B,) layer-aware training: blocks [0, k) frozen for a real sample
    reassign: torch.Tensor  # (B,) domain reassignment of a real sample
    k_re: torch.Tensor  # (B,) ... of blocks [0, k')
    noise: torch.Tensor  # (B, N, C, S, S)
    u: torch.Tensor  # (B,) noise level draw
    vae_eps: torch.Tensor | None  # latent backbones: the VAE posterior sample
    drop_control: torch.Tensor | None  # (B,) null control (train.control_dropout)
    per_view_u: tuple[torch.Tensor, torch.Tensor] | None  # (which samples, (B, N) levels) (train.view_noise)
    view_words: torch.Tensor | None = None  # (B,) captions that name the view (data.view_words)


@dataclass
class Sample:
    x0: torch.Tensor  # (N, C, H, W)
    captions: list[str]  # N
    x_std: torch.Tensor | None = None  # cached latents: the posterior's std
    control: torch.Tensor | None = None  # (N, Cc, H, W)
    multiview: bool = False


class Data:
    """The training data of a run. `resolution`: pixels per view; `space`: (channels, size)
    of the model's input (pixels for the built-in model, VAE latents for a pipeline);
    `latents`: cached VAE posteriors per set (realiz3d.cache), used instead of the images."""

    def __init__(self, cfg: RunConfig, resolution: int, progress: bool = True, space: tuple[int, int] | None = None,
                 latents: dict | None = None):
        from .data import load_real, load_synthetic
        from .shards import StreamSource, is_sharded

        d = cfg.data
        syn_dir = d.synthetic or (Path(d.world) / "synthetic" if d.world else None)
        real_dir = d.real or (world_real_folder(Path(d.world), cfg.train.stage) if d.world else None)
        use_real, use_syn = stage_sources(cfg)
        self.synthetic = self.real = None
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
        if d.view_words > 0:
            self._check_view_words()

    def _check_view_words(self) -> None:
        vw = self.cfg.data.view_words
        if self.streamed:
            raise ConfigError(f"data.view_words={vw} works with folder datasets, not with shards")
        if self.real is not None and all(a is None for a in self.real.view_azimuths):
            raise ConfigError(f"data.view_words={vw}: {self.real.root} does not say where each image's object faces "
                              "(metadata 'azimuth' and 'front_azimuth'; rebuild the world with `realiz3d world`)")
        if self.synthetic is not None and self.views > 1 and self.synthetic.view_azimuths(0) is None:
            raise ConfigError(f"data.view_words={vw}: {self.synthetic.root} does not say where its objects face "
                              "(metadata 'front_azimuth')")

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

    @property
    def captions(self) -> list[str]:
        """Every caption of the run's sources (what a text-embedding cache must hold)."""
        caps = [c for ds in (self.synthetic, self.real) if ds is not None for c in ds.captions]
        if self.cfg.data.view_words > 0:
            caps += [caption_with_view(c, 90.0 * k) for c in dict.fromkeys(caps) for k in range(len(VIEW_WORDS))]
        return caps

    # -- the draws of a step, in one place --------------------------------------------------
    def draws(self, step: int, num_blocks: int) -> Draws:
        """All the randomness of a step, in a fixed order (changing the order changes every run)."""
        t = self.cfg.train
        g = torch.Generator().manual_seed(_step_seed(t.seed, step))
        bsz, n = t.batch_size, self.views
        c, s = self.space
        if self.real is None:
            is_real = torch.zeros(bsz, dtype=torch.bool)
        elif self.synthetic is None:
            is_real = torch.ones(bsz, dtype=torch.bool)
        else:
            is_real = torch.rand(bsz, generator=g) < t.real_fraction  # _stream_seek replays this first draw
        drop = torch.rand(bsz, generator=g) < t.caption_dropout
        real_idx = torch.randint(0, len(self.real) if self.real is not None else 1, (bsz, n), generator=g)
        syn_idx = torch.randint(0, len(self.synthetic) if self.synthetic is not None else 1, (bsz,), generator=g)
        syn_view = torch.randint(0, self.synthetic.num_views if self.synthetic is not None else 1, (bsz,), generator=g)
        k_freeze = torch.randint(t.freeze_k[0], t.freeze_k[1] + 1, (bsz,), generator=g).clamp(max=num_blocks)
        reassign = torch.rand(bsz, generator=g) < t.reassign_p
        k_re = torch.randint(t.reassign_k[0], t.reassign_k[1] + 1, (bsz,), generator=g).clamp(max=num_blocks)
        noise = torch.randn(bsz, n, c, s, s, generator=g)
        u = torch.rand(bsz, generator=g)
        vae_eps = torch.randn(bsz, n, c, s, s, generator=g) if self.latent else None
        # the options below were added later: drawn after everything else, so runs without them
        # keep the batches they had
        drop_control = torch.rand(bsz, generator=g) < t.control_dropout if t.control_dropout > 0 else None
        per_view_u = None
        if t.view_noise > 0 and n > 1:
            per_view_u = (torch.rand(bsz, generator=g) < t.view_noise, torch.rand(bsz, n, generator=g))
        view_words = torch.rand(bsz, generator=g) < self.cfg.data.view_words if self.cfg.data.view_words > 0 else None
        return Draws(is_real, drop, real_idx, syn_idx, syn_view, k_freeze, reassign, k_re, noise, u, vae_eps,
                     drop_control, per_view_u, view_words)

    # -- one function per kind of sample --------------------------------------------------------
    def _real_streamed(self, i: int, d: Draws, n: int) -> Sample:
        items = self.real.take(n)
        return Sample(torch.stack([it["image"] for it in items]), [it["caption"] for it in items])

    def _real_in_memory(self, i: int, d: Draws, n: int) -> Sample:
        idx = d.real_idx[i]
        caps = [self.real.captions[j] for j in idx.tolist()]
        if d.view_words is not None and d.view_words[i]:
            caps = [caption_with_view(c, self.real.view_azimuths[j]) for c, j in zip(caps, idx.tolist())]
        if self.latents is not None:
            mean, std = (t_.squeeze(1) for t_ in self.latents["real"].get(idx.tolist()))
            return Sample(mean, caps, x_std=std)
        return Sample(self.real.images(idx).squeeze(1), caps)

    def _synthetic_streamed(self, i: int, d: Draws, n: int, ctrl_kind: str) -> Sample:
        it = self.synthetic.take(1)[0]
        v0 = int(d.syn_view[i]) if n == 1 else 0
        multi = n > 1
        control = it[ctrl_kind] if multi and ctrl_kind != "none" else None
        return Sample(it["views"][v0 : v0 + n], [it["caption"]] * n, control=control, multiview=multi)

    def _synthetic_in_memory(self, i: int, d: Draws, n: int, ctrl_kind: str) -> Sample:
        a = d.syn_idx[i : i + 1]
        v0 = int(d.syn_view[i]) if n == 1 else 0
        multi = n > 1
        control = self.synthetic.control(a, ctrl_kind)[0] if multi and ctrl_kind != "none" else None
        caps = [self.synthetic.captions[int(a)]] * n
        if d.view_words is not None and d.view_words[i]:
            rel = self.synthetic.view_azimuths(int(a))
            caps = [caption_with_view(c, r) for c, r in zip(caps, rel[v0 : v0 + n] if rel is not None else [None] * n)]
        if self.latents is not None:
            mean, std = self.latents["synthetic"].get([int(a)])
            return Sample(mean[0, v0 : v0 + n], caps, x_std=std[0, v0 : v0 + n], control=control, multiview=multi)
        return Sample(self.synthetic.images(a)[0, v0 : v0 + n], caps, control=control, multiview=multi)

    def _real_domain(self, i: int, d: Draws, domain: torch.Tensor, freeze: torch.Tensor) -> None:
        """A real sample: real mode; in stage 2, layer-aware training (blocks [0, k) frozen) and
        domain reassignment (blocks [0, k') in synthetic mode)."""
        domain[i] = REAL
        if STAGE_TABLE[self.cfg.train.stage].layer_aware:
            freeze[i] = d.k_freeze[i]
            if d.reassign[i]:
                domain[i, : d.k_re[i]] = SYNTHETIC

    # -- the batch ------------------------------------------------------------------------------
    def batch(self, step: int, num_blocks: int) -> Batch:
        """The global batch of a step, a pure function of (seed, step)."""
        t = self.cfg.train
        d = self.draws(step, num_blocks)
        bsz, n, r = t.batch_size, self.views, self.resolution
        c, s = self.space
        cached = self.latents is not None
        ctrl_kind = stage_control(self.cfg)
        x0 = torch.empty(bsz, n, c, s, s) if cached else torch.empty(bsz, n, 3, r, r)
        x_std = torch.empty(bsz, n, c, s, s) if cached else None
        control = torch.zeros(bsz, n, 6, r, r) if ctrl_kind != "none" else None
        domain = torch.full((bsz, num_blocks), REAL, dtype=torch.long)
        multiview = torch.zeros(bsz, dtype=torch.bool)
        freeze = torch.zeros(bsz, dtype=torch.long)
        captions: list[str] = []
        for i in range(bsz):
            if d.is_real[i]:
                smp = (self._real_streamed if self.real_streamed else self._real_in_memory)(i, d, n)
                self._real_domain(i, d, domain, freeze)
            else:
                smp = (self._synthetic_streamed if self.syn_streamed else self._synthetic_in_memory)(i, d, n, ctrl_kind)
                domain[i] = SYNTHETIC
            x0[i] = smp.x0
            if smp.x_std is not None:
                x_std[i] = smp.x_std
            if smp.control is not None:
                control[i] = smp.control
            multiview[i] = smp.multiview
            caps = [""] * n if d.drop[i] else smp.captions
            captions.extend(caps if n > 1 else caps[:1])
        if cached:
            x0 = x0 + x_std * d.vae_eps  # a fresh draw of the VAE posterior, as the uncached path makes
        if control is not None and d.drop_control is not None:
            control[d.drop_control] = 0  # null control: what guidance on the control compares against
        u = d.u
        if d.per_view_u is not None:  # multiview samples drawn for it: each view its own level
            which, uv = d.per_view_u
            u = torch.where((which & multiview)[:, None], uv, u[:, None].expand(bsz, n))
        stage2 = STAGE_TABLE[t.stage].layer_aware
        return Batch(x0, captions, control, domain, multiview, freeze if stage2 else None, d.is_real, d.noise, u,
                     d.vae_eps, encoded=cached or not self.latent)


def world_real_folder(world: Path, stage: str) -> Path:
    """A built-in world's real images: for pretraining, its pretrain/ set (real images plus a
    share of renders captioned "a 3d render of ..."), where the world has one."""
    own = world / STAGE_TABLE[stage].real_set
    return own if (own / "metadata.jsonl").is_file() else world / "real"


def _stream_seek(data: Data, step: int) -> None:
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
