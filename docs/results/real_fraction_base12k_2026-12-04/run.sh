#!/usr/bin/env bash
# Issue 17: Realiz3D texturing with an eighth of each stage-2 batch real instead of a quarter, from
# the base shipped since 2026-12-04, paired by seed with reproduction v5's Realiz3D rows (same
# stage 1 per seed, copied from v5's folder; same base rows). 14 min here, alone. Run from the repo
# root after docs/results/reproduce_v5_texturing_base12k_2026-12-03/run.sh (which leaves
# runs/repro_v5mv_12k and runs/vw12k):
set -euo pipefail
O=runs/rf125
mkdir -p $O/runs
for s in 0 1 2; do mkdir -p $O/runs/seed$s; [ -d $O/runs/seed$s/stage1 ] || cp -r runs/repro_v5mv_12k/runs/seed$s/stage1 $O/runs/seed$s/; done
[ -f $O/results.jsonl ] || python -c "
import json; rows = [json.loads(l) for l in open('runs/repro_v5mv_12k/results.jsonl')]
open('$O/results.jsonl', 'w').write(''.join(json.dumps(r) + '\n' for r in rows if r['task'] == 'texturing' and r['method'] == 'base'))"
realiz3d reproduce --out $O --world worlds/default --tasks texturing --methods realiz3d --shifter-form token \
    --real-fraction 0.125 --base runs/vw12k/pretrain/final
python docs/tools/paired_table.py --rows docs/results/reproduce_v5_texturing_base12k_2026-12-03/results.jsonl $O/results.jsonl \
    --task texturing --method realiz3d --schedule shifted --names "real 0.25" "real 0.125" --metrics realism normal_agreement mask_iou fd_real
# The same models (and v5's no-real ablation and naive) scored on the validation split, where a
# choice of real share belongs (val_scores.json: q = a quarter, e = an eighth, z = no real, n = naive):
for s in 0 1 2; do
  for arm in "repro_v5mv_12k:realiz3d:q" "rf125:realiz3d:e" "repro_v5mv_12k:ablation_no_real:z" "repro_v5mv_12k:naive:n"; do
    IFS=: read R M T <<< "$arm"
    [ -f runs/val_rf/${T}_s$s/scores.json ] || realiz3d evaluate --checkpoint runs/$R/runs/seed$s/texturing/$M/final --task texturing \
        --out runs/val_rf/${T}_s$s --split val --schedule $( [ $M = naive ] && echo real || echo shifted )
  done
done
[ -f runs/val_rf/base/scores.json ] || realiz3d evaluate --checkpoint runs/vw12k/pretrain/final --task texturing --out runs/val_rf/base \
    --split val --schedule real --no-view-words
# Text-to-multiview, the same way (rows in multiview/; held-out paired with v5's multiview rows):
#   as above with O=runs/rf125mv, --tasks multiview, the multiview base rows, and
#   python docs/tools/paired_table.py --rows docs/results/reproduce_v5_multiview_base12k_2026-12-03/results.jsonl runs/rf125mv/results.jsonl \
#       --task multiview --method realiz3d --schedule shifted --metrics realism view_accuracy camera_use
# then `realiz3d evaluate --task multiview --split val --schedule shifted` of v5's and this run's Realiz3D
# per seed into runs/val_rfmv/{q,e}_sS (multiview/val_scores.json).
