"""Two CPU processes under `accelerate launch` (DDP over gloo) against one process."""
import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent


def _overrides(out, world):
    return [f"out={out}", "model.init=scratch", "model.preset=tiny", f"data.world={world}", "train.stage=stage2",
            "model.control=camera", "train.steps=3", "train.batch_size=8", "train.checkpoint_every=0",
            "train.log_every=1", "train.freeze_k=[1,2]", "train.reassign_p=0.5", "train.real_fraction=0.5"]


def _losses(out):
    return [json.loads(l)["loss"] for l in (Path(out) / "metrics.jsonl").read_text().splitlines()]


def test_two_processes_match_one_process(tmp_path, tiny_world):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "REALIZ3D_NO_PROGRESS": "1", "PYTHONPATH": str(HERE)}
    one = tmp_path / "one"
    subprocess.run([sys.executable, str(HERE / "ddp_worker.py"), *_overrides(one, tiny_world)], check=True, env=env,
                   timeout=300)
    two = tmp_path / "two"
    accelerate = Path(sys.executable).parent / "accelerate"
    proc = subprocess.run(
        [str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
         "--dynamo_backend", "no", "--main_process_port", "29533", str(HERE / "ddp_worker.py"), *_overrides(two, tiny_world)],
        env=env, timeout=300, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = load_file(str(two / "rank-0.safetensors")), load_file(str(two / "rank-1.safetensors"))
    assert all(torch.equal(r0[k], r1[k]) for k in r0), "ranks diverged"
    single = load_file(str(one / "rank-0.safetensors"))
    for k in single:
        torch.testing.assert_close(r0[k], single[k], rtol=1e-4, atol=1e-5)
    a, b = _losses(one), _losses(two)
    assert len(a) == len(b) == 3
    for x, y in zip(a, b):
        assert abs(x - y) < 1e-4 * max(1.0, abs(x)), (a, b)
