"""Tables of the generated-real-data trial (run.sh beside this file), from the repository root:

    python docs/results/generated_real_2026-12-03/table.py

Arms, 240 steps, seeds 0-2: Realiz3D and its no-real ablation trained from a stage 1 and with
stage-2 real samples that are the base model's own generations (runs/gen_real, copied here as
ARM_seedS.json for texturing and multiview_ARM_seedS.json for text-to-multiview), beside
reproduction v4's Realiz3D and no-real (the world's real-domain renders in both stages; its
results.jsonl, shifted schedule) and naive. Paired differences: mean over seeds with a 95% Student t
interval (2 degrees of freedom).
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the cell / paired-difference formats and reproduction v4's rows come from the sibling trial's
# table.py (real data at longer training)
_spec = importlib.util.spec_from_file_location("real_data_longer_table", HERE.parent / "real_data_longer_2026-12-03" / "table.py")
_longer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_longer)
cell, paired, SEEDS, v4_rows = _longer.cell, _longer.paired, _longer.SEEDS, _longer.v4_rows
TASKS = {  # task: (file prefix, control metric, metrics in the table)
    "texturing": ("", "normal_agreement",
                  ("realism", "realism_null_control", "leakage", "fd_real", "normal_agreement", "mask_iou", "material_accuracy")),
    "multiview": ("multiview_", "view_accuracy",
                  ("realism", "realism_null_control", "leakage", "fd_real", "view_accuracy", "camera_use", "material_accuracy")),
}


def generated(seed: int, arm: str, task: str) -> dict | None:
    for p in (HERE / f"{TASKS[task][0]}{arm}_seed{seed}.json", Path(f"runs/gen_real/seed{seed}/{task}/{arm}/eval/scores.json")):
        if p.exists():
            return json.load(open(p))
    return None


def table(task: str) -> None:
    _, control, metrics = TASKS[task]
    v4 = v4_rows(task)
    arms = {  # label: per-seed score
        "Realiz3D, generated real": lambda s: generated(s, "realiz3d", task),
        "no real, generated-real stage 1": lambda s: generated(s, "ablation_no_real", task),
        "Realiz3D, world real (v4)": lambda s: v4.get((s, "realiz3d")),
        "no real (v4)": lambda s: v4.get((s, "ablation_no_real")),
        "naive (v4)": lambda s: v4.get((s, "naive")),
    }

    def values(arm: str, metric: str) -> list[float]:
        return [r[metric] for r in (arms[arm](s) for s in SEEDS) if r and metric in r]

    names = list(arms)
    print(f"\n{task}\n")
    print("| mean of seeds 0-2 (per seed) | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for metric in metrics:
        print(f"| {metric} | " + " | ".join(cell(values(a, metric)) for a in names) + " |")
    base = [v4[(s, "base")]["realism"] for s in SEEDS]
    naive = values("naive (v4)", control)
    for a in names[:4]:
        r, c = values(a, "realism"), values(a, control)
        if len(r) == 3:
            print(f"| {a}: realism / base's {sum(x / y for x, y in zip(r, base)) / 3:.2f}x, "
                  f"{control.replace('_', ' ')} / naive's {sum(x / y for x, y in zip(c, naive)) / 3:.2f}x |")
    pairs = (("Realiz3D, generated real", "no real, generated-real stage 1", "real data matters (generated real)"),
             ("Realiz3D, world real (v4)", "no real (v4)", "real data matters (world real, v4)"),
             ("Realiz3D, generated real", "Realiz3D, world real (v4)", "generated - world real, Realiz3D"),
             ("no real, generated-real stage 1", "no real (v4)", "stage 1 on generated - world real, no real"))
    shown = ("realism", "realism_null_control", control)
    print("\n| paired difference, 95% t interval | " + " | ".join(shown) + " |")
    print("|---|---|---|---|")
    for a, b, label in pairs:
        print(f"| {label} | " + " | ".join(paired(values(a, m), values(b, m)) for m in shown) + " |")


def main() -> None:
    for task in TASKS:
        table(task)


if __name__ == "__main__":
    main()
