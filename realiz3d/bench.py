"""Named benchmarks: `realiz3d bench NAME` prints one JSON object per benchmark.

Speed claims are ratios of two variants timed in the same run with interleaved repeats
(A B A B ...), so that a noisy machine slows both alike; raw medians are printed too.
"""
from __future__ import annotations

import json
import statistics
import time
from typing import Callable

import torch

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
            raise ValueError(f"benchmark {n!r}: expected one of {sorted(BENCHMARKS)} or 'all'")
    results = []
    for n in names:
        r = BENCHMARKS[n](**kw)
        print(json.dumps(r), flush=True)
        results.append(r)
    return results
