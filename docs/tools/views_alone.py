"""Does a text-to-multiview model read its cameras when the views cannot see each other?
View accuracy of a checkpoint sampled with multiview attention (the views of a sample attend to
each other, as trained) and without it (each view alone: single-image mode, same noise, same
cameras). If the per-view camera signal were learned but drowned by views copying each other,
the views alone would turn with the cameras more than the views together.

    python docs/tools/views_alone.py CHECKPOINT [CHECKPOINT ...] [--world worlds/default]

Held-out split, real schedule, the evaluation's settings (20 steps, text guidance 3, seed = asset
index); view accuracy's chance is 0.25.
"""
import argparse
import json

from realiz3d.data import load_synthetic
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import EvalSettings, generate_for_assets, score_views
from realiz3d.pipeline import Realiz3DPipeline

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--world", default="worlds/default")
    a = ap.parse_args()
    ev = Evaluators()
    assets = load_synthetic(f"{a.world}/heldout")
    for ckpt in a.checkpoints:
        pipe = Realiz3DPipeline.from_pretrained(ckpt)
        forward = pipe.model.forward
        for together in (True, False):
            # every call of the model in single-image mode: each view attends to itself only
            pipe.model.forward = forward if together else (lambda *args, multiview=None, **kw: forward(*args, multiview=False, **kw))
            views = generate_for_assets(pipe, assets, "real", EvalSettings(steps=20, guidance=3.0))
            s = score_views(ev, views, assets, "multiview", None)
            print(json.dumps({"checkpoint": ckpt, "views_attend_to_each_other": together,
                              **{k: round(s[k], 3) for k in ("view_accuracy", "realism", "kind_accuracy")}}), flush=True)
