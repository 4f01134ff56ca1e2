#!/bin/bash
# The texturing half of reproduction v4's plan from the candidate base pretrained 12,000 steps
# beyond the shipped one (the other half: ../reproduce_v5_multiview_base12k_2026-12-03/run.sh, same
# output folder, so the halves merge into one results.jsonl and one claims.json). Started
# 2026-12-03 22:18 from commit 73f8f7b (a frozen copy of the tree, the code of the multiview half)
# on a 2-core CPU, nothing else heavy running; stopped with the session, resumed from the rows here.
set -e
# from the repository root
realiz3d world --out worlds/default        # skipped when it is there
bash docs/tools/base12k.sh               # the base (the shipped one since 2026-12-04, copied; skipped when it is there)
mkdir -p runs/repro_v5mv_12k
[ -f runs/repro_v5mv_12k/results.jsonl ] || cp docs/results/reproduce_v5_texturing_base12k_2026-12-03/results.jsonl runs/repro_v5mv_12k/
realiz3d reproduce --out runs/repro_v5mv_12k --world worlds/default --tasks texturing --shifter-form token \
    --real-fraction 0.25 --base runs/vw12k/pretrain/final
python docs/tools/snapshot_claims.py runs/repro_v5mv_12k/results.jsonl docs/results/reproduce_v5_texturing_base12k_2026-12-03 texturing \
    "realiz3d reproduce --out runs/repro_v5mv_12k --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.25 --base runs/vw12k/pretrain/final"
