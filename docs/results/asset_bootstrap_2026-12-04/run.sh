#!/bin/bash
# Reproduction v7's "Realiz3D follows the control nearly as well as naive" (realiz3d - naive on
# the task's control score), with a bootstrap over seeds and held-out assets beside the t interval
# over seeds (each checkpoint's views generated again with reproduce's settings; the per-seed means
# are checked against the rows). ~4 min a task here. From the repository root, with runs/repro_v7:
PY=${PY:-python}
for t in multiview texturing; do
  $PY docs/tools/asset_bootstrap.py --task $t --world worlds/default \
      --a runs/repro_v7/runs/seed{0,1,2}/$t/naive/final --a-schedule real \
      --b runs/repro_v7/runs/seed{0,1,2}/$t/realiz3d/final --b-schedule shifted \
      --rows runs/repro_v7/results.jsonl --a-method naive --b-method realiz3d \
      --out docs/results/asset_bootstrap_2026-12-04/${t}_realiz3d_vs_naive.json
done
