"""Run under `accelerate launch`: trains a tiny config and saves this rank's weights."""
import os
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from realiz3d.config import load_config
from realiz3d.train import train


def save_rank(model, accel):
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(Path(cfg.out) / f"rank-{accel.process_index}.safetensors"))


cfg = load_config(None, sys.argv[1:])
train(cfg, progress=False, on_end=save_rank)
# as tests/metrics_worker.py: close the process group and skip the C++ teardown, where a rank
# under load can abort after its work is done and written
if torch.distributed.is_available() and torch.distributed.is_initialized():
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
