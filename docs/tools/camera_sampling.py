"""View accuracy of a text-to-multiview checkpoint under sampler settings (steps, text guidance),
held-out split of the built-in world, real schedule, the evaluation's noise (seed = asset index).

    python docs/tools/camera_sampling.py CHECKPOINT [WORLD] [SCHEDULE]

SCHEDULE: real (default) or shifted (what `realiz3d generate` runs). Views are named in the
captions as the model was trained (data.view_words), as in `realiz3d evaluate`.
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
    schedule = sys.argv[3] if len(sys.argv) > 3 else "real"
    ev = Evaluators()
    assets = load_synthetic(f"{world}/heldout")
    for steps, g in SETTINGS:
        views = generate_for_assets(pipe, assets, schedule, EvalSettings(steps=steps, guidance=g))
        s = score_views(ev, views, assets, "multiview", None)
        print(json.dumps({"schedule": schedule, "steps": steps, "guidance": g,
                          **{k: round(s[k], 3) for k in ("view_accuracy", "realism", "kind_accuracy")}}), flush=True)
