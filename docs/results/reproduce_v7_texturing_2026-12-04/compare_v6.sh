#!/bin/bash
# Reproduction v7's texturing rows against v6's (constant lr 1e-4), paired by seed (the seeds both
# have), method by method: what the stage-2 configs' decaying lr changed. From the repository root:
bash docs/tools/paired_methods.sh docs/results/reproduce_v6_texturing_2026-12-04/results.jsonl \
    ${1:-docs/results/reproduce_v7_texturing_2026-12-04/results.jsonl} texturing \
    "v6 (1e-4 constant)" "v7 (3e-4 cosine)" realism normal_agreement mask_iou material_accuracy
