"""Tables of the camera trials of 2026-12-03 (run.sh and run_offset.sh beside this file), from the
repository root:

    python docs/results/multiview_cameras_2026-12-03/table.py

Every arm is one training run (seed 0) of 1,000 decaying steps from the shipped weights;
"shipped" is realiz3d/weights/multiview as of 1cdcc55 (its row: the decay trial's
shifted_exported.json). Held-out split (40 assets, 160 views per score), shifted schedule.
Table 1: pass 0, the full `realiz3d evaluate` (ARM_shifted.json) with the rotated-camera score
(rotated_ARM.json). Table 2: three evaluation passes (generation noise seeds 0, 1, 2: pass 0 as
in table 1, passes 1-2 from rotated.py --seed S, passS_ARM.json), their mean, and the paired
difference over passes with a 95% t interval: generation noise only, not training noise.
"""
from __future__ import annotations

import json
from pathlib import Path

from realiz3d.evaluation.claims import difference_cell, seeds_cell

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent / "multiview_shipped_decay_2026-12-03" / "shifted_exported.json"
ARMS = {"shipped": "shipped (6,500 steps)", "plain": "+1,000, plain captions", "named": "+1,000, half the captions name the view",
        "offset_plain": "+1,000 on the azimuth-offset world, plain", "offset_named": "+1,000 on the azimuth-offset world, named"}
KEYS = ("view_accuracy", "view_accuracy_roll1", "view_accuracy_roll2", "view_accuracy_rotated", "camera_use")


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def pass0(arm: str) -> dict:
    full = load(SHIPPED if arm == "shipped" else HERE / f"{arm}_shifted.json")
    return {**full, "view_accuracy_rotated": load(HERE / f"rotated_{arm}.json")["view_accuracy_rotated"]}


def passes(arm: str) -> list[dict]:
    rows = [pass0(arm)]
    for s in (1, 2):
        p = HERE / f"pass{s}_{arm}.json"
        if p.is_file():
            rows.append(load(p))
    return rows


def main() -> None:
    print("| model | realism | view accuracy | rolled by 1 | by 2 | cameras turned (random azimuths) | camera_use | fd_real |")
    print("|---|---|---|---|---|---|---|---|")
    for arm, label in ARMS.items():
        r = pass0(arm)
        print(f"| {label} | {r['realism']:.3f} | {r['view_accuracy']:.3f} | {r['view_accuracy_roll1']:.3f} | "
              f"{r['view_accuracy_roll2']:.3f} | {r['view_accuracy_rotated']:.3f} | {r['camera_use']:.3f} | {r['fd_real']:.2f} |")
    if (HERE / "pass1_named.json").is_file():
        unnamed = load(HERE / "named_shifted_unnamed.json")
        rot = load(HERE / "rotated_named_unnamed.json")["view_accuracy_rotated"]
        print(f"\n(named, sampled without the words: view accuracy {unnamed['view_accuracy']:.3f}, rolled "
              f"{unnamed['view_accuracy_roll1']:.3f} / {unnamed['view_accuracy_roll2']:.3f}, turned {rot:.3f}, "
              f"camera_use {unnamed['camera_use']:.3f})\n")
        arms = ("shipped", "plain", "named")
        ps = {a: passes(a) for a in arms}
        print("| score, passes 0-2 | " + " | ".join(ARMS[a] for a in arms) + " | named - plain | named - shipped |")
        print("|---|" + "---|" * (len(arms) + 2))
        for k in KEYS[:4]:
            vals = {a: [p[k] for p in ps[a]] for a in arms}
            cells = [seeds_cell(vals[a]) for a in arms]
            d1 = [x - y for x, y in zip(vals["named"], vals["plain"])]
            d2 = [x - y for x, y in zip(vals["named"], vals["shipped"])]
            print(f"| {k} | " + " | ".join(cells) + f" | {difference_cell(d1)} | {difference_cell(d2)} |")


if __name__ == "__main__":
    main()
