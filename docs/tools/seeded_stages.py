"""Seeded tiny runs of every stage; prints a hash of each exported model's tensors.

A refactoring of the training code must not change what a seeded run computes: run this before
and after (same machine) and compare the hashes.

    python docs/tools/seeded_stages.py /tmp/seeded before    # ... change the code ...
    python docs/tools/seeded_stages.py /tmp/seeded after

2026-11-25 (the train.py split of issue 20), this machine: stage1 e166b762af2a5647, stage2
28c4409235e942e4, tex 2174157448a89fe1, naive 515df539de81ae7b, switcher deac9954fb3652db,
pretrain fbc2bb74b99b35de, before and after.
"""
import hashlib, os, sys
from pathlib import Path
import torch
torch.set_num_threads(1)
os.environ["REALIZ3D_NO_PROGRESS"] = "1"
from safetensors.torch import load_file
from realiz3d.world.build import WorldConfig, build_world
from realiz3d.config import load_config
from realiz3d.train import train

root = Path(sys.argv[1]); tag = sys.argv[2]
world = root / "world"
if not (world / "world.json").is_file():
    build_world(world, WorldConfig.preset("tiny"), workers=1, progress=False)
common = [f"data.world={world}", "model.init=scratch", "model.preset=tiny", "train.steps=3", "train.batch_size=4",
          "train.checkpoint_every=0", "train.log_every=1", "train.report_to=none", "train.seed=7"]
runs = {
    "stage1": ["train.stage=stage1", "train.ema_decay=0.9"],
    "stage2": ["train.stage=stage2", "model.control=camera", "train.freeze_k=[1,2]", "train.reassign_p=0.5",
               "train.view_noise=0.5", "train.control_dropout=0.2", "train.noise_shift=3", "train.ema_decay=0.9",
               "model.camera_embedding=true", "train.control_lr_scale=10"],
    "tex": ["train.stage=stage2", "model.control=texturing", "train.freeze_k=[1,2]", "train.reassign_p=0.5",
            "train.train_shifters=true", "train.domain_lr_scale=10"],
    "naive": ["train.stage=naive", "model.control=camera"],
    "switcher": ["train.stage=switcher", "model.control=texturing", "train.domain_lr_scale=10"],
    "pretrain": ["train.stage=pretrain", "model.control=none"],
}
for name, extra in runs.items():
    out = root / tag / name
    train(load_config(None, common + [f"out={out}"] + extra), progress=False)
    h = hashlib.sha256()
    for f in sorted((out / "final").rglob("*.safetensors")):
        for k, v in sorted(load_file(str(f)).items()):
            h.update(k.encode()); h.update(v.float().numpy().tobytes())
    print(name, h.hexdigest()[:16], flush=True)
