"""Start one task's half of a reproduction folder from runs already trained elsewhere (reproduction v6).

    python docs/tools/take_over_runs.py OUT TASK FROM_V5 FROM_EIGHTH [--stage1]

Per seed 0-2 it copies FROM_V5's naive and no-real runs of TASK (methods that see no real data,
so a smaller real share does not change them) and FROM_EIGHTH's Realiz3D run into OUT/runs, with
--stage1 also FROM_V5's stage 1 (one per seed, shared by both tasks); appends their rows (and
FROM_V5's base rows) to OUT/results.jsonl and FROM_EIGHTH's dial of TASK to OUT/dial.json. Then
`realiz3d reproduce --out OUT --tasks TASK ...` trains and scores only what is missing. Does
nothing when OUT/results.jsonl already has rows of TASK.
"""
import argparse
import json
import shutil
from pathlib import Path


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("task")
    ap.add_argument("from_v5", type=Path)
    ap.add_argument("from_eighth", type=Path)
    ap.add_argument("--stage1", action="store_true", help="also copy FROM_V5's stage 1 of each seed")
    a = ap.parse_args()

    results = a.out / "results.jsonl"
    if results.is_file() and any(r["task"] == a.task for r in rows(results)):
        return
    for s in range(3):
        seed = a.out / "runs" / f"seed{s}"
        copies = [(a.from_v5 / "runs" / f"seed{s}" / a.task / m, seed / a.task / m) for m in ("naive", "ablation_no_real")]
        copies.append((a.from_eighth / "runs" / f"seed{s}" / a.task / "realiz3d", seed / a.task / "realiz3d"))
        if a.stage1:
            copies.append((a.from_v5 / "runs" / f"seed{s}" / "stage1", seed / "stage1"))
        for src, dst in copies:
            shutil.copytree(src, dst)
    dial_src = a.from_eighth / "dial.json"
    if dial_src.is_file():  # the dial of seed 0's Realiz3D at an eighth, scored there
        dial_out = a.out / "dial.json"
        dial = json.loads(dial_out.read_text()) if dial_out.is_file() else {}
        dial[a.task] = json.loads(dial_src.read_text())[a.task]
        dial_out.write_text(json.dumps(dial, indent=2))
    keep = [r for r in rows(a.from_v5 / "results.jsonl") if r["task"] == a.task and r["method"] in ("base", "naive", "ablation_no_real")]
    keep += [r for r in rows(a.from_eighth / "results.jsonl") if r["task"] == a.task and r["method"].startswith("realiz3d")]
    with results.open("a") as f:
        f.write("".join(json.dumps(r) + "\n" for r in keep))


if __name__ == "__main__":
    main()
