"""Shared timing helper of the benchmark scripts."""

from __future__ import annotations

import time

import numpy as np


def random_search(codec, task, n_samples: int, rng) -> tuple[np.ndarray, float]:
    """The genome with the lowest ``nrmse`` metric among `n_samples` uniform random genomes
    (scored by `task` in one batched call), and that NRMSE."""
    genomes = codec.random(n_samples, rng=rng)
    errors = task.evaluate(codec.decode(genomes)).metrics["nrmse"]
    best = int(np.nanargmin(errors))
    return genomes[best:best + 1], float(errors[best])


def median_time(fn, repeats: int) -> tuple[float, object]:
    """Median wall time of `repeats` calls of `fn`, and the last call's result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def alternating_medians(functions: dict, repeats: int) -> dict[str, float]:
    """Median wall time of each of `functions` (name -> callable), each called once first
    (compilation) and then `repeats` times in turn, so that all see the same machine."""
    for fn in functions.values():
        fn()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}

