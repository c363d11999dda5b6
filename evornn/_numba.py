"""Numba settings shared by every kernel module."""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import numbers

import numba
import numpy as np
from numba import types
from numba.extending import overload

_UNCACHED: dict[object, object] = {}

# Never fastmath=True: it assumes no NaN/inf, and then np.isfinite(NaN) is True and
# diverging simulations go undetected. Reassociation and contraction (FMA) are safe.
FASTMATH = {"reassoc", "contract"}
# For code whose rounding must not be reassociated (the vectorised exponential).
CONTRACT = {"contract"}
# "numpy" error model: a division by zero gives inf/NaN (caught by divergence checks)
# instead of raising inside a kernel; Python's model also blocks vectorisation.
ERROR_MODEL = "numpy"


# Kernels read float64 arrays in 32-byte vectors; a vector that straddles two 64-byte cache
# lines costs two loads. NumPy aligns large arrays to 16 bytes only (the CTRNN's 100-neuron
# Euler step runs about 9% faster with its weights on a 64-byte boundary).
CACHE_LINE = 64


def aligned_empty(shape, dtype=np.float64) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on a cache-line boundary
    (unless it is empty)."""
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    n_bytes = math.prod(int(n) for n in shape) * dtype.itemsize
    raw = np.empty(n_bytes + CACHE_LINE, dtype=np.uint8)
    start = -raw.__array_interface__["data"][0] % CACHE_LINE
    return raw[start:start + n_bytes].view(dtype).reshape(shape)


def aligned_zeros(shape, dtype=np.float64) -> np.ndarray:
    """An array of zeros that starts on a cache-line boundary."""
    out = aligned_empty(shape, dtype)
    out[...] = 0.0
    return out


def aligned_zeros_many(shapes, dtype=np.float64) -> list[np.ndarray]:
    """Arrays of zeros of `shapes` (tuples of int), each starting on a cache-line boundary,
    carved out of one allocation (a kernel's several work buffers for the price of one)."""
    dtype = np.dtype(dtype)
    sizes = [math.prod(shape) * dtype.itemsize for shape in shapes]
    starts = list(itertools.accumulate((-(-size // CACHE_LINE) * CACHE_LINE for size in sizes), initial=0))
    raw = np.zeros(starts[-1] + CACHE_LINE, dtype=np.uint8)  # calloc: fresh pages come zeroed
    first = -raw.__array_interface__["data"][0] % CACHE_LINE
    return [raw[first + start:first + start + size].view(dtype).reshape(shape)
            for shape, size, start in zip(shapes, sizes, starts[:-1], strict=True)]


def aligned_copy(a) -> np.ndarray:
    """A C-contiguous copy of `a` that starts on a cache-line boundary."""
    out = aligned_empty(np.shape(a), np.asarray(a).dtype)
    out[...] = a
    return out


#: The floating types a model may compute in: float64 (the default and the reference) and
#: float32 (opt in, for the models whose kernels offer it; see ``Model.astype``).
FLOAT_TYPES = (np.dtype(np.float64), np.dtype(np.float32))


def cast(value, like):
    """`value` as a scalar of the floating type of `like` (an array or a scalar): float32
    for float32, float64 otherwise.

    For constants in kernels that run in either precision: ``half = cast(0.5, y)`` keeps a
    float32 loop in float32 (a bare ``0.5`` is a float64 and would promote every operation
    it meets, halving the vector width). Compiled to the constant itself.
    """
    return np.float32(value) if np.asarray(like).dtype == np.float32 else np.float64(value)


@overload(cast, inline="always")
def _cast_overload(value, like):
    kind = like.dtype if isinstance(like, types.Array) else like
    if kind == types.float32:
        return lambda value, like: np.float32(value)
    return lambda value, like: np.float64(value)


def check_threads(n_threads) -> int | None:
    """Validate a thread count: None (all cores) or an integer in [1, NUMBA_NUM_THREADS]."""
    if n_threads is None:
        return None
    maximum = numba.config.NUMBA_NUM_THREADS
    if isinstance(n_threads, bool) or not isinstance(n_threads, int) or not 1 <= n_threads <= maximum:
        raise ValueError(f"n_threads must be an integer in [1, {maximum}], got {n_threads!r}")
    return n_threads


@contextlib.contextmanager
def threads(n_threads: int | None):
    """Run the enclosed Numba parallel calls with `n_threads` threads (None: all)."""
    if check_threads(n_threads) is None:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def for_params(dispatcher, *params):
    """The compiled `dispatcher` to call with `params` (one NamedTuple or several: a
    model's and a body's).

    Numba keeps one cache index per function, holding every signature compiled for it,
    and loading the index imports every params class named there. A model defined outside
    evornn (a user's script, a test module) would make that index unloadable wherever its
    module cannot be imported, so such models get an uncached twin of the same kernel:
    they compile once per process, and evornn's own cache stays sound.
    """
    if all(type(one).__module__.split(".")[0] == "evornn" for one in params):
        return dispatcher
    twin = _UNCACHED.get(dispatcher)
    if twin is None:
        options = {k: v for k, v in dispatcher.targetoptions.items() if k != "nopython"}
        options["cache"] = False
        twin = _UNCACHED[dispatcher] = numba.njit(**options)(dispatcher.py_func)
    return twin


_BLAS_CONTROLLER = None


def one_blas_thread():
    """A context in which BLAS runs on one thread. Idle OpenBLAS threads spin for a while
    after each call and then take the cores from the Numba kernels that run next (measured:
    up to 3x slower reservoirs, and a 10-20x slower CMA-ES eigendecomposition on 2 cores);
    evornn's BLAS calls between kernels are small. The controller is found once: looking up
    the loaded libraries costs milliseconds."""
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER = ThreadpoolController()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


def on_one_blas_thread(function):
    """Decorator: run `function` with BLAS on one thread (see :func:`one_blas_thread`), for
    the small dense solves between kernels (a 101 x 101 solve takes 0.07 ms on one thread
    and can take 100 ms when idle BLAS threads compete with Numba's)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper
