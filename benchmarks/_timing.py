"""Shared timing helper of the benchmark scripts."""

from __future__ import annotations

import time

import numpy as np


def median_time(fn, repeats: int) -> tuple[float, object]:
    """Median wall time of `repeats` calls of `fn`, and the last call's result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out
