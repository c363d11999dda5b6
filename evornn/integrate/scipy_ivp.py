"""Adaptive, stiff and event-driven integration through :func:`scipy.integrate.solve_ivp`.

Each individual is its own initial-value problem (its own step sizes, error control and
events); the right-hand side and, for the implicit methods, the Jacobian are the model's
compiled kernels.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from .._numba import for_params
from ..models.base import _jac_one, _rhs_one
from .trajectory import Trajectory

_IMPLICIT = ("BDF", "Radau", "LSODA")


def simulate_scipy(model, y0, t0, dt, n_steps, method, schedule, record_every, *, rtol, atol,
                   events=None, dense_output=False) -> Trajectory:
    """Integrate each individual with ``solve_ivp``; records on the grid of `simulate`."""
    n_rec = n_steps // record_every + 1
    t_rec = t0 + dt * record_every * np.arange(n_rec)
    t_end = t0 + dt * n_steps
    t_eval = t_rec if t_rec[-1] == t_end else np.append(t_rec, t_end)
    params, n_state = model.params, model.n_state
    rhs_one, jac_one = for_params(_rhs_one, params), for_params(_jac_one, params)
    y_rec = np.full((n_rec, model.n_pop, n_state), np.nan)
    y_final = np.full((model.n_pop, n_state), np.nan)
    success = np.zeros(model.n_pop, dtype=bool)
    nfev = np.zeros(model.n_pop, dtype=np.int64)
    messages, t_events, y_events, sols = [], [], [], []
    for p in range(model.n_pop):

        def fun(t, y, p=p):
            out = np.empty(n_state)
            u = schedule.at(t, t0, dt)[p]
            rhs_one(t, np.ascontiguousarray(y), params, p, u, out)
            return out

        def jac(t, y, p=p):
            out = np.empty((n_state, n_state))
            u = schedule.at(t, t0, dt)[p]
            jac_one(t, np.ascontiguousarray(y), params, p, u, out)
            return out

        options = {"jac": jac} if method in _IMPLICIT else {}
        with np.errstate(over="ignore", invalid="ignore"):
            sol = solve_ivp(fun, (t0, t_end), y0[p], method=method, t_eval=t_eval, rtol=rtol, atol=atol,
                            events=events, dense_output=dense_output, **options)
        n_got = min(sol.t.size, n_rec)
        y_rec[:n_got, p] = sol.y[:, :n_got].T
        if sol.t.size and sol.t[-1] == t_end:
            y_final[p] = sol.y[:, -1]
        success[p] = sol.success
        nfev[p] = sol.nfev
        messages.append(sol.message)
        t_events.append(sol.t_events)
        y_events.append(sol.y_events)
        sols.append(sol.sol)
    # A failed or terminated solve leaves NaN where it did not reach; only a state that
    # the solver itself produced as non-finite counts as divergence.
    reached = ~np.isnan(y_rec).all(axis=2)
    diverged = np.array([not np.isfinite(y_rec[reached[:, p], p]).all() for p in range(model.n_pop)])
    diverged |= ~success & ~np.isfinite(y_final).all(axis=1) & np.array(["step size" in m for m in messages])
    return Trajectory(
        t=t_rec, y=y_rec, outputs=model.outputs(y_rec), y_final=y_final, diverged=diverged, method=method,
        success=success, message=messages, t_events=t_events if events is not None else None,
        y_events=y_events if events is not None else None, sol=sols if dense_output else None, nfev=nfev,
    )
