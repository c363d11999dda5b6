"""Bifurcation diagrams over one parameter, period-doubling points, and two-parameter
regime maps, each computed as one batched population (one individual per parameter value)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .._checks import as_float_array, positive_float, positive_int
from ._one import OneSystem, constant_inputs, step_for
from .cycles import _refine_map


@dataclass(frozen=True)
class BifurcationDiagram:
    """The attractor over a parameter sweep.

    Attributes
    ----------
    values : ndarray, shape (n_values,)
        The parameter values.
    parameter, state : ndarray, shape (n_points,)
        Points of the diagram: for maps the iterates of `variable` after the transient;
        for flows the local maxima of `variable` (or its final value at an equilibrium).
    period : ndarray of int, shape (n_values,)
        Distinct points per value: 1 for a fixed point of a map (or an equilibrium of a
        flow, whose ``period`` is 0), p for a p-cycle of a map or a flow cycle with p
        distinct maxima, and -1 when more than `max_points` (chaos, or not settled).
    doublings : ndarray, shape (n_doublings,)
        Parameter values where the period doubles, refined to the point where a Floquet
        multiplier of the p-cycle crosses -1 (maps, when the diagram was built from a
        callable), else the midpoint of the bracketing grid values.
    doubling_periods : ndarray of int, shape (n_doublings,)
        The period before each doubling.
    equilibria : FixedPoints or None
        With ``equilibria=True``: every equilibrium (or fixed point of the map) at every
        value, with its stability (``equilibria.individual`` indexes `values`).
    stability_changes : ndarray
        Midpoints between consecutive values where the number of stable equilibria changes
        (saddle-node, pitchfork, Hopf ...); empty without `equilibria`.
    """

    values: np.ndarray
    parameter: np.ndarray
    state: np.ndarray
    period: np.ndarray
    doublings: np.ndarray
    doubling_periods: np.ndarray
    equilibria: object = None
    stability_changes: np.ndarray = field(default_factory=lambda: np.empty(0))


def bifurcation_diagram(model, values, *, variable: int = 0, dt: float | None = None, t_transient: float = 1000.0,
                        t_record: float = 200.0, y0=None, inputs=None, max_points: int = 64, tol: float | None = None,
                        refine: bool = True, equilibria: bool = False, **fixed_point_options) -> BifurcationDiagram:
    r"""The attractor of `variable` over a one-parameter sweep.

    Parameters
    ----------
    model : Model or callable
        A population whose individual ``k`` has the parameter value ``values[k]``, or a
        function ``build(values) -> Model`` that makes one (needed to refine
        period-doubling points, which evaluates other parameter values).
    values : array_like, shape (n_values,)
        Increasing parameter values.
    variable : int
        The state variable drawn.
    dt : float
        RK4 step for flows; maps iterate.
    t_transient, t_record : float
        Time (flows) or iterations (maps) discarded, then recorded.
    max_points : int
        More distinct points than this count as aperiodic (period -1).
    tol : float, optional
        Points closer than ``tol`` times the variable's range over the sweep are one
        (default 1e-6 for maps, 1e-3 for flows, whose maxima come from sampled steps).
    refine : bool
        Maps built from a callable: locate each period doubling where the p-cycle's
        multiplier equals -1 (Brent's method on the parameter; the cycle by Newton).
    equilibria : bool
        Also find every equilibrium at every value with its stability
        (:func:`evornn.analysis.fixed_points`, given `fixed_point_options`), and where the
        number of stable ones changes.

    Examples
    --------
    >>> from evornn import systems
    >>> bd = bifurcation_diagram(systems.logistic, np.linspace(2.8, 3.5, 71), y0=[0.3])
    >>> np.round(bd.doublings, 6).tolist(), bd.doubling_periods.tolist()   # r1 = 3, r2 = 1 + sqrt(6)
    ([3.0, 3.44949], [1, 2])
    """
    values = as_float_array("values", values)
    if values.ndim != 1 or values.size < 2 or np.any(np.diff(values) <= 0):
        raise ValueError(f"values must be an increasing 1-D array of at least 2 values, got shape {values.shape}")
    build = model if callable(model) and not hasattr(model, "params") else None
    population = build(values) if build is not None else model
    if population.n_pop != values.size:
        raise ValueError(f"the model must hold one individual per value: n_pop = {population.n_pop}, {values.size} values")
    variable = int(variable)
    if not 0 <= variable < population.n_state:
        raise ValueError(f"variable must be a state index in [0, {population.n_state}), got {variable}")
    max_points = positive_int("max_points", max_points)
    discrete = population.time == "discrete"
    z = _record(population, y0, inputs, dt, t_transient, t_record, discrete)[:, :, variable]
    tol = (1e-6 if discrete else 1e-3) if tol is None else positive_float("tol", tol)
    params, states, period = [], [], np.full(values.size, -1, dtype=np.intp)
    scale = max(float(np.nanmax(z) - np.nanmin(z)), 1e-12) if np.isfinite(z).any() else 1.0
    for k in range(values.size):
        column = z[:, k]
        if not np.isfinite(column).all():
            continue
        if not discrete and np.ptp(column) <= tol * scale:  # a flow at rest: an equilibrium
            period[k], shown = 0, column[-1:]
        else:
            points = column if discrete else _maxima(column)
            distinct = _distinct(points, tol * scale)
            settled = 0 < distinct.size <= max_points
            period[k] = distinct.size if settled else -1
            shown = distinct if settled else points[-4 * max_points:]
        params.append(np.full(shown.size, values[k]))
        states.append(shown)
    doublings, periods = [], []
    last = None  # the last value whose period was settled; unsettled values may lie between
    for k in range(values.size):
        if period[k] < 1:
            continue
        if last is not None and period[k] == 2 * period[last]:
            point = np.nan
            if refine and discrete and build is not None:
                point = _refine_doubling(build, values, int(period[last]), last, k, y0, inputs)
            doublings.append(point if np.isfinite(point) else 0.5 * (values[last] + values[k]))
            periods.append(period[last])
        last = k
    found, changes = None, np.empty(0)
    if equilibria:
        from .fixed_points import fixed_points

        found = fixed_points(population, inputs=inputs, **fixed_point_options)
        n_stable = found.stable_counts()
        step = np.flatnonzero(np.diff(n_stable) != 0)
        changes = 0.5 * (values[step] + values[step + 1])
    return BifurcationDiagram(values, np.concatenate(params) if params else np.empty(0),
                              np.concatenate(states) if states else np.empty(0), period,
                              np.array(doublings), np.array(periods, dtype=np.intp), found, changes)


def _record(model, y0, inputs, dt, t_transient, t_record, discrete) -> np.ndarray:
    from ..integrate import simulate

    u = constant_inputs(model, inputs) if model.n_inputs else None
    if discrete:
        n_transient, n_record = max(1, int(t_transient)), max(2, int(t_record))
        warm = simulate(model, y0, n_steps=n_transient, record_every=n_transient, inputs=u)
        return simulate(model, warm.y_final, n_steps=n_record, inputs=u).y[1:]
    dt = step_for(model, dt)
    n_transient, n_record = max(1, round(t_transient / dt)), max(3, round(t_record / dt))
    warm = simulate(model, y0, dt=dt, n_steps=n_transient, record_every=n_transient, inputs=u)
    return simulate(model, warm.y_final, dt=dt, n_steps=n_record, inputs=u).y


def _maxima(x: np.ndarray) -> np.ndarray:
    """Local maxima of a sampled signal, refined by a parabola through three samples."""
    i = np.flatnonzero((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:])) + 1
    a, b, c = x[i - 1], x[i], x[i + 1]
    denom = a - 2 * b + c
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(denom != 0, 0.5 * (a - c) / denom, 0.0)
    return b - 0.25 * (a - c) * shift


def _distinct(points: np.ndarray, tol: float) -> np.ndarray:
    ordered = np.sort(points)
    if ordered.size == 0:
        return ordered
    keep = np.r_[True, np.diff(ordered) > tol]
    return ordered[keep]


def _refine_doubling(build: Callable, values, p: int, low_k: int, high_k: int, y0, inputs) -> float:
    """The parameter where the period-p cycle's multiplier crosses -1, between the settled
    values ``values[low_k]`` (period p) and ``values[high_k]`` (period 2p)."""
    state = {"seed": None}

    def multiplier_plus_one(value: float) -> float:
        model = build(np.array([value]))
        if state["seed"] is None:
            state["seed"] = _record(model, y0, inputs, None, 20000, 4 * p, True)[-1, 0]
        one = OneSystem(model, 0, constant_inputs(model, inputs)[0])
        refined = _refine_map(one, state["seed"], p)
        if refined is None:
            return np.nan
        state["seed"] = refined[0]  # continuation: the next evaluation starts from this cycle
        return float(np.min(refined[2].real)) + 1.0

    # Close to a doubling the transient decays slowly, so sampled periods can be off by a
    # few grid points: walk outwards until the multiplier brackets -1.
    low_k = max(0, low_k - 1)
    while low_k > 0 and not multiplier_plus_one(values[low_k]) > 0:
        low_k -= 1
    state["seed"] = None
    g_low = multiplier_plus_one(values[low_k])
    g_high, high = np.nan, values[high_k]
    for j in range(high_k, min(values.size, high_k + 32)):
        g_high, high = multiplier_plus_one(values[j]), values[j]
        if g_high < 0:
            break
    low = values[low_k]
    if not (np.isfinite(g_low) and np.isfinite(g_high) and g_low > 0 > g_high):
        return np.nan
    try:
        return float(optimize.brentq(multiplier_plus_one, low, high, xtol=1e-13, rtol=4 * np.finfo(float).eps))
    except (ValueError, RuntimeError):
        return np.nan


def feigenbaum_deltas(doublings) -> np.ndarray:
    r"""Ratios of successive period-doubling intervals,
    :math:`\delta_n = (r_n - r_{n-1}) / (r_{n+1} - r_n)`, which tend to Feigenbaum's
    4.6692... ; shape ``(n_doublings - 2,)``."""
    r = np.asarray(doublings, dtype=np.float64)
    return (r[1:-1] - r[:-2]) / (r[2:] - r[1:-1])


@dataclass(frozen=True)
class Regimes:
    """The dynamical regime of every individual (see :func:`regime_map`); arrays of shape (n_pop,)."""

    oscillating: np.ndarray
    period: np.ndarray
    amplitude: np.ndarray
    n_equilibria: np.ndarray
    n_stable: np.ndarray


def regime_map(model, *, dt: float | None = None, t_transient: float = 100.0, t_measure: float = 100.0,
               output: int = 0, inputs=None, equilibria: bool = True, amplitude_tol: float = 1e-3,
               **fixed_point_options) -> Regimes:
    """Classify every individual of a population: does it oscillate (period, amplitude of
    `output`), and how many equilibria (stable ones) does it have.

    Lay a parameter grid out as the population (one individual per grid point) and reshape
    the results to the grid: the whole map is one batched simulation plus one multi-start
    root search per individual (:func:`evornn.analysis.fixed_points`).

    Returns
    -------
    Regimes
        ``oscillating`` where the output's peak-to-peak range over the last third of the
        measured window exceeds `amplitude_tol` and its period is defined; ``period`` NaN
        elsewhere.
    """
    from ..integrate.simulate import simulate_quietly as run
    from .cycles import _mean_crossing_spacing
    from .fixed_points import fixed_points

    u = constant_inputs(model, inputs) if model.n_inputs else None
    discrete = model.time == "discrete"
    step = step_for(model, dt)
    n_transient, n_measure = max(1, round(t_transient / step)), max(3, round(t_measure / step))
    warm = run(model, None if discrete else step, n_steps=n_transient, record_every=n_transient, inputs=u)
    traj = run(model, None if discrete else step, y0=warm.y_final, n_steps=n_measure, inputs=u)
    z = traj.outputs[:, :, int(output)]
    tail = z[-(z.shape[0] // 3):]
    with np.errstate(invalid="ignore"):
        amplitude = tail.max(axis=0) - tail.min(axis=0)
        period = _mean_crossing_spacing(traj.t, z)
    oscillating = (amplitude > amplitude_tol) & np.isfinite(period) & ~traj.diverged
    n_eq = np.full(model.n_pop, -1)
    n_stable = np.full(model.n_pop, -1)
    if equilibria:
        fp = fixed_points(model, inputs=inputs, **fixed_point_options)
        n_eq, n_stable = fp.counts(), fp.stable_counts()
    return Regimes(oscillating, np.where(oscillating, period, np.nan), amplitude, n_eq, n_stable)
