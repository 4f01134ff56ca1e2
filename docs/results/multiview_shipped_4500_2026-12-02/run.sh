#!/bin/bash
# The shipped multiview run (runs/multiview/shipped_token, 2,500 steps; docs/results.md) continued
# to 3,500 and 4,500 steps (constant lr, EMA and optimizer restored by --resume latest), each end
# scored on the held-out split. Run from the repository root (2026-12-02, a frozen copy of ae2242c
# on PYTHONPATH; ~0.93 s a step here, 15.5 min per 1,000 steps; 2.3 min per evaluation).
set -e
for S in 3500 4500; do
  realiz3d train --config realiz3d/configs/world/multiview/shipped.yaml model.init=runs/stage1_token/final \
      out=runs/multiview/shipped_token train.steps=$S --resume latest
  cp -r runs/multiview/shipped_token/final runs/multiview/shipped_token_final$S
  realiz3d evaluate --checkpoint runs/multiview/shipped_token_final$S --task multiview \
      --out runs/multiview/eval_$S --split heldout --schedule shifted          # shifted_$S.json
done
python -m realiz3d.shipped export runs/multiview/shipped_token_final4500 realiz3d/weights/multiview
realiz3d evaluate --checkpoint realiz3d/weights/multiview --task multiview --out runs/multiview/eval_4500_exported \
    --split heldout --schedule shifted                                         # shifted_4500_exported.json
realiz3d evaluate --checkpoint realiz3d/weights/multiview --task multiview --out runs/multiview/eval_4500_real \
    --split heldout --schedule real                                            # real_4500_exported.json
# picture: PREV = realiz3d/weights/multiview as of commit 33e98f4 (the 2,500-step model)
python docs/tools/checkpoints_figure.py --world worlds/default --out docs/images/multiview_camera_control_v4.png \
    --assets 5 --rolls 1 --checkpoint "2,500 steps" PREV --checkpoint "4,500 steps" realiz3d/weights/multiview
