"""Issue 16's arbitrary-azimuth check for text-to-multiview models: held-out view accuracy with
each asset's ring of cameras turned by its own random azimuth (realiz3d.evaluation.metrics.
rotate_cameras, seed 0), beside the same model's view accuracy at the world's own cameras (the
same pass settings as `realiz3d evaluate --split heldout --schedule shifted`; the rolled-camera
and null-control passes left out to save time: they are in each model's scores.json).
The evaluator's own azimuth accuracy on held-out renders is the ceiling: 0.994 at the world's
cameras, 0.933 at random azimuths (realiz3d/weights/evaluators/evaluators.json).

    python docs/results/multiview_cameras_2026-12-03/rotated.py OUT.json CHECKPOINT [--no-view-words] [--seed S]

--seed S: another pass (generation noise seeds S + asset index, the rotations drawn with S),
with the rolled-camera scores too (for seed 0 they are in each model's scores.json).
"""
import json
import sys
from pathlib import Path

from realiz3d.experiments import evaluate_checkpoint

out, ck = Path(sys.argv[1]), Path(sys.argv[2])
rest = sys.argv[3:]
vw = False if "--no-view-words" in rest else None
seed = int(rest[rest.index("--seed") + 1]) if "--seed" in rest else 0
res = evaluate_checkpoint(ck, "multiview", Path("worlds/default/heldout"), "shifted", leakage=False, camera=True,
                          camera_rolls=(1, 2) if seed else (), rotated_cameras=True, view_words=vw, seed=seed)
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(res, indent=2))
print(json.dumps({k: v for k, v in res.items() if k.startswith("view_accuracy") or k == "camera_use"}))
