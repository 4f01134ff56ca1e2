import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from realiz3d.grid import grid_shape, tile, untile


@pytest.mark.parametrize("n,shape", [(1, (1, 1)), (2, (1, 2)), (4, (2, 2)), (6, (2, 3)), (8, (2, 4)), (9, (3, 3))])
def test_grid_shapes(n, shape):
    assert grid_shape(n) == shape


def test_tile_places_views_row_by_row():
    views = torch.arange(4).float().view(4, 1, 1, 1).expand(4, 1, 2, 2)
    g = tile(views)
    assert g.shape == (1, 4, 4)
    assert g[0, ::2, ::2].tolist() == [[0, 1], [2, 3]]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), c=st.integers(1, 4), h=st.integers(1, 9), w=st.integers(1, 9), lead=st.integers(0, 2))
def test_tile_untile_round_trip(n, c, h, w, lead):
    shape = (2,) * lead + (n, c, h, w)
    x = torch.randn(shape)
    g = tile(x)
    r, k = grid_shape(n)
    assert g.shape == (2,) * lead + (c, r * h, k * w)
    assert torch.equal(untile(g, n), x)
    a = np.random.rand(n, h, w, c)
    assert np.array_equal(untile(tile(a, channels_last=True), n, channels_last=True), a)


def test_untile_rejects_bad_sizes():
    with pytest.raises(ValueError, match="cannot hold"):
        untile(torch.zeros(3, 5, 8), 4)
    with pytest.raises(ValueError, match="num_views"):
        grid_shape(0)
