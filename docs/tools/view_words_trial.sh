#!/bin/bash
# Premise check for issue 16: does a base model that knows views by name (pretraining captions
# that say "..., back view" for half of the images, as web-scale captions sometimes do) make
# camera control appear within the reproduction's budget?
#  1. the world again with each image's front recorded (same images as worlds/default: the
#     builder is deterministic; only the metadata gains front_azimuth);
#  2. the shipped base pretrained 2,000 steps further with data.view_words=0.5: the same command
#     as docs/tools/base_more_trial.sh (which continued it with plain captions), so the two
#     differ by the view words alone;
#  3. the base model scored alone with its views named (view accuracy of the base model);
#  4. the reproduction's naive multiview run (240 x 16, EMA 0.99) from it, seeds 0-2, with
#     (a) plain captions, paired with base_more's naive runs (runs/base_more/naive_sS), and
#     (b) view words in the fine-tune's captions too (data.view_words=1: every view named, and
#     sampling names the views from the cameras).
# Results: docs/results.md, "A base model that knows views by name"; JSONs in docs/results/view_words_2026-12-01/.
set -e
cd "$(dirname "$0")/../.."
W=worlds/vw
R=runs/vw
B=.venv/bin/realiz3d
SEEDS=${SEEDS:-0 1 2}
[ -f $W/world.json ] || $B world --out $W
[ -f $R/pretrain/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/pretrain.yaml out=$R/pretrain \
    data.world=$W data.view_words=0.5 model.init=base train.steps=2000 train.lr=0.0002 train.warmup_steps=50 \
    train.checkpoint_every=500 train.validate_every=0
[ -f $R/pretrain/eval/scores.json ] || $B evaluate --checkpoint $R/pretrain/final --task multiview --out $R/pretrain/eval --split heldout --schedule real
for S in $SEEDS; do
  for V in named plain; do
    VW=1.0; [ $V = plain ] && VW=0.0
    [ -f $R/naive_${V}_s$S/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/multiview/naive.yaml \
        out=$R/naive_${V}_s$S data.world=$W data.view_words=$VW model.init=$R/pretrain/final train.steps=240 \
        train.batch_size=16 train.seed=$S train.checkpoint_every=0 train.validate_every=0
    [ -f $R/naive_${V}_s$S/eval/scores.json ] || $B evaluate --checkpoint $R/naive_${V}_s$S/final --task multiview \
        --out $R/naive_${V}_s$S/eval --split heldout --schedule real
  done
done
echo DONE
