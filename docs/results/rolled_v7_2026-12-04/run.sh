#!/bin/bash
# Issue 16's rolled-camera test on reproduction v7's text-to-multiview models (reproduce scores
# view accuracy only with the assets' own cameras): `realiz3d evaluate` on the held-out split with
# the cameras rolled by one and two views, naive (real schedule) and Realiz3D (shifted), 3 seeds.
# From the repository root, with runs/repro_v7:
set -e
B=${B:-realiz3d}
for s in 0 1 2; do
  for ms in naive:real realiz3d:shifted; do
    m=${ms%%:*}
    [ -f runs/roll_v7/${m}_s$s/scores.json ] || $B evaluate --checkpoint runs/repro_v7/runs/seed$s/multiview/$m/final \
        --task multiview --split heldout --schedule ${ms##*:} --out runs/roll_v7/${m}_s$s
  done
done
${PY:-python} - <<'PY'
import json
out = {f"{m}_s{s}": json.load(open(f"runs/roll_v7/{m}_s{s}/scores.json")) for m in ("naive", "realiz3d") for s in range(3)}
json.dump(out, open("docs/results/rolled_v7_2026-12-04/scores.json", "w"), indent=1)
PY
