"""Oscillations: periods from recorded trajectories, and limit cycles with their Floquet multipliers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._series import crossing_spacing
from ._one import OneSystem, step_for


def estimate_period(t, x, *, discard: float = 0.5) -> np.ndarray:
    """Period of an oscillating signal from its upward crossings of its own mean.

    The first `discard` fraction of the record is dropped as transient. Crossing times
    are located by linear interpolation between samples, and the period is the mean
    spacing of successive crossings.

    Parameters
    ----------
    t : array_like, shape (n_rec,)
    x : array_like, shape (n_rec,) or (n_rec, n_series)
    discard : float in [0, 1)

    Returns
    -------
    float or ndarray, shape (n_series,)
        NaN where fewer than two crossings remain (no oscillation detected).

    Examples
    --------
    >>> t = np.linspace(0, 20, 2001)
    >>> round(float(estimate_period(t, np.sin(2 * np.pi * t / 2.5))), 6)
    2.5
    """
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    single = x.ndim == 1
    x2 = x[:, None] if single else x
    if t.ndim != 1 or x2.ndim != 2 or x2.shape[0] != t.size:
        raise ValueError(f"x must have shape (n_rec,) or (n_rec, n_series) with n_rec = t.size = {t.size}, got {x.shape}")
    if not 0 <= discard < 1:
        raise ValueError(f"discard must be in [0, 1), got {discard}")
    start = int(discard * t.size)
    periods = _mean_crossing_spacing(t[start:], x2[start:])
    return periods[0] if single else periods


def _mean_crossing_spacing(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mean spacing of upward mean-crossings of each column of `x` (shape ``(n_rec,
    n_series)``): NaN where a column has fewer than two crossings or is not finite."""
    return crossings_and_range(t, x, 0)[0]


def crossings_and_range(t: np.ndarray, x: np.ndarray, n_tail: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_mean_crossing_spacing` of each column of `x`, and its peak-to-peak range
    over the last `n_tail` rows (NaN for ``n_tail = 0`` or a non-finite column), in one
    compiled pass."""
    return crossing_spacing(np.ascontiguousarray(t, dtype=np.float64),
                             np.ascontiguousarray(x, dtype=np.float64), n_tail)


@dataclass(frozen=True)
class LimitCycles:
    """Periodic attractors of a population (see :func:`limit_cycles`).

    Attributes
    ----------
    periodic : ndarray of bool, shape (n_pop,)
    period : ndarray, shape (n_pop,)
        Time units (flows) or iterations (maps); NaN where not periodic.
    amplitude : ndarray, shape (n_pop, n_state)
        Peak-to-peak range of each state variable over the measured window.
    point : ndarray, shape (n_pop, n_state)
        A point of the cycle (on the Poincare section, for flows).
    multipliers : ndarray of complex, shape (n_pop, n_state)
        Floquet multipliers, largest modulus first (for flows one of them is the trivial
        multiplier 1); NaN where not refined.
    stable : ndarray of bool, shape (n_pop,)
        All non-trivial multipliers inside the unit circle.
    refined : ndarray of bool, shape (n_pop,)
        The orbit was refined (shooting / Newton) to the solver's tolerance.
    """

    periodic: np.ndarray
    period: np.ndarray
    amplitude: np.ndarray
    point: np.ndarray
    multipliers: np.ndarray
    stable: np.ndarray
    refined: np.ndarray


def limit_cycles(model, y0=None, *, dt: float | None = None, t_transient: float = 200.0, t_measure: float = 200.0,
                 variable: int = 0, level: float | None = None, inputs=None, refine: bool = True, tol: float = 1e-3,
                 max_period: int = 64) -> LimitCycles:
    r"""Detect periodic attractors, measure them, and refine them with their Floquet multipliers.

    **Flows.** Every individual runs for `t_transient`, then for `t_measure` (RK4, step
    `dt`). Upward crossings of the Poincare section ``y[variable] = level`` (default: the
    variable's mean over the window) are located by linear interpolation; the cycle is
    periodic when the state at a crossing returns within ``tol`` (relative to the
    attractor's size) to the state `m` crossings earlier, and its period is the time over
    those `m` crossings. With `refine`, shooting solves :math:`\varphi_T(y) = y` for the
    point on the section and the period (SciPy ``root``; the flow :math:`\varphi_T` by
    ``solve_ivp`` DOP853 at rtol 1e-11), and the monodromy matrix from the variational
    equation gives the Floquet multipliers.

    **Maps.** After `t_transient` iterations the orbit is periodic with period `m` (up to
    `max_period`) when the last iterates repeat with that lag; refinement solves
    :math:`f^m(y) = y`, and the multipliers are the eigenvalues of the product of the
    Jacobians around the cycle.

    Returns
    -------
    LimitCycles

    Examples
    --------
    >>> from evornn import systems
    >>> lc = limit_cycles(systems.van_der_pol(1.0), [2.0, 0.0], dt=0.01, t_transient=50, t_measure=50)
    >>> round(float(lc.period[0]), 4), bool(lc.stable[0])
    (6.6633, True)
    """
    from ..integrate import simulate
    from ._one import constant_inputs

    u = constant_inputs(model, inputs)
    variable = int(variable)
    if not 0 <= variable < model.n_state:
        raise ValueError(f"variable must be a state index in [0, {model.n_state}), got {variable}")
    discrete = model.time == "discrete"
    kwargs = {"inputs": u if model.n_inputs else None}
    if discrete:
        n_transient, n_measure = max(1, int(t_transient)), max(2 * max_period, int(t_measure))
        warm = simulate(model, y0, n_steps=n_transient, record_every=n_transient, **kwargs)
        traj = simulate(model, warm.y_final, n_steps=n_measure, **kwargs)
    else:
        dt = step_for(model, dt)
        n_transient, n_measure = max(1, round(t_transient / dt)), max(3, round(t_measure / dt))
        warm = simulate(model, y0, dt=dt, n_steps=n_transient, record_every=n_transient, **kwargs)
        traj = simulate(model, warm.y_final, dt=dt, n_steps=n_measure, **kwargs)
    n_pop, n = model.n_pop, model.n_state
    result = {
        "periodic": np.zeros(n_pop, dtype=bool), "period": np.full(n_pop, np.nan),
        "amplitude": np.ptp(traj.y, axis=0), "point": np.full((n_pop, n), np.nan),
        "multipliers": np.full((n_pop, n), np.nan, dtype=complex), "stable": np.zeros(n_pop, dtype=bool),
        "refined": np.zeros(n_pop, dtype=bool),
    }
    for p in range(n_pop):
        ys = traj.y[:, p]
        if not np.isfinite(ys).all():
            continue
        scale = max(float(np.ptp(ys, axis=0).max()), 1e-12)
        if discrete:
            found = _map_period(ys, scale * tol, max_period)
            if found is None:
                continue
            period, point = found, ys[-1]
        else:
            lvl = float(ys[:, variable].mean()) if level is None else float(level)
            found = _section_period(traj.t, ys, variable, lvl, scale * tol)
            if found is None:
                continue
            period, point = found
        result["periodic"][p], result["period"][p], result["point"][p] = True, period, point
        if refine:
            one = OneSystem(model, p, u[p])
            refined = _refine_map(one, point, int(period)) if discrete else _refine_flow(one, point, period, variable)
            if refined is not None:
                point, period, multipliers = refined
                result["point"][p], result["period"][p] = point, period
                result["multipliers"][p] = multipliers
                nontrivial = multipliers if discrete else np.delete(multipliers, np.argmin(np.abs(multipliers - 1.0)))
                result["stable"][p] = bool(np.all(np.abs(nontrivial) < 1.0))
                result["refined"][p] = True
    return LimitCycles(**result)


def _section_period(t, ys, variable, level, tol):
    """Period from the returns of the crossing state, or None."""
    v = ys[:, variable] - level
    up = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    if up.size < 3:
        return None
    frac = -v[up] / (v[up + 1] - v[up])
    times = t[up] + frac * (t[up + 1] - t[up])
    states = ys[up] + frac[:, None] * (ys[up + 1] - ys[up])
    for m in range(1, up.size // 2 + 1):
        gaps = np.linalg.norm(states[m:] - states[:-m], axis=1)
        if np.all(gaps[-min(3, gaps.size):] < tol):
            return float(np.mean(times[m:] - times[:-m])), states[-1]
    return None


def _map_period(ys, tol, max_period):
    for m in range(1, max_period + 1):
        if np.all(np.linalg.norm(ys[-m - 1:] - ys[-2 * m - 1:-m], axis=1) < tol):
            return m
    return None


def _refine_map(one, point, m):
    """Newton on f^m(y) = y; multipliers = eigenvalues of the Jacobian product."""
    from scipy import optimize

    def composed(y):
        jacobian = np.eye(one.n)
        z = y
        for _ in range(m):
            jacobian = one.jac(z) @ jacobian
            z = one.f(z)
        return z - y, jacobian - np.eye(one.n)

    with np.errstate(all="ignore"):
        sol = optimize.root(composed, point, jac=True, method="hybr", tol=1e-13)
    residual = composed(sol.x)[0]
    if not np.all(np.isfinite(sol.x)) or np.linalg.norm(residual) > 1e-8 * max(1.0, np.abs(sol.x).max()):
        return None
    monodromy = composed(sol.x)[1] + np.eye(one.n)
    multipliers = np.linalg.eigvals(monodromy)
    return sol.x, float(m), multipliers[np.argsort(-np.abs(multipliers), kind="stable")]


def _refine_flow(one, point, period, variable):
    """Shooting: solve phi_T(y) = y with y[variable] fixed on the section; then the monodromy."""
    from scipy import optimize
    from scipy.integrate import solve_ivp

    n = one.n
    free = [i for i in range(n) if i != variable]

    def flow(y, duration):
        sol = solve_ivp(lambda t, x: one.f(x, t), (0.0, duration), y, method="DOP853", rtol=1e-11, atol=1e-12)
        return sol.y[:, -1]

    def residual(z):
        y = point.copy()
        y[free] = z[:-1]
        return flow(y, z[-1]) - y

    with np.errstate(all="ignore"):
        sol = optimize.root(residual, np.append(point[free], period), method="hybr", tol=1e-10)
    if not sol.success or sol.x[-1] <= 0:
        return None
    y = point.copy()
    y[free] = sol.x[:-1]
    period = float(sol.x[-1])

    def variational(t, x):
        state, phi = x[:n], x[n:].reshape(n, n)
        return np.concatenate([one.f(state, t), (one.jac(state, t) @ phi).ravel()])

    sol = solve_ivp(variational, (0.0, period), np.concatenate([y, np.eye(n).ravel()]), method="DOP853",
                    rtol=1e-11, atol=1e-12)
    multipliers = np.linalg.eigvals(sol.y[n:, -1].reshape(n, n))
    return y, period, multipliers[np.argsort(-np.abs(multipliers), kind="stable")]
