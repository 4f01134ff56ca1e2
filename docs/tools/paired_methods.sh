#!/bin/bash
# Two reproduce folders' rows paired by seed, method by method (every method and mode of the
# plan; docs/tools/paired_table.py per method). From the repository root:
#   bash docs/tools/paired_methods.sh A.jsonl B.jsonl TASK "NAME A" "NAME B" METRIC...
PY=${PY:-python}
A=$1; B=$2; TASK=$3; NA=$4; NB=$5; shift 5
for ms in naive:real mixed:real switcher:shifted realiz3d:shifted "realiz3d (real mode)":real ablation_no_stage1:shifted \
          ablation_no_real:shifted ablation_no_layer_aware:shifted ablation_no_reassign:shifted; do
  $PY docs/tools/paired_table.py --rows $A $B --task $TASK --method "${ms%%:*}" --schedule "${ms##*:}" \
      --names "$NA" "$NB" --metrics "$@"
  echo
done
