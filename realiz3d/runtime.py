"""Where realiz3d runs: the default device, the CPU cores it may use."""
from __future__ import annotations


def default_device(device=None) -> str:
    """`device` if given, else "cuda" when a GPU is present, else "cpu"."""
    if device is not None:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_threads() -> int:
    """CPU cores this process may run on (the container's share, not the host's count)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
