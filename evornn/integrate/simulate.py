"""`simulate`: validate once, then integrate with a compiled fixed-step kernel or SciPy."""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from .._checks import check_memory, one_of, positive_float, positive_int
from .._kernels import fast_path, has_kernels, is_model
from .._numba import check_threads, for_params, threads
from .._series import crossing_spacing
from ..errors import StepSizeWarning
from .fixed_step import METHOD_CODES, STAGE_OFFSETS, run_generic, run_layout, run_recorded, run_recorded_lanes
from .inputs import InputSchedule
from .trajectory import Trajectory, diverged_mask

FIXED_METHODS = ("euler", "heun", "rk4")
SCIPY_METHODS = ("RK45", "RK23", "DOP853", "LSODA", "BDF", "Radau")
# Callable inputs are evaluated in chunks of steps so memory stays bounded.
_INPUT_CHUNK_VALUES = 1 << 22
#: The most steps one simulation may take (the step counter must stay exact in a float64 time).
MAX_STEPS = 2**53


def simulate(
    model,
    y0=None,
    *,
    dt: float | None = None,
    n_steps: int | None = None,
    t_max: float | None = None,
    method: str | None = None,
    inputs=None,
    record_every: int = 1,
    t0: float = 0.0,
    n_threads: int | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_nfev: int = 1_000_000,
    events=None,
    dense_output: bool = False,
    rng=None,
    fast: bool = True,
) -> Trajectory:
    """Simulate every individual of `model` from `y0`.

    Parameters
    ----------
    model : Model
        Any evornn model (a population of ``n_pop`` systems).
    y0 : array_like, shape (n_state,) or (n_pop, n_state), optional
        Initial state; default ``model.initial_state(rng)``.
    dt : float
        Step (fixed-step methods) or record spacing (SciPy methods); required for
        continuous models, not allowed for discrete ones, which step once per tick.
    n_steps, t_max : int, float
        Length of the run: ``n_steps`` steps, or ``t_max = n_steps * dt`` time units. A
        per-step `inputs` array also fixes ``n_steps``.
    method : str
        ``"euler"``, ``"heun"``, ``"rk4"`` (default for continuous models): compiled,
        parallel over individuals. ``"RK45"``, ``"RK23"``, ``"DOP853"``, ``"LSODA"``,
        ``"BDF"``, ``"Radau"``: :func:`scipy.integrate.solve_ivp`, one individual at a time,
        with `rtol`, `atol`, `events`, `dense_output` and the model's Jacobian. Discrete
        models use ``"map"``.
    max_nfev : int
        SciPy methods: an individual that needs more evaluations of its right-hand side is
        stopped (``success`` False, the reason in ``message``), so that a stiff or blowing-up
        system cannot run without end.
    inputs : None, array_like or callable
        None (zeros), constant ``(n_inputs,)`` or ``(n_pop, n_inputs)``, per step
        ``(n_steps, n_pop, n_inputs)`` held constant over each step (also at Runge-Kutta
        stages), or ``f(t) -> (n_pop, n_inputs)`` evaluated at every stage time.
    record_every : int
        Record every this many steps (record 0 is `y0`).
    t0 : float
        Initial time.
    n_threads : int, optional
        Numba threads for this call (default: all). Results do not depend on it.
    fast : bool
        Use a model's specialised layout when it has one (the CTRNN does); False runs the
        generic per-individual kernels. Both give the same trajectories to rounding.

    Returns
    -------
    Trajectory
        ``t`` shape ``(n_rec,)``, ``y`` shape ``(n_rec, n_pop, n_state)``, ``outputs``,
        ``y_final`` and ``diverged`` (individuals whose state became NaN or infinite; a
        diverging simulation never raises). With a SciPy method a diverged individual is
        stopped where it diverged: its records from there on are NaN.

    Examples
    --------
    >>> import evornn
    >>> net = evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])
    >>> traj = evornn.simulate(net, dt=0.01, t_max=10.0)
    >>> traj.y.shape
    (1001, 1, 2)
    """
    if not is_model(model):
        raise TypeError(f"model must be an evornn Model, got {type(model).__name__}")
    continuous = model.time == "continuous"
    if method is None:
        method = "rk4" if continuous else "map"
    allowed = (*FIXED_METHODS, *SCIPY_METHODS) if continuous else ("map",)
    one_of("method", method, allowed)
    record_every = positive_int("record_every", record_every)
    check_threads(n_threads)
    t0 = float(t0)
    if not math.isfinite(t0):
        raise ValueError(f"t0 must be finite, got {t0}")
    if continuous:
        if dt is None:
            raise ValueError("dt is required for continuous models (the step, or the record spacing for SciPy methods)")
        dt = positive_float("dt", dt)
    elif dt is not None:
        raise ValueError(f"dt must be None for discrete models, which step once per tick; got {dt}")
    else:
        dt = 1.0
    schedule = InputSchedule(inputs, model.n_pop, model.n_inputs, n_steps, t0)
    n_steps = _resolve_n_steps(n_steps, t_max, dt, continuous, schedule.n_steps)
    n_rec = n_steps // record_every + 1
    check_memory("the recorded trajectory", (n_rec, model.n_pop, model.n_state + model.n_outputs),
                 hint="record fewer steps with record_every, or simulate fewer")
    y0 = model.initial_state(rng) if y0 is None else model.check_states(y0, "y0")
    if method in SCIPY_METHODS:
        from .scipy_ivp import simulate_scipy

        rtol, atol = positive_float("rtol", rtol), positive_float("atol", atol)
        return simulate_scipy(model, y0, t0, dt, n_steps, method, schedule, record_every, rtol=rtol, atol=atol,
                              max_nfev=positive_int("max_nfev", max_nfev), events=events, dense_output=dense_output)
    if events is not None or dense_output:
        raise ValueError(f"events and dense_output need a SciPy method ({', '.join(SCIPY_METHODS)}), not {method!r}")
    timescale = model.min_timescale()
    if continuous and timescale is not None and dt > timescale / 10 * (1 + 1e-9):  # round-off is not a larger step
        warnings.warn(
            f"dt = {dt:g} exceeds min(tau) / 10 = {timescale / 10:g}; fixed-step results may be inaccurate or diverge",
            StepSizeWarning, stacklevel=2,
        )
    with threads(n_threads):
        return _simulate_fixed(model, y0, t0, dt, n_steps, method, schedule, record_every, fast)


def _resolve_n_steps(n_steps, t_max, dt, continuous, from_inputs) -> int:
    if t_max is not None:
        if not continuous:
            raise ValueError("t_max is for continuous models; give n_steps for discrete models")
        t_max = positive_float("t_max", t_max)
        if not t_max / dt <= MAX_STEPS:
            raise ValueError(f"t_max / dt = {t_max:g} / {dt:g} = {t_max / dt:g} steps, more than the {MAX_STEPS:.3g} "
                             f"a run may have; choose a larger dt")
        implied = round(t_max / dt)
        if implied < 1 or abs(implied * dt - t_max) > 1e-9 * max(t_max, 1.0):
            raise ValueError(f"t_max must be a whole number of steps dt = {dt:g}, got t_max = {t_max:g}")
        if n_steps is not None and n_steps != implied:
            raise ValueError(f"n_steps = {n_steps} and t_max / dt = {implied} disagree; give one of them")
        n_steps = implied
    if n_steps is None:
        if from_inputs is None:
            raise ValueError("give n_steps or t_max (or per-step inputs, whose length fixes n_steps)")
        n_steps = from_inputs
    n_steps = positive_int("n_steps", n_steps)
    if n_steps > MAX_STEPS:
        raise ValueError(f"n_steps must be at most {MAX_STEPS:.3g}, got {n_steps}")
    if from_inputs is not None and from_inputs != n_steps:
        raise ValueError(f"per-step inputs have {from_inputs} steps but n_steps = {n_steps}")
    return n_steps


def _simulate_fixed(model, y0, t0, dt, n_steps, method, schedule, record_every, fast) -> Trajectory:
    offsets = STAGE_OFFSETS[method]
    code = METHOD_CODES[method]
    n_rec = n_steps // record_every + 1
    # States in the model's precision (float32 for a model made with astype(np.float32)).
    y = np.array(y0, dtype=model.dtype, order="C")
    y_rec = np.empty((n_rec, model.n_pop, model.n_state), dtype=model.dtype)
    y_rec[0] = y
    if schedule.function is None:
        chunk = n_steps
    else:
        per_step = len(offsets) * model.n_pop * max(model.n_inputs, 1)
        chunk = max(1, min(n_steps, _INPUT_CHUNK_VALUES // per_step))
    for step0 in range(0, n_steps, chunk):
        count = min(chunk, n_steps - step0)
        u = schedule.chunk(step0, count, t0, dt, offsets).astype(model.dtype, copy=False)
        hook = fast_path(model.params, "fixed_step") if fast else None
        if hook is None or not hook(model.params, run_layout, code, y, t0, dt, step0, count, u, record_every, y_rec):
            run_generic(model, code, y, t0, dt, step0, count, u, record_every, y_rec)
    t = t0 + dt * record_every * np.arange(n_rec)
    return Trajectory(
        t=t, y=y_rec, outputs=model.outputs(y_rec), y_final=y, diverged=diverged_mask(y_rec, y),
        method=method, success=np.ones(model.n_pop, dtype=bool),
        nfev=np.full(model.n_pop, n_steps * {"map": 1, "euler": 1, "heun": 2, "rk4": 4}[method]),
    )


def simulate_quietly(model, dt, **kwargs) -> Trajectory:
    """`simulate` without the step-size warning, with `dt` passed only to continuous models.

    For tools that simulate many times (tasks at every generation, analyses over grids) and
    check the step once themselves, when a problem or an analysis is set up.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepSizeWarning)
        if model.time == "continuous":
            return simulate(model, dt=dt, **kwargs)
        return simulate(model, **kwargs)


class Recorded(NamedTuple):
    """What :func:`simulate_outputs` returns (shapes below)."""

    t: np.ndarray  # (n_record + 1,) times of the records
    z: np.ndarray  # (n_record + 1, n_pop, n_index) the recorded outputs
    diverged: np.ndarray  # (n_pop,) bool: recorded outputs or final state NaN or infinite
    period: np.ndarray  # (n_pop, n_index) mean spacing of upward crossings of each series' mean
    span: np.ndarray  # (n_pop, n_index) peak-to-peak range over the last n_tail records


def simulate_outputs(model, dt, n_skip: int, n_record: int, outputs, *, n_tail: int = 0,
                     method: str | None = None, inputs=None) -> Recorded:
    """Run `model` from its initial state for ``n_skip + n_record`` steps with constant
    `inputs`, and return only the outputs `outputs` over the last `n_record` steps, with
    each series' period and range.

    For tools that score a few outputs after a transient at every generation (tasks): with
    a fixed-step method the whole run and its measures are one compiled call and one
    parallel region (in the model's SIMD lanes when it offers them), and no state is
    recorded. Arguments are trusted (checked once by the caller); the step-size warning is
    not given.

    Parameters
    ----------
    outputs : sequence of int
        Output indices, each below ``model.n_outputs``.
    n_tail : int
        The range is taken over the last `n_tail` records (0: not measured, NaN).
    inputs : None or ndarray, shape (n_pop, n_inputs)
        Constant inputs; default zeros.

    Returns
    -------
    Recorded
        ``t`` (from ``n_skip * dt``), ``z``, ``diverged``, ``period`` (NaN where a series
        crosses its mean fewer than twice) and ``span``; see :class:`Recorded`.
    """
    continuous = model.time == "continuous"
    method = method or ("rk4" if continuous else "map")
    step = dt if continuous else 1.0
    index = np.asarray(outputs, dtype=np.int64).reshape(-1)
    t = step * (n_skip + np.arange(n_record + 1))
    if method not in METHOD_CODES:
        warm = simulate_quietly(model, dt, n_steps=n_skip, record_every=n_skip, method=method, inputs=inputs)
        traj = simulate_quietly(model, dt, y0=warm.y_final, n_steps=n_record, method=method, inputs=inputs,
                                t0=n_skip * step)
        z = traj.outputs[:, :, index]
        period, span = crossing_spacing(t, np.ascontiguousarray(z.reshape(n_record + 1, -1), np.float64), n_tail)
        return Recorded(t, z, warm.diverged | traj.diverged, period.reshape(model.n_pop, index.size),
                        span.reshape(model.n_pop, index.size))
    dtype, n_pop = model.dtype, model.n_pop
    y0 = np.ascontiguousarray(model.initial_state(), dtype=dtype)
    u = np.zeros((n_pop, model.n_inputs), dtype) if inputs is None else np.ascontiguousarray(inputs, dtype)
    z = np.empty((n_record + 1, n_pop, index.size), dtype)
    period, span = np.empty((2, n_pop, index.size))
    bad = np.empty(n_pop, dtype=bool)
    code, params = METHOD_CODES[method], model.params
    layout = fast_path(params, "lanes")
    # Lanes whenever the model offers them, however few individuals (the last block is
    # padded): a population and any chunk of it (on Dask) then share the same arithmetic.
    if layout is not None and model.n_state <= layout.max_state:
        width = layout.width(n_pop, model.n_state, model.n_inputs)
        work = layout.work(params, width, -(-n_pop // width))
        if has_kernels(work):
            for_params(run_recorded_lanes, params)(code, params, work, width, y0, 0.0, step, n_skip, n_record, u,
                                                   model.n_outputs, index, n_tail, z, period, span, bad)
            return Recorded(t, z, bad, period, span)
    for_params(run_recorded, params)(code, params, y0, 0.0, step, n_skip, n_record, u, model.n_outputs, index,
                                     n_tail, z, period, span, bad)
    return Recorded(t, z, bad, period, span)
