#!/bin/bash
# Reproduction v7, multiview half (the second sitting): the same plan as run.sh, --tasks
# multiview, into the same folder so that the halves merge into one results.jsonl and one
# claims.json. On a machine without the texturing sitting's runs, its committed rows and dial are
# copied in first (reproduce keeps rows already scored; stage 1 is trained again if it is gone).
# From the repository root:
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=runs/repro_v7
T=docs/results/reproduce_v7_texturing_2026-12-04
mkdir -p $O
[ -f $O/results.jsonl ] || cp $T/results.jsonl $O/results.jsonl
[ -f $O/dial.json ] || cp $T/dial.json $O/dial.json
$B reproduce --base base_long --out $O --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.125
$PY docs/tools/snapshot_claims.py $O/results.jsonl ${MV_OUT:-docs/results/reproduce_v7_multiview_2026-12-04} multiview \
    "realiz3d reproduce --base base_long --out runs/repro_v7 --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.125"
