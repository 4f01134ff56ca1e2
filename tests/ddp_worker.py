"""Run under `accelerate launch`: trains a tiny config and saves this rank's weights."""
import sys
from pathlib import Path

from safetensors.torch import save_file

from realiz3d.config import load_config

from realiz3d.train import train


def save_rank(model, accel):
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(Path(cfg.out) / f"rank-{accel.process_index}.safetensors"))


cfg = load_config(None, sys.argv[1:])
train(cfg, progress=False, on_end=save_rank)
