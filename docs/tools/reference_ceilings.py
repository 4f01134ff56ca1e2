"""The evaluators' scores of a world's own renders, per split, task and domain: the ceiling of
each score in each domain (what `realiz3d evaluate` now records as "references" in scores.json),
and the texturing control ratios of a reproduction's rows read against them.

    python docs/tools/reference_ceilings.py --world worlds/default --out OUT.json \
        [--rows results.jsonl]   # also: each texturing method's normal agreement / its domain's ceiling
"""
from __future__ import annotations

import argparse
import json
import statistics

from realiz3d.data import load_synthetic
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import reference_scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", default="worlds/default")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", help="a reproduce results.jsonl (held-out rows; one run, so methods are not mixed)")
    a = ap.parse_args()
    ev = Evaluators()
    out = {}
    for split in ("heldout", "val"):
        assets = load_synthetic(f"{a.world}/{split}")
        for task in ("texturing", "multiview"):
            out[f"{split}/{task}"] = reference_scores(ev, assets, task)
    for k, v in out.items():
        print(k, json.dumps({d: {m: round(x, 3) for m, x in s.items()} for d, s in v.items()}))
    ceil = out["heldout/texturing"]
    rows = [json.loads(line) for line in open(a.rows)] if a.rows else []
    naive = {r["seed"]: r for r in rows if r["task"] == "texturing" and r["method"] == "naive"}
    if naive:
        print("\ntexturing, held-out | realism | normal agreement | / naive's | / real renders' ceiling | "
              "/ synthetic renders' ceiling")
        for method in dict.fromkeys(r["method"] for r in rows if r["task"] == "texturing"):
            rs = {r["seed"]: r for r in rows if r["task"] == "texturing" and r["method"] == method}
            seeds = sorted(set(rs) & set(naive))
            na = statistics.fmean(rs[s]["normal_agreement"] for s in seeds)
            print(f"{method} | {statistics.fmean(rs[s]['realism'] for s in seeds):.3f} | {na:.3f} | "
                  f"{statistics.fmean(rs[s]['normal_agreement'] / naive[s]['normal_agreement'] for s in seeds):.3f} | "
                  f"{na / ceil['real_render']['normal_agreement']:.3f} | "
                  f"{na / ceil['synthetic_render']['normal_agreement']:.3f}")
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
