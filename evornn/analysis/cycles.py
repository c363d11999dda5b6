"""Oscillations: periods from recorded trajectories."""

from __future__ import annotations

import numpy as np


def estimate_period(t, x, *, discard: float = 0.5) -> np.ndarray:
    """Period of an oscillating signal from its upward crossings of its own mean.

    The first `discard` fraction of the record is dropped as transient. Crossing times
    are located by linear interpolation between samples, and the period is the mean
    spacing of successive crossings.

    Parameters
    ----------
    t : array_like, shape (n_rec,)
    x : array_like, shape (n_rec,) or (n_rec, n_series)
    discard : float in [0, 1)

    Returns
    -------
    float or ndarray, shape (n_series,)
        NaN where fewer than two crossings remain (no oscillation detected).

    Examples
    --------
    >>> t = np.linspace(0, 20, 2001)
    >>> round(float(estimate_period(t, np.sin(2 * np.pi * t / 2.5))), 6)
    2.5
    """
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    single = x.ndim == 1
    x2 = x[:, None] if single else x
    if t.ndim != 1 or x2.ndim != 2 or x2.shape[0] != t.size:
        raise ValueError(f"x must have shape (n_rec,) or (n_rec, n_series) with n_rec = t.size = {t.size}, got {x.shape}")
    if not 0 <= discard < 1:
        raise ValueError(f"discard must be in [0, 1), got {discard}")
    start = int(discard * t.size)
    t, x2 = t[start:], x2[start:]
    periods = np.full(x2.shape[1], np.nan)
    for s in range(x2.shape[1]):
        v = x2[:, s] - x2[:, s].mean()
        up = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
        if up.size < 2:
            continue
        crossings = t[up] - v[up] * (t[up + 1] - t[up]) / (v[up + 1] - v[up])
        periods[s] = np.diff(crossings).mean()
    return periods[0] if single else periods
