#!/bin/bash
# Reproduction v7's text-to-multiview rows against v6's (constant lr 1e-4), paired by seed (the
# seeds both have), method by method: what the stage-2 configs' decaying lr changed. From the
# repository root (output in compare_v6.md beside this file):
PY=${PY:-python}
A=docs/results/reproduce_v6_multiview_2026-12-04/results.jsonl
B=${1:-docs/results/reproduce_v7_multiview_2026-12-04/results.jsonl}
for ms in naive:real mixed:real switcher:shifted realiz3d:shifted "realiz3d (real mode)":real ablation_no_stage1:shifted \
          ablation_no_real:shifted ablation_no_layer_aware:shifted ablation_no_reassign:shifted; do
  $PY docs/tools/paired_table.py --rows $A $B --task multiview --method "${ms%%:*}" --schedule "${ms##*:}" \
      --names "v6 (1e-4 constant)" "v7 (3e-4 cosine)" --metrics realism view_accuracy camera_use material_accuracy
  echo
done
