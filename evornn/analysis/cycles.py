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
    periods = _mean_crossing_spacing(t[start:], x2[start:])
    return periods[0] if single else periods


def _mean_crossing_spacing(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mean spacing of upward mean-crossings of each column of `x`, vectorised over columns.

    The mean of successive spacings is ``(last - first) / (count - 1)``.
    """
    if t.size < 3:
        return np.full(x.shape[1], np.nan)
    v = x - x.mean(axis=0)
    up = (v[:-1] < 0) & (v[1:] >= 0)
    count = up.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        times = t[:-1, None] - v[:-1] * ((t[1:] - t[:-1])[:, None] / (v[1:] - v[:-1]))
    first = np.argmax(up, axis=0)
    last = up.shape[0] - 1 - np.argmax(up[::-1], axis=0)
    cols = np.arange(x.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        periods = (times[last, cols] - times[first, cols]) / (count - 1)
    return np.where(count >= 2, periods, np.nan)
