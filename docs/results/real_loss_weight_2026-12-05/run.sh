#!/usr/bin/env bash
# Issue 17: the texturing control gap's untried lever: Realiz3D's real samples weighted less in
# the stage-2 loss (train.real_loss_weight, `reproduce --real-loss-weight W`) instead of fewer of
# them. Reproduction v8's plan (an eighth real, token-form shifters, seeds 3-5), Realiz3D only, at
# W = 0.25 and 0.5, each seed's stage 1 and the base rows taken over from v8's folder
# (runs/repro_v8, left by docs/results/reproduce_v8_*_seeds345*/run.sh). The choice belongs to the
# validation split: v8's Realiz3D and naive (W = 1) and both new arms scored there
# (runs/val_rlw/ARM_sS); the held-out rows are paired by seed with v8's Realiz3D after.
# From the repository root (B, PY: the realiz3d and python to use):
set -euo pipefail
B=${B:-realiz3d}
PY=${PY:-python}
V8=runs/repro_v8
D=docs/results/real_loss_weight_2026-12-05
for W in ${WS:-0.25 0.5}; do  # WS="0.25": one arm per sitting
  O=runs/rlw${W/./}
  mkdir -p $O/runs
  for s in 3 4 5; do mkdir -p $O/runs/seed$s; [ -d $O/runs/seed$s/stage1 ] || cp -r $V8/runs/seed$s/stage1 $O/runs/seed$s/; done
  [ -f $O/results.jsonl ] || $PY -c "
import json; rows = [json.loads(l) for l in open('$V8/results.jsonl')]
open('$O/results.jsonl', 'w').write(''.join(json.dumps(r) + '\n' for r in rows if r['task'] == 'texturing' and r['method'] == 'base'))"
  $B reproduce --base base_long --out $O --world worlds/default --tasks texturing --methods realiz3d --shifter-form token \
      --real-fraction 0.125 --real-loss-weight $W --first-seed 3
  mkdir -p $D/w$W && cp $O/results.jsonl $D/w$W/
  $PY docs/tools/paired_table.py --rows $V8/results.jsonl $O/results.jsonl --task texturing --method realiz3d \
      --schedule shifted --names "W 1 (v8)" "W $W" --metrics realism normal_agreement mask_iou fd_real | tee $D/w$W/heldout_vs_v8.md
done
# validation split: v8's Realiz3D (W = 1) and naive, and both arms
for s in 3 4 5; do
  for arm in "repro_v8:realiz3d:w1" "repro_v8:naive:naive" "rlw025:realiz3d:w025" "rlw05:realiz3d:w05"; do
    IFS=: read R M T <<< "$arm"
    [ -d runs/$R/runs/seed$s/texturing/$M/final ] || continue  # an arm not trained yet
    [ -f runs/val_rlw/${T}_s$s/scores.json ] || $B evaluate --checkpoint runs/$R/runs/seed$s/texturing/$M/final \
        --task texturing --out runs/val_rlw/${T}_s$s --split val --schedule $( [ $M = naive ] && echo real || echo shifted )
  done
done
for T in w025 w05; do
  [ -f runs/val_rlw/${T}_s5/scores.json ] || continue
  $PY docs/tools/paired_table.py --a runs/val_rlw/w1_s{3,4,5}/scores.json --b runs/val_rlw/${T}_s{3,4,5}/scores.json \
      --names "W 1 (v8)" "$T" --metrics realism normal_agreement mask_iou | tee $D/val_$T.md
done
$PY -c "
import json, glob
print(json.dumps({p.split('/')[-2]: {k: v for k, v in json.load(open(p)).items() if isinstance(v, (int, float))}
                  for p in sorted(glob.glob('runs/val_rlw/*/scores.json'))}, indent=1))" > $D/val_scores.json
