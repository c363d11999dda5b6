"""Shared pieces of tasks: checks of tasks that run a model with `simulate`, and the
controller step of the compiled closed loops (bodies in ``cartpole``, ``walker``,
``categorize`` and ``agent2d``)."""

from __future__ import annotations

import warnings

from numba import njit

from .._checks import positive_float
from .._numba import ERROR_MODEL, FASTMATH
from ..errors import StepSizeWarning
from ..models.base import output, rhs


# Inlined into each closed-loop kernel at Numba IR level and not cached on its own: its
# code depends on the params type, and each caller's cache (or uncached twin, see
# evornn._numba.for_params) holds it, so no cache index names a params class.
@njit(inline="always", fastmath=FASTMATH, error_model=ERROR_MODEL)
def controller_step(params, p, y, u, dt, discrete, dy, z):
    """Controller `p` senses `u`: one Euler step of `dt` (one map step if `discrete`) of
    its state `y`, then its outputs into `z`. `dy` is scratch. Numba-compiled."""
    rhs(0.0, y, params, p, u, dy)
    if discrete:
        y[:] = dy
    else:
        for q in range(y.shape[0]):
            y[q] += dt * dy[q]
    output(y, params, p, z)


def check_step(model, dt) -> None:
    """Validate `dt` for `model` and warn (once, here) when it is large for the fastest timescale."""
    if model.time != "continuous":
        return
    timescale = model.min_timescale()
    if timescale is not None and dt > timescale / 10:
        warnings.warn(
            f"dt = {dt:g} exceeds min(tau) / 10 = {timescale / 10:g} for the models this codec can produce; "
            "fixed-step results may be inaccurate", StepSizeWarning, stacklevel=3,
        )


def task_dt(dt) -> float:
    return positive_float("dt", dt)
