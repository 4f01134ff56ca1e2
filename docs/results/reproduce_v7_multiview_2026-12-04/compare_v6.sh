#!/bin/bash
# Reproduction v7's text-to-multiview rows against v6's (constant lr 1e-4), paired by seed (the
# seeds both have), method by method: what the stage-2 configs' decaying lr changed. From the
# repository root (output in compare_v6.md beside this file):
bash docs/tools/paired_methods.sh docs/results/reproduce_v6_multiview_2026-12-04/results.jsonl \
    ${1:-docs/results/reproduce_v7_multiview_2026-12-04/results.jsonl} multiview \
    "v6 (1e-4 constant)" "v7 (3e-4 cosine)" realism view_accuracy camera_use material_accuracy
