#!/bin/bash
# Reproduction v7's claims with a bootstrap over seeds and held-out assets beside the t interval
# over seeds. v7's rows were scored before rows carried per-asset scores, so each row's views are
# generated again from its checkpoint with reproduce's settings (the pooled scores are checked
# against the rows: largest difference printed), then the claims are written from the rows:
# each task's table and claims here (tables_*.md), and the merged docs/results/claims.json.
# ~45 min here, alone. From the repository root, with runs/repro_v7 (reproduction v7's run folder):
set -e
PY=${PY:-python}
D=docs/results/claims_bootstrap_2026-12-04
$PY docs/tools/rescore_per_asset.py runs/repro_v7 --out runs/repro_v7/results_per_asset.jsonl --base realiz3d/weights/base_long
cp runs/repro_v7/results_per_asset.jsonl $D/results.jsonl
for t in texturing multiview; do
  mkdir -p /tmp/claims_$t
  $PY docs/tools/snapshot_claims.py $D/results.jsonl /tmp/claims_$t $t "see docs/results/claims.json" > /dev/null
  cp /tmp/claims_$t/tables.md $D/tables_$t.md
done
$PY - <<'PYEOF'
import json
from realiz3d.evaluation.claims import write_claims
rows = [json.loads(line) for line in open("docs/results/claims_bootstrap_2026-12-04/results.jsonl")]
old = json.load(open("docs/results/claims.json"))
cmd = old["command"].split(" || ")[0]
doc = write_claims(rows, "docs/results/claims.json", cmd + " || per-asset scores added by docs/tools/rescore_per_asset.py "
                   "(docs/results/claims_bootstrap_2026-12-04/run.sh): each claim's bootstrap interval over seeds and assets",
                   old["seeds"])
assert doc["headline"] == old["headline"], "the headline ratios must not move: the rows' scores are the same"
for c in doc["claims"]:
    if c["verdict"] != {(o["task"], o["id"]): o["verdict"] for o in old["claims"]}.get((c["task"], c["id"])):
        print(f"{c['task']} {c['id']}: {c.get('verdict_t')} on the t interval, {c.get('verdict_bootstrap')} on the bootstrap "
              f"{[round(x, 3) for x in c['ci95_bootstrap']]} -> {c['verdict']}")
PYEOF
