#!/usr/bin/env bash
# Issue 17: run.sh (k from 3..5 of 6 blocks) with an eighth of each stage-2 batch real instead of
# a quarter, paired by seed with the eighth-real Realiz3D rows (k 1..3) of
# docs/results/real_fraction_base12k_2026-12-04. About 17 min here, alone; from the repo root.
RF=0.125 O=runs/fk35e PAIR=docs/results/real_fraction_base12k_2026-12-04/results.jsonl \
  A_NAME="eighth, k 1..3" B_NAME="eighth, k 3..5" VAL=k35e \
  exec bash "$(dirname "$0")/run.sh"
