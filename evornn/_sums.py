"""NumPy's summation, compiled: sums, means and standard deviations with the bits that
``ndarray.sum``, ``mean`` and ``std`` give, for compiled code whose results must equal the
NumPy code they replace (NEAT's fitness sharing, the evolution loop's history).

NumPy adds a contiguous float64 array pairwise: blocks of at most 128 numbers, each with
eight running sums, and larger arrays split in halves at a multiple of 8.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._numba import ERROR_MODEL


@njit(cache=True, error_model=ERROR_MODEL)
def _block_sum(x, lo, n):
    """NumPy's sum of at most 128 numbers ``x[lo:lo + n]``: in order below 8, else eight
    running sums added pairwise, then the rest."""
    if n < 8:
        total = -0.0
        for i in range(lo, lo + n):
            total += x[i]
        return total
    r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
    r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
    i = 8
    while i < n - n % 8:
        q = lo + i
        r0 += x[q]
        r1 += x[q + 1]
        r2 += x[q + 2]
        r3 += x[q + 3]
        r4 += x[q + 4]
        r5 += x[q + 5]
        r6 += x[q + 6]
        r7 += x[q + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += x[lo + i]
        i += 1
    return total


@njit(cache=True, error_model=ERROR_MODEL)
def pairwise_sum(x, lo, n):
    """The sum of ``x[lo:lo + n]`` added as NumPy adds a contiguous array (halves split at
    a multiple of 8 and summed separately down to blocks of 128), so that compiled code
    gets ``ndarray.sum``'s bits. The halving runs on an explicit stack: Numba's cache
    cannot hold recursive functions."""
    if n <= 128:
        return _block_sum(x, lo, n)
    starts, sizes = np.empty(128, dtype=np.int64), np.empty(128, dtype=np.int64)  # sizes -1: add the top two
    values = np.empty(128)
    starts[0], sizes[0], top, n_values = lo, n, 1, 0
    while top:
        top -= 1
        start, size = starts[top], sizes[top]
        if size < 0:
            n_values -= 1
            values[n_values - 1] = values[n_values - 1] + values[n_values]
        elif size <= 128:
            values[n_values] = _block_sum(x, start, size)
            n_values += 1
        else:
            half = size // 2
            half -= half % 8
            starts[top], sizes[top] = 0, -1
            starts[top + 1], sizes[top + 1] = start + half, size - half
            starts[top + 2], sizes[top + 2] = start, half
            top += 3
    return values[0]


@njit(cache=True, error_model=ERROR_MODEL)
def array_sum(x):
    """``x.sum()`` of a contiguous 1-d array, NumPy's bits (see :func:`pairwise_sum`)."""
    return 0.0 + pairwise_sum(x, 0, x.shape[0])


@njit(cache=True, error_model=ERROR_MODEL)
def summary(x):
    """``(x.min(), x.mean(), x.max(), x.std())`` of a non-empty contiguous 1-d array, with
    NumPy's bits (NaN propagates as there)."""
    n = x.shape[0]
    low, high, nan = x[0], x[0], x[0] != x[0]
    for i in range(1, n):
        v = x[i]
        if v != v:
            nan = True
        elif v < low:
            low = v
        elif v > high:
            high = v
    if nan:
        low = high = np.nan
    mean = array_sum(x) / n
    squares = np.empty(n)
    for i in range(n):
        d = x[i] - mean
        squares[i] = d * d
    return low, mean, high, math.sqrt(array_sum(squares) / n)
