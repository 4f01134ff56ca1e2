#!/usr/bin/env bash
# The picture of seed 3's held-out assets at the default and the tuned schedule
# (docs/images/texturing_tuned_schedule_seed3.png); about a minute here.
set -euo pipefail
PY=${PY:-python}
R=runs/repro_v8/runs/seed3/texturing
$PY docs/tools/schedules_figure.py --world worlds/default --out docs/images/texturing_tuned_schedule_seed3.png --assets 6 \
    --row "naive" $R/naive/final real --row "R3D real mode" $R/realiz3d/final real \
    --row "R3D L2 s.6 default" $R/realiz3d/final 2,0.6 --row "R3D L6 s.25 tuned" $R/realiz3d/final 6,0.25
