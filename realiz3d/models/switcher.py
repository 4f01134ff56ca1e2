"""The Wonder3D-style domain switcher, used as a baseline (Tab. 1 of the paper).

Wonder3D tells the model its output domain through a vector joined to the timestep
embedding, trained jointly with the whole model. Here: a learned (2, D) table whose row
for the sample's domain is added to the backbone's timestep embedding. It starts at
zero, so attaching it leaves the model unchanged. Unlike the Domain Shifters it has no
per-block state: a sample is in the synthetic domain for a step if any block of its
domain state is synthetic.
"""
from __future__ import annotations

import torch
from torch import nn


class DomainSwitcher(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(2, dim))  # (2, D): real, synthetic; zero => identity

    def forward(self, temb: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        # temb: (B, D); ids: (B,)
        return temb + self.table.to(temb.dtype)[ids]
