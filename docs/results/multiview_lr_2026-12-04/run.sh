#!/bin/bash
# Issue 16/17: does the naive text-to-multiview fine-tune read the cameras better at the
# reproduction's budget (240 steps x 16) with a higher, decaying learning rate instead of the
# configs' constant 1e-4 under an EMA of 0.99 (whose exported weights lag a still-rising control
# curve by ~100 steps)? Paired by seed with reproduction v5's naive runs (same configs, seeds,
# stage, data; runs/repro_v5mv_12k/runs/seedS/multiview/naive), scored on the VALIDATION split
# (choices are made there; held-out stays for the committed run):
#   A: lr 3e-4, cosine to zero after 20 warm-up steps, EMA 0.99 as before
#   B: the same without EMA (the decayed raw weights)
# From the repository root, after docs/results/reproduce_v5_multiview_base12k_2026-12-03/run.sh:
set -e
B=${B:-realiz3d}
O=runs/mvlr
for s in 0 1 2; do
  base=runs/repro_v5mv_12k/runs/seed$s/multiview/naive
  [ -f $O/v5_naive_s$s/scores.json ] || $B evaluate --checkpoint $base/final --task multiview --split val --schedule real --out $O/v5_naive_s$s
  for arm in A B; do
    ema=0.99; [ $arm = B ] && ema=0
    if [ ! -f $O/$arm/seed$s/final/realiz3d_config.json ]; then
      $B train --config $base/config.yaml out=$O/$arm/seed$s train.lr=3e-4 train.lr_schedule=cosine train.warmup_steps=20 train.ema_decay=$ema
    fi
    [ -f $O/${arm}_s$s/scores.json ] || $B evaluate --checkpoint $O/$arm/seed$s/final --task multiview --split val --schedule real --out $O/${arm}_s$s
  done
done
for arm in A B; do
  ${PY:-python} docs/tools/paired_table.py --a $O/v5_naive_s{0,1,2}/scores.json --b $O/${arm}_s{0,1,2}/scores.json
done

# Part 2: the same learning rate for Realiz3D (an eighth real, the committed plan's multiview
# Realiz3D runs from the real-share trial, runs/rf125mv), scored like its validation scores in
# docs/results/real_fraction_base12k_2026-12-04/multiview/ (shifted schedule; runs/val_rfmv/e_sS):
for s in 0 1 2; do
  base=runs/rf125mv/runs/seed$s/multiview/realiz3d
  [ -f runs/val_rfmv/e_s$s/scores.json ] || $B evaluate --checkpoint $base/final --task multiview --split val --schedule shifted --out runs/val_rfmv/e_s$s
  if [ ! -f $O/R/seed$s/final/realiz3d_config.json ]; then
    $B train --config $base/config.yaml out=$O/R/seed$s train.lr=3e-4 train.lr_schedule=cosine train.warmup_steps=20
  fi
  [ -f $O/R_s$s/scores.json ] || $B evaluate --checkpoint $O/R/seed$s/final --task multiview --split val --schedule shifted --out $O/R_s$s
done
${PY:-python} docs/tools/paired_table.py --a runs/val_rfmv/e_s{0,1,2}/scores.json --b $O/R_s{0,1,2}/scores.json

# Part 3: the same learning rate in texturing, Realiz3D (an eighth real, runs/rf125) and naive
# (v5's runs), scored like their validation scores in docs/results/real_fraction_base12k_2026-12-04/
# (runs/val_rf/{e,n}_sS: shifted schedule for Realiz3D, real for naive):
for s in 0 1 2; do
  for M in realiz3d naive; do
    if [ $M = realiz3d ]; then base=runs/rf125/runs/seed$s/texturing/realiz3d; T=e; sch=shifted
    else base=runs/repro_v5mv_12k/runs/seed$s/texturing/naive; T=n; sch=real; fi
    [ -f runs/val_rf/${T}_s$s/scores.json ] || $B evaluate --checkpoint $base/final --task texturing --split val --schedule $sch --out runs/val_rf/${T}_s$s
    [ -f $O/tx_$M/seed$s/final/realiz3d_config.json ] || \
      $B train --config $base/config.yaml out=$O/tx_$M/seed$s train.lr=3e-4 train.lr_schedule=cosine train.warmup_steps=20
    [ -f $O/tx_${M}_s$s/scores.json ] || $B evaluate --checkpoint $O/tx_$M/seed$s/final --task texturing --split val --schedule $sch --out $O/tx_${M}_s$s
  done
done
for T in e:realiz3d n:naive; do
  ${PY:-python} docs/tools/paired_table.py --a runs/val_rf/${T%%:*}_s{0,1,2}/scores.json --b $O/tx_${T##*:}_s{0,1,2}/scores.json
done

# Part 4: the same candidates on the held-out split, paired with the committed v6 rows (a look at
# the candidate the validation split chose, not a committed run; evaluate's settings equal
# reproduce's, so the rows compare seed by seed):
for s in 0 1 2; do
  [ -f $O/ho_tx_realiz3d_s$s/scores.json ] || $B evaluate --checkpoint $O/tx_realiz3d/seed$s/final --task texturing --split heldout --schedule shifted --textured-meshes 0 --out $O/ho_tx_realiz3d_s$s
  [ -f $O/ho_tx_naive_s$s/scores.json ] || $B evaluate --checkpoint $O/tx_naive/seed$s/final --task texturing --split heldout --schedule real --textured-meshes 0 --out $O/ho_tx_naive_s$s
  [ -f $O/ho_R_s$s/scores.json ] || $B evaluate --checkpoint $O/R/seed$s/final --task multiview --split heldout --schedule shifted --out $O/ho_R_s$s
  [ -f $O/ho_A_s$s/scores.json ] || $B evaluate --checkpoint $O/A/seed$s/final --task multiview --split heldout --schedule real --out $O/ho_A_s$s
done
