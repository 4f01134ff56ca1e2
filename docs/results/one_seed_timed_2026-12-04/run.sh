#!/bin/bash
# One seed of both tasks of the default plan, timed as one run (issue 17's 90-minute budget), after
# reproduce stopped generating with null control for the rows no claim reads (Plan.leakage_methods).
# Seed 0 of reproduction v7's plan: its rows should equal v7's seed-0 rows (the reproduction is
# deterministic; the leakage columns are gone from the ablations' and the other schedules' rows).
# Alone, from a frozen copy of main; from the repository root:
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=${O:-runs/one_seed_v8}
/usr/bin/time -v $B reproduce --base base_long --seeds 1 --out $O --world worlds/default --shifter-form token --real-fraction 0.125
$PY docs/tools/rows_diff.py runs/repro_v7/results.jsonl $O/results.jsonl --seed 0 \
    --metrics realism view_accuracy normal_agreement mask_iou material_accuracy camera_use
