"""Explicit randomness: every draw comes from a `numpy.random.Generator` derived from one seed."""

from __future__ import annotations

import numpy as np

RngLike = int | np.random.Generator | np.random.SeedSequence | None


def as_rng(rng: RngLike = None) -> np.random.Generator:
    """Normalise a seed, `SeedSequence` or `Generator` (or None) into a `Generator`.

    A `Generator` is returned as is, so a caller's stream advances.

    >>> bool(as_rng(3).integers(10) == as_rng(3).integers(10))
    True
    """
    if isinstance(rng, np.random.RandomState):
        raise TypeError("rng must be a seed, SeedSequence or numpy.random.Generator, not a legacy RandomState")
    return np.random.default_rng(rng)


def spawn(rng: RngLike, n: int) -> list[np.random.Generator]:
    """`n` independent child generators (one per individual, per run or per worker).

    The children depend only on the parent's seed and the order of spawn calls, never on
    thread counts or scheduling.
    """
    return as_rng(rng).spawn(n)
