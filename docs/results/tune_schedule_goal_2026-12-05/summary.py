"""Issue 17: the texturing schedule tuned to the goal's realism floor, summarised (summary.md).

Reads, from this folder, each seed's validation sweep (seedS.json, `realiz3d tune-schedule`) and
its held-out scores at the chosen schedule (heldout_seedS.json, `realiz3d evaluate`), and the
committed held-out rows of the same seeds (v7: claims_bootstrap_2026-12-04/results.jsonl, seeds
0-2; v8: reproduce_v8_texturing_seeds345_2026-12-05/results.jsonl, seeds 3-5). The held-out
comparisons go through realiz3d.evaluation.claims, as `realiz3d reproduce` computes them, once with
Realiz3D at the reproduction's default schedule (L = 2, s = 0.6) and once at the tuned one.

    python docs/results/tune_schedule_goal_2026-12-05/summary.py > docs/results/tune_schedule_goal_2026-12-05/summary.md
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from realiz3d.evaluation.claims import claims, difference_cell, seeds_cell

HERE = Path(__file__).resolve().parent
ROWS = [HERE.parent / "claims_bootstrap_2026-12-04" / "results.jsonl",
        HERE.parent / "reproduce_v8_texturing_seeds345_2026-12-05" / "results.jsonl"]
KEEP = ("base", "naive", "realiz3d", "realiz3d (real mode)")
IDS = ("realiz3d_follows_control", "shifting_control", "shifting_realism")


def main():
    seeds = sorted(int(p.stem[len("heldout_seed"):]) for p in HERE.glob("heldout_seed*.json"))
    rows = [r for f in ROWS for r in map(json.loads, open(f))
            if r["task"] == "texturing" and r["method"] in KEEP and r["seed"] in seeds]
    sweeps = {s: json.loads((HERE / f"seed{s}.json").read_text()) for s in seeds}
    tuned = []
    for s in seeds:
        r = json.loads((HERE / f"heldout_seed{s}.json").read_text())
        tuned.append({**r, "method": "realiz3d", "seed": s, "task": "texturing"})
    default = [r for r in rows if r["method"] == "realiz3d"]
    others = [r for r in rows if r["method"] != "realiz3d"]
    print(f"# Texturing schedule tuned to the goal's floor: seeds {', '.join(map(str, seeds))}\n")
    print("## Validation sweep (tune-schedule, 40 assets): mean over seeds\n")
    print("| L | s | realism / all-real's | normal agreement | chosen in seeds |")
    print("|---|---|---|---|---|")
    keys = [(x["L"], x["s"]) for x in sweeps[seeds[0]]["sweep"]]
    for L, s in keys:
        rr, cc = [], []
        for sd in seeds:
            sw = sweeps[sd]["sweep"]
            base = sw[0]["realism"]
            x = next(x for x in sw if (x["L"], x["s"]) == (L, s))
            rr.append(x["realism"] / base)
            cc.append(x["control"])
        chosen = [str(sd) for sd in seeds if (sweeps[sd]["chosen"]["blocks"], sweeps[sd]["chosen"]["fraction"]) == (L, s)]
        print(f"| {L} | {s} | {statistics.fmean(rr):.3f} | {statistics.fmean(cc):.3f} | {', '.join(chosen) or '-'} |")
    print("\n## Held-out (40 assets), per seed at its chosen schedule\n")
    print("| seed | chosen L, s | realism (default schedule) | normal agreement (default) | naive's |")
    print("|---|---|---|---|---|")
    nv = {r["seed"]: r for r in others if r["method"] == "naive"}
    for t, d in zip(tuned, sorted(default, key=lambda r: r["seed"])):
        sc = t["schedule"]
        print(f"| {t['seed']} | {sc['blocks']}, {sc['fraction']} | {t['realism']:.3f} ({d['realism']:.3f}) | "
              f"{t['normal_agreement']:.3f} ({d['normal_agreement']:.3f}) | {nv[t['seed']]['normal_agreement']:.3f} |")
    d_by = {r["seed"]: r for r in default}
    print("\n| paired over seeds, tuned - default (95% t) | |\n|---|---|")
    for m in ("realism", "normal_agreement"):
        print(f"| {m} | {difference_cell([t[m] - d_by[t['seed']][m] for t in tuned])} |")
    for name, real in (("default schedule (L = 2, s = 0.6)", default), ("tuned schedule", tuned)):
        head, entries = claims(others + real)
        h = head["texturing"]
        print(f"\n### Realiz3D at the {name}\n")
        print(f"realism ratio to base **{h['realism_ratio_to_base']:.3f}**, control ratio to naive "
              f"**{h['control_ratio_to_naive']:.3f}**, meets the goal: {h['meets_goal']}\n")
        print("| claim | effect, 95% t | bootstrap | verdict |\n|---|---|---|---|")
        for e in entries:
            if e["id"] in IDS:
                b = e.get("ci95_bootstrap")
                bs = f"[{b[0]:+.3f}, {b[1]:+.3f}]" if b else "-"
                print(f"| {e['claim']} ({e['expected']}) | {e['effect']:+.3f} [{e['ci95'][0]:+.3f}, {e['ci95'][1]:+.3f}] "
                      f"| {bs} | {e['verdict']} |")
        print("\n| arm | realism | normal agreement |\n|---|---|---|")
        for arm in (real, [r for r in others if r["method"] == "naive"], [r for r in others if r["method"] == "base"]):
            arm = sorted(arm, key=lambda r: r["seed"])
            print(f"| {arm[0]['method']} | {seeds_cell([r['realism'] for r in arm])} | "
                  f"{seeds_cell([r['normal_agreement'] for r in arm])} |")


if __name__ == "__main__":
    main()
