"""Shared validation helpers: every public entry point checks its arguments here, before
any compute, and names the parameter, what it received and what is allowed."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(name: str, value, *, finite: bool = True) -> np.ndarray:
    """Return `value` as a new C-contiguous float64 array, or raise naming `name`."""
    try:
        arr = np.array(value, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or array of real numbers, got {value!r}") from exc
    if finite and not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite, got a value of {bad} (shape {arr.shape})")
    return arr


def batched(name: str, value, n_pop: int, tail: tuple[int, ...], *, finite: bool = True) -> np.ndarray:
    """Broadcast `value` to shape ``(n_pop, *tail)``.

    Accepted: a scalar, an unbatched array of shape `tail` (one network, shared by the
    population), or a batched array of shape ``(n_pop, *tail)`` or ``(1, *tail)``.
    """
    arr = as_float_array(name, value, finite=finite)
    full = (n_pop, *tail)
    if arr.ndim == 0 or arr.shape == tail or arr.shape in (full, (1, *tail)):
        return np.ascontiguousarray(np.broadcast_to(arr, full)).copy()
    raise ValueError(
        f"{name} must have shape {tail} (one network) or {full} (n_pop networks), got {arr.shape}"
    )


def positive(name: str, arr: np.ndarray) -> np.ndarray:
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 everywhere, got a minimum of {arr.min()}")
    return arr


def positive_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def one_of(name: str, value, allowed) -> object:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return value


def frozen(arr: np.ndarray) -> np.ndarray:
    """Mark `arr` read-only: model parameters are immutable once validated."""
    arr.flags.writeable = False
    return arr
