r"""Attractor memories: energy landscapes and spurious states of small Hopfield networks
(every one of the 2^N states enumerated, N <= 20), basins of stored patterns, and capacity
curves over the load p / N.

Theoretical capacities for N units (Amit, Gutfreund and Sompolinsky 1985; McEliece et al.
1987; Storkey 1997), returned by :func:`capacity_markers`:

- Hebbian, recall with a few per cent of errors: p ~ 0.138 N;
- Hebbian, every pattern recalled exactly: N / (4 ln N) (N / (2 ln N) for most patterns);
- Storkey: N / sqrt(2 ln N).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from numba.typed import List

from .._checks import as_float_array, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ..random import as_rng

MAX_ENUMERATED_UNITS = 20


@njit(cache=True, inline="always")
def _state_of(index, n, out):
    for i in range(n):
        out[i] = 1.0 if (index >> i) & 1 else -1.0


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _enumerate(w, theta, energy, fixed):
    """Energy and fixed-point flag of every bipolar state (bit i of the index is unit i)."""
    n = w.shape[0]
    for index in prange(energy.shape[0]):
        s = np.empty(n)
        _state_of(index, n, s)
        e = 0.0
        stable = True
        for i in range(n):
            h = 0.0
            for j in range(n):
                h += w[i, j] * s[j]
            e += s[i] * (theta[i] - 0.5 * h)
            a = h - theta[i]
            if a * s[i] < 0.0:
                stable = False
        energy[index] = e
        fixed[index] = stable


def all_states(n_units: int) -> np.ndarray:
    """Every bipolar state of `n_units` units, shape ``(2**n_units, n_units)``; row k has
    unit i at +1 where bit i of k is set."""
    n = positive_int("n_units", n_units)
    bits = (np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1
    return np.where(bits == 1, 1.0, -1.0)


@dataclass(frozen=True)
class Landscape:
    """The energy landscape of one network.

    Attributes
    ----------
    energy : ndarray, shape (2**N,)
        Energy of state k (bit i of k is unit i, +1 where set).
    fixed : ndarray of bool, shape (2**N,)
        Fixed points of the asynchronous dynamics.
    fixed_states : ndarray, shape (n_fixed, N)
    kinds : ndarray of str, shape (n_fixed,)
        ``"stored"``, ``"reversed"`` (a stored pattern's negation), ``"mixture"`` (the sign of
        a sum of three stored or reversed patterns) or ``"spurious"`` (anything else).
    census : dict of str to int
        How many fixed points of each kind.
    """

    energy: np.ndarray
    fixed: np.ndarray
    fixed_states: np.ndarray
    kinds: np.ndarray
    census: dict


def energy_landscape(net, patterns=None, *, individual: int = 0) -> Landscape:
    """Enumerate all 2^N states of a discrete Hopfield network (N <= 20): energies, fixed
    points, and with `patterns` the census of stored, reversed, mixture and spurious ones."""
    n = net.n_units
    if n > MAX_ENUMERATED_UNITS:
        raise ValueError(f"energy_landscape enumerates 2^N states: N must be at most {MAX_ENUMERATED_UNITS}, got {n}")
    w = np.ascontiguousarray(net.params.weights[individual])
    theta = np.ascontiguousarray(net.params.threshold[individual])
    energy = np.empty(2**n)
    fixed = np.empty(2**n, dtype=np.bool_)
    _enumerate(w, theta, energy, fixed)
    states = all_states(n)[fixed]
    kinds = np.full(states.shape[0], "spurious", dtype=object)
    if patterns is not None:
        xi = as_float_array("patterns", patterns).reshape(-1, n)
        signed = np.concatenate([xi, -xi])
        mixtures = []
        for a in range(len(signed)):
            for b in range(a + 1, len(signed)):
                for c in range(b + 1, len(signed)):
                    total = signed[a] + signed[b] + signed[c]
                    if np.all(total != 0):
                        mixtures.append(np.sign(total))
        mixtures = np.array(mixtures).reshape(-1, n)

        def member(rows):
            return np.array([np.any(np.all(rows == s, axis=1)) for s in states], dtype=bool) if len(rows) else \
                np.zeros(len(states), dtype=bool)

        kinds[member(mixtures)] = "mixture"
        kinds[member(-xi)] = "reversed"
        kinds[member(xi)] = "stored"
    census = {kind: int(np.sum(kinds == kind)) for kind in ("stored", "reversed", "mixture", "spurious")}
    return Landscape(energy=energy, fixed=fixed, fixed_states=states, kinds=kinds.astype(str), census=census)


@dataclass(frozen=True)
class PatternBasins:
    """Basins of stored patterns under deterministic asynchronous updates in a fixed order.

    Attributes
    ----------
    attractor : ndarray of int, shape (2**N,)
        For every start state: the index of the stored pattern it ends in, ``-(k + 1)`` for
        pattern k's negation, or ``n_patterns`` for anything else.
    size : ndarray, shape (n_patterns,)
        Fraction of all states that end in each stored pattern.
    """

    attractor: np.ndarray
    size: np.ndarray


def pattern_basins(net, patterns, *, individual: int = 0, max_sweeps: int = 100) -> PatternBasins:
    """Relax every one of the 2^N states (N <= 20) with asynchronous updates in the order
    0 .. N - 1 and record which stored pattern (or negation) each ends in."""
    from ..models.hopfield import _async_run

    n = net.n_units
    if n > MAX_ENUMERATED_UNITS:
        raise ValueError(f"pattern_basins enumerates 2^N states: N must be at most {MAX_ENUMERATED_UNITS}, got {n}")
    xi = as_float_array("patterns", patterns).reshape(-1, n)
    states = all_states(n)
    k = states.shape[0]
    weights_t = np.ascontiguousarray(net.params.weights[individual : individual + 1].transpose(0, 2, 1))
    theta = np.ascontiguousarray(net.params.threshold[individual : individual + 1])
    gens = List([np.random.default_rng(0)])  # a fixed order and T = 0 draw nothing
    empty = np.zeros((k, 0))
    sweeps, converged = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.bool_)
    fields = states @ net.params.weights[individual].T
    _async_run(weights_t, theta, np.zeros(k, dtype=np.int64), states, fields, states, gens, False, 0.0,
               positive_int("max_sweeps", max_sweeps), empty, empty, sweeps, converged)
    attractor = np.full(k, xi.shape[0], dtype=np.int64)
    for m, pattern in enumerate(xi):
        attractor[np.all(states == pattern, axis=1)] = m
        attractor[np.all(states == -pattern, axis=1)] = -(m + 1)
    size = np.array([np.mean(attractor == m) for m in range(xi.shape[0])])
    return PatternBasins(attractor=attractor, size=size)


def capacity_markers(n_units: int) -> dict[str, float]:
    """Theoretical loads p / N for `n_units` units (see the module docstring)."""
    n = float(positive_int("n_units", n_units))
    return {"Hebbian 0.138 N": 0.138, "N / (2 ln N)": 1.0 / (2.0 * np.log(n)), "N / (4 ln N)": 1.0 / (4.0 * np.log(n)),
            "Storkey N / sqrt(2 ln N)": 1.0 / np.sqrt(2.0 * np.log(n))}


@dataclass(frozen=True)
class CapacityCurve:
    """Fixed-point fraction and recall rate over loads, for each learning rule.

    Attributes
    ----------
    loads : ndarray, shape (n_loads,)
        p / N.
    rules : tuple of str
    fixed : ndarray, shape (n_rules, n_loads)
        Fraction of stored patterns that are fixed points.
    recall : ndarray, shape (n_rules, n_loads)
        Fraction of probes (a stored pattern with `noise` of its bits flipped) recalled exactly.
    overlap : ndarray, shape (n_rules, n_loads)
        Mean final overlap of those probes with their pattern.
    n_units : int
    noise : float
    """

    loads: np.ndarray
    rules: tuple
    fixed: np.ndarray
    recall: np.ndarray
    overlap: np.ndarray
    n_units: int
    noise: float


def capacity_curve(n_units: int = 200, loads=(0.02, 0.3, 15), rules=("hebbian", "storkey", "pseudo_inverse"),
                   noise: float = 0.1, n_trials: int = 4, max_sweeps: int = 50, rng=None) -> CapacityCurve:
    """Store ``p = round(load * N)`` random patterns by each rule and measure how many are
    fixed points and how many are recalled from `noise` flipped bits (asynchronous updates,
    random order), averaged over `n_trials` pattern sets per load.

    `loads` is a list of values, or ``(low, high, n)`` for an evenly spaced grid.
    """
    from ..models.hopfield import RULES, Hopfield

    n = positive_int("n_units", n_units)
    grid = np.asarray(loads, dtype=np.float64)
    if isinstance(loads, tuple | list) and len(loads) == 3 and float(loads[2]).is_integer() and loads[2] > 3 \
            and loads[0] < loads[1]:
        grid = np.linspace(loads[0], loads[1], int(loads[2]))
    if grid.ndim != 1 or np.any(grid <= 0):
        raise ValueError(f"loads must be positive values or (low, high, n), got {loads!r}")
    rules = tuple(rules)
    for rule in rules:
        if rule not in RULES:
            raise ValueError(f"rules must be among {list(RULES)}, got {rule!r}")
    rng = as_rng(rng)
    n_trials = positive_int("n_trials", n_trials)
    shape = (len(rules), grid.size)
    fixed, recall, overlap = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for j, load in enumerate(grid):
        p = max(1, round(load * n))
        for _ in range(n_trials):
            patterns = np.where(rng.random((p, n)) < 0.5, -1.0, 1.0)
            trial_rng = rng.spawn(1)[0]
            for r, rule in enumerate(rules):
                net = Hopfield.from_patterns(patterns, rule)
                fixed[r, j] += net.stored(patterns)[0].mean() / n_trials
                result = net.recall(patterns, noise=noise, max_sweeps=max_sweeps, rng=trial_rng.spawn(1)[0])
                recall[r, j] += result.rate / n_trials
                overlap[r, j] += result.overlap.mean() / n_trials
    return CapacityCurve(loads=grid, rules=rules, fixed=fixed, recall=recall, overlap=overlap, n_units=n, noise=noise)
