#!/bin/bash
# Issue 15: a base model pretrained within 60 minutes here, against the shipped base (three runs,
# 15,000 steps, ~2 h 45 min). docs/results.md, "A base model in 60 minutes". From the repo root:
#   bash docs/results/base60_2026-12-04/run.sh
# 1. pretraining, timed (alone on the 2-core CPU): configs/world/pretrain_fast.yaml (one cosine
#    over 6,000 steps x 64 images, view words in half of the captions from the start);
# 2. the base scored alone on the 40 held-out assets, its views named and not (as the shipped
#    base's rows in docs/results/view_words_12k_2026-12-03/);
# 3. the reproduction's naive text-to-multiview fine-tune from it with plain captions (240 x 16,
#    EMA 0.99), seeds 0-2: docs/tools/view_words_trial.sh's plain arm, paired by seed with the
#    shipped base's (docs/results/view_words_12k_2026-12-03/naive_plain_seed*.json);
# 4. issue 15's premise (b) on it, as docs/results/premise_base12k_2026-12-03 did for the shipped base.
set -e
cd "$(dirname "$0")/../../.."
B=${B:-.venv/bin/realiz3d}
PY=${PY:-.venv/bin/python}
[ -f runs/pretrain_fast/final/realiz3d_config.json ] || /usr/bin/time -v $B train --config realiz3d/configs/world/pretrain_fast.yaml \
    $( [ -d runs/pretrain_fast/checkpoints ] && echo --resume latest )
mkdir -p runs/fast60 && ln -sfn ../pretrain_fast runs/fast60/pretrain
[ -f runs/pretrain_fast/eval_unnamed/scores.json ] || $B evaluate --checkpoint runs/pretrain_fast/final --task multiview \
    --out runs/pretrain_fast/eval_unnamed --split heldout --schedule real --no-view-words
W=worlds/default R=runs/fast60 ARMS=plain B=$B bash docs/tools/view_words_trial.sh
O=runs/premise_fast60 BASE=runs/pretrain_fast/final R=$B PY=$PY bash docs/results/premise_base6k_2026-12-03/run.sh
echo DONE
