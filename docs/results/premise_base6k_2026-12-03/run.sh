#!/usr/bin/env bash
# Issue 15, premise (b) on a base model that has seen the render domain three times as long:
# the shipped base pretrained 6,000 steps further (docs/tools/view_words_trial.sh with R=runs/vw6k PRETRAIN_STEPS=6000, step 2:
# runs/vw6k/pretrain/final; half of its captions named the view, so it differs from the shipped
# base by length and view words). Caption-form stage 1 as in docs/results/shifter_rank_2026-12-03
# (rank 4, 600 x 64, lr 0.005), seeds 0-2, and the full fine-tune of the same length from that
# base as the reference; paired by seed with the rank-4 caption-form runs from the shipped base
# (reach 0.596, 0.551, 0.583: docs/results/shifter_rank_2026-12-03/premise.json).
# Run from the repo root: R=realiz3d PY=python bash docs/results/premise_base6k_2026-12-03/run.sh
# On the base pretrained six times longer (docs/results/premise_base12k_2026-12-03/premise.json):
#   O=runs/premise_base12k BASE=runs/vw12k/pretrain/final bash docs/results/premise_base6k_2026-12-03/run.sh
set -euo pipefail
R=${R:-realiz3d}
PY=${PY:-python}
BASE=${BASE:-runs/vw6k/pretrain/final}
O=${O:-runs/premise_base6k}
[ -d $O/finetune/final ] || $R train --config realiz3d/configs/world/stage1.yaml out=$O/finetune model.init=$BASE \
    train.stage=naive model.control=none data.views=1 train.lr=0.0001
for S in ${SEEDS:-0 1 2}; do
  [ -d $O/stage1_s$S/final ] || $R train --config realiz3d/configs/world/stage1.yaml out=$O/stage1_s$S model.init=$BASE \
      model.shifter_form=caption train.lr=0.005 train.seed=$S
done
$PY -m realiz3d.evaluation.premise --world worlds/default --base $BASE \
  $(for S in ${SEEDS:-0 1 2}; do echo --stage1 $O/stage1_s$S/final; done) \
  --finetune $O/finetune/final --out $O/premise.json
echo DONE
