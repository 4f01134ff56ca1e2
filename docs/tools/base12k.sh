#!/bin/bash
# The candidate base model pretrained 12,000 steps beyond the shipped one with view words
# (runs/vw12k/pretrain/final; docs/results.md, "pretrained six times longer"): 6,000 steps, then
# 6,000 more, ~2 h 45 min on a 2-core CPU, resumable; skipped when it is there.
set -e
cd "$(dirname "$0")/../.."
[ -f runs/vw6k/pretrain/final/realiz3d_config.json ] || \
    W=worlds/default R=runs/vw6k PRETRAIN_STEPS=6000 SEEDS= bash docs/tools/view_words_trial.sh
[ -f runs/vw12k/pretrain/final/realiz3d_config.json ] || \
    W=worlds/default R=runs/vw12k INIT=runs/vw6k/pretrain/final PRETRAIN_STEPS=6000 SEEDS= bash docs/tools/view_words_trial.sh
