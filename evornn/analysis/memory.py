r"""Fading memory of driven networks: Jaeger's short-term memory capacity, the echo-state
property test, and the largest Lyapunov exponent along an input sequence.

Memory capacity (Jaeger 2001, "Short term memory in echo state networks"):

.. math::

    MC = \sum_{k=1}^{k_{max}} r^2\big(u(n-k),\, y_k(n)\big)

where :math:`y_k` is a linear readout trained to recall the input :math:`k` steps back and
:math:`r^2` the squared correlation coefficient, measured here on held-out data (so that
it cannot exceed what the reservoir really remembers). For N units, MC <= N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_float_array, positive_int
from ..random import as_rng


@dataclass(frozen=True)
class MemoryCapacity:
    """Memory capacity of a population.

    Attributes
    ----------
    total : ndarray, shape (n_pop,)
        :math:`\\sum_k r_k^2`.
    by_delay : ndarray, shape (n_pop, max_delay)
        :math:`r_k^2` for k = 1 .. max_delay.
    """

    total: np.ndarray
    by_delay: np.ndarray


def memory_capacity(esn, *, max_delay: int | None = None, n_train: int = 5000, n_test: int = 2000, washout: int = 200,
                    ridge: float = 1e-9, low: float = -0.5, high: float = 0.5, rng=None) -> MemoryCapacity:
    """Jaeger's short-term memory capacity of every individual of a one-input ESN.

    The reservoir is driven by i.i.d. inputs uniform in [`low`, `high`]; one ridge readout
    per delay k = 1 .. `max_delay` (default 2 N) is fitted on `n_train` steps and scored on
    the next `n_test` steps. Readouts read the states only (no direct input).
    """
    if esn.n_external_inputs != 1:
        raise ValueError(f"memory capacity needs a reservoir with one input, got {esn.n_external_inputs}")
    max_delay = 2 * esn.n_units if max_delay is None else positive_int("max_delay", max_delay)
    n_train = positive_int("n_train", n_train)
    n_test = positive_int("n_test", n_test)
    washout = positive_int("washout", washout, minimum=0)
    if washout < max_delay:
        washout = max_delay  # every target u(n - k) must exist
    u = as_rng(rng).uniform(low, high, washout + n_train + n_test)
    states = esn.states(u[:, None], washout=washout)  # (n_pop, n_train + n_test, N)
    index = np.arange(washout, u.size)
    delayed = np.stack([u[index - k] for k in range(1, max_delay + 1)], axis=1)  # (T, max_delay)
    from ..models.readout import RidgeStatistics

    stats = RidgeStatistics.zeros(esn.n_pop, esn.n_units, max_delay)
    stats.add(states[:, :n_train], delayed[:n_train])
    weights, bias = stats.solve(ridge)
    recall = np.einsum("ptn,pkn->ptk", states[:, n_train:], weights) + bias[:, None, :]  # (n_pop, n_test, K)
    target = delayed[n_train:]
    rc = recall - recall.mean(axis=1, keepdims=True)
    tc = target - target.mean(axis=0)
    cov = np.einsum("ptk,tk->pk", rc, tc)
    r2 = cov**2 / ((rc**2).sum(axis=1) * (tc**2).sum(axis=0)[None, :])
    r2 = np.where(np.isfinite(r2), r2, 0.0)
    return MemoryCapacity(total=r2.sum(axis=1), by_delay=r2)


@dataclass(frozen=True)
class EchoStateTest:
    """Result of :func:`echo_state_test`.

    Attributes
    ----------
    distance : ndarray, shape (n_pop, n_steps)
        Distance between the two trajectories after each input.
    ratio : ndarray, shape (n_pop,)
        Final distance over initial distance.
    echo : ndarray of bool, shape (n_pop,)
        ``ratio < tol``: the initial condition was forgotten.
    """

    distance: np.ndarray
    ratio: np.ndarray
    echo: np.ndarray


def echo_state_test(esn, inputs, *, tol: float = 1e-6, rng=None) -> EchoStateTest:
    """The echo-state property test: two random initial states, the same inputs.

    Each individual starts from two states drawn uniformly in [-1, 1]^N and is driven by
    `inputs` (shape ``(n_steps, n_inputs)``); a reservoir with the echo-state property
    forgets where it started, so the distance between the two trajectories decays.
    """
    u = as_float_array("inputs", inputs)
    rng = as_rng(rng)
    starts = rng.uniform(-1.0, 1.0, (2, esn.n_pop, esn.n_units))
    a = esn.states(u, x0=starts[0])
    b = esn.states(u, x0=starts[1])
    distance = np.linalg.norm(a - b, axis=-1)
    initial = np.linalg.norm(starts[0] - starts[1], axis=-1)
    ratio = distance[:, -1] / initial
    return EchoStateTest(distance=distance, ratio=ratio, echo=ratio < tol)


def driven_lyapunov(esn, inputs, *, n_transient: int = 100, x0=None, d0: float = 1e-8,
                    renormalize_every: int = 1) -> np.ndarray:
    """The largest Lyapunov exponent (per step) of each reservoir driven by `inputs`.

    The same input sequence (shape ``(n_steps, n_inputs)``) drives every individual; the
    first `n_transient` steps are not measured. Negative for contracting reservoirs (the
    echo-state property), positive where the driven reservoir is chaotic. Uses
    :func:`evornn.analysis.largest_lyapunov`.
    """
    from .lyapunov import largest_lyapunov

    u = as_float_array("inputs", inputs)
    if u.ndim == 1:
        u = u[:, None]
    n_transient = positive_int("n_transient", n_transient, minimum=0)
    if u.ndim != 2 or u.shape[1] != esn.n_inputs:
        raise ValueError(f"inputs must have shape (n_steps, {esn.n_inputs}), got {np.shape(inputs)}")
    if u.shape[0] <= n_transient:
        raise ValueError(f"inputs ({u.shape[0]} steps) must be longer than n_transient ({n_transient})")
    per_step = np.ascontiguousarray(np.broadcast_to(u[:, None, :], (u.shape[0], esn.n_pop, esn.n_inputs)))
    return largest_lyapunov(esn, x0, n_steps=u.shape[0] - n_transient, n_transient=n_transient, d0=d0,
                            renormalize_every=renormalize_every, inputs=per_step)
