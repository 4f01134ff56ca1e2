"""The held-out tables of docs/results.md, "A higher, decaying learning rate": the candidate models'
held-out scores (heldout_scores.json, part 4 of run.sh) paired by seed with the committed v6 rows.

    python docs/results/multiview_lr_2026-12-04/heldout_table.py
"""
import json
import statistics as st
from pathlib import Path

from realiz3d.evaluation.claims import difference_cell, seeds_cell

here = Path(__file__).parent
rows = [json.loads(l) for l in (here.parent / "reproduce_v6_multiview_2026-12-04" / "results.jsonl").read_text().splitlines()]
new = json.loads((here / "heldout_scores.json").read_text())
base_realism = next(r["realism"] for r in rows if r["task"] == "texturing" and r["method"] == "base")


def v6(task, method, s):
    return next(r for r in rows if r["task"] == task and r["method"] == method and r["seed"] == s)


seen = {}
for task, method, name, keys in (("texturing", "realiz3d", "ho_tx_realiz3d", ["realism", "normal_agreement", "mask_iou"]),
                                 ("texturing", "naive", "ho_tx_naive", ["realism", "normal_agreement", "mask_iou"]),
                                 ("multiview", "realiz3d", "ho_R", ["realism", "view_accuracy", "camera_use"]),
                                 ("multiview", "naive", "ho_A", ["realism", "view_accuracy", "camera_use"])):
    print(f"\n{task}, {method}\n| metric, mean of seeds 0-2 (per seed) | v6 (constant 1e-4) | 3e-4 cosine | paired difference, 95% t |\n|---|---|---|---|")
    for k in keys:
        a = [v6(task, method, s)[k] for s in range(3)]
        b = [new[f"{name}_s{s}"][k] for s in range(3)]
        seen[task, method, k] = a, b
        print(f"| {k} | {seeds_cell(a)} | {seeds_cell(b)} | {difference_cell([y - x for x, y in zip(a, b)])} |")
print()
for task, k in (("texturing", "normal_agreement"), ("multiview", "view_accuracy")):
    (ra, rb), (na, nb) = seen[task, "realiz3d", k], seen[task, "naive", k]
    (sa, sb) = seen[task, "realiz3d", "realism"]
    print(f"{task}: control ratio to naive {sum(ra) / sum(na):.3f} -> {sum(rb) / sum(nb):.3f} (per seed "
          f"{', '.join(f'{x / y:.2f}' for x, y in zip(rb, nb))}); realism ratio to base {st.mean(sa) / base_realism:.3f} -> {st.mean(sb) / base_realism:.3f}")
