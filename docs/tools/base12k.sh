#!/bin/bash
# The base model pretrained 12,000 steps beyond the base shipped until 2026-12-03, half of its
# captions naming the view (docs/results.md, "pretrained six times longer"): runs/vw12k/pretrain/final,
# the --base of the v5 reproduction's run.sh files. Shipped as the base 2026-12-04 to 12-05, now
# realiz3d/weights/base_long (its fp16 export), so when the folder is missing this script copies the
# shipped weights there (the same model up to fp16 rounding; the v5 rows came from the fp32 weights).
# To train it again instead (3,000 + 6,000 + 6,000 steps x 64 images, ~2 h 45 min on a 2-core CPU):
#   realiz3d train --config configs/world/pretrain.yaml
#   realiz3d train --config configs/world/pretrain_views.yaml
#   realiz3d train --config configs/world/pretrain_views_more.yaml      # -> runs/pretrain_views_more/final
# (the original run started part 2 from the base shipped until 2026-12-03, i.e. the fp16 export of
# part 1, through docs/tools/view_words_trial.sh with INIT=base, and part 3 with
# INIT=runs/vw6k/pretrain/final).
set -e
cd "$(dirname "$0")/../.."
if [ ! -f runs/vw12k/pretrain/final/realiz3d_config.json ]; then
  mkdir -p runs/vw12k/pretrain
  cp -r realiz3d/weights/base_long runs/vw12k/pretrain/final
fi
