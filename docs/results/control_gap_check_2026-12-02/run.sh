#!/bin/bash
# premise check (#17): is Realiz3D's texturing control gap to naive the halved count of controlled samples?
set -e
# from the repository root
# the token stage 1s (runs/mv_token/runs/seed{0,1,2}/stage1) come from
#   realiz3d reproduce --tasks multiview --methods realiz3d --seeds 3 --out runs/mv_token --world worlds/default --shifter-form token
# (run from a frozen copy of commit eb7c069: PYTHONPATH=<copy>)
R=.venv/bin/realiz3d
W=worlds/default
B=realiz3d/weights/base
common="data.world=$W train.batch_size=16 train.seed=0 train.checkpoint_every=0 train.validate_every=0"
date
$R train --config realiz3d/configs/world/texturing/naive.yaml out=runs/chk/naive120 model.init=$B train.steps=120 train.log_every=2 $common
$R evaluate --checkpoint runs/chk/naive120/final --task texturing --out runs/chk/naive120_eval --split heldout --textured-meshes 0
date
$R train --config realiz3d/configs/world/texturing/stage2.yaml out=runs/chk/tok480 model.init=runs/mv_token/runs/seed0/stage1/final train.steps=480 train.log_every=9 $common
$R evaluate --checkpoint runs/chk/tok480/final --task texturing --out runs/chk/tok480_eval --split heldout --textured-meshes 0
date
# seed 1 (Realiz3D only; stage 1 = the multiview trial's token stage 1 of seed 1):
$R train --config realiz3d/configs/world/texturing/stage2.yaml out=runs/chk/tok480_s1 model.init=runs/mv_token/runs/seed1/stage1/final train.steps=480 train.log_every=9 ${common/train.seed=0/train.seed=1}
$R evaluate --checkpoint runs/chk/tok480_s1/final --task texturing --out runs/chk/tok480_s1_eval --split heldout --textured-meshes 0
# seeds 1 and 2 of naive at 120 steps and seed 2 of Realiz3D at 480 (2026-12-02, later; frozen copy of d391736):
for s in 1 2; do
$R train --config realiz3d/configs/world/texturing/naive.yaml out=runs/chk/naive120_s$s model.init=$B train.steps=120 train.log_every=2 ${common/train.seed=0/train.seed=$s}
$R evaluate --checkpoint runs/chk/naive120_s$s/final --task texturing --out runs/chk/naive120_s${s}_eval --split heldout --textured-meshes 0
done
$R train --config realiz3d/configs/world/texturing/stage2.yaml out=runs/chk/tok480_s2 model.init=runs/mv_token/runs/seed2/stage1/final train.steps=480 train.log_every=9 ${common/train.seed=0/train.seed=2}
$R evaluate --checkpoint runs/chk/tok480_s2/final --task texturing --out runs/chk/tok480_s2_eval --split heldout --textured-meshes 0
