#!/usr/bin/env bash
# Issue 17: each seed's Realiz3D texturing model scored on the held-out split at the schedule
# tune-schedule chose for it on the validation split (seedS.json, run.sh), 40 assets, the
# reproduction's evaluation settings (20 steps, guidance 3, seed 0; realism with null control too);
# then the table against the same seeds' naive and base rows of reproductions v7 (seeds 0-2) and
# v8 (3-5): `SEEDS="0 1 2 3 4 5" bash docs/results/tune_schedule_goal_2026-12-05/heldout.sh`
set -euo pipefail
B=${B:-realiz3d}; PY=${PY:-python}
D=docs/results/tune_schedule_goal_2026-12-05
for s in ${SEEDS:-0 1 2 3 4 5}; do
  if [ "$s" -lt 3 ]; then run=runs/repro_v7; else run=runs/repro_v8; fi
  out=$D/heldout_seed$s.json
  [ -f "$out" ] && { echo "seed $s: $out exists, skipped"; continue; }
  read L S < <($PY -c "import json,sys; c=json.load(open('$D/seed$s.json'))['chosen']; print(c['blocks'], c['fraction'])")
  $B evaluate --checkpoint $run/runs/seed$s/texturing/realiz3d/final --task texturing --out runs/tune_goal/heldout_seed$s \
      --schedule shifted --shift-blocks "$L" --shift-fraction "$S" --textured-meshes 0
  cp runs/tune_goal/heldout_seed$s/scores.json "$out"
done
$PY $D/summary.py > $D/summary.md
