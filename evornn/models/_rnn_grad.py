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
from .rnn import ElmanParams, FullyRecurrentParams, GRUParams, JordanParams, LSTMParams, _activation_slope, _sigma


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _drive(w_in, w_rec, bias, gate, i, u, h):
    """bias + W_in x + W_rec h of unit i of a gate."""
    a = bias[gate, i]
    for k in range(u.shape[0]):
        a += w_in[gate, i, k] * u[k]
    for j in range(h.shape[0]):
        a += w_rec[gate, i, j] * h[j]
    return a


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
        slope = _activation_slope(value, code)
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
        slope = _activation_slope(r, prm.out_act[p])
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


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _gru_step(h, u, prm, p, h_next, jy, jth):
    """z = sigma(..), r = sigma(..), g = tanh(V_g x + U_g (r h) + b_g), h' = z h + (1 - z) g;
    theta = [w_in (3, H, K), w_rec (3, H, H), bias (3, H), w_out, b_out], gates z, r, g."""
    n, k = h.shape[0], u.shape[0]
    w_in, w_rec, bias = prm.w_in[p], prm.w_rec[p], prm.bias[p]
    off_rec, off_b = 3 * n * k, 3 * n * k + 3 * n * n
    z, r, g, rh = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    dz, dr, dg = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        z[i] = _sigma(_drive(w_in, w_rec, bias, 0, i, u, h))
        r[i] = _sigma(_drive(w_in, w_rec, bias, 1, i, u, h))
        rh[i] = r[i] * h[i]
    for i in range(n):
        a = bias[2, i]
        for q in range(k):
            a += w_in[2, i, q] * u[q]
        for j in range(n):
            a += w_rec[2, i, j] * rh[j]
        g[i] = np.tanh(a)
        dz[i] = (h[i] - g[i]) * z[i] * (1.0 - z[i])  # d h'_i / d a_z,i
        dg[i] = (1.0 - z[i]) * (1.0 - g[i] * g[i])  # d h'_i / d a_g,i
        dr[i] = h[i] * r[i] * (1.0 - r[i])  # d (r h)_i / d a_r,i
    for i in range(n):
        for c in range(n):
            a = dz[i] * w_rec[0, i, c] + dg[i] * w_rec[2, i, c] * r[c]
            for j in range(n):
                a += dg[i] * w_rec[2, i, j] * dr[j] * w_rec[1, j, c]
            jy[i, c] = a
        jy[i, i] += z[i]
        for q in range(k):  # the update gate (0) and the candidate (2) of unit i
            jth[i, i * k + q] = dz[i] * u[q]
            jth[i, 2 * n * k + i * k + q] = dg[i] * u[q]
        for j in range(n):
            jth[i, off_rec + i * n + j] = dz[i] * h[j]
            jth[i, off_rec + 2 * n * n + i * n + j] = dg[i] * rh[j]
        jth[i, off_b + i] = dz[i]
        jth[i, off_b + 2 * n + i] = dg[i]
        for j in range(n):  # the reset gate of unit j reaches unit i through U_g[i, j]
            d = dg[i] * w_rec[2, i, j] * dr[j]
            for q in range(k):
                jth[i, n * k + j * k + q] = d * u[q]
            for c in range(n):
                jth[i, off_rec + n * n + j * n + c] = d * h[c]
            jth[i, off_b + n + j] = d


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _gru_output(y, prm, p, oy, oth):
    n, k = prm.w_in.shape[2], prm.w_in.shape[3]
    _readout_jacobians(y, 0, prm, p, 3 * n * k + 3 * n * n + 3 * n, oy, oth)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _lstm_step(y, u, prm, p, y_next, jy, jth):
    """i, f = sigma(.. + p c), g = tanh(..), c' = f c + i g, o = sigma(.. + p_o c'),
    h' = o tanh(c'); state [h, c]; theta = [w_in (4, H, K), w_rec (4, H, H), bias (4, H),
    peep (3, H), w_out, b_out], gates i, f, g, o."""
    n, k = y.shape[0] // 2, u.shape[0]
    h, c = y[:n], y[n:]
    w_in, w_rec, bias, peep = prm.w_in[p], prm.w_rec[p], prm.bias[p], prm.peep[p]
    off_rec = 4 * n * k
    off_b = off_rec + 4 * n * n
    off_peep = off_b + 4 * n
    d_gate = np.empty(4)  # d c'_i / d a (gates i, f, g), then d h'_i / d a_o
    for i in range(n):
        gi = _sigma(_drive(w_in, w_rec, bias, 0, i, u, h) + peep[0, i] * c[i])
        gf = _sigma(_drive(w_in, w_rec, bias, 1, i, u, h) + peep[1, i] * c[i])
        gg = np.tanh(_drive(w_in, w_rec, bias, 2, i, u, h))
        c_new = gf * c[i] + gi * gg
        go = _sigma(_drive(w_in, w_rec, bias, 3, i, u, h) + peep[2, i] * c_new)
        tc = np.tanh(c_new)
        d_gate[0] = gg * gi * (1.0 - gi)
        d_gate[1] = c[i] * gf * (1.0 - gf)
        d_gate[2] = gi * (1.0 - gg * gg)
        d_gate[3] = tc * go * (1.0 - go)
        e = go * (1.0 - tc * tc) + d_gate[3] * peep[2, i]  # d h'_i / d c'_i, directly and through o
        dc_dc = gf + d_gate[0] * peep[0, i] + d_gate[1] * peep[1, i]
        row_c, row_h = n + i, i
        for q in range(n):  # c' row: through the gates i, f, g; h' row: e times that, and through o
            a = 0.0
            for gate in range(3):
                a += d_gate[gate] * w_rec[gate, i, q]
            jy[row_c, q] = a
            jy[row_h, q] = e * a + d_gate[3] * w_rec[3, i, q]
        jy[row_c, n + i] = dc_dc
        jy[row_h, n + i] = e * dc_dc
        for gate in range(4):
            d_c = d_gate[gate] if gate < 3 else 0.0  # the output gate does not reach c'
            d_h = e * d_c if gate < 3 else d_gate[3]
            for q in range(k):
                col = gate * n * k + i * k + q
                jth[row_c, col] = d_c * u[q]
                jth[row_h, col] = d_h * u[q]
            for q in range(n):
                col = off_rec + gate * n * n + i * n + q
                jth[row_c, col] = d_c * h[q]
                jth[row_h, col] = d_h * h[q]
            jth[row_c, off_b + gate * n + i] = d_c
            jth[row_h, off_b + gate * n + i] = d_h
        for gate in range(2):  # peepholes to i and f read c; to o, c'
            jth[row_c, off_peep + gate * n + i] = d_gate[gate] * c[i]
            jth[row_h, off_peep + gate * n + i] = e * d_gate[gate] * c[i]
        jth[row_h, off_peep + 2 * n + i] = d_gate[3] * c_new


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _lstm_output(y, prm, p, oy, oth):
    n, k = prm.w_in.shape[2], prm.w_in.shape[3]
    _readout_jacobians(y, 0, prm, p, 4 * n * k + 4 * n * n + 4 * n + 3 * n, oy, oth)


register_gradient_kernels(GRUParams, step=_gru_step, output=_gru_output,
                          fields=("w_in", "w_rec", "bias", "w_out", "b_out"))
register_gradient_kernels(LSTMParams, step=_lstm_step, output=_lstm_output,
                          fields=("w_in", "w_rec", "bias", "peep", "w_out", "b_out"))
register_gradient_kernels(ElmanParams, step=_tanh_recurrent_step, output=_elman_output,
                          fields=("w_rec", "w_in", "bias", "w_out", "b_out"))
register_gradient_kernels(FullyRecurrentParams, step=_tanh_recurrent_step, output=_chosen_units_output,
                          fields=("w_rec", "w_in", "bias"))
register_gradient_kernels(JordanParams, step=_jordan_step, output=_jordan_output,
                          fields=("w_in", "w_ctx", "bias", "w_out", "b_out"))
