"""Shared pieces of tasks: checks of the controller's step size."""

from __future__ import annotations

import warnings

from .._checks import positive_float, positive_int
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


#: Steps one trial may take. A loop of more (a duration of 10^12 time units, say) would run
#: for days inside compiled code, where no interrupt reaches it: refused at construction.
MAX_TRIAL_STEPS = 10**8


def trial_steps(name: str, n_steps, *, what: str = "") -> int:
    """`n_steps` as an int in [1, MAX_TRIAL_STEPS], or an error naming `name`."""
    n = positive_int(name, n_steps)
    if n > MAX_TRIAL_STEPS:
        raise ValueError(f"{name} asks for {n:,} steps per trial{what}; at most {MAX_TRIAL_STEPS:,}")
    return n
