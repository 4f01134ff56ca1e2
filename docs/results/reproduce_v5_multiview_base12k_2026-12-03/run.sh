#!/bin/bash
# Reproduction v4's text-to-multiview half again (same plan and flags), from the candidate base
# model pretrained 12,000 steps beyond the shipped one with view words (docs/results.md, "The base
# model that knows views by name, pretrained six times longer"), with `reproduce --base`.
# Started 2026-12-03 20:14 from commit 73f8f7b (a frozen copy of the tree) on a 2-core CPU, nothing else heavy running.
set -e
# from the repository root
realiz3d world --out worlds/default        # skipped when it is there
bash docs/tools/base12k.sh               # the base (the shipped one since 2026-12-04, copied; skipped when it is there)
# resume on another machine: reproduce takes a (seed, task, method) row of results.jsonl as done
mkdir -p runs/repro_v5mv_12k
[ -f runs/repro_v5mv_12k/results.jsonl ] || cp docs/results/reproduce_v5_multiview_base12k_2026-12-03/results.jsonl runs/repro_v5mv_12k/
realiz3d reproduce --out runs/repro_v5mv_12k --world worlds/default --tasks multiview --shifter-form token \
    --real-fraction 0.25 --base runs/vw12k/pretrain/final
# tables and claims of the seeds complete so far:
python docs/tools/snapshot_claims.py runs/repro_v5mv_12k/results.jsonl docs/results/reproduce_v5_multiview_base12k_2026-12-03 multiview \
    "realiz3d reproduce --out runs/repro_v5mv_12k --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.25 --base runs/vw12k/pretrain/final"
