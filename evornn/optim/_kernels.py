"""Compiled loops over a generation's genomes, parallel over rows (each row's arithmetic is
serial, so the results do not depend on the thread count)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._numba import ERROR_MODEL


@njit(cache=True, parallel=True, error_model=ERROR_MODEL)
def box_excess(genomes, low, high):
    """Each row's squared distance outside the box ``[low, high]^n_genes``; shape (n,)."""
    n, m = genomes.shape
    out = np.empty(n)
    for i in prange(n):
        total = 0.0
        for j in range(m):
            g = genomes[i, j]
            if g > high:
                total += (g - high) * (g - high)
            elif g < low:
                total += (low - g) * (low - g)
        out[i] = total
    return out


@njit(cache=True, parallel=True, error_model=ERROR_MODEL)
def scaled_samples(mean, scale, noise):
    """``mean + scale * noise`` for noise of shape (n, n_genes), scale per gene."""
    n, m = noise.shape
    out = np.empty((n, m))
    for i in prange(n):
        for j in range(m):
            out[i, j] = mean[j] + scale[j] * noise[i, j]
    return out


@njit(cache=True, error_model=ERROR_MODEL)
def distinct_first(a, b, ids, size):
    """Positions in `ids` of the first `size` rows that differ from every row taken before
    them, where id ``q`` is row ``a[q]`` below ``len(a)`` and ``b[q - len(a)]`` from there
    (rows are equal when every entry is: -0.0 equals 0.0, and NaN equals NaN); serial."""
    na = a.shape[0]
    kept = np.empty(min(size, ids.shape[0]), dtype=np.int64)
    n_kept = 0
    for i in range(ids.shape[0]):
        if n_kept == kept.shape[0]:
            break
        q = ids[i]
        row = a[q] if q < na else b[q - na]
        new = True
        for k in range(n_kept):
            r = ids[kept[k]]
            other = a[r] if r < na else b[r - na]
            same = True
            for j in range(row.shape[0]):
                x, y = row[j], other[j]
                if x != y and not (x != x and y != y):
                    same = False
                    break
            if same:
                new = False
                break
        if new:
            kept[n_kept] = i
            n_kept += 1
    return kept[:n_kept]
