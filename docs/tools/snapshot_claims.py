"""Table and claims of a reproduction folder from its results.jsonl (the seeds complete so far), e.g. while it runs:

    python docs/tools/snapshot_claims.py runs/repro_v2/results.jsonl docs/results/reproduce_v2_texturing_2026-11-25 texturing
"""
import json, sys
from pathlib import Path
from realiz3d.experiments import REFERENCE_ROWS, aggregate
from realiz3d.evaluation.claims import write_claims
from realiz3d.evaluation.metrics import format_cell
src, dst, task = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
rows = [r for r in map(json.loads, src.read_text().splitlines()) if r["task"] == task]  # the file may hold both tasks
dst.mkdir(parents=True, exist_ok=True)
(dst / "results.jsonl").write_text(src.read_text())
first = min(r["seed"] for r in rows)  # 0, or the plan's --first-seed
methods = {r["method"] for r in rows if r["seed"] == first}
complete = sorted(s for s in {r["seed"] for r in rows} if {r["method"] for r in rows if r["seed"] == s} >= methods)
use = [r for r in rows if r["seed"] in complete]
cmd = sys.argv[4] if len(sys.argv) > 4 else "realiz3d reproduce --out runs/repro_v2 --world worlds/default --tasks texturing"
doc = write_claims(use, dst / "claims.json", cmd, complete)
table = aggregate(use)[task]
order = ["base", "naive", "mixed", "switcher", "switcher (real mode)", "switcher (synthetic mode)", "realiz3d",
         "realiz3d (real mode)", "realiz3d (synthetic mode)", "ablation_no_stage1", "ablation_no_real",
         "ablation_no_layer_aware", "ablation_no_reassign", *REFERENCE_ROWS.values()]
keys = (["realism", "fd_real", "leakage", "normal_agreement", "mask_iou", "cross_view_color", "material_accuracy"]
        if task == "texturing" else
        ["realism", "realism_null_control", "fd_real", "leakage", "view_accuracy", "camera_use", "kind_accuracy",
         "material_accuracy", "cross_view_color"])
out = [f"Seeds complete: {complete} (rows of later seeds so far: {len(rows) - len(use)})", "",
       "| method | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
for m in order:
    if m not in table: continue
    cells = [format_cell(table[m].get(k)) for k in keys]
    out.append(f"| {m} | " + " | ".join(cells) + " |")
boot = any(c.get("ci95_bootstrap") for c in doc["claims"])  # rows with per-asset scores: both intervals
cell = lambda ci: "-" if not ci else f"[{ci[0]:+.3f}, {ci[1]:+.3f}]"
out += ["", "| claim | metric | comparison | effect | 95% t interval | per seed |"
        + (" 95% bootstrap, seeds and assets |" if boot else "") + " verdict |",
        "|---|---|---|---|---|---|" + ("---|" if boot else "") + "---|"]
for c in doc["claims"]:
    ps = ", ".join(f"{x:+.3f}" for x in c["per_seed"])
    note = f" ({c['note']})" if c.get("note") else ""
    if boot and c.get("verdict_t") and c["verdict_t"] != c["verdict_bootstrap"]:
        note += f" (t: {c['verdict_t']}, bootstrap: {c['verdict_bootstrap']})"
    bc = f" {cell(c.get('ci95_bootstrap'))} |" if boot else ""
    out.append(f"| {c['claim']} | {c['metric']} | {c['comparison']} | {c['effect']:+.3f} | {cell(c['ci95'])} | {ps} |{bc} **{c['verdict']}**{note} |")
out += ["", "headline: " + json.dumps(doc["headline"])]
(dst / "tables.md").write_text("\n".join(out) + "\n")
print("\n".join(out))
