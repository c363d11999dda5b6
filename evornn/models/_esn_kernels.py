"""Compiled kernels of :mod:`evornn.models.esn`: the parameter layout, one reservoir step,
the readout, the model-interface kernels (rhs, output, Jacobian), the batched driver of
whole sequences, and recursive least squares.

The recurrent matrix is stored per individual in CSR form with **unsigned** 32-bit index
arrays: with signed indices Numba checks every access for a negative (wrap-around) index,
which slows the sparse product. Individuals may have different numbers of connections;
their arrays are padded to the longest.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse
from numba import njit, prange

from .._checks import one_of
from .._numba import ERROR_MODEL, FASTMATH, cast
from .._vecmath import tanh_into
from .base import register_kernels

ACTIVATIONS = ("tanh", "identity")


class ESNParams(NamedTuple):
    """Batched echo-state-network parameters; axis 0 indexes individuals."""

    indptr: np.ndarray  # (n_pop, n_units + 1) uint32: CSR row pointers of W
    indices: np.ndarray  # (n_pop, max_nnz) uint32: CSR column indices of W
    data: np.ndarray  # (n_pop, max_nnz): CSR values of W (padding beyond indptr[-1] unused)
    input_weights: np.ndarray  # (n_pop, n_units, n_inputs)
    bias: np.ndarray  # (n_pop, n_units)
    feedback_weights: np.ndarray  # (n_pop, n_units, n_feedback); n_feedback is 0 or n_outputs
    leak: np.ndarray  # (n_pop, n_units), in (0, 1]
    readout: np.ndarray  # (n_pop, n_outputs, n_units)
    readout_bias: np.ndarray  # (n_pop, n_outputs)
    linear: np.ndarray  # (n_pop,) bool: identity activation instead of tanh
    ridge: np.ndarray  # (n_pop,): default ridge coefficient of fit()


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _drive_of_unit(i, x, indptr, indices, data, w_in, u, w_fb, fb):
    """``(W x)_i + (W_in u)_i + (W_fb fb)_i`` with W in CSR form, summed in the precision of `x`."""
    a = cast(0.0, x)
    for k in range(indptr[i], indptr[i + 1]):
        a += data[k] * x[indices[k]]
    for j in range(w_in.shape[1]):
        a += w_in[i, j] * u[j]
    for j in range(w_fb.shape[1]):
        a += w_fb[i, j] * fb[j]
    return a


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def reservoir_step(x, params, p, u, fb, out, z, scratch):
    """``out = (1 - a) x + a f(W x + W_in u + W_fb fb + b)`` for individual `p`.

    `z` and `scratch` are work arrays of the state's size. The pre-activations are
    gathered first and tanh is applied to all of them at once by the vectorised
    :func:`~evornn._vecmath.tanh_into`. Numba-compiled; `out` must not alias `x`.
    """
    indptr = params.indptr[p]
    indices = params.indices[p]
    data = params.data[p]
    w_in = params.input_weights[p]
    w_fb = params.feedback_weights[p]
    bias = params.bias[p]
    leak = params.leak[p]
    n = x.shape[0]
    for i in range(n):
        z[i] = _drive_of_unit(i, x, indptr, indices, data, w_in, u, w_fb, fb) + bias[i]
    if params.linear[p]:
        out[:] = z
    else:
        tanh_into(z, out, scratch)
    one = cast(1.0, x)
    for i in range(n):
        out[i] = (one - leak[i]) * x[i] + leak[i] * out[i]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def readout_into(x, params, p, out):
    """``out = W_out x + b_out`` for individual `p`. Numba-compiled."""
    w = params.readout[p]
    b = params.readout_bias[p]
    for m in range(w.shape[0]):
        s = b[m]
        for i in range(w.shape[1]):
            s += w[m, i] * x[i]
        out[m] = s


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def esn_rhs(t, y, params, p, u, out):
    """The next state; `u` holds the inputs followed by the fed-back outputs."""
    n_in = params.input_weights.shape[2]
    reservoir_step(y, params, p, u[:n_in], u[n_in:], out, np.empty_like(y), np.empty_like(y))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def esn_output(y, params, p, out):
    readout_into(y, params, p, out)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def esn_jac(t, y, params, p, u, out):
    """``J = diag(1 - a) + diag(a f'(z)) W`` with z the activation's argument."""
    n = y.shape[0]
    n_in = params.input_weights.shape[2]
    indptr = params.indptr[p]
    indices = params.indices[p]
    data = params.data[p]
    w_in = params.input_weights[p]
    w_fb = params.feedback_weights[p]
    leak = params.leak[p]
    linear = params.linear[p]
    out[:] = 0.0
    for i in range(n):
        z = _drive_of_unit(i, y, indptr, indices, data, w_in, u[:n_in], w_fb, u[n_in:]) + params.bias[p, i]
        slope = 1.0 if linear else 1.0 - np.tanh(z) ** 2
        for k in range(indptr[i], indptr[i + 1]):
            out[i, indices[k]] += leak[i] * slope * data[k]
        out[i, i] += 1.0 - leak[i]


register_kernels(ESNParams, rhs=esn_rhs, output=esn_output, jac=esn_jac)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _drive(params, x, y_last, u, teacher, n_steps, n_given, record_from, states, outputs):
    """Run every individual p on every sequence s for `n_steps` steps, in parallel.

    x : (n_pop, n_seq, N) states, updated in place.
    y_last : (n_pop, n_seq, M) the previous output (fed back, and the input once the
        given inputs run out), updated in place.
    u : (n_seq, n_given, K) inputs; steps t >= n_given take y_last as input (generation).
    teacher : (n_seq, n_steps, M) or (n_seq, 0, M): with teacher forcing, y_last is the
        teacher's value rather than the readout's.
    states : (n_pop, n_seq, n_rec, N) receives x after steps t >= record_from (n_rec may be 0).
    outputs : (n_pop, n_seq, n_steps, M) or (n_pop, n_seq, 0, M): receives y.
    """
    n_pop, n_seq = x.shape[0], x.shape[1]
    n_out = y_last.shape[2]
    forced = teacher.shape[1] > 0
    read = (not forced) or outputs.shape[2] > 0
    for q in prange(n_pop * n_seq):
        p, s = q // n_seq, q % n_seq
        xp = x[p, s].copy()
        x_new = np.empty_like(xp)  # in the precision of the states (float64, or float32)
        z = np.empty_like(xp)
        scratch = np.empty_like(xp)
        y = y_last[p, s].copy()
        fb = y_last[p, s].copy()
        for t in range(n_steps):
            if t < n_given:
                reservoir_step(xp, params, p, u[s, t], fb, x_new, z, scratch)
            else:
                reservoir_step(xp, params, p, fb, fb, x_new, z, scratch)
            xp[:] = x_new
            if read:
                readout_into(xp, params, p, y)
            if forced:
                fb[:] = teacher[s, t]
            else:
                fb[:] = y
            if t >= record_from and t - record_from < states.shape[2]:
                states[p, s, t - record_from] = xp
            if outputs.shape[2] > 0:
                outputs[p, s, t] = y
        x[p, s] = xp
        for m in range(n_out):
            y_last[p, s, m] = fb[m]


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _rls(params, u, targets, washout, alpha, forgetting, readout, readout_bias):
    """Recursive least squares on the features [x, 1], one individual per thread.

    With output feedback the readout's own output is fed back while it learns (FORCE,
    Sussillo and Abbott 2009). readout (n_pop, M, N) and readout_bias (n_pop, M) start
    from the values given and are updated in place.
    """
    n_pop = readout.shape[0]
    n_seq, n_steps = u.shape[0], u.shape[1]
    n_out, n = readout.shape[1], readout.shape[2]
    forced = params.feedback_weights.shape[2] == 0
    for p in prange(n_pop):
        w = np.empty((n_out, n + 1))
        w[:, :n] = readout[p]
        w[:, n] = readout_bias[p]
        big_p = np.eye(n + 1) / alpha
        phi = np.empty(n + 1)
        p_phi = np.empty(n + 1)
        x = np.zeros(n)
        x_new = np.empty(n)
        zbuf = np.empty(n)
        scratch = np.empty(n)
        fb = np.zeros(n_out)
        z = np.empty(n_out)
        for s in range(n_seq):
            x[:] = 0.0
            fb[:] = 0.0
            for t in range(n_steps):
                reservoir_step(x, params, p, u[s, t], fb, x_new, zbuf, scratch)
                x[:] = x_new
                phi[:n] = x
                phi[n] = 1.0
                for m in range(n_out):
                    acc = 0.0
                    for i in range(n + 1):
                        acc += w[m, i] * phi[i]
                    z[m] = acc
                if t >= washout:
                    denom = forgetting
                    for i in range(n + 1):
                        acc = 0.0
                        for j in range(n + 1):
                            acc += big_p[i, j] * phi[j]
                        p_phi[i] = acc
                        denom += phi[i] * acc
                    for i in range(n + 1):
                        for j in range(n + 1):
                            big_p[i, j] = (big_p[i, j] - p_phi[i] * p_phi[j] / denom) / forgetting
                    for m in range(n_out):
                        err = z[m] - targets[s, t, m]
                        for i in range(n + 1):
                            w[m, i] -= err * p_phi[i] / denom
                for m in range(n_out):
                    fb[m] = targets[s, t, m] if forced else z[m]
        readout[p] = w[:, :n]
        readout_bias[p] = w[:, n]


def _assemble(recurrent, input_weights, bias, feedback, leak, ridge, activation, n_outputs, readout=None,
              readout_bias=None) -> ESNParams:
    """ESNParams from a list of n_pop sparse recurrent matrices and batched dense arrays."""
    one_of("activation", activation, ACTIVATIONS)
    n_pop = len(recurrent)
    n = recurrent[0].shape[0]
    csr = [scipy.sparse.csr_array(w, dtype=np.float64) for w in recurrent]
    for w in csr:
        w.sum_duplicates()
        w.sort_indices()
    max_nnz = max(1, max(w.nnz for w in csr))
    indptr = np.zeros((n_pop, n + 1), dtype=np.uint32)
    indices = np.zeros((n_pop, max_nnz), dtype=np.uint32)
    data = np.zeros((n_pop, max_nnz))
    for p, w in enumerate(csr):
        indptr[p] = w.indptr
        indices[p, : w.nnz] = w.indices
        data[p, : w.nnz] = w.data
    if readout is None:
        readout = np.zeros((n_pop, n_outputs, n))
    if readout_bias is None:
        readout_bias = np.zeros((n_pop, n_outputs))
    linear = np.full(n_pop, activation == "identity")
    fields = [indptr, indices, data, input_weights, bias, feedback, leak, readout, readout_bias, linear,
              np.asarray(ridge, dtype=np.float64).reshape(n_pop)]
    frozen = []
    for arr in fields:
        arr = np.array(arr, order="C", copy=True)
        arr.flags.writeable = False
        frozen.append(arr)
    return ESNParams(*frozen)
