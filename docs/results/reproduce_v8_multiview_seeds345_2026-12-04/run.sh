#!/bin/bash
# Text-to-multiview half of the default plan on three fresh seeds (3, 4, 5): reproduction v7's
# plan and configs (token-form shifters, an eighth of each stage-2 batch real, 240 stage-2 steps
# at 3e-4 on a cosine, EMA 0.99, 40 held-out assets) with the code of 2026-12-04 (null-control
# generations only for the headline methods' rows), every run trained anew from the shipped base,
# stage 1 included. Two questions, both fixed before it ran: (1) how long a half takes, alone on
# this 2-core machine, stage 1 included; (2) do v7's text-to-multiview verdicts (seeds 0-2) hold
# on seeds that never informed a choice. From the repository root:
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=${O:-runs/repro_v8mv}
$B reproduce --base base_long --out $O --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.125 --first-seed 3
$PY docs/tools/snapshot_claims.py $O/results.jsonl docs/results/reproduce_v8_multiview_seeds345_2026-12-04 multiview \
    "realiz3d reproduce --base base_long --out runs/repro_v8mv --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.125 --first-seed 3"
