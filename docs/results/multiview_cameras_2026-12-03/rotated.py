"""Issue 16's arbitrary-azimuth check for text-to-multiview models: held-out view accuracy with
each asset's ring of cameras turned by its own random azimuth (realiz3d.evaluation.metrics.
rotate_cameras, seed 0), beside the same model's view accuracy at the world's own cameras (the
same pass settings as `realiz3d evaluate --split heldout --schedule shifted`; the rolled-camera
and null-control passes left out to save time: they are in each model's scores.json).
The evaluator's own azimuth accuracy on held-out renders is the ceiling: 0.994 at the world's
cameras, 0.933 at random azimuths (realiz3d/weights/evaluators/evaluators.json).

    python docs/results/multiview_cameras_2026-12-03/rotated.py OUT.json CHECKPOINT [--no-view-words]
"""
import json
import sys
from pathlib import Path

from realiz3d.experiments import evaluate_checkpoint

out, ck = Path(sys.argv[1]), Path(sys.argv[2])
vw = False if "--no-view-words" in sys.argv[3:] else None
res = evaluate_checkpoint(ck, "multiview", Path("worlds/default/heldout"), "shifted", leakage=False, camera=True,
                          camera_rolls=(), rotated_cameras=True, view_words=vw)
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(res, indent=2))
print(json.dumps({k: res[k] for k in ("view_accuracy", "view_accuracy_rotated", "camera_use")}))
