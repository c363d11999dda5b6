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

from .._kernels import rhs
from .._numba import ERROR_MODEL, FASTMATH, cast, for_params

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
