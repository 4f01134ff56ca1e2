#!/bin/bash
# Issue 15: the shipped base since 2026-12-05, configs/world/pretrain_fast.yaml trained again (the
# recipe of docs/results/base60_2026-12-04/, whose downstream runs measured it), exported in fp16
# and scored alone on the 40 held-out assets, plain captions and views named. docs/results.md,
# "A base model in 60 minutes". From the repository root (about 1 h 25 min on this sitting's CPU,
# 1.67x slower than 2026-12-04's):
set -e
cd "$(dirname "$0")/../../.."
B=${B:-.venv/bin/realiz3d}
PY=${PY:-.venv/bin/python}
D=docs/results/base_shipped_2026-12-05
[ -f runs/pretrain_fast/final/realiz3d_config.json ] || /usr/bin/time -v $B train --config realiz3d/configs/world/pretrain_fast.yaml \
    $( [ -d runs/pretrain_fast/checkpoints ] && echo --resume latest )
$PY -m realiz3d.shipped export runs/pretrain_fast/final realiz3d/weights/base
$PY -m realiz3d.shipped samples realiz3d/weights/base docs/images/base_samples.png
$B evaluate --checkpoint realiz3d/weights/base --task multiview --out runs/base41/eval_unnamed --split heldout --schedule real --no-view-words
$B evaluate --checkpoint realiz3d/weights/base --task multiview --out runs/base41/eval_named --split heldout --schedule real
cp runs/base41/eval_unnamed/scores.json $D/base_without_words.json
cp runs/base41/eval_named/scores.json $D/base_views_named.json
