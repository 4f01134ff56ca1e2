#!/usr/bin/env bash
# Issue 16: the shipped text-to-multiview recipe (realiz3d/configs/world/multiview/shipped.yaml:
# camera MLP, control at 10x lr, per-view noise, noise shift 3, EMA 0.995, half of the batch real)
# from the base shipped since 2026-12-04, which camera control is learned from far faster (naive
# 0.36 view accuracy at 240 steps, 0.54 at 720, against chance from the base before it). One run
# of 3,000 steps with the lr decaying linearly to zero after a 50-step warm-up, instead of the
# shipped model's 5,500 constant + 1,000 decaying + 1,000 decaying with the views named (7,500 steps
# from the earlier base). Stage 1: reproduction v5's seed-0 token-form stage 1 (600 steps x 64 at
# lr 0.005 from that base: configs/world/stage1_token.yaml's recipe). ~30 min of training here.
# Run from the repo root (after docs/results/reproduce_v5_multiview_base12k_2026-12-03/run.sh, or
# with STAGE1=runs/stage1_token/final after `realiz3d train --config realiz3d/configs/world/stage1_token.yaml`):
set -euo pipefail
R=${R:-realiz3d}
STAGE1=${STAGE1:-runs/repro_v5mv_12k/runs/seed0/stage1/final}
OUT=runs/mv12k_3000
[ -d $OUT/final ] || $R train --config realiz3d/configs/world/multiview/shipped.yaml model.init=$STAGE1 out=$OUT \
  train.steps=3000 train.lr_schedule=linear train.warmup_steps=50 train.checkpoint_every=500
[ -f $OUT/eval_shifted/scores.json ] || \
  $R evaluate --checkpoint $OUT/final --task multiview --out $OUT/eval_shifted --split heldout --schedule shifted
