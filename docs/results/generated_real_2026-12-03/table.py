"""Tables of the generated-real-data trial (run.sh beside this file), from the repository root:

    python docs/results/generated_real_2026-12-03/table.py

Arms, texturing, 240 steps, seeds 0-2: Realiz3D and its no-real ablation trained from a stage 1
and with stage-2 real samples that are the base model's own generations (runs/gen_real, copied here
as ARM_seedS.json), beside reproduction v4's Realiz3D and no-real (the world's real-domain renders
in both stages; its results.jsonl). Paired differences: mean over seeds with a 95% Student t
interval (2 degrees of freedom).
"""
from __future__ import annotations

import json
from pathlib import Path

from realiz3d.evaluation.claims import t_interval

HERE = Path(__file__).resolve().parent
V4 = HERE.parent / "reproduce_v4_texturing_2026-12-02" / "results.jsonl"
SEEDS = (0, 1, 2)
METRICS = ("realism", "realism_null_control", "leakage", "fd_real", "normal_agreement", "mask_iou", "material_accuracy")

v4 = {}
for line in open(V4):
    r = json.loads(line)
    if r["task"] != "texturing" or r["schedule"]["kind"] not in ("shifted", "real"):
        continue
    k = (r["seed"], r["method"])
    if k not in v4 or r["schedule"]["kind"] == "shifted":   # Realiz3D and its ablations: the shifted schedule
        v4[k] = r


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


def cell(v: list[float]) -> str:
    return f"{sum(v) / len(v):.3f} ({', '.join(f'{x:.3f}' for x in v)})" if v else "-"


def paired(a: list[float], b: list[float]) -> str:
    if len(a) != len(SEEDS) or len(b) != len(SEEDS):
        return "-"
    m, ci = t_interval([x - y for x, y in zip(a, b)])
    return f"{m:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]"


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
