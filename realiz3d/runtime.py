"""Where realiz3d runs: the default device."""
from __future__ import annotations


def default_device(device=None) -> str:
    """`device` if given, else "cuda" when a GPU is present, else "cpu"."""
    if device is not None:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
