#!/bin/bash
# Reproduction v7, texturing half: reproduction v6's plan (token-form shifters, an eighth of each
# stage-2 batch real, seeds 0-2, 240 stage-2 steps, EMA 0.99) with the stage-2 configs' new
# learning rate (3e-4, cosine to zero after 20 warm-up steps; chosen on the validation split:
# docs/results.md, "A higher, decaying learning rate"), every run trained anew from the base
# shipped then (realiz3d/weights/base_long since 2026-12-05), stage 1 included. The multiview half goes into the same folder
# (--tasks multiview), so the halves merge into one results.jsonl and one claims.json; on another
# machine, copy this folder's results.jsonl and dial.json into runs/repro_v7 first (reproduce
# keeps rows already scored). From the repository root:
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=runs/repro_v7
$B reproduce --base base_long --out $O --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.125
$PY docs/tools/snapshot_claims.py $O/results.jsonl docs/results/reproduce_v7_texturing_2026-12-04 texturing \
    "realiz3d reproduce --base base_long --out runs/repro_v7 --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.125"
