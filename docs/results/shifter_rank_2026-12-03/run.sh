#!/usr/bin/env bash
# Issue 15, premise (b): does a higher shifter rank let stage 1 reach more of a full
# fine-tune's loss reduction on renders? Caption-form shifters (the form that meets premise
# (a)) at rank 16 instead of 4, same stage 1 otherwise (600 x 64, lr 0.005), seeds 0-2, paired
# with the rank-4 caption-form stage-1 runs of 2026-12-02 (runs/premise_cap/stage1{,_s1,_s2})
# against the same full fine-tune (runs/premise/finetune).
# Run from the repo root: R=realiz3d bash docs/results/shifter_rank_2026-12-03/run.sh
set -euo pipefail
R=${R:-realiz3d}
PY=${PY:-python}
RANK=${RANK:-16}
for S in 0 1 2; do
  OUT=runs/premise_rank/r${RANK}_s$S
  [ -d $OUT/final ] || \
    $R train --config realiz3d/configs/world/stage1.yaml out=$OUT model.shifter_form=caption \
      model.rank=$RANK train.lr=0.005 train.seed=$S
done
$PY -m realiz3d.evaluation.premise --world worlds/default \
  --stage1 runs/premise_cap/stage1/final --stage1 runs/premise_cap/stage1_s1/final --stage1 runs/premise_cap/stage1_s2/final \
  --stage1 runs/premise_rank/r${RANK}_s0/final --stage1 runs/premise_rank/r${RANK}_s1/final --stage1 runs/premise_rank/r${RANK}_s2/final \
  --finetune runs/premise/finetune/final --out runs/premise_rank/premise_r${RANK}.json
