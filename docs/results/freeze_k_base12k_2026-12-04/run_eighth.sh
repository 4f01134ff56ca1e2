#!/usr/bin/env bash
# Issue 17: as run.sh (k from 3..5 of 6 blocks), with an eighth of each stage-2 batch real
# instead of a quarter, paired by seed with the eighth-real Realiz3D rows of
# docs/results/real_fraction_base12k_2026-12-04 (k 1..3). About 18 min here, alone. Run from the
# repo root after docs/results/reproduce_v5_texturing_base12k_2026-12-03/run.sh:
set -euo pipefail
R=${R:-realiz3d}
O=runs/fk35e
mkdir -p $O/runs
for s in 0 1 2; do mkdir -p $O/runs/seed$s; [ -d $O/runs/seed$s/stage1 ] || cp -r runs/repro_v5mv_12k/runs/seed$s/stage1 $O/runs/seed$s/; done
[ -f $O/results.jsonl ] || python -c "
import json; rows = [json.loads(l) for l in open('runs/repro_v5mv_12k/results.jsonl')]
open('$O/results.jsonl', 'w').write(''.join(json.dumps(r) + '\n' for r in rows if r['task'] == 'texturing' and r['method'] == 'base'))"
$R reproduce --out $O --world worlds/default --tasks texturing --methods realiz3d --shifter-form token \
    --real-fraction 0.125 --freeze-k 3,5 --base runs/vw12k/pretrain/final
python docs/tools/paired_table.py --rows docs/results/real_fraction_base12k_2026-12-04/results.jsonl $O/results.jsonl \
    --task texturing --method realiz3d --schedule shifted --names "eighth, k 1..3" "eighth, k 3..5" --metrics realism normal_agreement mask_iou fd_real
# validation split (the eighth-real Realiz3D there: runs/val_rf/e_sS, real_fraction_base12k_2026-12-04/val_scores.json):
for s in 0 1 2; do
  o=runs/val_fk/k35e_s$s
  [ -f $o/scores.json ] || $R evaluate --checkpoint $O/runs/seed$s/texturing/realiz3d/final --task texturing \
      --out $o --split val --schedule shifted
done
