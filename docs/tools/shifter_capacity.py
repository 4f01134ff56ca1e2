"""Can the paper's Domain Shifter form switch the built-in base model to renders? (issue 15)

Stage 1 on world v2 does not find the synthetic mode (docs/results.md, "The stage-1 premise"):
in synthetic mode the base model + shifters still draws photographs (realism 0.878). Two
explanations: the form (per block, one constant bias added to every image token) cannot
express what the base model does for "a 3d render of ...", or it can and the diffusion loss
gives the shifters too weak a signal to find it in 600 steps.

This script separates them. It trains the same shifters (rank 4, every block, backbone frozen,
single images, null control, the stage-1 learning rate) on a distillation target instead of
the diffusion loss: in synthetic mode with the PLAIN caption, match the frozen base model's
prediction for the RENDER caption ("a 3d render of <caption>"); in real mode with the plain
caption, match the base model's prediction for it (stay the base model). Same noisy inputs for
student and teacher, so the target has no noise of its own. If the distilled shifters switch
the look (realism in synthetic mode near the render captions' 0.003), the form is enough and
stage 1 is starved of signal; if not, the form is too weak at this scale.

It prints the share of the teacher's caption effect that the shifters reproduce (1 - residual /
effect, on held-out renders), writes the shifters as a stage-1 checkpoint (OUT/final, adapter
only) for `python -m realiz3d.evaluation.premise` and `realiz3d evaluate`, and scores realism in
both modes and the held-out denoising loss on renders (the premise's own measures).

    python docs/tools/shifter_capacity.py --world worlds/default --out runs/capacity [--steps 300]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from realiz3d.data import load_real, load_synthetic
from realiz3d.evaluation.premise import heldout_loss
from realiz3d.models.builtin import BASE_MODEL_DIR
from realiz3d.models.model import Realiz3DTransformer
from realiz3d.pipeline import Realiz3DPipeline
from realiz3d.progress import track
from realiz3d.world.build import render_caption


def predictions(model, pipe, x0, noise, u, captions, domain):
    cond = pipe.text_encoder.encode(captions, x0.device)
    xt, tm, _ = pipe.objective.noisy(x0, noise, u)
    return model(xt, tm, cond, domain=domain)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, default=Path("worlds/default"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--rank", type=int, default=4)
    ap.add_argument("--form", default="bias", help="shifter form: bias (the paper's) or token")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--assets", type=int, default=40, help="held-out assets to score")
    args = ap.parse_args()
    torch.manual_seed(args.seed)

    teacher = Realiz3DPipeline.from_pretrained(BASE_MODEL_DIR)
    student = Realiz3DTransformer.from_pretrained(BASE_MODEL_DIR, domain="shifter", rank=args.rank,
                                                 shifter_form=args.form)
    for p in student.parameters():
        p.requires_grad_(False)
    params = list(student.shifters.parameters())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    syn = load_synthetic(args.world / "synthetic", progress=True)
    res = syn.resolution
    real = load_real(args.world / "real", res, progress=True)
    g = torch.Generator().manual_seed(args.seed)
    half = args.batch // 2
    log = []
    t0 = time.perf_counter()
    for step in track(list(range(args.steps)), "distilling shifters"):
        ia = torch.randint(len(syn), (half,), generator=g)
        iv = torch.randint(syn.num_views, (half,), generator=g)
        xs = syn.images(ia)[torch.arange(half), iv].unsqueeze(1)  # (h, 1, 3, R, R)
        ir = torch.randint(len(real), (half,), generator=g)
        xr = real.images(ir)
        x0 = torch.cat([xs, xr])
        plain = [syn.captions[int(i)] for i in ia] + [real.captions[int(i)] for i in ir]
        target_caps = [render_caption(c) for c in plain[:half]] + plain[half:]
        noise = torch.randn(x0.shape, generator=g)
        u = torch.rand(len(x0), generator=g)
        with torch.no_grad():
            target = predictions(teacher.model, teacher, x0, noise, u, target_caps, None)
        domain = torch.cat([torch.ones(half, student.num_blocks), torch.zeros(len(x0) - half, student.num_blocks)]).long()
        pred = predictions(student, teacher, x0, noise, u, plain, domain)
        per = ((pred - target) ** 2).flatten(1).mean(1)
        loss = per.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == args.steps - 1:
            per = per.detach()
            log.append({"step": step, "loss_synthetic": float(per[:half].mean()), "loss_real": float(per[half:].mean()),
                        "elapsed_s": round(time.perf_counter() - t0, 1)})
    final = args.out / "final"
    student.save_pretrained(final, backbone=False)

    # how much of the caption's effect the shifters reproduce, on held-out renders
    held = load_synthetic(args.world / "heldout")
    xs = held.images(torch.arange(len(held)))[:, 0].unsqueeze(1)
    caps = held.captions
    gg = torch.Generator().manual_seed(1)
    effect = residual = 0.0
    with torch.no_grad():
        for u in (0.25, 0.5, 0.75, 0.9):
            noise = torch.randn(xs.shape, generator=gg)
            uu = torch.full((len(xs),), u)
            plain_t = predictions(teacher.model, teacher, xs, noise, uu, caps, None)
            render_t = predictions(teacher.model, teacher, xs, noise, uu, [render_caption(c) for c in caps], None)
            shifted = predictions(student, teacher, xs, noise, uu, caps, "synthetic")
            effect += float(((render_t - plain_t) ** 2).mean())
            residual += float(((shifted - render_t) ** 2).mean())
    from realiz3d.experiments import evaluate_checkpoint
    from realiz3d.evaluation.evaluators import Evaluators

    ev = Evaluators()
    kw = dict(n_assets=args.assets, steps=20, evaluators=ev, leakage=False)
    split = args.world / "heldout"
    out = {"steps": args.steps, "batch": args.batch, "lr": args.lr, "rank": args.rank, "form": args.form, "log": log,
           "caption_effect_reproduced": 1.0 - residual / effect,
           "realism": {"synthetic_mode": evaluate_checkpoint(final, "multiview", split, "synthetic", **kw)["realism"],
                       "real_mode": evaluate_checkpoint(final, "multiview", split, "real", **kw)["realism"]}}
    pipe = Realiz3DPipeline.from_pretrained(final)
    n = held.num_views
    allsyn = held.images(torch.arange(len(held))).flatten(0, 1)
    allcaps = [c for c in held.captions for _ in range(n)]
    out["heldout_loss_on_renders"] = {"base": heldout_loss(teacher, allsyn, allcaps, None),
                                      "synthetic_mode": heldout_loss(pipe, allsyn, allcaps, "synthetic")}
    (args.out / "capacity.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
