"""Shared validation helpers: every public entry point checks its arguments here, before
any compute, and names the parameter, what it received and what is allowed."""

from __future__ import annotations

import math
import numbers
import os

import numpy as np


def as_float_array(name: str, value, *, finite: bool = True) -> np.ndarray:
    """Return `value` as a new C-contiguous float64 array, or raise naming `name`."""
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real, got complex values (dtype {np.asarray(value).dtype})")
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
    try:
        known = value in allowed
    except (TypeError, ValueError):  # unhashable (a list from a file) or an array
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return value


def frozen(arr: np.ndarray) -> np.ndarray:
    """Mark `arr` read-only: model parameters are immutable once validated."""
    arr.flags.writeable = False
    return arr


def physical_memory() -> int:
    """This machine's memory in bytes (2**40 where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return 2**40


def format_bytes(n_bytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.3g} {unit}"
        n_bytes /= 1024
    raise AssertionError


def check_memory(what: str, shape, *, itemsize: int = 8, hint: str = "") -> None:
    """Raise before allocating `what` of `shape` if it would not fit in this machine's memory."""
    n_bytes = math.prod(int(n) for n in shape) * itemsize
    limit = physical_memory()
    if n_bytes > limit:
        dims = " x ".join(f"{int(n):,}" for n in shape)
        raise ValueError(f"{what} would take {format_bytes(n_bytes)} ({dims} values), more than this machine's "
                         f"{format_bytes(limit)} of memory" + (f"; {hint}" if hint else ""))
