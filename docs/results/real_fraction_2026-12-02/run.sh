#!/bin/bash
# #17 budget lever: Realiz3D (token form) texturing at the reproduction's 240 steps with a quarter
# of each stage-2 batch real (train.real_fraction=0.25: ~12 controlled samples a step) against the
# default half (0.5: ~8), seeds 0-2, both arms on this CPU, paired by seed (same token stage 1s).
set -e
# from the repository root; the token stage 1s: docs/results/control_gap_check_2026-12-02/run.sh says where they come from
# (waited for the run before it to finish)
export PYTHONPATH=FROZEN_COPY   # a frozen copy of commit ae2242c
R=.venv/bin/realiz3d
common="data.world=worlds/default train.batch_size=16 train.checkpoint_every=0 train.validate_every=0 train.steps=240 train.log_every=5"
for s in 0 1 2; do
  for rf in 0.25 0.5; do
    o=runs/rf/tok240_rf${rf}_s$s
    [ -f $o/final/realiz3d_config.json ] || $R train --config realiz3d/configs/world/texturing/stage2.yaml out=$o \
        model.init=runs/mv_token/runs/seed$s/stage1/final train.seed=$s train.real_fraction=$rf $common
    [ -f ${o}_eval/scores.json ] || $R evaluate --checkpoint $o/final --task texturing --out ${o}_eval --split heldout --textured-meshes 0
    date
  done
done
# text-to-multiview (run after the loop above; the 0.5 arm is the token trial's own rows,
# realiz3d_token_mv_rf0.5_seed*.json, taken from runs/mv_token/results.jsonl):
for s in 0 1 2; do
  o=runs/rf/mv240_rf0.25_s$s
  $R train --config runs/mv_token/runs/seed$s/multiview/realiz3d/config.yaml out=$o train.real_fraction=0.25
  $R evaluate --checkpoint $o/final --task multiview --out ${o}_eval --split heldout   # realiz3d_token_mv_rf0.25_seed$s.json
done
