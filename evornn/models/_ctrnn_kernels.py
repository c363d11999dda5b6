"""The CTRNN's parameters and per-individual kernels (the class is in :mod:`evornn.models.ctrnn`;
the fast layouts in :mod:`evornn.models._ctrnn_fast`).

See :mod:`evornn.models.ctrnn` for the equations.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._numba import ERROR_MODEL, FASTMATH, cast
from .._vecmath import logistic
from .base import register_kernels


class CTRNNParams(NamedTuple):
    """Batched CTRNN parameters; axis 0 indexes individuals."""

    tau: np.ndarray  # (n_pop, n_neurons), > 0
    bias: np.ndarray  # (n_pop, n_neurons)
    gain: np.ndarray  # (n_pop, n_neurons)
    weights: np.ndarray  # (n_pop, n_neurons, n_neurons); weights[p, i, j]: j -> i
    input_weights: np.ndarray  # (n_pop, n_neurons, n_inputs); input k -> neuron i


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def drive_into(y, rates, params, p, u, out):
    """``out_i = (-y_i + sum_j w_ij rates_j + sum_k v_ik u_k) / tau_i`` for individual `p`.

    Shared by every CTRNN kernel that has the firing rates at hand. Numba-compiled; writes
    into `out`; no validation.
    """
    weights = params.weights[p]
    input_weights = params.input_weights[p]
    tau = params.tau[p]
    # A layout may pad the rows of the weights with zero columns (and `rates` with zeros)
    # to a whole number of vectors: the sums then run over the padded length.
    n, n_cols, n_inputs = weights.shape[0], weights.shape[1], input_weights.shape[1]
    # Twelve rows at a time share each load of `rates` and keep twelve independent sums in
    # flight (with the loaded `rates`, 13 of the 16 vector registers): the product then runs
    # near the cache bandwidth. The rows left over go one at a time. Each row's sum is
    # formed in the same order whatever block it falls in.
    # The sums are kept in the weights' precision (a float32 layout sums in float32).
    zero = cast(0.0, weights)
    i = 0
    while i + 12 <= n:
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = a10 = a11 = zero
        for j in range(n_cols):
            r = rates[j]
            a0 += weights[i, j] * r
            a1 += weights[i + 1, j] * r
            a2 += weights[i + 2, j] * r
            a3 += weights[i + 3, j] * r
            a4 += weights[i + 4, j] * r
            a5 += weights[i + 5, j] * r
            a6 += weights[i + 6, j] * r
            a7 += weights[i + 7, j] * r
            a8 += weights[i + 8, j] * r
            a9 += weights[i + 9, j] * r
            a10 += weights[i + 10, j] * r
            a11 += weights[i + 11, j] * r
        for k in range(n_inputs):
            x = u[k]
            a0 += input_weights[i, k] * x
            a1 += input_weights[i + 1, k] * x
            a2 += input_weights[i + 2, k] * x
            a3 += input_weights[i + 3, k] * x
            a4 += input_weights[i + 4, k] * x
            a5 += input_weights[i + 5, k] * x
            a6 += input_weights[i + 6, k] * x
            a7 += input_weights[i + 7, k] * x
            a8 += input_weights[i + 8, k] * x
            a9 += input_weights[i + 9, k] * x
            a10 += input_weights[i + 10, k] * x
            a11 += input_weights[i + 11, k] * x
        out[i] = (a0 - y[i]) / tau[i]
        out[i + 1] = (a1 - y[i + 1]) / tau[i + 1]
        out[i + 2] = (a2 - y[i + 2]) / tau[i + 2]
        out[i + 3] = (a3 - y[i + 3]) / tau[i + 3]
        out[i + 4] = (a4 - y[i + 4]) / tau[i + 4]
        out[i + 5] = (a5 - y[i + 5]) / tau[i + 5]
        out[i + 6] = (a6 - y[i + 6]) / tau[i + 6]
        out[i + 7] = (a7 - y[i + 7]) / tau[i + 7]
        out[i + 8] = (a8 - y[i + 8]) / tau[i + 8]
        out[i + 9] = (a9 - y[i + 9]) / tau[i + 9]
        out[i + 10] = (a10 - y[i + 10]) / tau[i + 10]
        out[i + 11] = (a11 - y[i + 11]) / tau[i + 11]
        i += 12
    for row in range(i, n):
        acc = zero
        for j in range(n_cols):
            acc += weights[row, j] * rates[j]
        for k in range(n_inputs):
            acc += input_weights[row, k] * u[k]
        out[row] = (acc - y[row]) / tau[row]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def ctrnn_rhs(t, y, params, p, u, out):
    """dy/dt of individual `p` into `out`, shape (n_neurons,). Numba-compiled; writes into `out`; no validation."""
    n = y.shape[0]
    rates = np.empty_like(y)
    for j in range(n):
        rates[j] = logistic(params.gain[p, j] * (y[j] + params.bias[p, j]))
    drive_into(y, rates, params, p, u, out)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def ctrnn_output(y, params, p, out):
    """Firing rates ``sigma(g (y + theta))`` of individual `p` into `out`. Numba-compiled; no validation."""
    for j in range(y.shape[0]):
        out[j] = logistic(params.gain[p, j] * (y[j] + params.bias[p, j]))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def ctrnn_jac(t, y, params, p, u, out):
    r"""Analytic Jacobian of individual `p` into `out`, shape (n_neurons, n_neurons).

    :math:`J_{ik} = (-\delta_{ik} + w_{ik} g_k \sigma_k (1 - \sigma_k)) / \tau_i`.
    Numba-compiled; writes into `out`; no validation.
    """
    n = y.shape[0]
    slope = np.empty(n)
    for k in range(n):
        s = logistic(params.gain[p, k] * (y[k] + params.bias[p, k]))
        slope[k] = params.gain[p, k] * s * (1.0 - s)
    for i in range(n):
        inv_tau = 1.0 / params.tau[p, i]
        for k in range(n):
            out[i, k] = params.weights[p, i, k] * slope[k] * inv_tau
        out[i, i] -= inv_tau


register_kernels(CTRNNParams, rhs=ctrnn_rhs, output=ctrnn_output, jac=ctrnn_jac)
