"""Derivatives of the discrete-time family's steps and readouts, for backpropagation through
time and real-time recurrent learning (:mod:`evornn.gradients`).

For each model, ``step(y, u, prm, p, y_next, jy, jth)`` writes the Jacobians of one step
with respect to the state (``jy``) and to the trainable parameters flattened in field order
(``jth``), and ``output(y, prm, p, oy, oth)`` those of the outputs; both receive zeroed
arrays. The equations are those of :mod:`evornn.models.rnn`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._kernels import register_gradient_kernels
from .._numba import ERROR_MODEL, FASTMATH
from .rnn import ElmanParams, FullyRecurrentParams, JordanParams


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _slope(value, code):
    """The derivative of an output activation, from the activation's value."""
    if code == 1:
        return 1.0 - value * value
    if code == 2:
        return value * (1.0 - value)
    return 1.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _tanh_recurrent_step(y, u, prm, p, y_next, jy, jth):
    """h' = tanh(W h + V x + b); theta = [W, V, b, ...]."""
    n, k = prm.w_in.shape[1], prm.w_in.shape[2]
    off_in, off_b = n * n, n * n + n * k
    for i in range(n):
        d = 1.0 - y_next[i] * y_next[i]
        for j in range(n):
            jy[i, j] = d * prm.w_rec[p, i, j]
            jth[i, i * n + j] = d * y[j]
        for j in range(k):
            jth[i, off_in + i * k + j] = d * u[j]
        jth[i, off_b + i] = d


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _readout_jacobians(h, first, prm, p, offset, oy, oth):
    """y = act(W_out h + b_out) with h = state[first:], W_out and b_out at `offset` in theta."""
    m_out, n = prm.w_out.shape[1], prm.w_out.shape[2]
    code = prm.out_act[p]
    for m in range(m_out):
        z = prm.b_out[p, m]
        for i in range(n):
            z += prm.w_out[p, m, i] * h[first + i]
        if code == 1:
            value = np.tanh(z)
        elif code == 2:
            value = 1.0 / (1.0 + np.exp(-z))
        else:
            value = z
        slope = _slope(value, code)
        for i in range(n):
            oy[m, first + i] = slope * prm.w_out[p, m, i]
            oth[m, offset + m * n + i] = slope * h[first + i]
        oth[m, offset + m_out * n + m] = slope


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _elman_output(y, prm, p, oy, oth):
    n, k = prm.w_in.shape[1], prm.w_in.shape[2]
    _readout_jacobians(y, 0, prm, p, n * n + n * k + n, oy, oth)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _chosen_units_output(y, prm, p, oy, oth):
    for m in range(prm.outputs.shape[1]):
        oy[m, prm.outputs[p, m]] = 1.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _jordan_step(y, u, prm, p, y_next, jy, jth):
    """s' = act(W_out h + b_out) + mu s, h' = tanh(V x + C s' + b), state [s, h];
    theta = [V, C, b, W_out, b_out]."""
    n, k = prm.w_in.shape[1], prm.w_in.shape[2]
    m_out = prm.w_out.shape[1]
    mu = prm.decay[p]
    off_ctx, off_b = n * k, n * k + n * m_out
    off_out = off_b + n
    off_bout = off_out + m_out * n
    # rows of s': d s'_q / d s = mu, d s'_q / d h via the readout of the old hidden layer
    for q in range(m_out):
        r = y_next[q] - mu * y[q]  # act(W_out h + b_out)
        slope = _slope(r, prm.out_act[p])
        jy[q, q] = mu
        for i in range(n):
            jy[q, m_out + i] = slope * prm.w_out[p, q, i]
            jth[q, off_out + q * n + i] = slope * y[m_out + i]
        jth[q, off_bout + q] = slope
    # rows of h': through s' (rows 0 .. m_out - 1 above) and directly
    n_state, n_params = jy.shape[1], jth.shape[1]
    for i in range(n):
        d = 1.0 - y_next[m_out + i] * y_next[m_out + i]
        row = m_out + i
        for c in range(n_state):
            a = 0.0
            for q in range(m_out):
                a += prm.w_ctx[p, i, q] * jy[q, c]
            jy[row, c] = d * a
        for c in range(off_out, n_params):
            a = 0.0
            for q in range(m_out):
                a += prm.w_ctx[p, i, q] * jth[q, c]
            jth[row, c] = d * a
        for j in range(k):
            jth[row, i * k + j] = d * u[j]
        for q in range(m_out):
            jth[row, off_ctx + i * m_out + q] = d * y_next[q]
        jth[row, off_b + i] = d


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _jordan_output(y, prm, p, oy, oth):
    n, k = prm.w_in.shape[1], prm.w_in.shape[2]
    m_out = prm.w_out.shape[1]
    _readout_jacobians(y, m_out, prm, p, n * k + n * m_out + n, oy, oth)


register_gradient_kernels(ElmanParams, step=_tanh_recurrent_step, output=_elman_output,
                          fields=("w_rec", "w_in", "bias", "w_out", "b_out"))
register_gradient_kernels(FullyRecurrentParams, step=_tanh_recurrent_step, output=_chosen_units_output,
                          fields=("w_rec", "w_in", "bias"))
register_gradient_kernels(JordanParams, step=_jordan_step, output=_jordan_output,
                          fields=("w_in", "w_ctx", "bias", "w_out", "b_out"))
