"""Do one reproduction's verdicts hold on fresh seeds? Claims of run A (e.g. reproduction v7,
seeds 0-2), of run B (the same plan and code on seeds that never informed a choice, e.g. 3-5,
`realiz3d reproduce --first-seed 3`), and of both pooled (6 seeds), side by side:

    python docs/tools/replicate_claims.py A/results.jsonl B/results.jsonl multiview OUT.md

The criterion, fixed before B ran: a verdict of A replicates when B's verdict is the same;
"holds" in A and "inconclusive" in B is a failure to replicate; the opposite verdict is a
contradiction. The pooled column is the claims over all seeds (t over seeds and the bootstrap
over seeds and assets, as claims.json computes them)."""
import json
import sys
from pathlib import Path

from realiz3d.evaluation.claims import claims

a_path, b_path, task, out = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
load = lambda p: [r for r in map(json.loads, p.read_text().splitlines()) if r["task"] == task]
A, B = load(a_path), load(b_path)
clash = {r["seed"] for r in A} & {r["seed"] for r in B}
if clash:
    sys.exit(f"{b_path}: seeds {sorted(clash)} are in both runs; a replication needs fresh seeds")
runs = {"A": claims(A), "B": claims(B), "pooled": claims(A + B)}
by_id = {k: {c["id"]: c for c in v[1]} for k, v in runs.items()}


def cell(c):
    if c is None:
        return "-"
    ci = c.get("ci95")
    boot = c.get("ci95_bootstrap")
    s = f"{c['effect']:+.3f}" + (f" [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "")
    if boot:
        s += f" boot [{boot[0]:+.3f}, {boot[1]:+.3f}]"
    return s + f" **{c['verdict']}**"


def replication(a, b):
    if a is None or b is None:
        return "-"
    if a["verdict"] == b["verdict"]:
        return "replicates"
    if {a["verdict"], b["verdict"]} == {"holds", "does not hold"}:
        return "**contradicts**"
    return "does not replicate" if a["verdict"] in ("holds", "does not hold") else f"new: {b['verdict']} on B"


seeds = lambda rows: sorted({r["seed"] for r in rows})
lines = [f"{task}: A = {a_path} (seeds {seeds(A)}), B = {b_path} (seeds {seeds(B)}), pooled = both", "",
         "| claim (comparison) | A | B | replication (B's verdict against A's) | pooled |", "|---|---|---|---|---|"]
for cid, a in by_id["A"].items():
    b, p = by_id["B"].get(cid), by_id["pooled"].get(cid)
    lines.append(f"| {a['claim']} ({a['comparison']}) | {cell(a)} | {cell(b)} | {replication(a, b)} | {cell(p)} |")
counts = {}
for cid, a in by_id["A"].items():
    k = replication(a, by_id["B"].get(cid))
    counts[k] = counts.get(k, 0) + 1
lines += ["", "counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]
for name, (head, _) in runs.items():
    lines.append(f"headline {name}: " + json.dumps(head.get(task, {})))
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text("\n".join(lines) + "\n")
print("\n".join(lines))
