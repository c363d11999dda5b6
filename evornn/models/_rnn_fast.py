"""Whole-run kernels for gated recurrent populations (GRU, LSTM).

The generic path calls a model's per-step ``rhs`` kernel, which evaluates one scalar
exponential per gate unit and allocates its scratch every step. These kernels run many
steps of one network per thread with its scratch allocated once: the gate pre-activations
are row-by-row dot products the compiler vectorises, and the gate nonlinearities go through
the vectorised :func:`~evornn._vecmath.logistic_into` and ``tanh_into`` (a few
units in the last place from NumPy's; ``tests/models/test_rnn.py`` checks both paths
against the NumPy references to 1e-12). Same arguments and recording rules as
:func:`evornn.integrate.fixed_step.run_fixed` with the map method; results do not depend on
the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._numba import ERROR_MODEL, FASTMATH
from .._vecmath import logistic_into, tanh_into


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _preactivate(w_in, w_rec, bias, p, gates, x, h, out):
    """``out[g H + i] = bias[p, g, i] + w_in[p, g, i] . x + w_rec[p, g, i] . h`` for the gates
    ``g`` in `gates` (consecutive)."""
    n_hidden = h.shape[0]
    row = 0
    for g in gates:
        for i in range(n_hidden):
            a = bias[p, g, i]
            for k in range(x.shape[0]):
                a += w_in[p, g, i, k] * x[k]
            for j in range(n_hidden):
                a += w_rec[p, g, i, j] * h[j]
            out[row] = a
            row += 1


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_lstm(w_in, w_rec, bias, peep, y, step0, n_steps, u, record_every, y_rec):
    """LSTM steps (state ``[h, c]``, gates [input, forget, cell, output], peepholes)."""
    n_pop = y.shape[0]
    n_hidden = bias.shape[2]
    per_step = u.shape[0] > 1
    for p in prange(n_pop):
        pre = np.empty(4 * n_hidden)
        act = np.empty(4 * n_hidden)
        scratch = np.empty(4 * n_hidden)
        h = y[p, :n_hidden]
        c = y[p, n_hidden:]
        for n in range(n_steps):
            x = u[n if per_step else 0, 0, p]
            _preactivate(w_in, w_rec, bias, p, range(4), x, h, pre)
            for i in range(n_hidden):
                pre[i] += peep[p, 0, i] * c[i]
                pre[n_hidden + i] += peep[p, 1, i] * c[i]
            logistic_into(pre[:2 * n_hidden], act[:2 * n_hidden], scratch[:2 * n_hidden])
            tanh_into(pre[2 * n_hidden:3 * n_hidden], act[2 * n_hidden:3 * n_hidden], scratch[:n_hidden])
            for i in range(n_hidden):
                c[i] = act[n_hidden + i] * c[i] + act[i] * act[2 * n_hidden + i]
                pre[3 * n_hidden + i] += peep[p, 2, i] * c[i]
            logistic_into(pre[3 * n_hidden:], act[3 * n_hidden:], scratch[:n_hidden])
            tanh_into(c, act[:n_hidden], scratch[:n_hidden])
            for i in range(n_hidden):
                h[i] = act[3 * n_hidden + i] * act[i]
            step = step0 + n
            if (step + 1) % record_every == 0:
                y_rec[(step + 1) // record_every, p] = y[p]


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_gru(w_in, w_rec, bias, y, step0, n_steps, u, record_every, y_rec):
    """GRU steps (gates [update z, reset r, candidate g]; ``h' = z h + (1 - z) g``)."""
    n_pop, n_hidden = y.shape
    per_step = u.shape[0] > 1
    for p in prange(n_pop):
        pre = np.empty(3 * n_hidden)
        act = np.empty(3 * n_hidden)
        scratch = np.empty(2 * n_hidden)
        rh = np.empty(n_hidden)
        h = y[p]
        for n in range(n_steps):
            x = u[n if per_step else 0, 0, p]
            _preactivate(w_in, w_rec, bias, p, range(2), x, h, pre)
            logistic_into(pre[:2 * n_hidden], act[:2 * n_hidden], scratch)
            for i in range(n_hidden):
                rh[i] = act[n_hidden + i] * h[i]
            _preactivate(w_in, w_rec, bias, p, range(2, 3), x, rh, pre[2 * n_hidden:])
            tanh_into(pre[2 * n_hidden:], act[2 * n_hidden:], scratch[:n_hidden])
            for i in range(n_hidden):
                z = act[i]
                h[i] = z * h[i] + (1.0 - z) * act[2 * n_hidden + i]
            step = step0 + n
            if (step + 1) % record_every == 0:
                y_rec[(step + 1) // record_every, p] = h
