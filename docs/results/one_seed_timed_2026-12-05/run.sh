#!/bin/bash
# One seed of both tasks of the committed plan (reproduction v7/v8's: token-form Domain Shifters,
# an eighth real), timed as one run from stage 1 to the claims (issue 17's 90-minute budget; the
# run of 2026-12-04, docs/results/one_seed_timed_2026-12-04, was stopped at 61 min for lack of
# session time). Seed 0, a new folder, alone, from a frozen copy of main; from the repository root.
# reproduce writes OUT/timings.jsonl (per run and row); its seed-0 rows are compared with v7's.
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=${O:-runs/one_seed_v9}
D=docs/results/one_seed_timed_2026-12-05
/usr/bin/time -v -o $D/time.txt $B reproduce --base base_long --seeds 1 --out $O --world worlds/default --shifter-form token --real-fraction 0.125
cp $O/timings.jsonl $D/
$PY docs/tools/rows_diff.py docs/results/claims_bootstrap_2026-12-04/results.jsonl $O/results.jsonl --seed 0 \
    --metrics realism view_accuracy normal_agreement mask_iou material_accuracy camera_use > $D/rows_diff.md
