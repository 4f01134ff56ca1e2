"""Does stage 1 find the synthetic domain inside the base model? (paper Sec. 4.1's premise)

    python -m realiz3d.evaluation.premise --world W --stage1 RUN/final [--stage1 ...] --finetune RUN/final [--out FILE]
    python -m realiz3d.evaluation.premise --world W --stage1 RUN/final [--stage1 RUN2/final ...] --figure OUT.png

The paper trains only low-rank Domain Shifters in stage 1 because both domains already live
in the pretrained model's feature space: the shifters only have to select one. Two checks:

(a) switch: realism (the critic's P(real)) of the base model and of base + stage-1 shifters in
    real and in synthetic mode, null control, single images, held-out captions. Synthetic mode
    should look synthetic; real mode should keep the base model's realism. Beside it, the base
    model's realism when the captions ask for "a 3d render of ...": does it know the domain?
(b) reach: the denoising loss on the held-out synthetic renders (single views, plain captions,
    fixed noise and noise levels) of the base model, of the shifters in synthetic mode, and of
    a full fine-tune of the backbone on the synthetic renders with the same number of steps
    (`train.stage=naive model.control=none data.views=1`). `reach` = how much of the full
    fine-tune's loss reduction synthetic mode buys. The same loss on the held-out real-domain
    renders says whether real mode leaves the real domain alone.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

LEVELS = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85)


@torch.no_grad()
def heldout_loss(pipe, images: torch.Tensor, captions: list[str], domain: str | None, seed: int = 0,
                 levels=LEVELS, batch: int = 64, draws: int = 2) -> float:
    """Mean denoising loss of single images (M, 3, H, W) in [-1, 1] with their captions, null
    control, at fixed noise levels (flow time u) and noise drawn from `seed`: the same draws
    for every model, so that differences between models are paired."""
    from ..objectives import per_sample_mse

    model = pipe.model
    dev = model.device
    g = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    for i in range(0, len(images), batch):
        x0 = images[i : i + batch].unsqueeze(1).to(dev)  # (B, 1, 3, H, W)
        cond = pipe.text_encoder.encode(captions[i : i + batch], dev)
        for u in levels:
            for _ in range(draws):
                noise = torch.randn(x0.shape, generator=g).to(dev)
                xt, tm, target = pipe.objective.noisy(x0, noise, torch.full((len(x0),), float(u), device=dev))
                pred = model(xt, tm, cond, domain=domain if model.has_domain else None)
                total += float(per_sample_mse(pred, target).sum())
                count += len(x0)
    return total / count


def render_caption_realism(pipe, assets, steps: int, ev) -> float:
    """Realism of a base model asked for "a 3d render of <caption>": low when it knows the
    synthetic domain and its captions select it (the world's pretraining set teaches that)."""
    import dataclasses

    from ..world.build import render_caption
    from .metrics import EvalSettings, generate_for_assets, score_views

    renders = dataclasses.replace(assets, captions=[render_caption(c) for c in assets.captions])
    views = generate_for_assets(pipe, renders, "real", EvalSettings(steps=steps))
    return float(score_views(ev, views, assets, "none", None)["realism"])


def premise(world: Path, stage1: Path, finetune: Path, base: Path | None = None, n_assets: int = 40,
            eval_steps: int = 20, cache: dict | None = None) -> dict:
    """The two checks for one stage-1 run. `cache` (a dict the caller keeps between calls with
    the same world, base, fine-tune and sizes) holds what does not depend on the stage-1 run,
    so that several stage-1 runs (seeds, forms) pay for the base model and the fine-tune once."""
    from ..data import load_synthetic
    from ..experiments import evaluate_checkpoint
    from ..models.builtin import named_base
    from ..pipeline import Realiz3DPipeline
    from .evaluators import Evaluators
    from .metrics import real_references

    base = named_base(base or "base")
    split = Path(world) / "heldout"
    cache = {} if cache is None else cache
    if "evaluators" not in cache:
        cache["evaluators"] = Evaluators()
    ev = cache["evaluators"]
    out: dict = {"world": str(world), "stage1": str(stage1), "finetune": str(finetune), "base": str(base),
                 "assets": n_assets}
    # (a) the switch
    kw = dict(n_assets=n_assets, steps=eval_steps, evaluators=ev, leakage=False)
    if "r_base" not in cache:
        cache["r_base"] = evaluate_checkpoint(base, "multiview", split, "real", **kw)["realism"]
    r_base = cache["r_base"]
    r_real = evaluate_checkpoint(stage1, "multiview", split, "real", **kw)["realism"]
    r_syn = evaluate_checkpoint(stage1, "multiview", split, "synthetic", **kw)["realism"]
    assets = load_synthetic(split, limit=n_assets)
    pipes = {"base": Realiz3DPipeline.from_pretrained(base), "stage1": Realiz3DPipeline.from_pretrained(stage1),
             "finetune": Realiz3DPipeline.from_pretrained(finetune)}
    if "r_render" not in cache:
        cache["r_render"] = render_caption_realism(pipes["base"], assets, eval_steps, ev)
    out["realism"] = {"base": r_base, "stage1_real_mode": r_real, "stage1_synthetic_mode": r_syn,
                      "real_mode_ratio_to_base": r_real / max(r_base, 1e-9),
                      "base_render_captions": cache["r_render"]}
    out["switch_ok"] = bool(r_syn <= 0.2 and r_real >= 0.95 * r_base)
    # (b) the reach, on the held-out renders of both domains
    n = assets.num_views
    syn = assets.images(torch.arange(len(assets))).flatten(0, 1)
    caps = [c for c in assets.captions for _ in range(n)]
    real = real_references(assets)
    if "fixed_losses" not in cache:
        cache["fixed_losses"] = {name: {"base": heldout_loss(pipes["base"], x, caps, None),
                                        "full_finetune": heldout_loss(pipes["finetune"], x, caps, None)}
                                 for name, x in (("synthetic_renders", syn), ("real_renders", real))}
    loss = {}
    for name, x in (("synthetic_renders", syn), ("real_renders", real)):
        fixed = cache["fixed_losses"][name]
        loss[name] = {"base": fixed["base"],
                      "stage1_real_mode": heldout_loss(pipes["stage1"], x, caps, "real"),
                      "stage1_synthetic_mode": heldout_loss(pipes["stage1"], x, caps, "synthetic"),
                      "full_finetune": fixed["full_finetune"]}
    s = loss["synthetic_renders"]
    gain_ft = s["base"] - s["full_finetune"]
    out["loss"] = loss
    out["reach"] = (s["base"] - s["stage1_synthetic_mode"]) / gain_ft if gain_ft > 0 else None
    out["reach_ok"] = bool(out["reach"] is not None and out["reach"] >= 0.7)
    return out


def premise_figure(world: Path, stage1s: list[Path], out: Path, base: Path | None = None, n_assets: int = 6,
                   eval_steps: int = 20, seed: int = 0, labels: list[str] | None = None) -> None:
    """The premise as a picture: for the first `n_assets` held-out assets, one block of rows of
    4 views each: the synthetic renders, the real-domain renders, the base model with the plain
    caption and with "a 3d render of <caption>", then per stage-1 run its views in real mode
    and in synthetic mode. Null control, the same seed for every row, so that rows differ only
    by the model and the mode. Synthetic mode should look like the render caption's row.
    `labels` name the stage-1 runs (default: each run's folder name, numbered when two share one)."""
    import dataclasses

    from ..data import load_synthetic
    from ..models.builtin import named_base
    from ..pipeline import Realiz3DPipeline
    from ..visual import save_asset_blocks

    if labels is not None and len(labels) != len(stage1s):
        raise ValueError(f"{len(labels)} labels for {len(stage1s)} stage-1 runs")
    if labels is None:
        labels = [Path(ck).parent.name if Path(ck).name == "final" else Path(ck).name for ck in stage1s]
        if len(set(labels)) < len(labels):
            labels = [f"{i + 1}. {name}" for i, name in enumerate(labels)]
    from ..world.build import render_caption
    from .metrics import EvalSettings, generate_for_assets, reference_rows

    data = load_synthetic(Path(world) / "heldout", limit=n_assets)
    st = EvalSettings(steps=eval_steps, seed=seed)
    base_pipe = Realiz3DPipeline.from_pretrained(named_base(base or "base"))
    rows = [*reference_rows(data),
            ("base", generate_for_assets(base_pipe, data, "real", st, control=None)),
            ("base, '3d render of'", generate_for_assets(
                base_pipe, dataclasses.replace(data, captions=[render_caption(c) for c in data.captions]), "real", st,
                control=None))]
    for ck, name in zip(stage1s, labels):
        pipe = Realiz3DPipeline.from_pretrained(ck)
        for mode in ("real", "synthetic"):
            rows.append((f"{name}: {mode}", generate_for_assets(pipe, data, mode, st, control=None)))
    save_asset_blocks(rows, data.captions, out)


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m realiz3d.evaluation.premise", description=__doc__.split("\n")[0])
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--stage1", type=Path, required=True, action="append",
                    help="a stage-1 run's final/ folder (repeat it: one result each, a list in the JSON)")
    ap.add_argument("--finetune", type=Path, default=None,
                    help="a full fine-tune on the synthetic renders, same steps (needed for the numbers)")
    ap.add_argument("--base", type=Path, default=None, help="base model (default: the shipped one)")
    ap.add_argument("--assets", type=int, default=40)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--figure", type=Path, default=None,
                    help="draw the premise as a picture here (the first held-out assets; every --stage1 given)")
    ap.add_argument("--figure-assets", type=int, default=6, help="assets in the picture")
    ap.add_argument("--label", action="append", default=None,
                    help="the picture's name for each --stage1, in order (default: its folder name)")
    a = ap.parse_args(argv)
    if a.figure_assets < 1:
        ap.error(f"--figure-assets {a.figure_assets}: expected at least 1")
    if a.label is not None and len(a.label) != len(a.stage1):
        ap.error(f"--label given {len(a.label)} times for {len(a.stage1)} --stage1: expected one per --stage1")
    if a.finetune is None and a.figure is None:
        ap.error("--finetune is required for the numbers (or give only --figure for the picture)")
    if a.figure is not None:
        premise_figure(a.world, a.stage1, a.figure, a.base, n_assets=a.figure_assets, labels=a.label)
        print(a.figure)
    if a.finetune is None:
        return
    cache: dict = {}
    res = [premise(a.world, s1, a.finetune, a.base, a.assets, cache=cache) for s1 in a.stage1]
    text = json.dumps(res[0] if len(res) == 1 else res, indent=2)
    if a.out:
        a.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
