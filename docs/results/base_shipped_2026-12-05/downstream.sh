#!/bin/bash
# the reproduction's naive text-to-multiview run (240 x 16, plain captions, EMA 0.99) from the shipped
# one-run base, at the settings of docs/results/base60_2026-12-04 (lr 1e-4 constant, warm-up 50: the
# stage-2 configs before 2026-12-04 evening), seeds 0-2, paired by seed with the first run's and
# the three-run base's rows
set -e
cd "$(dirname "$0")/../../.."
B=${B:-.venv/bin/realiz3d}
R=runs/ship41
for S in 0 1 2; do
  O=$R/naive_plain_s$S
  [ -f $O/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/multiview/naive.yaml \
      out=$O data.world=worlds/default data.view_words=0.0 model.init=base train.steps=240 \
      train.batch_size=16 train.seed=$S train.checkpoint_every=0 train.validate_every=0 \
      train.lr=0.0001 train.lr_schedule=constant train.warmup_steps=50
  [ -f $O/eval/scores.json ] || $B evaluate --checkpoint $O/final --task multiview --out $O/eval --split heldout --schedule real
done
echo DONE
