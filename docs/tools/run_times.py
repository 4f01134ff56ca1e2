"""Where a reproduce folder's time went, from what its runs left on disk (for runs made before
reproduce wrote OUT/timings.jsonl): each training run's own training seconds (the last
elapsed_s of its metrics.jsonl) and the time its final/ folder was written, in finishing order;
the gap between one run's final/ and the next run's start (its final/ time less its training
seconds) is the scoring of the rows in between (and the next run's set-up: a few seconds).

    python docs/tools/run_times.py runs/repro_v8mv [START]   # START: when the command began, HH:MM:SS
"""
import datetime as dt
import json
import sys
from pathlib import Path

root = Path(sys.argv[1])
runs = []
for m in sorted(root.glob("runs/seed*/**/metrics.jsonl")):
    cfg = m.parent / "final" / "realiz3d_config.json"
    if not cfg.is_file():
        continue
    last = json.loads(m.read_text().splitlines()[-1])
    end = dt.datetime.fromtimestamp(cfg.stat().st_mtime)
    runs.append((end, m.parent.relative_to(root / "runs"), float(last["elapsed_s"])))
runs.sort()
prev = None
if len(sys.argv) > 2:
    h, mi, s = map(int, sys.argv[2].split(":"))
    prev = runs[0][0].replace(hour=h, minute=mi, second=s)
    start = prev
train_total = between_total = 0.0
print("| run | training s | final/ written | before it since the previous final/ (scoring, set-up) s |")
print("|---|---|---|---|")
for end, name, train_s in runs:
    gap = (end - prev).total_seconds() - train_s if prev else float("nan")
    print(f"| {name} | {train_s:.0f} | {end:%H:%M:%S} | {gap:.0f} |")
    train_total += train_s
    between_total += gap if gap == gap else 0
    prev = end
print(f"\ntraining {train_total / 60:.1f} min, scoring and set-up between runs {between_total / 60:.1f} min, "
      f"runs: {len(runs)}" + (f", first start to last final/: {(runs[-1][0] - start).total_seconds() / 60:.1f} min"
                              if len(sys.argv) > 2 else ""))
