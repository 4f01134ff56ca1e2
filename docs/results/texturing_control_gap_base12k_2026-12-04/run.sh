#!/usr/bin/env bash
# Issue 17: where Realiz3D's texturing control goes, from the base shipped since 2026-12-04. Three
# checks on reproduction v5's models (3 seeds), run from the repo root after
# docs/results/reproduce_v5_texturing_base12k_2026-12-03/run.sh and
# docs/results/real_fraction_base12k_2026-12-04/run.sh (which leave runs/repro_v5mv_12k,
# runs/vw12k and runs/val_rf). About 35 min here, alone.
set -euo pipefail
R=${R:-realiz3d}
# 1. Is it the count of controlled samples? Naive with 12 samples a step (what Realiz3D with a
#    quarter real sees on average) against v5's naive with 16, paired by seed (7 min):
O=runs/nv12
mkdir -p $O
[ -f $O/results.jsonl ] || python -c "
import json; rows = [json.loads(l) for l in open('runs/repro_v5mv_12k/results.jsonl')]
open('$O/results.jsonl', 'w').write(''.join(json.dumps(r) + '\n' for r in rows if r['task'] == 'texturing' and r['method'] == 'base'))"
$R reproduce --out $O --world worlds/default --tasks texturing --methods naive --batch-size 12 --base runs/vw12k/pretrain/final
python docs/tools/paired_table.py --rows docs/results/reproduce_v5_texturing_base12k_2026-12-03/results.jsonl $O/results.jsonl \
    --task texturing --method naive --schedule real --names "batch 16" "batch 12" --metrics realism normal_agreement mask_iou fd_real
# 2. Guidance on the control (G = 1, 2), validation split, v5's Realiz3D (q) and naive (n)
#    (the G = 0 scores are runs/val_rf/{q,n}_sS, real_fraction_base12k_2026-12-04/val_scores.json):
for G in 1 2; do for s in 0 1 2; do
  for arm in "realiz3d:q:shifted" "naive:n:real"; do
    IFS=: read M T SCHED <<< "$arm"
    o=runs/val_cg/${T}_g${G}_s$s
    [ -f $o/scores.json ] || $R evaluate --checkpoint runs/repro_v5mv_12k/runs/seed$s/texturing/$M/final --task texturing \
        --out $o --split val --schedule $SCHED --control-guidance $G
  done
done; done
# 3. The same models in synthetic mode throughout (validation split): v5's Realiz3D (q) and its
#    no-real-data ablation (z):
for s in 0 1 2; do
  for arm in "ablation_no_real:z" "realiz3d:q"; do
    IFS=: read M T <<< "$arm"
    o=runs/val_cg/${T}_syn_s$s
    [ -f $o/scores.json ] || $R evaluate --checkpoint runs/repro_v5mv_12k/runs/seed$s/texturing/$M/final --task texturing \
        --out $o --split val --schedule synthetic
  done
done
# val_scores.json = every runs/val_cg/*/scores.json, keyed by folder name.
