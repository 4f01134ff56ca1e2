#!/bin/bash
# Issue 16: the reproduction's naive text-to-multiview fine-tune with the same images in smaller
# batches and more steps (16 x 240, the plan's; 4 x 960; 2 x 1,920), seeds 0-2, held-out split,
# real mode. docs/results.md, "Smaller batches, more steps: camera control from the same images".
# Then Realiz3D at 4 x 960 and 8 x 480 (its stage 1 per seed as v7's), paired by seed with reproduction v7's
# Realiz3D rows (16 x 240; docs/results/reproduce_v7_multiview_2026-12-04/results.jsonl). From the
# repo root, alone on the machine (here: 17, 18 and 21 min for the naive arms, 47 min for
# Realiz3D with its stage 1s, 23 min at 8 x 480, 5 min for the rolled cameras):
#   bash docs/results/batch_size_camera_2026-12-05/run.sh
# then the paired tables:
#   python docs/tools/paired_table.py --rows runs/bs16/results.jsonl runs/bs4/results.jsonl \
#       --task multiview --method naive --schedule real --names "16 x 240" "4 x 960"
#   python docs/tools/paired_table.py --rows docs/results/reproduce_v7_multiview_2026-12-04/results.jsonl \
#       runs/bs4r/results.jsonl --task multiview --method realiz3d --schedule shifted
# and the rolled cameras of seed 0 (realiz3d evaluate scores them; reproduce's rows do not), and
# the picture docs/images/batch_size_camera_views.png.
set -e
cd "$(dirname "$0")/../../.."
B=${B:-.venv/bin/realiz3d}
for arm in "16 240" "4 960" "2 1920"; do
  set -- $arm
  /usr/bin/time -f "%e s wall, batch $1" $B reproduce --base base_long --out runs/bs$1 --world worlds/default --tasks multiview \
      --methods naive --batch-size $1 --steps $2 --seeds 3 --shifter-form token --real-fraction 0.125
done
$B reproduce --base base_long --out runs/bs4r --world worlds/default --tasks multiview --methods realiz3d \
    --batch-size 4 --steps 960 --seeds 3 --shifter-form token --real-fraction 0.125
# Realiz3D at 8 x 480, its stage 1s taken over from runs/bs4r (the same as v7's, seed by seed)
for s in 0 1 2; do
  mkdir -p runs/bs8r/runs/seed$s && [ -d runs/bs8r/runs/seed$s/stage1 ] || cp -r runs/bs4r/runs/seed$s/stage1 runs/bs8r/runs/seed$s/
done
$B reproduce --base base_long --out runs/bs8r --world worlds/default --tasks multiview --methods realiz3d \
    --batch-size 8 --steps 480 --seeds 3 --shifter-form token --real-fraction 0.125
for bs in 16 4; do
  [ -f runs/bs$bs/roll_seed0/scores.json ] || $B evaluate --checkpoint runs/bs$bs/runs/seed0/multiview/naive/final \
      --task multiview --out runs/bs$bs/roll_seed0 --split heldout --schedule real
done
${PY:-.venv/bin/python} -m realiz3d.evaluation.camera_diagnostics --figure docs/images/batch_size_camera_views.png \
    --labels "naive 16 x 240,naive 4 x 960" worlds/default/heldout runs/bs16/runs/seed0/multiview/naive/final \
    runs/bs4/runs/seed0/multiview/naive/final
