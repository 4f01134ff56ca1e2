"""Tiling N views into one grid image and back (lossless).

Layouts: 1 -> 1x1, 2 -> 1x2, 3 -> 1x3, 4 -> 2x2, 6 -> 2x3, 8 -> 2x4, 9 -> 3x3; any other N
uses the most square rows x cols with rows * cols == N. Views fill the grid row by row.
Works on (..., N, C, H, W) tensors/arrays -> (..., C, rows*H, cols*W), and on
channels-last numpy images (N, H, W, C) -> (rows*H, cols*W, C) with `channels_last=True`.
"""
from __future__ import annotations

import math
from .errors import InputError


def grid_shape(num_views: int) -> tuple[int, int]:
    if not isinstance(num_views, int) or num_views < 1:
        raise InputError(f"num_views={num_views!r}: expected a positive integer")
    rows = int(math.isqrt(num_views))
    while num_views % rows:
        rows -= 1
    return rows, num_views // rows


def tile(views, channels_last: bool = False):
    """(..., N, C, H, W) -> (..., C, rows*H, cols*W); or (N, H, W, C) -> (rows*H, cols*W, C)."""
    if channels_last:
        n, h, w, c = views.shape
        r, k = grid_shape(n)
        return views.reshape(r, k, h, w, c).transpose(0, 2, 1, 3, 4).reshape(r * h, k * w, c)
    *lead, n, c, h, w = views.shape
    r, k = grid_shape(n)
    x = views.reshape(*lead, r, k, c, h, w)
    nd = len(lead)
    perm = list(range(nd)) + [nd + 2, nd, nd + 3, nd + 1, nd + 4]  # (..., C, r, H, k, W)
    x = x.permute(*perm) if hasattr(x, "permute") else x.transpose(*perm)
    return x.reshape(*lead, c, r * h, k * w)


def untile(grid, num_views: int, channels_last: bool = False):
    """Inverse of tile."""
    r, k = grid_shape(num_views)
    if channels_last:
        gh, gw, c = grid.shape
        if gh % r or gw % k:
            raise InputError(f"grid of size {gh}x{gw} cannot hold {r}x{k} equal views")
        h, w = gh // r, gw // k
        return grid.reshape(r, h, k, w, c).transpose(0, 2, 1, 3, 4).reshape(num_views, h, w, c)
    *lead, c, gh, gw = grid.shape
    if gh % r or gw % k:
        raise InputError(f"grid of size {gh}x{gw} cannot hold {r}x{k} equal views")
    h, w = gh // r, gw // k
    x = grid.reshape(*lead, c, r, h, k, w)
    nd = len(lead)
    perm = list(range(nd)) + [nd + 1, nd + 3, nd, nd + 2, nd + 4]  # (..., r, k, C, H, W)
    x = x.permute(*perm) if hasattr(x, "permute") else x.transpose(*perm)
    return x.reshape(*lead, num_views, c, h, w)
