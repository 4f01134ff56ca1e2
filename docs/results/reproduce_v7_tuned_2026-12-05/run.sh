#!/bin/bash
# Reproduction v7 with the headline at Realiz3D's tuned schedule (issue 17: "Headline ratios use
# Realiz3D with its tuned schedule"). v7's trained models are kept as they are: a copy of
# runs/repro_v7 (its rows with per-asset scores, docs/results/claims_bootstrap_2026-12-04) is
# resumed with --tune-schedule, which finds every model trained and every row scored and adds,
# per seed and task, the sweep on the validation split (L in {3, 6} x s in {0.25, 0.5, 0.75}, realism
# kept >= 0.9x real mode's; RUN/tuned_schedule.json beside each model) and the held-out row
# "realiz3d (tuned)". Seed 0's base, naive and Realiz3D rows are generated again for the report's
# pictures (not rewritten). From the repository root, with runs/repro_v7 present:
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=runs/repro_v7_tuned
D=docs/results/reproduce_v7_tuned_2026-12-05
if [ ! -d $O ]; then
  cp -r runs/repro_v7 $O
  cp docs/results/claims_bootstrap_2026-12-04/results.jsonl $O/results.jsonl
  rm -f $O/timings.jsonl $O/claims.json
fi
for t in texturing multiview; do
  $B reproduce --out $O --world worlds/default --tasks $t --shifter-form token --real-fraction 0.125 --tune-schedule
done
cp $O/results.jsonl $O/claims.json $O/timings.jsonl $D/
for s in 0 1 2; do for t in texturing multiview; do
  cp $O/runs/seed$s/$t/realiz3d/tuned_schedule.json $D/tuned_schedule_seed${s}_$t.json
done; done
