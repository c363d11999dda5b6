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
