"""Adaptive, stiff and event-driven integration through :func:`scipy.integrate.solve_ivp`.

Each individual is its own initial-value problem (its own step sizes, error control and
events); the right-hand side and, for the implicit methods, the Jacobian are the model's
compiled kernels.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from .._kernels import _jac_one, _rhs_one
from .._numba import for_params
from .trajectory import Trajectory

_IMPLICIT = ("BDF", "Radau", "LSODA")


class _Stop(Exception):
    """Raised inside the right-hand side to end one individual's solve."""


def simulate_scipy(model, y0, t0, dt, n_steps, method, schedule, record_every, *, rtol, atol, max_nfev,
                   events=None, dense_output=False) -> Trajectory:
    """Integrate each individual with ``solve_ivp``; records on the grid of `simulate`.

    An individual whose state or derivative becomes NaN or infinite, or whose step size
    collapses (a finite-time blow-up), is stopped there and flagged in ``diverged`` (its
    records from then on are NaN); one that needs more than `max_nfev` evaluations of the
    right-hand side is stopped with ``success`` False. Either way the other individuals
    go on.
    """
    n_rec = n_steps // record_every + 1
    t_rec = t0 + dt * record_every * np.arange(n_rec)
    t_end = t0 + dt * n_steps
    t_eval = t_rec if t_rec[-1] == t_end else np.append(t_rec, t_end)
    params, n_state = model.params, model.n_state
    rhs_one, jac_one = for_params(_rhs_one, params), for_params(_jac_one, params)
    y_rec = np.full((n_rec, model.n_pop, n_state), np.nan)
    y_final = np.full((model.n_pop, n_state), np.nan)
    success = np.zeros(model.n_pop, dtype=bool)
    diverged = np.zeros(model.n_pop, dtype=bool)
    nfev = np.zeros(model.n_pop, dtype=np.int64)
    messages, t_events, y_events, sols = [], [], [], []
    for p in range(model.n_pop):
        count = [0]

        def fun(t, y, p=p, count=count):
            count[0] += 1
            if count[0] > max_nfev:
                raise _Stop(f"stopped after max_nfev = {max_nfev} evaluations of the right-hand side at t = {t:g}")
            out = np.empty(n_state)
            u = schedule.at(t, t0, dt)[p]
            rhs_one(t, np.ascontiguousarray(y), params, p, u, out)
            if not (np.isfinite(out).all() and np.isfinite(y).all()):
                raise _Stop(f"diverged: the state or its derivative is not finite at t = {t:g}")
            return out

        def jac(t, y, p=p):
            out = np.empty((n_state, n_state))
            u = schedule.at(t, t0, dt)[p]
            jac_one(t, np.ascontiguousarray(y), params, p, u, out)
            if not np.isfinite(out).all():
                raise _Stop(f"diverged: the Jacobian is not finite at t = {t:g}")
            return out

        options = {"jac": jac} if method in _IMPLICIT else {}
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                sol = solve_ivp(fun, (t0, t_end), y0[p], method=method, t_eval=t_eval, rtol=rtol, atol=atol,
                                events=events, dense_output=dense_output, **options)
        except _Stop as stop:
            diverged[p] = str(stop).startswith("diverged")
            nfev[p] = count[0]
            messages.append(str(stop))
            t_events.append(None)
            y_events.append(None)
            sols.append(None)
            continue
        n_got = min(sol.t.size, n_rec)
        y_rec[:n_got, p] = sol.y[:, :n_got].T
        if sol.t.size and sol.t[-1] == t_end:
            y_final[p] = sol.y[:, -1]
        success[p] = sol.success
        # A solver whose step size collapsed met a blow-up (a finite-time singularity).
        diverged[p] = not sol.success and "step size" in sol.message
        nfev[p] = sol.nfev
        messages.append(sol.message)
        t_events.append(sol.t_events)
        y_events.append(sol.y_events)
        sols.append(sol.sol)
    return Trajectory(
        t=t_rec, y=y_rec, outputs=model.outputs(y_rec), y_final=y_final, diverged=diverged, method=method,
        success=success, message=messages, t_events=t_events if events is not None else None,
        y_events=y_events if events is not None else None, sol=sols if dense_output else None, nfev=nfev,
    )
