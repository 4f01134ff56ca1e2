#!/bin/bash
# Reproduction v4, texturing half: every method and ablation of the default plan, 3 seeds, with
# token-form Domain Shifters (beyond the paper) and a quarter of each stage-2 batch real for every
# method trained with real data (mixed, the switcher, Realiz3D and its ablations but no-real).
# Started 2026-12-02 from commit 7320534 (a frozen copy of the tree), nothing else running on the
# 2-core CPU but one fresh-clone test suite (reproduce paused for it: 4 min 19 s).
set -e
# from the repository root
realiz3d world --out worlds/default        # skipped when it is there
# resume on another machine: the finished rows are in results.jsonl here; reproduce takes a
# (seed, task, method) row as done and trains only what is missing (stage 1 of a missing seed too)
mkdir -p runs/repro_v4
[ -f runs/repro_v4/results.jsonl ] || cp docs/results/reproduce_v4_texturing_2026-12-02/results.jsonl runs/repro_v4/
realiz3d reproduce --out runs/repro_v4 --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.25
# tables and claims of the seeds complete so far:
python docs/tools/snapshot_claims.py runs/repro_v4/results.jsonl docs/results/reproduce_v4_texturing_2026-12-02 texturing \
    "realiz3d reproduce --out runs/repro_v4 --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.25"
