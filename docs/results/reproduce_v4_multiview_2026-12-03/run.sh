#!/bin/bash
# Reproduction v4, text-to-multiview half: the same plan, flags and output folder as the texturing
# half (docs/results/reproduce_v4_texturing_2026-12-02/run.sh), so that the two halves merge into
# one results.jsonl and one claims.json. Started 2026-12-03 01:29 from commit 9e2ee45 (a frozen
# copy of the tree) on a 2-core CPU, nothing else heavy running.
set -e
# from the repository root
realiz3d world --out worlds/default        # skipped when it is there
# resume on another machine: the finished rows of both halves are in results.jsonl here;
# reproduce takes a (seed, task, method) row as done and trains only what is missing
mkdir -p runs/repro_v4
[ -f runs/repro_v4/results.jsonl ] || cp docs/results/reproduce_v4_multiview_2026-12-03/results.jsonl runs/repro_v4/
realiz3d reproduce --out runs/repro_v4 --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.25
# tables and claims of the seeds complete so far:
python docs/tools/snapshot_claims.py runs/repro_v4/results.jsonl docs/results/reproduce_v4_multiview_2026-12-03 multiview \
    "realiz3d reproduce --out runs/repro_v4 --world worlds/default --tasks multiview --shifter-form token --real-fraction 0.25"
