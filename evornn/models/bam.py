r"""Kosko's bidirectional associative memory (BAM), deterministic and stochastic.

Two layers of bipolar units, x (n_x) and y (n_y), coupled by one matrix W (n_x, n_y):

.. math::

    y \leftarrow \operatorname{sgn}(W^T x), \qquad x \leftarrow \operatorname{sgn}(W y),
    \qquad E(x, y) = -x^T W y

(a unit whose input is exactly zero keeps its state). Pairs are stored by
:math:`W = \sum_k x_k y_k^T` (Kosko 1988). Each half-step cannot increase the energy, so
recall from either layer ends at a stable pair. The stochastic BAM sets a unit to +1 with
probability :math:`1 / (1 + e^{-2 a / T})` for input a at temperature T.

As an evornn :class:`~evornn.models.base.DiscreteModel` the state is ``[x, y]`` and one
``rhs`` step is a forward then a backward pass.

Reference: B. Kosko, "Bidirectional associative memories", IEEE Trans. Systems, Man and
Cybernetics 18(1), 49-60 (1988).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from numba.typed import List

from .._checks import as_float_array, one_of, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ..random import as_rng
from .base import DiscreteModel, register_kernels
from .hopfield import _bipolar, bipolar_update, flip_bits, sign_jac, state_output


class BAMParams(NamedTuple):
    """Batched BAM parameters; axis 0 indexes networks."""

    weights: np.ndarray  # (n_pop, n_x, n_y)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _forward(w, x, y, gen, temperature):
    """y <- f(W^T x); returns the number of units that changed."""
    changed = 0
    for j in range(w.shape[1]):
        a = 0.0
        for i in range(w.shape[0]):
            a += w[i, j] * x[i]
        new = bipolar_update(a, y[j], gen, temperature)
        if new != y[j]:
            changed += 1
            y[j] = new
    return changed


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _backward(w, x, y, gen, temperature):
    """x <- f(W y); returns the number of units that changed."""
    changed = 0
    for i in range(w.shape[0]):
        a = 0.0
        for j in range(w.shape[1]):
            a += w[i, j] * y[j]
        new = bipolar_update(a, x[i], gen, temperature)
        if new != x[i]:
            changed += 1
            x[i] = new
    return changed


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _energy(w, x, y):
    e = 0.0
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            e -= x[i] * w[i, j] * y[j]
    return e


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def bam_rhs(t, s, params, p, u, out):
    """One step on the state [x, y]: forward y <- sgn(W^T x), then backward x <- sgn(W y)."""
    w = params.weights[p]
    n_x = w.shape[0]
    out[:] = s
    x, y = out[:n_x], out[n_x:]
    for j in range(w.shape[1]):
        a = 0.0
        for i in range(n_x):
            a += w[i, j] * x[i]
        y[j] = 1.0 if a > 0 else (-1.0 if a < 0 else y[j])
    for i in range(n_x):
        a = 0.0
        for j in range(w.shape[1]):
            a += w[i, j] * y[j]
        x[i] = 1.0 if a > 0 else (-1.0 if a < 0 else x[i])


register_kernels(BAMParams, rhs=bam_rhs, output=state_output, jac=sign_jac)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _bam_run(weights, net, xs, ys, from_x, gens, temperature, max_steps, energies, steps_out, converged_out):
    """Recall for every probe in parallel; one step is a forward and a backward pass (from x)
    or a backward and a forward pass (from y). energies: (n_probes, max_steps + 1) or (n, 0)."""
    n_probes = xs.shape[0]
    record = energies.shape[1] > 0
    for q in prange(n_probes):
        w = weights[net[q]]
        x, y = xs[q], ys[q]
        gen = gens[np.int64(q)]  # prange indices are unsigned; typed lists take int64
        done = 0
        converged = False
        for step in range(max_steps):
            if from_x:
                changed = _forward(w, x, y, gen, temperature)
                changed += _backward(w, x, y, gen, temperature)
            else:
                changed = _backward(w, x, y, gen, temperature)
                changed += _forward(w, x, y, gen, temperature)
            done = step + 1
            if record:
                energies[q, done] = _energy(w, x, y)
            if temperature == 0.0 and changed == 0 and step > 0:
                converged = True
                break
        steps_out[q] = done
        converged_out[q] = converged


@dataclass(frozen=True)
class BAMRecall:
    """What batched BAM recall did, one entry per probe.

    Attributes
    ----------
    x, y : ndarray, shape (n_probes, n_x) and (n_probes, n_y)
        Final states.
    overlap_x, overlap_y : ndarray, shape (n_probes,)
    success : ndarray of bool, shape (n_probes,)
        Both layers equal the target pair.
    steps : ndarray of int, shape (n_probes,)
    converged : ndarray of bool, shape (n_probes,)
    energy : ndarray, shape (n_probes, max_steps + 1) or None
        With ``record=True``; column 0 is the energy after the first layer was computed.
    """

    x: np.ndarray
    y: np.ndarray
    overlap_x: np.ndarray
    overlap_y: np.ndarray
    success: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    energy: np.ndarray | None = None

    @property
    def rate(self) -> float:
        return float(np.mean(self.success))


class BAM(DiscreteModel):
    """A population of bidirectional associative memories.

    Parameters
    ----------
    weights : array_like, shape (n_x, n_y) or (n_pop, n_x, n_y)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xs = np.where(rng.random((3, 60)) < 0.5, -1.0, 1.0)
    >>> ys = np.where(rng.random((3, 40)) < 0.5, -1.0, 1.0)
    >>> BAM.from_pairs(xs, ys).recall(xs, ys, noise=0.1, n_probes=30, rng=1).rate
    1.0
    """

    def __init__(self, weights):
        w = as_float_array("weights", weights)
        if w.ndim == 2:
            w = w[None]
        if w.ndim != 3 or min(w.shape[1:]) == 0:
            raise ValueError(f"weights must have shape (n_x, n_y) or (n_pop, n_x, n_y), got {np.shape(weights)}")
        w.flags.writeable = False
        super().__init__(BAMParams(w))

    @classmethod
    def from_pairs(cls, xs, ys) -> BAM:
        """Kosko's outer-product storage, ``W = sum_k x_k y_k^T``, of bipolar pairs."""
        x = _bipolar("xs", xs)
        y = _bipolar("ys", ys)
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"xs and ys must hold the same number of pairs, got {x.shape[0]} and {y.shape[0]}")
        return cls(x.T @ y)

    @property
    def n_x(self) -> int:
        return self.params.weights.shape[1]

    @property
    def n_y(self) -> int:
        return self.params.weights.shape[2]

    @property
    def n_state(self) -> int:
        return self.n_x + self.n_y

    @property
    def n_inputs(self) -> int:
        return 0

    @property
    def n_outputs(self) -> int:
        return self.n_state

    def energy(self, x, y, network=None) -> np.ndarray:
        """:math:`E = -x^T W y` for states of shape ``(..., n_x)`` and ``(..., n_y)``
        (paired with the networks, or with `network` indices)."""
        x = as_float_array("x", x)
        y = as_float_array("y", y)
        w = self.params.weights if network is None else self.params.weights[np.asarray(network)]
        return -np.einsum("...i,...ij,...j->...", x, w, y)

    def _recall_blas(self, net, x, y, from_x, max_steps, energies, steps, converged) -> None:
        """Deterministic recall with BLAS: the same passes, tie rule and counts as `_bam_run`."""

        def sign_keep(a, previous):
            new = np.sign(a)
            tie = new == 0
            new[tie] = np.where(previous[tie] != 0, previous[tie], 1.0)
            return new

        record = energies.shape[1] > 0
        for p in np.unique(net):
            w = self.params.weights[p]
            idx = np.flatnonzero(net == p)  # the probes still running, and their layers
            xa, ya = x[idx], y[idx]
            for step in range(max_steps):
                if from_x:
                    y_new = sign_keep(xa @ w, ya)
                    x_new = sign_keep(y_new @ w.T, xa)
                else:
                    x_new = sign_keep(ya @ w.T, xa)
                    y_new = sign_keep(x_new @ w, ya)
                changed = np.any(x_new != xa, axis=1) | np.any(y_new != ya, axis=1)
                xa, ya = x_new, y_new
                steps[idx] = step + 1
                if record:
                    energies[idx, step + 1] = -np.einsum("ki,ki->k", xa, ya @ w.T)
                done = ~changed & (step > 0)
                if done.any():
                    converged[idx[done]] = True
                    x[idx[done]], y[idx[done]] = xa[done], ya[done]
                    idx, xa, ya = idx[~done], xa[~done], ya[~done]
                if idx.size == 0:
                    break
            x[idx], y[idx] = xa, ya

    def recall(self, xs, ys, *, start: str = "x", probes=None, noise=0.1, n_probes: int | None = None, network=None,
               temperature: float = 0.0, max_steps: int = 100, record: bool = False, rng=None) -> BAMRecall:
        """Batched recall of stored pairs from one noisy layer.

        Probe k starts from layer `start` of pair ``k % n_pairs`` with a fraction `noise`
        (one value or one per probe) of its bits flipped, or from row k of `probes` (the
        `start` layer's states, shape ``(n_probes, n_x or n_y)``); the other layer is
        computed from it first. Runs until neither layer changes (deterministic) or for
        `max_steps` steps (``temperature > 0``).
        """
        one_of("start", start, ("x", "y"))
        max_steps = positive_int("max_steps", max_steps)
        temperature = float(temperature)
        if not temperature >= 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        tx, ty = _bipolar("xs", xs), _bipolar("ys", ys)
        if tx.shape[0] != ty.shape[0] or tx.shape[1] != self.n_x or ty.shape[1] != self.n_y:
            raise ValueError(f"xs and ys must have shapes (n_pairs, {self.n_x}) and (n_pairs, {self.n_y}), "
                             f"got {tx.shape} and {ty.shape}")
        rng = as_rng(rng)
        if probes is not None:
            given = _bipolar("probes", probes)
            k = given.shape[0]
            if given.shape[1] != (self.n_x if start == "x" else self.n_y):
                raise ValueError(f"probes must hold layer {start}'s states, got shape {given.shape}")
        else:
            k = tx.shape[0] if n_probes is None else positive_int("n_probes", n_probes)
        which = np.arange(k) % tx.shape[0]
        tx, ty = tx[which], ty[which]
        if probes is not None:
            x = given.copy() if start == "x" else np.zeros_like(tx)
            y = given.copy() if start == "y" else np.zeros_like(ty)
        else:
            x = flip_bits(tx, noise, rng) if start == "x" else np.zeros_like(tx)
            y = flip_bits(ty, noise, rng) if start == "y" else np.zeros_like(ty)
        net = (np.arange(k) % self.n_pop if network is None
               else np.broadcast_to(np.asarray(network, dtype=np.int64), (k,)).copy())
        energies = np.zeros((k, max_steps + 1 if record else 0))
        steps, converged = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.bool_)
        if temperature > 0.0:  # one random stream per probe, in the compiled kernel
            gens = List(rng.spawn(k))
            _bam_run(self.params.weights, net, x, y, start == "x", gens, temperature, max_steps, energies, steps,
                     converged)
        else:  # deterministic: one matrix product per pass for all probes of a network
            self._recall_blas(net, x, y, start == "x", max_steps, energies, steps, converged)
        if record:
            energies[:, 0] = np.nan  # the other layer did not exist yet
            for q in np.flatnonzero(steps < max_steps):
                energies[q, steps[q] + 1:] = energies[q, steps[q]]
        return BAMRecall(x=x, y=y, overlap_x=np.einsum("ki,ki->k", x, tx) / self.n_x,
                         overlap_y=np.einsum("kj,kj->k", y, ty) / self.n_y,
                         success=np.all(x == tx, axis=1) & np.all(y == ty, axis=1), steps=steps, converged=converged,
                         energy=energies if record else None)
