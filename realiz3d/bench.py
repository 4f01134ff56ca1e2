"""Named benchmarks: `realiz3d bench NAME` prints one JSON object per benchmark.

Speed claims are ratios of two variants timed in the same run with interleaved repeats
(A B A B ...), so that a noisy machine slows both alike; raw medians are printed too.
"""
from __future__ import annotations

import json
import statistics
import time
from typing import Callable

import numpy as np
import torch
from .errors import InputError

BENCHMARKS: dict[str, Callable[..., dict]] = {}


def benchmark(name: str):
    def deco(fn):
        BENCHMARKS[name] = fn
        return fn

    return deco


def interleaved(variants: dict[str, Callable[[], None]], repeats: int = 10, warmup: int = 2) -> dict[str, list[float]]:
    """Time each variant `repeats` times, alternating between them; seconds per call."""
    for _ in range(warmup):
        for fn in variants.values():
            fn()
    times = {k: [] for k in variants}
    for _ in range(repeats):
        for k, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def summarize(times: dict[str, list[float]], ratio: tuple[str, str] | None = None) -> dict:
    out = {f"{k}_median_s": statistics.median(v) for k, v in times.items()}
    if ratio:
        a, b = ratio
        # ratio of medians, plus the median of per-repeat ratios (robust to drift)
        out[f"ratio_{a}_over_{b}"] = statistics.median(times[a]) / statistics.median(times[b])
        out[f"ratio_{a}_over_{b}_paired"] = statistics.median(x / y for x, y in zip(times[a], times[b]))
    return out


def _builtin(preset: str, **cfg):
    from .models import ModelConfig, Realiz3DTransformer
    from .models.builtin import build_builtin_backbone

    return Realiz3DTransformer(build_builtin_backbone(preset), ModelConfig(**cfg))


def _text(batch: int, hidden=384, length=24):
    from .models.families import TextCondition

    return TextCondition(torch.randn(batch, length, hidden), torch.ones(batch, length, dtype=torch.long))


def _train_step(model, x, t, cond, params, **kw):
    def step():
        for p in params:
            p.grad = None
        model(x, t, cond, **kw).square().mean().backward()

    return step


@benchmark("shifter-overhead")
def bench_shifter_overhead(preset: str = "default", batch: int = 64, repeats: int = 10) -> dict:
    """Forward+backward of the built-in model with Domain Shifters over without."""
    with_s = _builtin(preset, domain="shifter")
    without = _builtin(preset, domain="none")
    without.backbone.load_state_dict(with_s.backbone.state_dict())
    res = with_s.backbone.config.sample_size
    x = torch.randn(batch, 1, 3, res, res)
    t = torch.rand(batch) * 1000
    cond = _text(batch)
    times = interleaved(
        {
            "shifters": _train_step(with_s, x, t, cond, list(with_s.parameters()), domain="real"),
            "plain": _train_step(without, x, t, cond, list(without.parameters())),
        },
        repeats=repeats,
    )
    n_back = sum(p.numel() for p in with_s.backbone.parameters())
    n_shift = with_s.shifters.num_parameters()
    return {
        "benchmark": "shifter-overhead", "preset": preset, "batch": batch,
        **summarize(times, ("shifters", "plain")),
        "shifter_params": n_shift, "backbone_params": n_back, "shifter_param_fraction": n_shift / n_back,
    }


@benchmark("attention-modes")
def bench_attention_modes(preset: str = "default", batch: int = 16, views: int = 4, repeats: int = 10) -> dict:
    """Training step on a 4-view grid in single-image mode vs multiview mode."""
    model = _builtin(preset)
    res = model.backbone.config.sample_size
    x = torch.randn(batch, views, 3, res, res)
    t = torch.rand(batch) * 1000
    cond = _text(batch)
    params = list(model.parameters())
    times = interleaved(
        {
            "single": _train_step(model, x, t, cond, params, multiview=False),
            "multiview": _train_step(model, x, t, cond, params, multiview=True),
        },
        repeats=repeats,
    )
    return {"benchmark": "attention-modes", "preset": preset, "batch": batch, "views": views,
            **summarize(times, ("multiview", "single"))}


def run(name: str, **kw) -> list[dict]:
    names = list(BENCHMARKS) if name == "all" else [name]
    for n in names:
        if n not in BENCHMARKS:
            raise InputError(f"benchmark {n!r}: expected one of {sorted(BENCHMARKS)} or 'all'")
    import inspect

    results = []
    for n in names:
        fn = BENCHMARKS[n]
        args = {k: v for k, v in kw.items() if k in inspect.signature(fn).parameters}
        r = fn(**args)
        print(json.dumps(r), flush=True)
        results.append(r)
    return results


def _matmul_peak(n: int = 1024, repeats: int = 10) -> float:
    """This machine's fp32 matmul throughput (FLOP/s), measured now."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - t0)


def _step_flops(fn) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as fc:
        fn()
    return fc.get_total_flops()


@benchmark("train")
def bench_train(preset: str = "default", batch: int = 32, views: int = 4, repeats: int = 6) -> dict:
    """Stage-1 step vs full fine-tune step; real-sample steps with blocks [0, k) frozen;
    FLOP/s of a full step against the machine's matmul peak; peak memory per stage."""
    model = _builtin(preset)
    res = model.backbone.config.sample_size
    nb = model.num_blocks
    x1 = torch.randn(batch * views, 1, 3, res, res)  # single images (stage 1)
    t1 = torch.rand(batch * views) * 1000
    c1 = _text(batch * views)

    def set_grad(params):
        for p in model.parameters():
            p.requires_grad_(False)
        for p in params:
            p.requires_grad_(True)

    def stage1():
        set_grad(model.domain_parameters())
        _train_step(model, x1, t1, c1, model.domain_parameters())()

    def full():
        set_grad(model.backbone_parameters())
        _train_step(model, x1, t1, c1, model.backbone_parameters())()

    times = interleaved({"stage1": stage1, "full": full}, repeats=repeats)
    out = {"benchmark": "train", "preset": preset, "images_per_step": batch * views,
           **summarize(times, ("stage1", "full"))}

    # real samples: 4-view grids in single-image mode, blocks [0, k) frozen (backward stops at block k)
    set_grad(model.backbone_parameters())
    xg = torch.randn(batch, views, 3, res, res)
    tg = torch.rand(batch) * 1000
    cg = _text(batch)
    ks = list(range(0, nb + 1, max(1, nb // 3)))
    variants = {f"k{k}": _train_step(model, xg, tg, cg, model.backbone_parameters(), multiview=False,
                                     freeze_k=torch.full((batch,), k)) for k in ks}
    tk = interleaved(variants, repeats=repeats)
    base = statistics.median(tk["k0"])
    out["frozen_k_over_unfrozen"] = {k: round(statistics.median(v) / base, 3) for k, v in tk.items()}
    out["frozen_k_median_s"] = {k: statistics.median(v) for k, v in tk.items()}

    flops = _step_flops(full)
    peak = _matmul_peak()
    out.update(full_step_flops=flops, matmul_peak_flops_per_s=peak,
               achieved_flops_per_s=flops / out["full_median_s"], flops_utilisation=flops / out["full_median_s"] / peak)
    out["peak_memory_mb"] = _stage_memory(preset)
    return out


def _stage_memory(preset: str) -> dict:
    """Peak resident memory (MB) of a few training steps of each stage, each in a fresh process."""
    import subprocess
    import sys

    code = (
        "import torch, sys\n"
        "from realiz3d.bench import _builtin, _text\n"
        "def status(key):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(key): return int(line.split()[1]) / 1024\n"
        "stage = sys.argv[1]\n"
        "m = _builtin(sys.argv[2], control='camera')\n"
        "r = m.backbone.config.sample_size\n"
        "for p in m.parameters(): p.requires_grad_(False)\n"
        "params = m.domain_parameters() if stage == 'stage1' else m.backbone_parameters()\n"
        "for p in params: p.requires_grad_(True)\n"
        "opt = torch.optim.AdamW(params, lr=1e-4)\n"
        "x = torch.randn(32, 1 if stage == 'stage1' else 4, 3, r, r)\n"
        "c = _text(32)\n"
        "open('/proc/self/clear_refs', 'w').write('5')  # reset the peak (VmHWM) to the current RSS\n"
        "base = status('VmRSS')\n"
        "for _ in range(3):\n"
        "    m(x, torch.rand(32) * 1000, c, multiview=stage != 'stage1').square().mean().backward(); opt.step(); opt.zero_grad()\n"
        "print(status('VmHWM'), base)\n"
    )
    out = {}
    for stage in ("stage1", "stage2"):
        r = subprocess.run([sys.executable, "-c", code, stage, preset], capture_output=True, text=True, timeout=600)
        if r.returncode == 0:
            peak, before = map(float, r.stdout.split())
            out[stage] = {"peak_rss_mb": round(peak, 1), "rss_before_training_mb": round(before, 1),
                          "training_peak_above_model_mb": round(peak - before, 1)}
        else:
            out[stage] = {"error": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed"}
    return out


@benchmark("sample")
def bench_sample(preset: str = "default", views: int = 4, steps: int = 30, repeats: int = 10) -> dict:
    """Seconds per 4-view grid at 30 steps (guidance 3, batch 1), and the shifted schedule
    against a fixed domain in the same run."""
    from .objectives import FlowMatching
    from .sampling import DomainSchedule, sample

    model = _builtin(preset, control="camera").eval()
    res = model.backbone.config.sample_size
    cond, unc = _text(1), _text(1)
    ctrl = torch.randn(1, views, 6, res, res)

    def go(kind):
        return lambda: sample(model, FlowMatching().scheduler(), cond, unc, (views, 3, res, res), [0], steps, 3.0,
                              ctrl, DomainSchedule(kind, blocks=2, fraction=0.3))

    times = interleaved({"shifted": go("shifted"), "fixed": go("real")}, repeats=repeats, warmup=1)
    out = {"benchmark": "sample", "preset": preset, "views": views, "steps": steps, **summarize(times, ("shifted", "fixed"))}
    out["seconds_per_grid"] = out["fixed_median_s"]
    return out


@benchmark("compile")
def bench_compile(preset: str = "default", batch: int = 16, views: int = 4, steps: int = 20, repeats: int = 6) -> dict:
    """torch.compile (inductor) against eager: a stage-2 training step (shifters, camera control,
    multiview, per-sample domains, real samples frozen at k) and a 4-view sampling run (20 steps,
    guidance 3, shifted schedule). Also the largest difference of the outputs: compile is
    adopted only where it is >= 1.2x faster and computes the same thing."""
    from .objectives import FlowMatching
    from .sampling import DomainSchedule, sample

    torch.manual_seed(0)
    model = _builtin(preset, control="camera", domain="shifter")
    for sh in model.shifters.shifters:
        torch.nn.init.normal_(sh.up, std=0.02)  # not the identity: the shifters' path must be compiled too
    res = model.backbone.config.sample_size
    x = torch.randn(batch, views, 3, res, res)
    t = torch.rand(batch) * 1000
    cond = _text(batch)
    ctrl = torch.randn(batch, views, 6, res, res)
    domain = torch.randint(0, 2, (batch, model.num_blocks))
    freeze = torch.randint(0, 3, (batch,))
    mv = torch.ones(batch, dtype=torch.bool)
    params = [p for p in model.parameters() if p.requires_grad]
    t0 = time.perf_counter()
    compiled = torch.compile(model)
    kw = dict(control=ctrl, domain=domain, multiview=mv, freeze_k=freeze)
    with torch.no_grad():
        diff_train = float((compiled(x, t, cond, **kw) - model(x, t, cond, **kw)).abs().max())
    compile_train_s = time.perf_counter() - t0
    train_times = interleaved({"compiled": _train_step(compiled, x, t, cond, params, **kw),
                               "eager": _train_step(model, x, t, cond, params, **kw)}, repeats=repeats, warmup=2)
    model.eval()
    c1, u1, ctrl1 = _text(1), _text(1), torch.randn(1, views, 6, res, res)

    def go(m):
        return lambda: sample(m, FlowMatching().scheduler(), c1, u1, (views, 3, res, res), [0], steps, 3.0, ctrl1,
                              DomainSchedule("shifted", blocks=2, fraction=0.3))

    diff_sample = float((go(compiled)() - go(model)()).abs().max())
    sample_times = interleaved({"compiled": go(compiled), "eager": go(model)}, repeats=max(2, repeats // 2), warmup=1)
    tr, sa = summarize(train_times, ("eager", "compiled")), summarize(sample_times, ("eager", "compiled"))
    return {"benchmark": "compile", "preset": preset, "batch": batch, "views": views, "steps": steps,
            "torch": torch.__version__, "threads": torch.get_num_threads(),
            "train": {**tr, "speedup": tr["ratio_eager_over_compiled_paired"], "max_abs_diff": diff_train,
                      "first_call_s": round(compile_train_s, 1)},
            "sample": {**sa, "speedup": sa["ratio_eager_over_compiled_paired"], "max_abs_diff": diff_sample}}


@benchmark("render")
def bench_render(resolution: int = 512, views: int = 4, repeats: int = 3) -> dict:
    """Normal + position maps for 4 views at 512x512 of a ~100k-face mesh; rays per
    second against the ray engine's own throughput on the same rays."""
    import numpy as np
    import trimesh

    from .camera import orbit_cameras
    from .render import Renderer, normalize_mesh

    mesh, _ = normalize_mesh(trimesh.creation.torus(major_radius=1.0, minor_radius=0.35, major_sections=400, minor_sections=125))
    cams = orbit_cameras(views, elevation=20, resolution=resolution)
    t0 = time.perf_counter()
    renderer = Renderer(mesh)
    setup = time.perf_counter() - t0
    rays = [c.rays() for c in cams]
    o = np.concatenate([r[0].reshape(-1, 3) for r in rays])
    d = np.concatenate([r[1].reshape(-1, 3) for r in rays])

    def ours():
        renderer.render(cams)

    def engine():
        renderer._ray.intersects_location(o, d, multiple_hits=False)

    times = interleaved({"render": ours, "engine": engine}, repeats=repeats, warmup=1)
    n = len(o)
    out = {"benchmark": "render", "faces": len(mesh.faces), "views": views, "resolution": resolution,
           "setup_s": setup, **summarize(times, ("render", "engine"))}
    out["seconds_4_views"] = out["render_median_s"] + setup
    out["rays_per_s"] = n / out["render_median_s"]
    out["engine_rays_per_s"] = n / out["engine_median_s"]
    return out


@benchmark("texture")
def bench_texture(resolution: int = 512, texture_size: int = 1024, views: int = 4) -> dict:
    """For a ~100k-face mesh: seconds to render the control maps (4 views at 512x512), to
    back-project and to fill a 1024x1024 texture, excluding the diffusion model."""
    import tempfile

    import numpy as np
    import trimesh

    from .camera import orbit_cameras
    from .render import Renderer
    from .runtime import cpu_threads
    from .texture import TextureOptions, prepare_mesh, texture_from_views

    with tempfile.TemporaryDirectory() as d:
        path = f"{d}/torus.ply"
        trimesh.creation.torus(major_radius=1.0, minor_radius=0.35, major_sections=400, minor_sections=125).export(path)
        t0 = time.perf_counter()
        uvm = prepare_mesh(path)
        unwrap = time.perf_counter() - t0
    cams = orbit_cameras(views, elevation=20, resolution=resolution)
    t0 = time.perf_counter()
    maps = Renderer(uvm.mesh).render(cams, threads=cpu_threads())[0]
    render_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    fake_views = rng.random((views, resolution, resolution, 3))  # stand-in for generated views
    timings: dict = {}
    opts = TextureOptions(texture_size=texture_size, depth_resolution=resolution)
    _, measures = texture_from_views(uvm, fake_views, cams, opts, timings, depth=maps.depth)  # reuse the control render's depth
    total = render_s + timings["backproject_s"] + timings["fill_s"]
    # view selection (realiz3d texture's default: 4 around + top + bottom, then up to 8 views)
    from .camera import orbit_camera
    from .texture import CANDIDATE_VIEWS, TOP_BOTTOM, select_views

    fixed = cams + [orbit_camera(az, el, resolution=resolution) for az, el in TOP_BOTTOM]
    t0 = time.perf_counter()
    added, sel = select_views(uvm.mesh, fixed, [orbit_camera(az, el, resolution=resolution) for az, el in CANDIDATE_VIEWS], 8)
    select_s = time.perf_counter() - t0
    return {"benchmark": "texture", "faces": len(uvm.mesh.faces), "views": views, "resolution": resolution,
            "texture_size": texture_size, "unwrap_s (xatlas, not in total)": round(unwrap, 3),
            "render_maps_s": round(render_s, 3), **timings, "total_s": round(total, 3), **measures,
            "select_views_s (not in total)": round(select_s, 3), "views_added": len(added)}


def _raycast_texels(uvm, size: int):
    """The UV rasterisation before 2026-11-25 (a ray per texel at the layout laid flat), kept as
    the benchmark's reference: texel indices and surface points."""
    import numpy as np
    import trimesh

    from .render import intersector

    uv = uvm.uv % 1.0 if (uvm.uv.min() < 0 or uvm.uv.max() > 1) else uvm.uv
    flat = trimesh.Trimesh(np.c_[uv, np.zeros(len(uv))], uvm.mesh.faces, process=False)
    c = (np.arange(size) + 0.5) / size
    u, v = np.meshgrid(c, 1 - c)
    origins = np.stack([u.ravel(), v.ravel(), np.ones(size * size)], 1)
    dirs = np.broadcast_to([0.0, 0.0, -1.0], origins.shape).copy()
    locs, ray_idx, tri = intersector(flat).intersects_location(origins, dirs, multiple_hits=False)
    bary = np.nan_to_num(trimesh.triangles.points_to_barycentric(flat.triangles[tri], locs), nan=1 / 3)
    return ray_idx, (uvm.mesh.vertices[uvm.mesh.faces[tri]] * bary[:, :, None]).sum(1)


@benchmark("uv-raster")
def bench_uv_raster(texture_size: int = 1024, repeats: int = 5) -> dict:
    """Which surface point each texel shows, for the 100k-face torus at 1024x1024: direct
    rasterisation of the UV layout (rasterize_uv) against a ray per texel (the earlier way)."""
    import tempfile

    import numpy as np
    import trimesh

    from .texture import prepare_mesh, rasterize_uv

    with tempfile.TemporaryDirectory() as d:
        trimesh.creation.torus(major_radius=1.0, minor_radius=0.35, major_sections=400, minor_sections=125).export(f"{d}/t.ply")
        uvm = prepare_mesh(f"{d}/t.ply")
    tx = rasterize_uv(uvm, texture_size)
    ref_idx, _ = _raycast_texels(uvm, texture_size)
    same = len(np.intersect1d(tx.rows * texture_size + tx.cols, ref_idx))
    times = interleaved({"raster": lambda: rasterize_uv(uvm, texture_size),
                         "raycast": lambda: _raycast_texels(uvm, texture_size)}, repeats=repeats, warmup=1)
    return {"benchmark": "uv-raster", "faces": len(uvm.mesh.faces), "texture_size": texture_size,
            "texels": len(tx.rows), "texels_raycast": len(ref_idx), "texels_in_both": same,
            **summarize(times, ("raycast", "raster"))}


def nut_mesh(min_faces: int = 800):
    """A hexagonal nut with a through-hole (trimesh annulus, subdivided): its top, bottom and
    hole are unseen from side views, and its flat faces lay seen points out in rows."""
    import trimesh

    nut = trimesh.creation.annulus(r_min=0.25, r_max=0.6, height=0.35, sections=6)
    while len(nut.faces) < min_faces:
        nut = nut.subdivide()
    return nut


def _kdtree_fill(texels, colors, seen, k: int = 4):
    """The fill before the voxel grid (inverse-distance mean of the k nearest seen points), kept
    here only as the reference of bench texture-fill."""
    from scipy.spatial import cKDTree

    d, idx = cKDTree(texels.points[seen]).query(texels.points[~seen], k=k)
    w = 1 / np.maximum(d, 1e-6)
    return (colors[seen][idx] * w[:, :, None]).sum(1) / w.sum(1, keepdims=True)


@benchmark("texture-fill")
def bench_texture_fill(texture_size: int = 1024, min_faces: int = 3000) -> dict:
    """Filling the unseen texels of a nut (4 side views at elevation 20 see neither its top and
    bottom nor its hole) at texture_size^2: the voxel-grid fill of realiz3d.texture against the
    k-d tree query it replaced, in one run."""
    import tempfile

    from .camera import CameraSetup
    from .render import Renderer
    from .texture import TextureOptions, backproject, fill_and_dilate, prepare_mesh, rasterize_uv

    with tempfile.TemporaryDirectory() as d:
        path = f"{d}/nut.ply"
        nut_mesh(min_faces).export(path)
        uvm = prepare_mesh(path)
    cams = CameraSetup().cameras(32, elevation=20)
    texels = rasterize_uv(uvm, texture_size)
    depth = Renderer(uvm.mesh, smooth=False).render(CameraSetup().cameras(256, elevation=20))[0].depth
    views = np.random.default_rng(0).random((len(cams), 32, 32, 3))
    colors, wsum = backproject(texels, views, cams, depth, TextureOptions().min_cos)
    seen = wsum > 0
    t0 = time.perf_counter()
    fill_and_dilate(texels, colors, seen)
    voxel = time.perf_counter() - t0
    t0 = time.perf_counter()
    _kdtree_fill(texels, colors, seen)
    kdtree = time.perf_counter() - t0
    return {"benchmark": "texture-fill", "faces": len(uvm.mesh.faces), "texture_size": texture_size,
            "texels": int(len(seen)), "seen": round(float(seen.mean()), 3), "fill_and_dilate_s": round(voxel, 3),
            "kdtree_query_s (replaced)": round(kdtree, 3), "speedup": round(kdtree / max(voxel, 1e-9), 1)}


@benchmark("latent-train")
def bench_latent_train(batch: int = 8, repeats: int = 10) -> dict:
    """Stage-2 training step of a latent backbone with cached VAE latents and text embeddings
    over the uncached step (VAE encoder and text encoder run every step), on the tiny
    PixArt-Sigma and SD3 pipelines (realiz3d.tiny_pipelines) and the tiny world."""
    import tempfile
    from pathlib import Path

    from .cache import write_cache
    from .data import load_real, load_synthetic
    from .latent import LatentStack
    from .tiny_pipelines import build_tiny_pipeline
    from .train import batch_loss
    from .run_setup import build_model, set_trainable, setup_latent
    from .config import load_config
    from .world.build import WorldConfig, build_world

    out = {"benchmark": "latent-train", "batch": batch, "views": 4}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        build_world(d / "world", WorldConfig.preset("tiny"), workers=1, progress=False)
        for fam in ("pixart", "sd3"):
            pipe = build_tiny_pipeline(fam, d / fam)
            sets = {"synthetic": load_synthetic(d / "world" / "synthetic"), "real": load_real(d / "world" / "real", 16)}
            write_cache(d / f"cache-{fam}", LatentStack.from_folder(pipe, "cpu"), sets, progress=False)
            base = [f"out={d / 'run'}", f"model.path={pipe}", f"data.world={d / 'world'}", "train.stage=stage2",
                    f"train.batch_size={batch}", "model.control=texturing", "train.freeze_k=[1,2]", "train.reassign_p=0.5"]
            cfg = load_config(None, base)
            model = build_model(cfg)
            params = set_trainable(model, "stage2")
            opt = torch.optim.AdamW(params, lr=1e-4)
            setups = {"uncached": setup_latent(cfg, model, "cpu", False),
                      "cached": setup_latent(load_config(None, base + [f"data.cache={d / f'cache-{fam}'}"]), model, "cpu", False)}
            counter = {"step": 0}

            def step(s):
                counter["step"] += 1
                b = s.data.batch(counter["step"], model.num_blocks)
                loss = batch_loss(model, model, b, s.text, s.objective, "cpu", s.codec)
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)

            times = interleaved({k: (lambda s=s: step(s)) for k, s in setups.items()}, repeats=repeats)
            out[fam] = summarize(times, ratio=("cached", "uncached"))
    return out


@benchmark("view-selection")
def bench_view_selection(min_faces: int = 800) -> dict:
    """Coverage of a nut with a through-hole (area-weighted surface samples, the
    back-projection's visibility rules): four orbit views, the six fixed views of `realiz3d
    texture` (+ top, bottom), and after view selection up to 8 and 10 views."""
    from .camera import CameraSetup, orbit_camera
    from .render import normalize_mesh
    from .texture import CANDIDATE_VIEWS, TOP_BOTTOM, select_views

    mesh, _ = normalize_mesh(nut_mesh(min_faces))
    s = CameraSetup()
    orbit = s.cameras(32, num_views=4)
    fixed = orbit + [orbit_camera(az, el, s.distance, 32, s.fov_deg) for az, el in TOP_BOTTOM]
    cand = [orbit_camera(az, el, s.distance, 32, s.fov_deg) for az, el in CANDIDATE_VIEWS]
    res = {"benchmark": "view-selection", "faces": len(mesh.faces),
           "coverage_4_orbit": select_views(mesh, orbit, cand, 4)[1]["coverage"]}
    for most in (8, 10):
        t0 = time.perf_counter()
        added, rep = select_views(mesh, fixed, cand, most)
        res[f"max_views_{most}"] = {"coverage_6_fixed": rep["coverage_fixed_views"], "coverage": rep["coverage"],
                                    "added": rep["added"], "seconds": round(time.perf_counter() - t0, 3)}
    return res


@benchmark("bf16-match")
def bench_bf16_match(steps: int = 8) -> dict:
    """The shipped base model loaded in bf16 against fp32: absolute difference of the images
    on [-1, 1] (same prompts, same seeds), beside the difference between two seeds in fp32."""
    import torch

    from .pipeline import Realiz3DPipeline

    prompts = ["a brick mug", "a grass lamp", "a marble vase", "a wood chair"]
    kw = dict(num_views=1, num_inference_steps=steps, output_type="pt")
    ref = Realiz3DPipeline.from_pretrained()(prompts, seed=[0, 1, 2, 3], **kw).views
    half = Realiz3DPipeline.from_pretrained(torch_dtype=torch.bfloat16)(prompts, seed=[0, 1, 2, 3], **kw).views
    other = Realiz3DPipeline.from_pretrained()(prompts, seed=[4, 5, 6, 7], **kw).views
    d = (half - ref).abs().flatten()
    return {"benchmark": "bf16-match", "mean_abs_diff": round(float(d.mean()), 4),
            "p99_abs_diff": round(float(d.quantile(0.99)), 4), "max_abs_diff": round(float(d.max()), 4),
            "other_seed_mean_abs_diff": round(float((other - ref).abs().mean()), 4)}
