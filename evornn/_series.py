"""Compiled measures of recorded series, shared by the integrators' recording loops and
the analyses (a layer below both)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ._numba import ERROR_MODEL


@njit(cache=True, error_model=ERROR_MODEL)
def crossing_spacing(t, x, n_tail):
    """The mean spacing of upward crossings of each column of `x` (shape ``(n_rec,
    n_series)``, times `t`) through its own mean, and the column's peak-to-peak range over
    its last `n_tail` rows; NaN where a column crosses fewer than twice, is not finite, or
    (range) for ``n_tail = 0``. Each crossing time is interpolated linearly
    between the samples around it; the mean of successive spacings is ``(last - first) /
    (count - 1)``. Row by row, all columns at once (rows are contiguous)."""
    n_rec, n_series = x.shape
    mean = np.zeros(n_series)
    high = np.full(n_series, -np.inf)
    low = np.full(n_series, np.inf)
    finite = np.zeros(n_series)  # summed x * 0: NaN for a NaN or infinite x
    for s in range(n_rec):
        for c in range(n_series):
            mean[c] += x[s, c]
            finite[c] += x[s, c] * 0.0
        if s >= n_rec - n_tail:
            for c in range(n_series):
                high[c] = max(high[c], x[s, c])
                low[c] = min(low[c], x[s, c])
    mean /= n_rec
    count = np.zeros(n_series, dtype=np.int64)
    first = np.zeros(n_series)
    last = np.zeros(n_series)
    for s in range(n_rec - 1):
        for c in range(n_series):
            v0, v1 = x[s, c] - mean[c], x[s + 1, c] - mean[c]
            if v0 < 0.0 and v1 >= 0.0:
                last[c] = t[s] - v0 * ((t[s + 1] - t[s]) / (v1 - v0))
                if count[c] == 0:
                    first[c] = last[c]
                count[c] += 1
    periods = np.full(n_series, np.nan)
    ranges = np.full(n_series, np.nan)
    for c in range(n_series):
        if count[c] >= 2:
            periods[c] = (last[c] - first[c]) / (count[c] - 1)
        if n_tail > 0 and finite[c] == 0.0:
            ranges[c] = high[c] - low[c]
    return periods, ranges
