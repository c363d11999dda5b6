"""Basins of attraction: which attractor each initial state ends on, for one system."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_float_array, positive_float, positive_int
from ._one import constant_inputs, step_for


@dataclass(frozen=True)
class Basins:
    """Attractors reached from a set of initial states, and their basins.

    Attributes
    ----------
    labels : ndarray of int, shape (n_states,) or the grid's shape
        Index into `kinds` / `states` of the attractor each initial state reached; -1 for
        "other" (diverged, or no settled attractor within the run).
    kinds : ndarray of str, shape (n_attractors,)
        "fixed point" or "cycle" (any attractor that keeps moving).
    states : ndarray, shape (n_attractors, n_state)
        A representative state: the fixed point, or the cycle's centre of its range.
    fractions : ndarray, shape (n_attractors,)
        Fraction of initial states in each basin.
    extent : tuple or None
        For grids: (x_low, x_high, y_low, y_high), for plotting.
    axes : (int, int)
        For grids: the state variables on the x and y axes.
    """

    labels: np.ndarray
    kinds: np.ndarray
    states: np.ndarray
    fractions: np.ndarray
    extent: tuple | None = None
    axes: tuple = (0, 1)

    @property
    def fraction_other(self) -> float:
        return float(np.mean(self.labels == -1))


def basins(model, initial_states, *, dt: float | None = None, t_transient: float = 100.0, t_measure: float = 50.0,
           inputs=None, tol: float = 1e-4, method: str | None = None) -> Basins:
    """Run one system (``model.n_pop == 1``) from every initial state and label the attractors.

    All initial states run as one batched population (compiled, parallel). After
    `t_transient` (time units for flows, iterations for maps) the state is recorded over
    `t_measure`, which must cover at least one period of any cycle. A trajectory whose range
    over that window is below `tol` sits on a fixed point; otherwise on a cycle identified by
    its range (min and max of every variable),
    which does not depend on the phase. Attractors closer than `tol` (fixed points) or
    `10 tol` (cycles) are one; trajectories that diverge are "other".

    Parameters
    ----------
    initial_states : array_like, shape (n_states, n_state)

    Returns
    -------
    Basins

    Examples
    --------
    >>> import evornn
    >>> net = evornn.CTRNN([[6.0]], bias=-3.0)        # bistable
    >>> b = basins(net, [[-2.0], [2.5], [3.5], [8.0]], dt=0.05)   # the saddle is at y = 3
    >>> b.labels.tolist(), b.kinds.tolist()
    ([0, 0, 1, 1], ['fixed point', 'fixed point'])
    """
    from ..integrate import simulate
    from ..integrate.simulate import simulate_quietly as run

    if model.n_pop != 1:
        raise ValueError(f"basins analyses one system: model.n_pop must be 1, got {model.n_pop} (use model.take(p))")
    y0 = as_float_array("initial_states", initial_states)
    if y0.ndim != 2 or y0.shape[1] != model.n_state:
        raise ValueError(f"initial_states must have shape (n_states, {model.n_state}), got {y0.shape}")
    tol = positive_float("tol", tol)
    n = y0.shape[0]
    batch = model.take(np.zeros(n, dtype=np.intp))
    u = constant_inputs(batch, inputs) if model.n_inputs else None
    kwargs = {"inputs": u, "method": method}
    if model.time == "discrete":
        n_transient, n_measure = max(1, int(t_transient)), max(2, int(t_measure))
        warm = simulate(batch, y0, n_steps=n_transient, record_every=n_transient, **kwargs)
        step = None
    else:
        step = step_for(model, dt)
        n_transient = max(1, round(positive_float("t_transient", t_transient) / step))
        n_measure = max(2, round(positive_float("t_measure", t_measure) / step))
        warm = run(batch, step, y0=y0, n_steps=n_transient, record_every=n_transient, **kwargs)
    # The range over the window is gathered chunk by chunk, every step recorded, so that a
    # cycle's extremes are not missed and memory stays bounded.
    chunk = max(1, min(n_measure, 4_000_000 // (n * model.n_state)))
    y, diverged = warm.y_final, warm.diverged.copy()
    low = np.full((n, model.n_state), np.inf)
    high = np.full((n, model.n_state), -np.inf)
    done = 0
    with np.errstate(invalid="ignore"):
        while done < n_measure:
            count = min(chunk, n_measure - done)
            traj = run(batch, step, y0=y, n_steps=count, **kwargs)
            low, high = np.minimum(low, traj.y.min(axis=0)), np.maximum(high, traj.y.max(axis=0))
            y, diverged, done = traj.y_final, diverged | traj.diverged, done + count
    finite = np.isfinite(low).all(axis=1) & np.isfinite(high).all(axis=1) & ~diverged
    still = finite & ((high - low).max(axis=1) <= tol)
    labels = np.full(n, -1, dtype=np.intp)
    kinds, states = [], []
    for mask, kind, key, radius in ((still, "fixed point", y, tol),
                                    (finite & ~still, "cycle", np.concatenate([low, high], axis=1), 10 * tol)):
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        centres, member = _cluster(key[idx], radius)
        for c, centre in enumerate(centres):
            labels[idx[member == c]] = len(kinds)
            kinds.append(kind)
            states.append(centre if kind == "fixed point" else 0.5 * (centre[:model.n_state] + centre[model.n_state:]))
    fractions = np.bincount(labels[labels >= 0], minlength=len(kinds)) / n
    return Basins(labels, np.array(kinds, dtype=object), np.array(states).reshape(-1, model.n_state), fractions)


def _cluster(points: np.ndarray, radius: float) -> tuple[list[np.ndarray], np.ndarray]:
    """Greedy clustering: cells of size `radius`, then cells within 2 radius merged."""
    cells, inverse = np.unique(np.round(points / radius).astype(np.int64), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    counts = np.bincount(inverse, minlength=len(cells))
    order = np.argsort(-counts, kind="stable")  # big clusters first, so their cells lead
    cell_cluster = np.full(len(cells), -1)
    leaders: list[int] = []
    for c in order:
        for k, lead in enumerate(leaders):
            if np.abs(cells[c] - cells[lead]).max() <= 2:
                cell_cluster[c] = k
                break
        else:
            cell_cluster[c] = len(leaders)
            leaders.append(int(c))
    member = cell_cluster[inverse]
    centres = [points[member == k].mean(axis=0) for k in range(len(leaders))]
    # Order clusters by position so that labels do not depend on the grid's sampling.
    rank = np.lexsort(np.array(centres).T[::-1]) if centres else np.array([], dtype=int)
    relabel = np.empty(len(leaders), dtype=np.intp)
    relabel[rank] = np.arange(len(leaders))
    return [centres[k] for k in rank], relabel[member]


def basin_grid(model, x: tuple, y: tuple, *, base_state=None, **kwargs) -> Basins:
    """Basins over a grid of two state variables, the others held at `base_state`.

    Parameters
    ----------
    x, y : (index, low, high, n)
        The state variable on each axis, its range and number of grid points.
    base_state : array_like, shape (n_state,), optional
        Values of the other variables (default zeros).
    **kwargs
        Passed to :func:`basins`.

    Returns
    -------
    Basins
        ``labels`` has shape (n_y, n_x), row 0 at ``y = low``; ``extent`` is set for
        ``matplotlib.pyplot.imshow(origin="lower")`` (see :func:`evornn.plotting.plot_basins`).
    """
    (ix, x_low, x_high, nx), (iy, y_low, y_high, ny) = x, y
    nx, ny = positive_int("x n", nx), positive_int("y n", ny)
    for name, index in (("x", ix), ("y", iy)):
        if not 0 <= int(index) < model.n_state:
            raise ValueError(f"{name} index must be a state variable in [0, {model.n_state}), got {index}")
    base = np.zeros(model.n_state) if base_state is None else as_float_array("base_state", base_state)
    gx, gy = np.meshgrid(np.linspace(x_low, x_high, nx), np.linspace(y_low, y_high, ny))
    states = np.tile(base, (nx * ny, 1))
    states[:, int(ix)] = gx.ravel()
    states[:, int(iy)] = gy.ravel()
    result = basins(model, states, **kwargs)
    return Basins(result.labels.reshape(ny, nx), result.kinds, result.states, result.fractions,
                  extent=(float(x_low), float(x_high), float(y_low), float(y_high)), axes=(int(ix), int(iy)))
