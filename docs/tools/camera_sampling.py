"""View accuracy of a text-to-multiview checkpoint under sampler settings (steps, text guidance),
held-out split of the built-in world, real schedule, the evaluation's noise (seed = asset index).

    python docs/tools/camera_sampling.py CHECKPOINT [WORLD]
"""
import json
import sys

from realiz3d.data import load_synthetic
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import EvalSettings, generate_for_assets, score_views
from realiz3d.pipeline import Realiz3DPipeline

SETTINGS = [(20, 1.0), (20, 3.0), (20, 6.0), (50, 3.0)]  # (steps, guidance); the evaluation's default: (20, 3)

if __name__ == "__main__":
    pipe = Realiz3DPipeline.from_pretrained(sys.argv[1])
    world = sys.argv[2] if len(sys.argv) > 2 else "worlds/default"
    ev = Evaluators()
    assets = load_synthetic(f"{world}/heldout")
    for steps, g in SETTINGS:
        views = generate_for_assets(pipe, assets, "real", EvalSettings(steps=steps, guidance=g))
        s = score_views(ev, views, assets, "multiview", None)
        print(json.dumps({"steps": steps, "guidance": g,
                          **{k: round(s[k], 3) for k in ("view_accuracy", "realism", "kind_accuracy")}}), flush=True)
