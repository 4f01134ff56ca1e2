"""Tables of the generated-real-data trial (run.sh beside this file), from the repository root:

    python docs/results/generated_real_2026-12-03/table.py

Arms, texturing, 240 steps, seeds 0-2: Realiz3D and its no-real ablation trained from a stage 1
and with stage-2 real samples that are the base model's own generations (runs/gen_real, copied here
as ARM_seedS.json), beside reproduction v4's Realiz3D and no-real (the world's real-domain renders
in both stages; its results.jsonl). Paired differences: mean over seeds with a 95% Student t
interval (2 degrees of freedom).
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# reproduction v4's texturing rows and the cell / paired-difference formats are the sibling
# trial's (real data at longer training), loaded from its table.py
_spec = importlib.util.spec_from_file_location("real_data_longer_table", HERE.parent / "real_data_longer_2026-12-03" / "table.py")
_longer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_longer)
v4, cell, paired, SEEDS = _longer.v4, _longer.cell, _longer.paired, _longer.SEEDS
METRICS = ("realism", "realism_null_control", "leakage", "fd_real", "normal_agreement", "mask_iou", "material_accuracy")


def generated(seed: int, arm: str) -> dict | None:
    for p in (HERE / f"{arm}_seed{seed}.json", Path(f"runs/gen_real/seed{seed}/texturing/{arm}/eval/scores.json")):
        if p.exists():
            return json.load(open(p))
    return None


ARMS = {  # label: per-seed score
    "Realiz3D, generated real": lambda s: generated(s, "realiz3d"),
    "no real, generated-real stage 1": lambda s: generated(s, "ablation_no_real"),
    "Realiz3D, world real (v4)": lambda s: v4.get((s, "realiz3d")),
    "no real (v4)": lambda s: v4.get((s, "ablation_no_real")),
    "naive (v4)": lambda s: v4.get((s, "naive")),
}


def values(arm: str, metric: str) -> list[float]:
    return [r[metric] for r in (ARMS[arm](s) for s in SEEDS) if r and metric in r]


def main() -> None:
    names = list(ARMS)
    print("| mean of seeds 0-2 (per seed) | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for metric in METRICS:
        print(f"| {metric} | " + " | ".join(cell(values(a, metric)) for a in names) + " |")
    base = [v4[(s, "base")]["realism"] for s in SEEDS]
    naive = values("naive (v4)", "normal_agreement")
    for a in names[:4]:
        r, c = values(a, "realism"), values(a, "normal_agreement")
        if len(r) == 3:
            print(f"| {a}: realism / base's {sum(x / y for x, y in zip(r, base)) / 3:.2f}x, "
                  f"normal agreement / naive's {sum(x / y for x, y in zip(c, naive)) / 3:.2f}x |")
    pairs = (("Realiz3D, generated real", "no real, generated-real stage 1", "real data matters (generated real)"),
             ("Realiz3D, world real (v4)", "no real (v4)", "real data matters (world real, v4)"),
             ("Realiz3D, generated real", "Realiz3D, world real (v4)", "generated - world real, Realiz3D"),
             ("no real, generated-real stage 1", "no real (v4)", "stage 1 on generated - world real, no real"))
    print("\n| paired difference, 95% t interval | " + " | ".join(m for m in ("realism", "realism_null_control", "normal_agreement")) + " |")
    print("|---|---|---|---|")
    for a, b, label in pairs:
        print(f"| {label} | " + " | ".join(paired(values(a, m), values(b, m)) for m in ("realism", "realism_null_control", "normal_agreement")) + " |")


if __name__ == "__main__":
    main()
