#!/bin/bash
# Reproduction v6, texturing half: reproduction v5's plan with an eighth of each stage-2 batch
# real instead of a quarter (the share chosen on the validation split: docs/results.md, "An eighth
# real instead of a quarter"), from the same base (runs/vw12k/pretrain/final, the shipped base's
# fp32 weights). The runs an eighth does not change are taken from the earlier runs, not trained
# again: per seed the stage 1 (v5's), the base, naive and no-real rows (v5's: those methods see
# no real data, so their configs are the same) and Realiz3D (runs/rf125, already at an eighth).
# Trained here: mixed, the switcher and the ablations without stage 1, layer-aware training and
# reassignment. The multiview half goes into the same folder (--tasks multiview), so the halves
# merge into one results.jsonl and one claims.json. From the repository root, after
# docs/results/reproduce_v5_texturing_base12k_2026-12-03/run.sh and
# docs/results/real_fraction_base12k_2026-12-04/run.sh (runs/repro_v5mv_12k, runs/rf125):
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=runs/repro_v6
$PY docs/tools/take_over_runs.py $O texturing runs/repro_v5mv_12k runs/rf125 --stage1
$B reproduce --out $O --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.125 \
    --base runs/vw12k/pretrain/final
$PY docs/tools/snapshot_claims.py $O/results.jsonl docs/results/reproduce_v6_texturing_2026-12-04 texturing \
    "realiz3d reproduce --out runs/repro_v6 --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.125 --base runs/vw12k/pretrain/final"
