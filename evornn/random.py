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
    if isinstance(rng, bool | np.bool_) or not (
            rng is None or isinstance(rng, int | np.integer | np.random.Generator | np.random.SeedSequence)):
        raise TypeError(f"rng must be None, an integer seed >= 0, a SeedSequence or a numpy.random.Generator, "
                        f"got {rng!r}")
    if isinstance(rng, int | np.integer) and rng < 0:
        raise ValueError(f"rng must be a seed >= 0, got {rng}")
    return np.random.default_rng(rng)


def spawn(rng: RngLike, n: int) -> list[np.random.Generator]:
    """`n` independent child generators (one per individual, per run or per worker).

    The children depend only on the parent's seed and the order of spawn calls, never on
    thread counts or scheduling.
    """
    return as_rng(rng).spawn(n)
