#!/bin/bash
# Premise check for issue 16: does a base model that knows views by name (pretraining captions
# that say "..., back view" for half of the images, as web-scale captions sometimes do) make
# camera control appear within the reproduction's budget?
#  1. the world again with each image's front recorded (same images as worlds/default: the
#     builder is deterministic; only the metadata gains front_azimuth);
#  2. the shipped base pretrained PRETRAIN_STEPS (2,000) steps further with data.view_words=0.5:
#     the same command as docs/tools/base_more_trial.sh (which continued it with plain captions),
#     so the two differ by the view words alone;
#  3. the base model scored alone with its views named (view accuracy of the base model);
#  4. the reproduction's naive multiview run (STEPS = 240 x 16, EMA 0.99) from it, seeds 0-2, with
#     (a) plain captions, paired with base_more's naive runs (runs/base_more/naive_sS), and
#     (b) view words in the fine-tune's captions too (data.view_words=1: every view named, and
#     sampling names the views from the cameras).
# Results: docs/results.md, "A base model that knows views by name"; JSONs in docs/results/view_words_2026-12-01/.
#
# Pretrained three times longer (2026-12-03; docs/results.md, "The base model that knows views by
# name, pretrained three times longer"; JSONs in docs/results/view_words_long_2026-12-03/):
#   W=worlds/default R=runs/vw6k PRETRAIN_STEPS=6000 ARMS=named bash docs/tools/view_words_trial.sh
# and its 720-step curve point: the same with STEPS=720 OUT_TAG=720 SEEDS=0 (runs/vw6k/naive_named720_s0);
# sampled without the words: realiz3d evaluate ... --schedule real --no-view-words --out .../eval_unnamed.
# Six times longer (2026-12-03, issues 15 and 16): the 6,000-step base continued 6,000 steps more (INIT;
# the cosine lr starts again at 2e-4), then both arms, seeds 0-2 (SEEDS= stops after scoring the base):
#   W=worlds/default R=runs/vw12k INIT=runs/vw6k/pretrain/final PRETRAIN_STEPS=6000 bash docs/tools/view_words_trial.sh
set -e
cd "$(dirname "$0")/../.."
W=${W:-worlds/vw}
R=${R:-runs/vw}
B=${B:-.venv/bin/realiz3d}
SEEDS=${SEEDS-0 1 2}
ARMS=${ARMS:-named plain}
PRETRAIN_STEPS=${PRETRAIN_STEPS:-2000}
STEPS=${STEPS:-240}
TAG=${OUT_TAG:-}
INIT=${INIT:-base}
[ -f $W/world.json ] || $B world --out $W
[ -f $R/pretrain/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/pretrain.yaml out=$R/pretrain \
    data.world=$W data.view_words=0.5 model.init=$INIT train.steps=$PRETRAIN_STEPS train.lr=0.0002 train.warmup_steps=50 \
    train.checkpoint_every=500 train.validate_every=0 $( [ -d $R/pretrain/checkpoints ] && echo --resume latest )
[ -f $R/pretrain/eval/scores.json ] || $B evaluate --checkpoint $R/pretrain/final --task multiview --out $R/pretrain/eval --split heldout --schedule real
for S in $SEEDS; do
  for V in $ARMS; do
    VW=1.0; [ $V = plain ] && VW=0.0
    O=$R/naive_${V}${TAG}_s$S
    [ -f $O/final/realiz3d_config.json ] || $B train --config realiz3d/configs/world/multiview/naive.yaml \
        out=$O data.world=$W data.view_words=$VW model.init=$R/pretrain/final train.steps=$STEPS \
        train.batch_size=16 train.seed=$S train.checkpoint_every=0 train.validate_every=0
    [ -f $O/eval/scores.json ] || $B evaluate --checkpoint $O/final --task multiview --out $O/eval --split heldout --schedule real
  done
done
echo DONE
