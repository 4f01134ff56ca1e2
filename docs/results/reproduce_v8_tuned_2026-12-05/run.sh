#!/bin/bash
# The tuned headline replicated on reproduction v8's fresh seeds (3-5): as
# docs/results/reproduce_v7_tuned_2026-12-05/run.sh, v8's trained models and scored rows kept
# (a copy of runs/repro_v8) and resumed with --tune-schedule, which adds per seed and task the
# sweep on the validation split and the held-out row "realiz3d (tuned)". From the repository
# root, with runs/repro_v8 present (docs/results/reproduce_v8_*_seeds345_*/run.sh):
set -e
B=${B:-realiz3d}
O=runs/repro_v8_tuned
D=docs/results/reproduce_v8_tuned_2026-12-05
[ -d $O ] || { cp -r runs/repro_v8 $O; rm -f $O/timings.jsonl $O/claims.json; }
for t in texturing multiview; do
  $B reproduce --base base_long --out $O --world worlds/default --tasks $t --shifter-form token --real-fraction 0.125 \
      --first-seed 3 --tune-schedule
done
cp $O/results.jsonl $O/claims.json $O/timings.jsonl $D/
for s in 3 4 5; do for t in texturing multiview; do
  cp $O/runs/seed$s/$t/realiz3d/tuned_schedule.json $D/tuned_schedule_seed${s}_$t.json
done; done
