"""Equilibria (fixed points) of every individual: multi-start root finding, deduplication,
Jacobians and classification by eigenvalues."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from .._checks import as_float_array, one_of, positive_int
from ..random import as_rng
from ._one import OneSystem, constant_inputs

KINDS = ("stable node", "stable focus", "saddle", "unstable node", "unstable focus", "non-hyperbolic")


@dataclass(frozen=True)
class FixedPoints:
    """Equilibria found for a population.

    Attributes
    ----------
    individual : ndarray of int, shape (n_found,)
        Which individual each equilibrium belongs to.
    state : ndarray, shape (n_found, n_state)
    eigenvalues : ndarray of complex, shape (n_found, n_state)
        Of the Jacobian (flows) or of the map's Jacobian (maps), sorted by decreasing real
        part (flows) or modulus (maps).
    kind : ndarray of str, shape (n_found,)
        One of ``KINDS``: "stable node", "stable focus", "saddle", "unstable node",
        "unstable focus", "non-hyperbolic".
    n_unstable : ndarray of int, shape (n_found,)
        Unstable directions (the saddle index): eigenvalues with positive real part
        (flows) or modulus above 1 (maps).
    residual : ndarray, shape (n_found,)
        ``|f(y)|`` (flows) or ``|f(y) - y|`` (maps) at the equilibrium.
    n_pop : int
    """

    individual: np.ndarray
    state: np.ndarray
    eigenvalues: np.ndarray
    kind: np.ndarray
    n_unstable: np.ndarray
    residual: np.ndarray
    n_pop: int

    @property
    def stable(self) -> np.ndarray:
        return np.char.startswith(self.kind.astype(str), "stable")

    def counts(self) -> np.ndarray:
        """Equilibria per individual, shape (n_pop,)."""
        return np.bincount(self.individual, minlength=self.n_pop)

    def stable_counts(self) -> np.ndarray:
        """Stable equilibria per individual, shape (n_pop,)."""
        return np.bincount(self.individual[self.stable], minlength=self.n_pop)

    def of(self, p: int) -> FixedPoints:
        """The equilibria of individual `p`."""
        keep = self.individual == p
        return FixedPoints(self.individual[keep], self.state[keep], self.eigenvalues[keep], self.kind[keep],
                           self.n_unstable[keep], self.residual[keep], self.n_pop)

    def __len__(self) -> int:
        return self.individual.size


def classify(eigenvalues: np.ndarray, discrete: bool, tol: float = 1e-8) -> tuple[str, int]:
    """Kind of an equilibrium and its number of unstable directions, from its eigenvalues.

    Flows compare real parts with 0, maps compare moduli with 1; an eigenvalue within `tol`
    of the boundary makes the equilibrium non-hyperbolic.

    >>> classify(np.array([-1 + 2j, -1 - 2j]), discrete=False)
    ('stable focus', 0)
    >>> classify(np.array([1.5, 0.2]), discrete=True)
    ('saddle', 1)
    """
    growth = np.abs(eigenvalues) - 1.0 if discrete else eigenvalues.real
    n_unstable = int(np.sum(growth > tol))
    if np.any(np.abs(growth) <= tol):
        return "non-hyperbolic", n_unstable
    if 0 < n_unstable < eigenvalues.size:
        return "saddle", n_unstable
    oscillatory = np.any(np.abs(eigenvalues.imag) > tol)
    side = "stable" if n_unstable == 0 else "unstable"
    return f"{side} {'focus' if oscillatory else 'node'}", n_unstable


def _seed_states(method, n_seeds, low, high, rng) -> np.ndarray:
    d = low.size
    if method == "grid":
        per_dim = max(2, round(n_seeds ** (1.0 / d)))
        axes = [np.linspace(lo, hi, per_dim) for lo, hi in zip(low, high, strict=True)]
        return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    if method == "lhs":
        unit = qmc.LatinHypercube(d=d, rng=rng).random(n_seeds)
    else:
        unit = rng.random((n_seeds, d))
    return low + unit * (high - low)


def fixed_points(
    model,
    *,
    inputs=None,
    seeds="grid",
    n_seeds: int | None = None,
    bounds=None,
    trajectory_ends: int = 4,
    t_transient: float = 50.0,
    dt: float | None = None,
    tol: float = 1e-10,
    dedup_tol: float = 1e-6,
    rng=None,
) -> FixedPoints:
    """Find the equilibria of every individual of `model` by multi-start root finding.

    Seeds are spread over a box (a grid, uniform random, or a Latin hypercube from
    :mod:`scipy.stats.qmc`), plus the end points of a few trajectories (which land near
    stable equilibria). From every seed of every individual at once, a batched Newton
    iteration with backtracking (the model's compiled Jacobian) solves ``f(y) = 0`` (flows)
    or ``f(y) = y`` (maps); seeds where it does not converge go to
    :func:`scipy.optimize.root` (Powell's hybrid method). Roots whose
    residual is not below ``sqrt(tol)`` are dropped; the rest are deduplicated and
    classified from the eigenvalues of the Jacobian.

    Parameters
    ----------
    model : Model
    inputs : array_like, shape (n_inputs,) or (n_pop, n_inputs), optional
        Constant inputs (default zeros).
    seeds : "grid", "random", "lhs" or array_like, shape (n_seeds, n_state)
    n_seeds : int, optional
        Seeds per individual (default: 3 per dimension on a grid up to 4 dimensions, else 64).
    bounds : (low, high), optional
        The box in which equilibria are sought: scalars or arrays of shape (n_state,).
        Seeds are spread over it, and roots found outside it (from seeds near its edge, or
        from trajectory ends) are dropped. Default: the model's own bound on its equilibria
        where it has one (the CTRNN's, which holds every equilibrium), else required.
    trajectory_ends : int
        Random initial states per individual simulated for `t_transient` (flows, RK4) or
        that many iterations (maps), whose end points become seeds too.
    dt : float, optional
        RK4 step for those trajectories (default a tenth of the fastest time constant, or 0.01).
    tol : float
        Tolerance handed to the root finder.
    dedup_tol : float
        Roots closer than ``dedup_tol * (1 + |y|)`` are one equilibrium.
    rng : seed or Generator
        For random, Latin-hypercube and trajectory seeds.

    Returns
    -------
    FixedPoints

    Examples
    --------
    One neuron with self-weight 6 and its centre-crossing bias is bistable:

    >>> import evornn
    >>> fp = fixed_points(evornn.CTRNN([[6.0]], bias=-3.0))
    >>> fp.kind.tolist()
    ['stable node', 'unstable node', 'stable node']
    """
    n = model.n_state
    u = constant_inputs(model, inputs)
    rng = as_rng(rng)
    trajectory_ends = positive_int("trajectory_ends", trajectory_ends, minimum=0)
    low, high = _bounds(model, bounds, u)
    if isinstance(seeds, str):
        one_of("seeds", seeds, ("grid", "random", "lhs"))
        method = "lhs" if seeds == "grid" and n > 4 and n_seeds is None else seeds  # grids explode
        n_seeds = positive_int("n_seeds", n_seeds) if n_seeds is not None else (3**n if n <= 4 else 64)
        base = None
    else:
        base = as_float_array("seeds", seeds)
        if base.ndim != 2 or base.shape[1] != n:
            raise ValueError(f"seeds must have shape (n_seeds, {n}), got {base.shape}")
        method = None
    ends = _trajectory_ends(model, trajectory_ends, t_transient, dt, u, low, high, rng) if trajectory_ends else None

    starts = np.stack([base if base is not None else _seed_states(method, n_seeds, low[p], high[p], rng)
                       for p in range(model.n_pop)])
    if ends is not None:
        starts = np.concatenate([starts, ends], axis=1)
    roots, residuals = _batched_newton(model, starts, u, tol)
    found = {"individual": [], "state": [], "eigenvalues": [], "kind": [], "n_unstable": [], "residual": []}
    for p in range(model.n_pop):
        one = OneSystem(model, p, u[p])
        candidates = []
        for y0, y, residual in zip(starts[p], roots[p], residuals[p], strict=True):
            if not residual < np.sqrt(tol) * max(1.0, float(np.abs(y).max())):
                # Newton did not converge from this seed: Powell's hybrid method tries.
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                    y = optimize.root(one.residual, y0, jac=True, method="hybr", tol=tol).x
                residual = float(np.linalg.norm(one.residual(y)[0])) if np.all(np.isfinite(y)) else np.inf
            slack = 1e-9 * (1.0 + np.abs(y))
            inside = bool(np.all((y >= low[p] - slack) & (y <= high[p] + slack)))
            if inside and residual < np.sqrt(tol) * max(1.0, float(np.abs(y).max())):
                candidates.append((y, residual))
        for y, residual in _deduplicate(candidates, dedup_tol):
            eig = np.linalg.eigvals(one.jac(y))
            order = np.argsort(-(np.abs(eig) if one.discrete else eig.real), kind="stable")
            kind, n_unstable = classify(eig[order], one.discrete)
            for key, value in zip(found, (p, y, eig[order], kind, n_unstable, residual), strict=True):
                found[key].append(value)
    return FixedPoints(
        individual=np.array(found["individual"], dtype=np.intp),
        state=np.array(found["state"]).reshape(-1, n),
        eigenvalues=np.array(found["eigenvalues"], dtype=complex).reshape(-1, n),
        kind=np.array(found["kind"], dtype=object),
        n_unstable=np.array(found["n_unstable"], dtype=np.intp),
        residual=np.array(found["residual"]),
        n_pop=model.n_pop,
    )


def _batched_newton(model, starts, u, tol, max_iter: int = 40):
    """Newton's method with backtracking from every seed of every individual at once.

    `starts` has shape (n_pop, n_seeds, n_state); the model's compiled kernels evaluate all
    seeds in one parallel call per iteration. Returns the end points and their residual
    norms, shape (n_pop, n_seeds, n_state) and (n_pop, n_seeds).
    """
    from .._numba import for_params
    from ..models.base import _jac_batch, _rhs_batch

    n_pop, n_seeds, n = starts.shape
    batch = model.take(np.repeat(np.arange(n_pop), n_seeds))
    uu = np.ascontiguousarray(np.repeat(u, n_seeds, axis=0))
    rhs_batch, jac_batch = for_params(_rhs_batch, batch.params), for_params(_jac_batch, batch.params)
    discrete = model.time == "discrete"
    eye = np.eye(n)

    def residual(y):
        out = np.empty_like(y)
        rhs_batch(0.0, y, batch.params, uu, out)
        return out - y if discrete else out

    y = np.ascontiguousarray(starts.reshape(-1, n))
    with np.errstate(all="ignore"):
        f = residual(y)
        norm = np.linalg.norm(f, axis=1)
        for _ in range(max_iter):
            active = np.isfinite(norm) & (norm > tol * np.maximum(1.0, np.abs(y).max(axis=1)))
            if not active.any():
                break
            jac = np.empty((y.shape[0], n, n))
            jac_batch(0.0, y, batch.params, uu, jac)
            if discrete:
                jac -= eye
            ok = active & np.isfinite(jac).all(axis=(1, 2)) & (np.abs(np.linalg.det(jac)) > 1e-300)
            step = np.zeros_like(y)
            step[ok] = np.linalg.solve(jac[ok], -f[ok][:, :, None])[:, :, 0]
            scale = np.ones(y.shape[0])
            trial = y + step
            f_trial = residual(np.ascontiguousarray(trial))
            norm_trial = np.linalg.norm(f_trial, axis=1)
            for _ in range(12):  # backtracking: halve the step until the residual falls
                worse = ok & ~(norm_trial < norm)
                if not worse.any():
                    break
                scale[worse] *= 0.5
                trial = y + scale[:, None] * step
                f_trial = residual(np.ascontiguousarray(trial))
                norm_trial = np.linalg.norm(f_trial, axis=1)
            better = ok & (norm_trial < norm)
            if not better.any():
                break
            y[better], f[better], norm[better] = trial[better], f_trial[better], norm_trial[better]
    return y.reshape(n_pop, n_seeds, n), np.where(np.isfinite(norm), norm, np.inf).reshape(n_pop, n_seeds)


def _bounds(model, bounds, u) -> tuple[np.ndarray, np.ndarray]:
    """Seed box per individual, shape (n_pop, n_state) each."""
    n_pop, n = model.n_pop, model.n_state
    if bounds is None:
        hint = getattr(model, "equilibrium_bounds", None)
        if hint is None:
            raise ValueError(f"bounds=(low, high) is required: {type(model).__name__} does not bound its equilibria")
        low, high = hint(u)
    else:
        try:
            low, high = bounds
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bounds must be a pair (low, high), got {bounds!r}") from exc
    low = np.broadcast_to(as_float_array("bounds low", low), (n_pop, n)).copy()
    high = np.broadcast_to(as_float_array("bounds high", high), (n_pop, n)).copy()
    if np.any(low > high):
        raise ValueError("bounds must have low <= high in every dimension")
    return low, high


def _trajectory_ends(model, k, t_transient, dt, u, low, high, rng) -> np.ndarray:
    """End points of `k` trajectories per individual, shape (n_pop, k, n_state)."""
    from ..integrate import simulate
    from ..integrate.simulate import simulate_quietly as run

    n_pop, n = model.n_pop, model.n_state
    starts = low[:, None, :] + rng.random((n_pop, k, n)) * (high - low)[:, None, :]
    batch = model.take(np.repeat(np.arange(n_pop), k))
    inputs = np.repeat(u, k, axis=0) if model.n_inputs else None
    if model.time == "continuous":
        timescale = model.min_timescale()
        step = dt if dt is not None else (timescale / 10 if timescale else 0.01)
        n_steps = max(1, round(t_transient / step))
        traj = run(batch, step, y0=starts.reshape(-1, n), n_steps=n_steps, record_every=n_steps, inputs=inputs)
    else:
        n_steps = max(1, round(t_transient))
        traj = simulate(batch, starts.reshape(-1, n), n_steps=n_steps, record_every=n_steps, inputs=inputs)
    ends = traj.y_final.reshape(n_pop, k, n)
    return np.where(np.isfinite(ends), ends, starts)


def _deduplicate(roots, tol) -> list[tuple[np.ndarray, float]]:
    kept: list[tuple[np.ndarray, float]] = []
    for y, residual in sorted(roots, key=lambda item: tuple(item[0])):
        if not any(np.linalg.norm(y - z) <= tol * (1.0 + np.linalg.norm(z)) for z, _ in kept):
            kept.append((y, residual))
    return kept
