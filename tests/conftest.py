import os

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)

os.environ.setdefault("REALIZ3D_NO_PROGRESS", "1")


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    """A tiny built-in world (16x16 views), built once per test session."""
    from realiz3d.world.build import WorldConfig, build_world

    root = tmp_path_factory.mktemp("world")
    build_world(root, WorldConfig.preset("tiny"), workers=1, progress=False)
    return root
