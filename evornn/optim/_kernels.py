"""Compiled loops over a generation's genomes: parallel over rows where each row's
arithmetic is serial (the results do not depend on the thread count), and the hall of
fame's serial merge."""

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
def _same_rows(a, b):
    """Whether rows `a` and `b` are equal entry by entry (-0.0 equals 0.0, NaN equals NaN)."""
    for j in range(a.shape[0]):
        x, y = a[j], b[j]
        if x != y and not (x != x and y != y):
            return False
    return True


@njit(cache=True, error_model=ERROR_MODEL)
def hall_of_fame(old_genomes, old_fitness, old_solved, genomes, fitness, solved, size):
    """The `size` best distinct rows of a hall of fame (`old_*`, ranked, distinct) and a
    generation: solved before unsolved, fitter first, the hall's entries before the
    generation's on ties and the generation's in row order. Returns the new hall's
    genomes, fitness and solved flags."""
    n = fitness.shape[0]
    # The generation in rank order (stable: by fitness, then solved first).
    by_fitness = np.argsort(-fitness, kind="mergesort")
    unsolved = np.empty(n, dtype=np.int64)
    for i in range(n):
        unsolved[i] = 0 if solved[by_fitness[i]] else 1
    ranked = by_fitness[np.argsort(unsolved, kind="mergesort")]
    # Its first `size` distinct rows: only they can enter.
    new = np.empty(min(size, n), dtype=np.int64)
    n_new = 0
    for q in ranked:
        if n_new == new.shape[0]:
            break
        fresh = True
        for k in range(n_new):
            if _same_rows(genomes[q], genomes[new[k]]):
                fresh = False
                break
        if fresh:
            new[n_new] = q
            n_new += 1
    # Merge the two ranked lists, keeping rows unlike those kept before them.
    n_old = old_fitness.shape[0]
    out = np.empty((min(size, n_old + n_new), genomes.shape[1]))
    out_fitness = np.empty(out.shape[0])
    out_solved = np.empty(out.shape[0], dtype=np.bool_)
    i = j = kept = 0
    while kept < out.shape[0] and (i < n_old or j < n_new):
        take_old = i < n_old and (j >= n_new or old_solved[i] > solved[new[j]] or (
            old_solved[i] == solved[new[j]] and old_fitness[i] >= fitness[new[j]]))
        if take_old:
            row, value, flag = old_genomes[i], old_fitness[i], old_solved[i]
            i += 1
        else:
            row, value, flag = genomes[new[j]], fitness[new[j]], solved[new[j]]
            j += 1
        fresh = True
        for k in range(kept):
            if _same_rows(row, out[k]):
                fresh = False
                break
        if fresh:
            out[kept] = row
            out_fitness[kept], out_solved[kept] = value, flag
            kept += 1
    return out[:kept], out_fitness[:kept], out_solved[:kept]
