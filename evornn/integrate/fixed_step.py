"""Fixed-step integration (Euler, Heun, RK4) and map iteration, batched over individuals.

One compiled loop serves every model: it owns the parallel loop over units (individuals,
or blocks of individuals for a model's specialised layout), keeps time inside it, and calls
the ``rhs`` kernel registered for the params type. Results do not depend on the thread
count: each unit's arithmetic is the same whichever thread runs it.

Inputs reach the kernel as ``u`` of shape ``(n_u, n_c, n_units, ...)``: ``n_u`` is 1
(constant) or the number of steps (zero-order hold); ``n_c`` is 1 (the same value at every
stage of a step) or the number of distinct stage times of the method (a callable evaluated
at ``t``, ``t + dt/2`` and ``t + dt``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._kernels import lane_load, output, rhs
from .._numba import ERROR_MODEL, FASTMATH, cast, for_params
from .._series import crossing_spacing

MAP, EULER, HEUN, RK4 = 0, 1, 2, 3
METHOD_CODES = {"map": MAP, "euler": EULER, "heun": HEUN, "rk4": RK4}
# Offsets (in units of dt) of the distinct times at which each method evaluates inputs.
STAGE_OFFSETS = {"map": (0.0,), "euler": (0.0,), "heun": (0.0, 1.0), "rk4": (0.0, 0.5, 1.0)}


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _axpy(y, a, k, out):
    for q in range(y.shape[0]):
        out[q] = y[q] + a * k[q]


# Inlined into each caller at Numba IR level and not cached on its own: its code depends on
# the params type, and each caller's cache (or uncached twin) holds it.
@njit(inline="always", fastmath=FASTMATH, error_model=ERROR_MODEL)
def rk_step(method, t, y, params, p, u0, u_half, u1, dt, k1, k2, k3, k4, tmp):
    """Advance the state `y` of individual `p` in place by one step of `method` at time
    `t`: one iteration of a map, or one Euler, Heun or RK4 step of size `dt`.

    `u0`, `u_half` and `u1` are the inputs at ``t``, ``t + dt/2`` and ``t + dt`` (the same
    array for a zero-order hold). `k1` ... `k4` and `tmp` are scratch of the state's
    length, in the state's precision (float64, or float32 for models that offer it). The
    one Runge-Kutta step of evornn: the integrators, the Lyapunov analysis and
    the closed loop of bodies all call it. Numba-compiled; no validation.
    """
    n_state = y.shape[0]
    # Constants in the state's precision, so that a float32 state is advanced in float32.
    h = cast(dt, y)
    half_h, two = cast(0.5, y) * h, cast(2.0, y)
    if method == MAP:
        rhs(t, y, params, p, u0, k1)
        y[:] = k1
    elif method == EULER:
        rhs(t, y, params, p, u0, k1)
        _axpy(y, h, k1, y)
    elif method == HEUN:
        rhs(t, y, params, p, u0, k1)
        _axpy(y, h, k1, tmp)
        rhs(t + dt, tmp, params, p, u1, k2)
        for q in range(n_state):
            y[q] += half_h * (k1[q] + k2[q])
    else:
        sixth_h = h / cast(6.0, y)
        rhs(t, y, params, p, u0, k1)
        _axpy(y, half_h, k1, tmp)
        rhs(t + 0.5 * dt, tmp, params, p, u_half, k2)
        _axpy(y, half_h, k2, tmp)
        rhs(t + 0.5 * dt, tmp, params, p, u_half, k3)
        _axpy(y, h, k3, tmp)
        rhs(t + dt, tmp, params, p, u1, k4)
        for q in range(n_state):
            y[q] += sixth_h * (k1[q] + two * k2[q] + two * k3[q] + k4[q])


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_fixed(method, params, y, t0, dt, step0, n_steps, u, record_every, y_rec):
    """Advance every unit of `y` by `n_steps` steps of `method`.

    Parameters
    ----------
    method : int
        ``MAP``, ``EULER``, ``HEUN`` or ``RK4``.
    params : NamedTuple of arrays
        Selects the ``rhs`` kernel.
    y : ndarray, shape (n_units, n_state)
        The state at global step `step0`; overwritten with the state at ``step0 + n_steps``.
    t0 : float
        Time at global step 0; step ``s`` is at ``t0 + s * dt``.
    u : ndarray, shape (n_u, n_c, n_units, n_inputs)
        Inputs for the steps ``step0 ... step0 + n_steps - 1`` (see the module docstring).
    y_rec : ndarray, shape (n_rec, n_units, n_state)
        The state after global step ``s`` is written to ``y_rec[s // record_every]`` when
        ``s % record_every == 0``.

    Numba-compiled; writes into `y` and `y_rec`; no validation.
    """
    n_units = y.shape[0]
    per_step = u.shape[0] > 1
    per_stage = u.shape[1] > 1
    for p in prange(n_units):
        state = y[p]
        k1 = np.empty_like(state)
        k2 = np.empty_like(state)
        k3 = np.empty_like(state)
        k4 = np.empty_like(state)
        tmp = np.empty_like(state)
        for n in range(n_steps):
            step = step0 + n
            un = n if per_step else 0
            u0 = u[un, 0, p]
            u_half = u[un, 1, p] if per_stage and method == RK4 else u0
            u1 = u[un, u.shape[1] - 1, p] if per_stage else u0
            rk_step(method, t0 + step * dt, state, params, p, u0, u_half, u1, dt, k1, k2, k3, k4, tmp)
            if (step + 1) % record_every == 0:
                y_rec[(step + 1) // record_every, p] = state


def run_generic(model, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec) -> None:
    """Run the generic per-individual kernels (the path every model supports)."""
    run_layout(model.params, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec)


def run_layout(params, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec) -> None:
    """:func:`run_fixed` with `params` in any registered layout (a model's own, or the
    specialised one a model's ``fixed_step`` hook builds); units are then what the layout
    says (individuals, or blocks of them)."""
    for_params(run_fixed, params)(method_code, params, y, t0, dt, step0, n_steps, u, record_every, y_rec)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_recorded(method, params, y, t0, dt, n_skip, n_record, u, n_outputs, index, n_tail, z, period, span, bad):
    """Advance every individual of `y` by ``n_skip + n_record`` steps of `method` with
    constant inputs, record only the outputs `index` over the last `n_record`, and measure
    each recorded series' period and peak-to-peak range.

    One parallel region for the whole run and its measures, and no recorded state: the
    loop of tasks that score a few outputs after a transient (the oscillator's).

    Parameters
    ----------
    y : ndarray, shape (n_pop, n_state)
        Initial states; overwritten with the final ones.
    t0 : float
        Time at step 0.
    u : ndarray, shape (n_pop, n_inputs)
        Constant inputs.
    n_outputs : int
        The model's number of outputs.
    index : ndarray of int, shape (n_index,)
        The outputs to record, each below `n_outputs`.
    n_tail : int
        The range is taken over the last `n_tail` records (NaN for 0).
    z : ndarray, shape (n_record + 1, n_pop, n_index)
        ``z[s]`` receives the outputs after step ``n_skip + s`` (``z[0]``: after the skip).
    period, span : ndarray, shape (n_pop, n_index)
        The mean spacing of upward crossings of each series' mean, and its range
        (:func:`evornn.analysis.cycles.crossings_and_range`, NaN where undefined).
    bad : ndarray of bool, shape (n_pop,)
        Set where a recorded output or the final state is NaN or infinite.

    Numba-compiled; writes into `y`, `z`, `period`, `span` and `bad`; no validation.
    """
    n_index = index.shape[0]
    t_rec = t0 + (n_skip + np.arange(n_record + 1)) * dt
    for p in prange(y.shape[0]):
        state = y[p]
        scratch = np.empty((5, state.shape[0]), state.dtype)  # rk_step's k1 ... k4 and tmp
        out = np.empty(n_outputs, state.dtype)
        # Summed as x * 0: NaN for a NaN or infinite x.
        check = cast(0.0, state)
        for s in range(n_skip + n_record + 1):
            if s >= n_skip:
                output(state, params, p, out)
                for k in range(n_index):
                    z[s - n_skip, p, k] = out[index[k]]
                    check += out[index[k]] * cast(0.0, state)
            if s < n_skip + n_record:
                rk_step(method, t0 + s * dt, state, params, p, u[p], u[p], u[p], dt, scratch[0], scratch[1], scratch[2],
                        scratch[3], scratch[4])
        for q in range(state.shape[0]):
            check += state[q] * cast(0.0, state)
        bad[p] = not check == 0.0
        for k in range(n_index):
            measured = crossing_spacing(t_rec, z[:, p:p + 1, k], n_tail)
            period[p, k], span[p, k] = measured[0][0], measured[1][0]


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_recorded_lanes(method, params, work, width, y0, t0, dt, n_skip, n_record, u, n_outputs, index, n_tail,
                       z, period, span, bad):
    """:func:`run_recorded` in a model's SIMD lanes (:class:`evornn._kernels.Lanes`): block
    `b` of `work` holds individuals ``b * width ... b * width + width - 1``, loaded from
    `params` and `y0` by the layout's ``load`` kernel and advanced by the ``rhs`` and
    ``output`` kernels registered for the work's class. Each individual's arithmetic is
    that of the model's fixed-step layout of the same width. `y0` is not changed.

    Numba-compiled; writes into `z`, `period`, `span` and `bad`; no validation.
    """
    n_pop, n = y0.shape
    n_inputs, n_index = u.shape[1], index.shape[0]
    t_rec = t0 + (n_skip + np.arange(n_record + 1)) * dt
    for b in prange(-(-n_pop // width)):
        y = np.zeros(n * width, y0.dtype)
        scratch = np.empty((5, n * width), y0.dtype)  # rk_step's k1 ... k4 and tmp
        out = np.empty(n_outputs * width, y0.dtype)
        ub = np.zeros(n_inputs * width, y0.dtype)
        check = np.zeros(width, y0.dtype)
        first, count = b * width, min(width, n_pop - b * width)
        for lane in range(count):
            lane_load(params, first + lane, y0, work, b, lane, y)
            for k in range(n_inputs):
                ub[k * width + lane] = u[first + lane, k]
        for s in range(n_skip + n_record + 1):
            if s >= n_skip:
                output(y, work, b, out)
                for k in range(n_index):
                    row = index[k] * width
                    for lane in range(count):
                        z[s - n_skip, first + lane, k] = out[row + lane]
                    for lane in range(width):
                        check[lane] += out[row + lane] * cast(0.0, y)
            if s < n_skip + n_record:
                rk_step(method, t0 + s * dt, y, work, b, ub, ub, ub, dt, scratch[0], scratch[1], scratch[2],
                        scratch[3], scratch[4])
        for i in range(n):
            for lane in range(width):
                check[lane] += y[i * width + lane] * cast(0.0, y)
        for lane in range(count):
            bad[first + lane] = not check[lane] == 0.0
        # The block's records are still in cache: measure them here, in parallel.
        for k in range(n_index):
            periods, spans = crossing_spacing(t_rec, z[:, first:first + count, k], n_tail)
            for lane in range(count):
                period[first + lane, k], span[first + lane, k] = periods[lane], spans[lane]
