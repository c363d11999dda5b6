"""Shared pieces of tasks: checks of the controller's step size."""

from __future__ import annotations

import warnings

from .._checks import positive_float
from ..errors import StepSizeWarning


def check_step(model, dt) -> None:
    """Validate `dt` for `model` and warn (once, here) when it is large for the fastest timescale."""
    if model.time != "continuous":
        return
    timescale = model.min_timescale()
    if timescale is not None and dt > timescale / 10 * (1 + 1e-9):  # not for round-off in a decoded tau
        warnings.warn(
            f"dt = {dt:g} exceeds min(tau) / 10 = {timescale / 10:g} for the models this codec can produce; "
            "fixed-step results may be inaccurate", StepSizeWarning, stacklevel=3,
        )


def task_dt(dt) -> float:
    return positive_float("dt", dt)
