#!/bin/bash
# Reproduction v7, multiview half (sittings from 2026-12-04 on): the texturing half's plan with
# --tasks multiview, into the same runs/repro_v7, so the halves merge into one results.jsonl and
# one claims.json. This folder's results.jsonl holds both tasks' rows scored so far (texturing
# complete); on a machine without runs/repro_v7 it is copied in first, and reproduce keeps every
# row already scored (stage 1s are trained again where they are gone). From the repository root:
set -e
D=docs/results/reproduce_v7_multiview_2026-12-04
mkdir -p runs/repro_v7
[ -f runs/repro_v7/results.jsonl ] || cp $D/results.jsonl runs/repro_v7/results.jsonl
bash docs/results/reproduce_v7_texturing_2026-12-04/run_multiview.sh
