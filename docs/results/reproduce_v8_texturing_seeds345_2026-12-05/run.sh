#!/bin/bash
# Texturing half of the default plan on the fresh seeds 3, 4, 5, into the folder of the
# text-to-multiview half on the same seeds (docs/results/reproduce_v8_multiview_seeds345_2026-12-04,
# run as runs/repro_v8mv and renamed runs/repro_v8 once it finished), so that stage 1 of each seed is
# taken over (reproduce finds it) and the halves merge into one claims.json. Same plan, configs
# and questions as that half: how long the half takes alone here (reproduce writes
# OUT/timings.jsonl since 2026-12-04), and do reproduction v7's texturing verdicts (seeds 0-2)
# hold on these seeds (docs/tools/replicate_claims.py; criterion fixed before either v8 half ran).
# From the repository root:
set -e
B=${B:-realiz3d}
PY=${PY:-python}
O=${O:-runs/repro_v8}
D=docs/results/reproduce_v8_texturing_seeds345_2026-12-05
$B reproduce --base base_long --out $O --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.125 --first-seed 3
$PY docs/tools/snapshot_claims.py $O/results.jsonl $D texturing \
    "realiz3d reproduce --base base_long --out runs/repro_v8 --world worlds/default --tasks texturing --shifter-form token --real-fraction 0.125 --first-seed 3"
cp $O/timings.jsonl $D/
$PY docs/tools/replicate_claims.py docs/results/claims_bootstrap_2026-12-04/results.jsonl $O/results.jsonl texturing $D/replication.md
# Both tasks' merged verdicts on seeds 3-5 (reproduce writes them over every row of the folder):
cp $O/claims.json $D/claims_both_tasks.json
cp $O/dial.json $D/
