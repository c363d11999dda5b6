r"""Hopfield networks: discrete (asynchronous and synchronous) and stochastic (Glauber),
with the Hebbian, Storkey and pseudo-inverse learning rules. The continuous (1984) network
is in :mod:`evornn.models.continuous_hopfield`.

Discrete networks hold bipolar states :math:`s_i \in \{-1, +1\}` and update

.. math::

    s_i \leftarrow \operatorname{sgn}(h_i - \theta_i), \qquad h_i = \sum_j w_{ij} s_j,

keeping :math:`s_i` where :math:`h_i = \theta_i`. Their energy is

.. math:: E = -\tfrac12 s^T W s + \theta^T s,

which asynchronous updates never increase when W is symmetric with a non-negative
diagonal (Hopfield 1982). Synchronous updates change every unit at once and may end in a
2-cycle instead of a fixed point. At temperature T > 0 (Glauber dynamics) a unit becomes
+1 with probability :math:`1 / (1 + e^{-2 (h_i - \theta_i) / T})`.

Batched recall (:meth:`Hopfield.recall`) runs thousands of probes, each on its network of
the population, in one parallel kernel. Asynchronous updates keep every probe's local
fields and change them by one column of W per flip, so a sweep costs O(N) per unit that
stays and O(N) more per flip, not O(N^2). Random update orders and Glauber draws come from
one NumPy Generator per probe, spawned from the call's `rng`: results do not depend on the
thread count.

References
----------
J. J. Hopfield, PNAS 79, 2554 (1982) and 81, 3088 (1984); A. Storkey, ICANN 1997;
L. Personnaz, I. Guyon and G. Dreyfus, J. Physique Lett. 46, L359 (1985).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from numba.typed import List

from .._checks import as_float_array, batched, one_of, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ..random import as_rng
from .base import DiscreteModel, register_kernels

RULES = ("hebbian", "storkey", "pseudo_inverse")


# ---------------------------------------------------------------------- learning rules
def _bipolar(name: str, patterns) -> np.ndarray:
    xi = as_float_array(name, patterns)
    if xi.ndim == 1:
        xi = xi[None]
    if xi.ndim != 2 or xi.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n_patterns, n_units), got {np.shape(patterns)}")
    if not np.all(np.abs(xi) == 1.0):
        raise ValueError(f"{name} must be bipolar (entries -1 or +1)")
    return xi


def hebbian(patterns) -> np.ndarray:
    r"""Hebb's outer-product rule, :math:`w_{ij} = \frac1N \sum_\mu \xi^\mu_i \xi^\mu_j`, zero diagonal.

    Parameters
    ----------
    patterns : array_like, shape (n_patterns, N), entries +-1

    Returns
    -------
    ndarray, shape (N, N)
    """
    xi = _bipolar("patterns", patterns)
    w = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(w, 0.0)
    return w


def storkey(patterns) -> np.ndarray:
    r"""Storkey's (1997) incremental rule, one pattern at a time:

    .. math::

        w^\nu_{ij} = w^{\nu-1}_{ij} + \tfrac1N \big(\xi_i \xi_j - \xi_i h_{ji} - h_{ij} \xi_j\big),
        \qquad h_{ij} = \sum_{k \ne i, j} w^{\nu-1}_{ik} \xi_k

    The diagonal is set to zero at the end (the rule's local fields never use it).
    """
    xi = _bipolar("patterns", patterns)
    n = xi.shape[1]
    w = np.zeros((n, n))
    for x in xi:
        field = w @ x  # sum over all k
        # h_ij = field_i - w_ii x_i - w_ij x_j
        h = field[:, None] - (np.diag(w) * x)[:, None] - w * x[None, :]
        w = w + (np.outer(x, x) - x[:, None] * h.T - h * x[None, :]) / n
    np.fill_diagonal(w, 0.0)
    return w


def pseudo_inverse(patterns, *, keep_diagonal: bool = False) -> np.ndarray:
    r"""The projection (pseudo-inverse) rule, :math:`W = \Xi (\Xi^T \Xi)^{+} \Xi^T` with the
    patterns as the columns of :math:`\Xi` (Personnaz, Guyon and Dreyfus 1985).

    Every stored pattern is then an exact fixed point up to load p = N. The diagonal is set
    to zero by default: kept, it approaches the identity as p grows and every state becomes
    nearly stable, which destroys the basins of attraction (a warning says so).
    """
    xi = _bipolar("patterns", patterns)
    big_xi = xi.T  # (N, p)
    w = big_xi @ np.linalg.pinv(big_xi.T @ big_xi) @ big_xi.T
    if keep_diagonal:
        warnings.warn("pseudo_inverse with keep_diagonal=True: self-coupling near 1 at high load makes almost every "
                      "state stable and destroys the basins of the stored patterns", RuntimeWarning, stacklevel=2)
    else:
        np.fill_diagonal(w, 0.0)
    return w


def learn(patterns, rule: str = "hebbian", **kwargs) -> np.ndarray:
    """Weights from `patterns` by the named rule (``"hebbian"``, ``"storkey"``, ``"pseudo_inverse"``)."""
    one_of("rule", rule, RULES)
    return {"hebbian": hebbian, "storkey": storkey, "pseudo_inverse": pseudo_inverse}[rule](patterns, **kwargs)


def flip_bits(patterns, fraction, rng=None) -> np.ndarray:
    """Copies of bipolar `patterns` (shape ``(n, N)``) with ``round(fraction * N)`` distinct
    bits of each flipped, chosen by `rng`; `fraction` is one value or one per row."""
    xi = _bipolar("patterns", patterns)
    fractions = np.broadcast_to(as_float_array("noise", fraction), (xi.shape[0],)) if np.ndim(fraction) <= 1 else None
    if fractions is None or np.any(fractions < 0) or np.any(fractions > 1):
        raise ValueError(f"noise must be in [0, 1] (one value, or one per probe), got {fraction!r}")
    n = xi.shape[1]
    counts = np.rint(fractions * n)
    # a random rank for every bit of every row (one permutation per row, drawn in C); the
    # bits ranked below the row's count flip
    ranks = as_rng(rng).permuted(np.broadcast_to(np.arange(n), xi.shape), axis=1)
    return np.where(ranks < counts[:, None], -xi, xi)


# ---------------------------------------------------------------------- kernels
class HopfieldParams(NamedTuple):
    """Batched discrete Hopfield parameters; axis 0 indexes networks."""

    weights: np.ndarray  # (n_pop, N, N); weights[p, i, j] from unit j to unit i
    threshold: np.ndarray  # (n_pop, N)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def hopfield_rhs(t, y, params, p, u, out):
    """Synchronous update of every unit (ties keep the unit's state)."""
    w = params.weights[p]
    theta = params.threshold[p]
    for i in range(y.shape[0]):
        a = -theta[i]
        for j in range(y.shape[0]):
            a += w[i, j] * y[j]
        out[i] = 1.0 if a > 0 else (-1.0 if a < 0 else y[i])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def state_output(y, params, p, out):
    """Bipolar networks output their state."""
    out[:] = y


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def sign_jac(t, y, params, p, u, out):
    """The sign function's derivative is zero almost everywhere."""
    out[:] = 0.0


register_kernels(HopfieldParams, rhs=hopfield_rhs, output=state_output, jac=sign_jac)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def bipolar_update(a, previous, gen, temperature):
    """A unit's new state for input `a`: +1 with probability 1 / (1 + exp(-2 a / T)) at
    temperature T > 0; else sgn(a), keeping `previous` at a tie (+1 if it has none yet)."""
    if temperature > 0.0:
        return 1.0 if gen.random() < 1.0 / (1.0 + np.exp(-2.0 * a / temperature)) else -1.0
    return 1.0 if a > 0 else (-1.0 if a < 0 else (previous if previous != 0.0 else 1.0))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _record(s, field, theta, target, energies, overlaps, column):
    """Energy -1/2 s.h + theta.s and overlap s.target / N after a sweep."""
    e = 0.0
    m = 0.0
    for i in range(s.shape[0]):
        e += s[i] * (theta[i] - 0.5 * field[i])
        m += s[i] * target[i]
    energies[column] = e
    overlaps[column] = m / s.shape[0]


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _async_run(weights_t, threshold, net, states, fields, targets, gens, random_order, temperature, max_sweeps,
               energies, overlaps, sweeps_out, converged_out):
    """Asynchronous (T = 0) or Glauber (T > 0) dynamics of every probe, in parallel.

    weights_t : (n_pop, N, N) transposed weights: row i is column i of W (contiguous).
    states : (n_probes, N) updated in place; targets : (n_probes, N) for the overlaps.
    fields : (n_probes, N) the local fields W s of the start states (one BLAS product per
        network, computed by the caller), updated in place.
    energies, overlaps : (n_probes, max_sweeps + 1) or (n_probes, 0): after each sweep.
    gens : one Generator per probe (a single one when the run draws nothing).
    A deterministic run stops at the first sweep without a change (converged).
    """
    n_probes, n = states.shape
    record = energies.shape[1] > 0
    for q in prange(n_probes):
        p = net[q]
        wt = weights_t[p]
        theta = threshold[p]
        s = states[q]
        gen = gens[min(np.int64(q), len(gens) - 1)]  # one stream per probe (one in all if nothing is drawn)
        field = fields[q]  # h = W s, updated by a column of W per flip
        order = np.arange(n)
        if record:
            _record(s, field, theta, targets[q], energies[q], overlaps[q], 0)
        done = 0
        converged = False
        for sweep in range(max_sweeps):
            if random_order:
                order = gen.permutation(n)
            changed = 0
            for k in range(n):
                i = order[k]
                a = field[i] - theta[i]
                new = bipolar_update(a, s[i], gen, temperature)
                if new != s[i]:
                    delta = new - s[i]
                    row = wt[i]
                    for j in range(n):
                        field[j] += row[j] * delta
                    s[i] = new
                    changed += 1
            done = sweep + 1
            if record:
                _record(s, field, theta, targets[q], energies[q], overlaps[q], done)
            if temperature == 0.0 and changed == 0:
                converged = True
                break
        sweeps_out[q] = done
        converged_out[q] = converged


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class RecallResult:
    """What batched recall did, one entry per probe.

    Attributes
    ----------
    states : ndarray, shape (n_probes, N)
        Final states.
    overlap : ndarray, shape (n_probes,)
        :math:`m = s \\cdot \\xi / N` with the probe's target.
    success : ndarray of bool, shape (n_probes,)
        The final state equals the target exactly.
    steps : ndarray of int, shape (n_probes,)
        Sweeps (asynchronous) or steps (synchronous) taken.
    converged : ndarray of bool, shape (n_probes,)
        A fixed point was reached within the budget.
    cycle : ndarray of bool, shape (n_probes,)
        Synchronous updates ended in a 2-cycle (always False for asynchronous runs).
    energy, overlap_trace : ndarray, shape (n_probes, n_records) or None
        With ``record=True``: energy and overlap after each sweep (column 0 is the start).
    network : ndarray of int, shape (n_probes,)
        The network each probe ran on.
    """

    states: np.ndarray
    overlap: np.ndarray
    success: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    cycle: np.ndarray
    network: np.ndarray
    energy: np.ndarray | None = None
    overlap_trace: np.ndarray | None = None

    @property
    def rate(self) -> float:
        """Fraction of probes recalled exactly."""
        return float(np.mean(self.success))


# ---------------------------------------------------------------------- model
def square_weights(weights) -> np.ndarray:
    """Weights as a read-only ``(n_pop, N, N)`` array, or a ValueError."""
    w = as_float_array("weights", weights)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3 or w.shape[1] != w.shape[2] or w.shape[1] == 0:
        raise ValueError(f"weights must have shape (N, N) or (n_pop, N, N), got {np.shape(weights)}")
    w.flags.writeable = False
    return w


class UnitsMixin:
    """Sizes of networks whose state is one value per unit and which take no inputs."""

    @property
    def n_units(self) -> int:
        return self.params.weights.shape[1]

    @property
    def n_state(self) -> int:
        return self.n_units

    @property
    def n_inputs(self) -> int:
        return 0

    @property
    def n_outputs(self) -> int:
        return self.n_units


class Hopfield(UnitsMixin, DiscreteModel):
    """A population of discrete Hopfield networks (bipolar units).

    As an evornn model its ``rhs`` is the synchronous update; :meth:`run` and
    :meth:`recall` add asynchronous, Glauber and batched dynamics.

    Parameters
    ----------
    weights : array_like, shape (N, N) or (n_pop, N, N)
        ``weights[i, j]`` from unit j to unit i.
    threshold : float or array_like, shape (N,) or (n_pop, N)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> patterns = np.where(rng.random((5, 100)) < 0.5, -1.0, 1.0)
    >>> net = Hopfield.from_patterns(patterns)               # Hebbian, load 0.05
    >>> result = net.recall(patterns, noise=0.1, n_probes=20, rng=1)
    >>> result.rate
    1.0
    """

    def __init__(self, weights, threshold=0.0):
        w = square_weights(weights)
        theta = batched("threshold", threshold, w.shape[0], (w.shape[1],))
        theta.flags.writeable = False
        super().__init__(HopfieldParams(w, theta))

    @classmethod
    def from_patterns(cls, patterns, rule: str = "hebbian", *, threshold=0.0, **kwargs) -> Hopfield:
        """One network storing `patterns` (shape ``(p, N)``) by `rule` (see :func:`learn`)."""
        return cls(learn(patterns, rule, **kwargs), threshold)

    @classmethod
    def codec(cls, n_units: int, *, weight_range=(-1.0, 1.0), symmetric: bool = True, threshold_range=None):
        """A genome codec over the weights (zero diagonal; tied ``w_ij = w_ji`` when
        `symmetric`) and, with `threshold_range`, the thresholds."""
        from ..genome import Codec, Field, parse_bounds

        n = positive_int("n_units", n_units)
        low, high = parse_bounds("weight_range", weight_range)
        ties = None
        if symmetric:
            i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
            ties = np.minimum(i, j) * n + np.maximum(i, j)
        fields = {"weights": Field((n, n), low=low, high=high, mask=~np.eye(n, dtype=bool), ties=ties)}
        if threshold_range is None:
            fields["threshold"] = Field.constant(0.0, (n,))
        else:
            t_low, t_high = parse_bounds("threshold_range", threshold_range)
            fields["threshold"] = Field((n,), low=t_low, high=t_high)
        return Codec(_build_hopfield, fields)

    def energy(self, states, network=None) -> np.ndarray:
        """:math:`E = -\\frac12 s^T W s + \\theta^T s` of states of shape ``(..., N)``.

        States of shape ``(n_pop, N)`` (or ``(k, n_pop, N)``) are paired with the networks;
        for any other batch give `network`, the network index of each state.
        """
        s = as_float_array("states", states)
        if s.shape[-1] != self.n_units:
            raise ValueError(f"states must end with N = {self.n_units}, got shape {s.shape}")
        prm = self.params
        if network is None:
            if s.ndim < 2 or s.shape[-2] != self.n_pop:
                raise ValueError(f"states of shape {s.shape} do not pair with {self.n_pop} network(s); give network=")
            w, theta = prm.weights, prm.threshold
        else:
            idx = np.broadcast_to(np.asarray(network), s.shape[:-1])
            w, theta = prm.weights[idx], prm.threshold[idx]
        return -0.5 * np.einsum("...i,...ij,...j->...", s, w, s) + np.einsum("...i,...i->...", theta, s)

    def _probes(self, patterns, probes, noise, n_probes, network, rng):
        xi = _bipolar("patterns", patterns)
        if xi.shape[1] != self.n_units:
            raise ValueError(f"patterns must have N = {self.n_units} units, got {xi.shape[1]}")
        rng = as_rng(rng)
        if probes is None:
            n_probes = xi.shape[0] if n_probes is None else positive_int("n_probes", n_probes)
            which = np.arange(n_probes) % xi.shape[0]
            targets = xi[which]
            start = flip_bits(targets, noise, rng)
        else:
            start = _bipolar("probes", probes)
            if start.shape[0] != xi.shape[0] or start.shape[1] != self.n_units:
                raise ValueError(f"probes must have the patterns' shape {xi.shape}, got {start.shape}")
            targets = xi
        k = start.shape[0]
        if network is None:
            net = np.arange(k) % self.n_pop if self.n_pop > 1 else np.zeros(k, dtype=np.int64)
        else:
            net = np.broadcast_to(np.asarray(network, dtype=np.int64), (k,)).copy()
            if net.min() < 0 or net.max() >= self.n_pop:
                raise ValueError(f"network indices must be in [0, {self.n_pop}), got values in [{net.min()}, {net.max()}]")
        return np.ascontiguousarray(start), np.ascontiguousarray(targets), net, rng

    def recall(self, patterns, *, probes=None, noise: float = 0.1, n_probes: int | None = None, network=None,
               update: str = "async", order: str = "random", temperature: float = 0.0, max_sweeps: int = 100,
               record: bool = False, rng=None) -> RecallResult:
        """Batched recall: relax many probes, each towards its target pattern, in one call.

        Parameters
        ----------
        patterns : array_like, shape (n_patterns, N)
            Targets. Without `probes`, probe k starts from pattern ``k % n_patterns`` with
            a fraction `noise` of its bits flipped.
        noise : float or array_like, shape (n_probes,)
            One noise level, or one per probe (several levels in one call).
        probes : array_like, shape (n_patterns, N), optional
            Start states, one per pattern row (then `noise` and `n_probes` are unused).
        n_probes : int, optional
            Number of noisy probes (default: one per pattern).
        network : int or array_like of int, shape (n_probes,), optional
            Network of each probe (default: probe k on network ``k % n_pop``).
        update : {"async", "sync"}
        order : {"random", "fixed"}
            Asynchronous update order: a fresh random permutation per sweep from each
            probe's own stream, or 0, 1, ..., N - 1.
        temperature : float
            > 0: Glauber dynamics for `max_sweeps` sweeps (asynchronous only).
        max_sweeps : int
            Budget of sweeps (asynchronous) or steps (synchronous).
        record : bool
            Keep the energy and overlap after every sweep (asynchronous only).
        rng : seed or Generator
            Noise, update orders and Glauber draws; each probe gets its own spawned stream.
        """
        one_of("update", update, ("async", "sync"))
        one_of("order", order, ("random", "fixed"))
        max_sweeps = positive_int("max_sweeps", max_sweeps)
        temperature = float(temperature)
        if not temperature >= 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        if update == "sync" and (temperature > 0 or record):
            raise ValueError("synchronous recall is deterministic: temperature and record apply to update='async'")
        start, targets, net, rng = self._probes(patterns, probes, noise, n_probes, network, rng)
        if update == "sync":
            return self._recall_sync(start, targets, net, max_sweeps)
        k = start.shape[0]
        gens = List(rng.spawn(k))
        weights_t = np.ascontiguousarray(self.params.weights.transpose(0, 2, 1))
        states = start.copy()
        fields = self._fields(states, net)
        width = max_sweeps + 1 if record else 0
        energies, overlaps = np.zeros((k, width)), np.zeros((k, width))
        sweeps, converged = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.bool_)
        _async_run(weights_t, self.params.threshold, net, states, fields, targets, gens, order == "random",
                   temperature, max_sweeps, energies, overlaps, sweeps, converged)
        if record:  # after convergence nothing changes: carry the last values forward
            for q in np.flatnonzero(sweeps < max_sweeps):
                energies[q, sweeps[q] + 1:] = energies[q, sweeps[q]]
                overlaps[q, sweeps[q] + 1:] = overlaps[q, sweeps[q]]
        return self._result(states, targets, net, sweeps, converged, np.zeros(k, dtype=bool),
                            energies if record else None, overlaps if record else None)

    def _fields(self, states, net) -> np.ndarray:
        """Local fields ``W s`` of every probe: one BLAS product per network."""
        fields = np.empty_like(states)
        for p in np.unique(net):
            rows = net == p
            fields[rows] = states[rows] @ self.params.weights[p].T
        return fields

    def _result(self, states, targets, net, steps, converged, cycle, energies=None, overlaps=None) -> RecallResult:
        overlap = np.einsum("ki,ki->k", states, targets) / self.n_units
        return RecallResult(states=states, overlap=overlap, success=np.all(states == targets, axis=1), steps=steps,
                            converged=converged, cycle=cycle, network=net, energy=energies, overlap_trace=overlaps)

    def _recall_sync(self, start, targets, net, max_steps) -> RecallResult:
        """Synchronous updates as one matrix product per step for all probes of a network."""
        k = start.shape[0]
        states = start.copy()
        steps = np.full(k, max_steps, dtype=np.int64)
        converged = np.zeros(k, dtype=bool)
        cycle = np.zeros(k, dtype=bool)
        for p in np.unique(net):
            idx = np.flatnonzero(net == p)  # the probes still running, and their states
            w_t = self.params.weights[p].T
            theta = self.params.threshold[p]
            current, previous = states[idx], None
            for step in range(1, max_steps + 1):
                a = current @ w_t
                a -= theta
                nxt = np.sign(a)
                tie = nxt == 0
                nxt[tie] = current[tie]
                fixed = np.all(nxt == current, axis=1)
                two = np.zeros_like(fixed) if previous is None else np.all(nxt == previous, axis=1) & ~fixed
                done = fixed | two
                if done.any():
                    steps[idx[done]] = step - fixed[done]  # a fixed point was reached one step earlier
                    converged[idx[fixed]] = True
                    cycle[idx[two]] = True
                    states[idx[done]] = nxt[done]
                    keep = ~done
                    idx, previous, current = idx[keep], current[keep], nxt[keep]
                else:
                    previous, current = current, nxt
                if idx.size == 0:
                    break
            states[idx] = current
        return self._result(states, targets, net, steps, converged, cycle)

    def stored(self, patterns) -> np.ndarray:
        """Which patterns (shape ``(n, N)``) are fixed points of each network, shape ``(n_pop, n)``."""
        xi = _bipolar("patterns", patterns)
        a = np.einsum("pij,kj->pki", self.params.weights, xi) - self.params.threshold[:, None, :]
        return np.all(((a * xi[None]) > 0) | (a == 0), axis=2)  # ties keep the state


def _build_hopfield(weights, threshold) -> Hopfield:
    return Hopfield(weights, threshold)
