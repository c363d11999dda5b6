"""Cache-line-aligned arrays for the compiled kernels (evornn._numba)."""

import numpy as np
import pytest

from evornn import CTRNN
from evornn._numba import CACHE_LINE, aligned_copy, aligned_empty, aligned_zeros
from evornn.models._ctrnn_fast import lanes_params, lanes_state


@pytest.mark.parametrize("shape", [(0,), (1,), (3,), (7, 5), (100, 100, 100), (2, 0, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.float32, np.uint8])
def test_aligned_empty_starts_on_a_cache_line(shape, dtype):
    a = aligned_empty(shape, dtype)
    assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
    assert a.size == 0 or a.ctypes.data % CACHE_LINE == 0  # an empty array has no data to align


def test_aligned_copy_and_zeros_hold_the_values_in_fresh_memory(rng):
    source = rng.normal(size=(6, 9)).T  # not contiguous
    copy = aligned_copy(source)
    assert np.array_equal(copy, source) and copy.flags.c_contiguous and copy.ctypes.data % CACHE_LINE == 0
    assert not np.shares_memory(copy, source)
    zeros = aligned_zeros((4, 3))
    assert np.array_equal(zeros, np.zeros((4, 3))) and zeros.ctypes.data % CACHE_LINE == 0


def test_lane_layouts_are_aligned(rng):
    net = CTRNN.random(37, 5, 2, rng=rng)
    for field in (*lanes_params(net.params), lanes_state(rng.normal(size=(37, 5)))):
        assert field.size == 0 or field.ctypes.data % CACHE_LINE == 0
