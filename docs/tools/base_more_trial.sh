#!/bin/bash
# Premise check for issue 16: does a base model pretrained longer make camera control appear
# sooner? Continue pretraining the shipped base, then the reproduction's naive multiview run
# (240 x 16, EMA 0.99) from it for seeds 0-2; the reproduction's own naive runs (old base) are
# evaluated by the same command for a paired comparison (they must be on disk: runs/repro_v3,
# `realiz3d reproduce --out runs/repro_v3 --world worlds/default --tasks multiview`).
# Results: docs/results.md, "A base model pretrained longer"; JSONs in docs/results/base_more_2026-12-01/.
set -e
cd "$(dirname "$0")/../.."
R=runs/base_more
B=.venv/bin/realiz3d
[ -f $R/pretrain/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/pretrain.yaml out=$R/pretrain \
    model.init=base train.steps=2000 train.lr=0.0002 train.warmup_steps=50 train.checkpoint_every=500 train.validate_every=0
[ -f $R/pretrain/eval/scores.json ] || $B evaluate --checkpoint $R/pretrain/final --task multiview --out $R/pretrain/eval --split heldout --schedule real
[ -f $R/base_eval/scores.json ] || $B evaluate --checkpoint realiz3d/weights/base --task multiview --out $R/base_eval --split heldout --schedule real
for S in 0 1 2; do
  [ -f $R/naive_s$S/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/multiview/naive.yaml out=$R/naive_s$S \
      model.init=$R/pretrain/final train.steps=240 train.batch_size=16 train.seed=$S train.checkpoint_every=0 train.validate_every=0
  [ -f $R/naive_s$S/eval/scores.json ] || $B evaluate --checkpoint $R/naive_s$S/final --task multiview --out $R/naive_s$S/eval --split heldout --schedule real
  [ -f $R/old_naive_s$S/scores.json ] || $B evaluate --checkpoint runs/repro_v3/runs/seed$S/multiview/naive/final --task multiview --out $R/old_naive_s$S --split heldout --schedule real
done
echo DONE
