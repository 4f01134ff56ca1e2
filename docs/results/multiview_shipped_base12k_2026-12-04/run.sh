#!/usr/bin/env bash
# Issue 16: the text-to-multiview model shipped since 2026-12-04 (realiz3d/weights/multiview):
# realiz3d/configs/world/multiview/shipped_cosine.yaml from reproduction v5's seed-0 token-form
# stage 1 (the base shipped since 2026-12-04, fp32), 6,000 steps with a cosine decay and half of
# the captions naming their view. 58.6 min of training here, alone (0.57 s a step); 1.4 min per
# evaluation. Run from the repo root after docs/results/reproduce_v5_multiview_base12k_2026-12-03/run.sh
# (or with STAGE1=runs/stage1_token/final after `realiz3d train --config realiz3d/configs/world/stage1_token.yaml`):
set -euo pipefail
R=${R:-realiz3d}
STAGE1=${STAGE1:-runs/repro_v5mv_12k/runs/seed0/stage1/final}
OUT=runs/mv12k_6000
[ -d $OUT/final ] || $R train --config realiz3d/configs/world/multiview/shipped_cosine.yaml model.init=$STAGE1 out=$OUT
[ -f $OUT/eval_shifted/scores.json ] || \
  $R evaluate --checkpoint $OUT/final --task multiview --out $OUT/eval_shifted --split heldout --schedule shifted  # final_fp32.json
[ -d $OUT/exported ] || python -m realiz3d.shipped export $OUT/final $OUT/exported
[ -f $OUT/exported_eval/scores.json ] || $R evaluate --checkpoint $OUT/exported --task multiview --out $OUT/exported_eval \
  --split heldout --schedule shifted --rotated-cameras  # exported.json
# shipped: cp -r realiz3d/weights/multiview runs/mv_shipped_until_1204 && rm -rf realiz3d/weights/multiview && cp -r $OUT/exported realiz3d/weights/multiview
python docs/tools/checkpoints_figure.py --world worlds/default --out docs/images/multiview_camera_control_v7.png \
  --assets 5 --rolls 1 --turns 45 --checkpoint "shipped until today" runs/mv_shipped_until_1204 \
  --checkpoint "new base, 6,000 steps" $OUT/exported
# the README's demo picture with the new shipped model in its second row (checked 2026-12-04 on a
# fresh clone: `make demo` 11 min 16 s, then this; mean pixel difference to the committed picture 0.01 of 255):
#   realiz3d demo --out demo && python docs/tools/demo_figure.py demo docs/images/demo.png
