#!/bin/bash
# Reproduction v6, multiview half: the texturing half's plan (docs/results/reproduce_v6_texturing_2026-12-04)
# for text-to-multiview, into the same folder so the halves merge into one results.jsonl and one
# claims.json. As there, the runs an eighth real does not change are taken from the earlier runs,
# not trained again: per seed v5's stage 1, base, naive and no-real rows and runs (those methods
# see no real data) and Realiz3D with its dial from runs/rf125mv (already at an eighth). Trained
# here: mixed, the switcher and the ablations without stage 1, layer-aware training and
# reassignment. From the repository root, after the texturing half's run.sh and
# docs/results/real_fraction_base12k_2026-12-04/run.sh (runs/rf125mv):
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=runs/repro_v6
test -f $O/results.jsonl || { echo "run docs/results/reproduce_v6_texturing_2026-12-04/run.sh first" >&2; exit 1; }
$PY docs/tools/take_over_runs.py $O multiview runs/repro_v5mv_12k runs/rf125mv
$B reproduce --out $O --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.125 \
    --base runs/vw12k/pretrain/final
$PY docs/tools/snapshot_claims.py $O/results.jsonl docs/results/reproduce_v6_multiview_2026-12-04 multiview \
    "realiz3d reproduce --out runs/repro_v6 --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.125 --base runs/vw12k/pretrain/final"
