#!/usr/bin/env bash
# Issue 17: layer-aware training with real samples leaving more blocks frozen: k drawn from 3..5
# of the model's 6 blocks instead of 1..3, Realiz3D texturing, everything else as in reproduction
# v5 (token form, a quarter real, same stage 1 per seed copied from v5's folder, same base rows),
# paired by seed with v5's Realiz3D rows; then the same models on the validation split. About
# 18 min here, alone. Run from the repo root after
# docs/results/reproduce_v5_texturing_base12k_2026-12-03/run.sh (runs/repro_v5mv_12k, runs/vw12k).
# run_eighth.sh runs the same with an eighth real (RF, O, PAIR, A_NAME, B_NAME, VAL below).
set -euo pipefail
R=${R:-realiz3d}
RF=${RF:-0.25}
O=${O:-runs/fk35}
PAIR=${PAIR:-docs/results/reproduce_v5_texturing_base12k_2026-12-03/results.jsonl}  # the k 1..3 rows
A_NAME=${A_NAME:-k 1..3 (v5)}
B_NAME=${B_NAME:-k 3..5}
VAL=${VAL:-k35}  # runs/val_fk/${VAL}_sS (the k 1..3 models there: runs/val_rf, real_fraction_base12k_2026-12-04/val_scores.json)
mkdir -p $O/runs
for s in 0 1 2; do mkdir -p $O/runs/seed$s; [ -d $O/runs/seed$s/stage1 ] || cp -r runs/repro_v5mv_12k/runs/seed$s/stage1 $O/runs/seed$s/; done
[ -f $O/results.jsonl ] || python -c "
import json; rows = [json.loads(l) for l in open('runs/repro_v5mv_12k/results.jsonl')]
open('$O/results.jsonl', 'w').write(''.join(json.dumps(r) + '\n' for r in rows if r['task'] == 'texturing' and r['method'] == 'base'))"
$R reproduce --out $O --world worlds/default --tasks texturing --methods realiz3d --shifter-form token \
    --real-fraction $RF --freeze-k 3,5 --base runs/vw12k/pretrain/final
python docs/tools/paired_table.py --rows $PAIR $O/results.jsonl \
    --task texturing --method realiz3d --schedule shifted --names "$A_NAME" "$B_NAME" --metrics realism normal_agreement mask_iou fd_real
for s in 0 1 2; do
  o=runs/val_fk/${VAL}_s$s
  [ -f $o/scores.json ] || $R evaluate --checkpoint $O/runs/seed$s/texturing/realiz3d/final --task texturing \
      --out $o --split val --schedule shifted
done
