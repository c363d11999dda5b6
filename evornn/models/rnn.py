r"""The discrete-time recurrent family, population-batched: Elman, Jordan, fully recurrent,
IndRNN, GRU, LSTM and second-order networks.

Each is a :class:`~evornn.models.base.DiscreteModel` (one ``rhs`` call is one time step: the
input is the step's input) with its equations below, a linear readout
``y = act(W_out h + b_out)`` (activation ``"identity"``, ``"tanh"`` or ``"logistic"``)
unless stated, :meth:`RNN.random` initialisation and :meth:`RNN.codec` for evolution. The
per-individual weights ``w[p, i, j]`` run from j to i. sigma is the logistic function.

========================  ==================================================================
model                     step (state -> next state, input x)
========================  ==================================================================
:class:`Elman`            h' = tanh(W h + V x + b); context units copy h
:class:`Jordan`           s' = mu s + y(h),  h' = tanh(V x + C s' + b)  (state [s, h])
:class:`FullyRecurrent`   a' = tanh(W a + V x + b); outputs are chosen units of a
:class:`IndRNN`           h' = f(w * h + V x + b), w a vector, f = tanh or ReLU
:class:`GRU`              z = sigma(..), r = sigma(..), g = tanh(V_g x + U_g (r * h) + b_g),
                          h' = z * h + (1 - z) * g  (Cho et al. 2014)
:class:`LSTM`             i, f = sigma(.. + p * c), g = tanh(..), c' = f c + i g,
                          o = sigma(.. + p_o * c'), h' = o tanh(c'); state [h, c]; optional
                          peepholes p (Gers and Schmidhuber 2000)
:class:`SecondOrder`      a'_i = sigma(sum_jk W_ijk a_j x_k + b_i); outputs are chosen units
:class:`NARX`             y(t) = act(W_out tanh(sum_d V_d x(t-d) + sum_d F_d y(t-d) + b) + b_out),
                          d = 0 .. D_u - 1 over the inputs and 1 .. D_y over the fed-back
                          outputs (tapped delay lines; the state is the lines)
:class:`RMLP`             h_1' = tanh(V x + R_1 h_1 + b_1), h_l' = tanh(W_l h_{l-1}' + R_l h_l
                          + b_l): cascaded layers, each with its own feedback (Puskorius and
                          Feldkamp 1994); the readout reads the last layer
========================  ==================================================================
"""

from __future__ import annotations

import functools
from typing import ClassVar, NamedTuple

import numpy as np
from numba import njit

from .._checks import as_float_array, check_memory, one_of, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ..random import as_rng
from ._rnn_fast import run_gru, run_lstm
from .base import DiscreteModel, leading_state, register_fast_paths, register_kernels

OUTPUT_ACTIVATIONS = {"identity": 0, "tanh": 1, "logistic": 2}


def activation_code(output_activation) -> int:
    """The code of an output activation's name, or an error naming the names allowed."""
    return OUTPUT_ACTIVATIONS[one_of("output_activation", output_activation, OUTPUT_ACTIVATIONS)]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _sigma(x):
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _activate(x, code):
    if code == 1:
        return np.tanh(x)
    if code == 2:
        return 1.0 / (1.0 + np.exp(-x))
    return x


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _readout(h, w_out, b_out, code, out):
    for m in range(w_out.shape[0]):
        a = b_out[m]
        for i in range(w_out.shape[1]):
            a += w_out[m, i] * h[i]
        out[m] = _activate(a, code)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _affine(i, w, x, acc):
    for j in range(w.shape[1]):
        acc += w[i, j] * x[j]
    return acc


# ---------------------------------------------------------------------- Elman
class ElmanParams(NamedTuple):
    w_rec: np.ndarray  # (n_pop, H, H)
    w_in: np.ndarray  # (n_pop, H, K)
    bias: np.ndarray  # (n_pop, H)
    w_out: np.ndarray  # (n_pop, M, H)
    b_out: np.ndarray  # (n_pop, M)
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def tanh_recurrent_rhs(t, h, prm, p, u, out):
    """``h' = tanh(W h + V x + b)``: the Elman and fully recurrent step (fields w_rec, w_in, bias)."""
    for i in range(h.shape[0]):
        out[i] = np.tanh(_affine(i, prm.w_in[p], u, _affine(i, prm.w_rec[p], h, prm.bias[p, i])))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def elman_output(h, prm, p, out):
    _readout(h, prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


register_kernels(ElmanParams, rhs=tanh_recurrent_rhs, output=elman_output)


# ---------------------------------------------------------------------- Jordan
class JordanParams(NamedTuple):
    w_in: np.ndarray  # (n_pop, H, K)
    w_ctx: np.ndarray  # (n_pop, H, M): state units -> hidden
    bias: np.ndarray  # (n_pop, H)
    w_out: np.ndarray  # (n_pop, M, H)
    b_out: np.ndarray  # (n_pop, M)
    decay: np.ndarray  # (n_pop,) mu, the state units' self-recurrence
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def jordan_rhs(t, y, prm, p, u, out):
    m = prm.w_out.shape[1]
    s, h = y[:m], y[m:]
    s_new, h_new = out[:m], out[m:]
    _readout(h, prm.w_out[p], prm.b_out[p], prm.out_act[p], s_new)  # y(t) from the old hidden layer
    for k in range(m):
        s_new[k] += prm.decay[p] * s[k]
    for i in range(h.shape[0]):
        h_new[i] = np.tanh(_affine(i, prm.w_ctx[p], s_new, _affine(i, prm.w_in[p], u, prm.bias[p, i])))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def jordan_output(y, prm, p, out):
    _readout(y[prm.w_out.shape[1]:], prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


register_kernels(JordanParams, rhs=jordan_rhs, output=jordan_output)


# ---------------------------------------------------------------------- fully recurrent
class FullyRecurrentParams(NamedTuple):
    w_rec: np.ndarray  # (n_pop, N, N)
    w_in: np.ndarray  # (n_pop, N, K)
    bias: np.ndarray  # (n_pop, N)
    outputs: np.ndarray  # (n_pop, M) int: the units read as outputs


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def chosen_units(a, prm, p, out):
    for m in range(prm.outputs.shape[1]):
        out[m] = a[prm.outputs[p, m]]


register_kernels(FullyRecurrentParams, rhs=tanh_recurrent_rhs, output=chosen_units)


# ---------------------------------------------------------------------- IndRNN
class IndRNNParams(NamedTuple):
    w_rec: np.ndarray  # (n_pop, H): each unit's own recurrent weight
    w_in: np.ndarray  # (n_pop, H, K)
    bias: np.ndarray  # (n_pop, H)
    w_out: np.ndarray  # (n_pop, M, H)
    b_out: np.ndarray  # (n_pop, M)
    relu: np.ndarray  # (n_pop,) bool: ReLU instead of tanh
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def indrnn_rhs(t, h, prm, p, u, out):
    for i in range(h.shape[0]):
        a = _affine(i, prm.w_in[p], u, prm.bias[p, i] + prm.w_rec[p, i] * h[i])
        out[i] = max(a, 0.0) if prm.relu[p] else np.tanh(a)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def indrnn_output(h, prm, p, out):
    _readout(h, prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


register_kernels(IndRNNParams, rhs=indrnn_rhs, output=indrnn_output)


# ---------------------------------------------------------------------- GRU
class GRUParams(NamedTuple):
    w_in: np.ndarray  # (n_pop, 3, H, K): update z, reset r, candidate g
    w_rec: np.ndarray  # (n_pop, 3, H, H)
    bias: np.ndarray  # (n_pop, 3, H)
    w_out: np.ndarray  # (n_pop, M, H)
    b_out: np.ndarray  # (n_pop, M)
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def gru_rhs(t, h, prm, p, u, out):
    n = h.shape[0]
    z = np.empty(n)
    rh = np.empty(n)
    for i in range(n):
        z[i] = _sigma(_affine(i, prm.w_in[p, 0], u, _affine(i, prm.w_rec[p, 0], h, prm.bias[p, 0, i])))
        r = _sigma(_affine(i, prm.w_in[p, 1], u, _affine(i, prm.w_rec[p, 1], h, prm.bias[p, 1, i])))
        rh[i] = r * h[i]
    for i in range(n):
        g = np.tanh(_affine(i, prm.w_in[p, 2], u, _affine(i, prm.w_rec[p, 2], rh, prm.bias[p, 2, i])))
        out[i] = z[i] * h[i] + (1.0 - z[i]) * g


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def gru_output(h, prm, p, out):
    _readout(h, prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


register_kernels(GRUParams, rhs=gru_rhs, output=gru_output)


def _gru_fixed_step(params, run, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec) -> bool:
    """The GRU's ``fixed_step`` hook: whole runs with the gates' vectorised nonlinearities."""
    run_gru(params.w_in, params.w_rec, params.bias, y, step0, n_steps, u, record_every, y_rec)
    return True


register_fast_paths(GRUParams, fixed_step=_gru_fixed_step)


# ---------------------------------------------------------------------- LSTM
class LSTMParams(NamedTuple):
    w_in: np.ndarray  # (n_pop, 4, H, K): input i, forget f, cell g, output o
    w_rec: np.ndarray  # (n_pop, 4, H, H)
    bias: np.ndarray  # (n_pop, 4, H)
    peep: np.ndarray  # (n_pop, 3, H): peepholes to i, f (from c) and o (from c'); zero for none
    w_out: np.ndarray  # (n_pop, M, H)
    b_out: np.ndarray  # (n_pop, M)
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lstm_rhs(t, y, prm, p, u, out):
    n = y.shape[0] // 2
    h, c = y[:n], y[n:]
    h_new, c_new = out[:n], out[n:]
    for i in range(n):
        gate_i = _sigma(_affine(i, prm.w_in[p, 0], u, _affine(i, prm.w_rec[p, 0], h, prm.bias[p, 0, i]))
                        + prm.peep[p, 0, i] * c[i])
        gate_f = _sigma(_affine(i, prm.w_in[p, 1], u, _affine(i, prm.w_rec[p, 1], h, prm.bias[p, 1, i]))
                        + prm.peep[p, 1, i] * c[i])
        g = np.tanh(_affine(i, prm.w_in[p, 2], u, _affine(i, prm.w_rec[p, 2], h, prm.bias[p, 2, i])))
        c_new[i] = gate_f * c[i] + gate_i * g
    for i in range(n):
        gate_o = _sigma(_affine(i, prm.w_in[p, 3], u, _affine(i, prm.w_rec[p, 3], h, prm.bias[p, 3, i]))
                        + prm.peep[p, 2, i] * c_new[i])
        h_new[i] = gate_o * np.tanh(c_new[i])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lstm_output(y, prm, p, out):
    _readout(y[: y.shape[0] // 2], prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


register_kernels(LSTMParams, rhs=lstm_rhs, output=lstm_output)


def _lstm_fixed_step(params, run, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec) -> bool:
    """The LSTM's ``fixed_step`` hook: whole runs with the gates' vectorised nonlinearities."""
    run_lstm(params.w_in, params.w_rec, params.bias, params.peep, y, step0, n_steps, u, record_every, y_rec)
    return True


register_fast_paths(LSTMParams, fixed_step=_lstm_fixed_step)


# ---------------------------------------------------------------------- second order
class SecondOrderParams(NamedTuple):
    w: np.ndarray  # (n_pop, N, N, K): w[i, j, k] on a_j x_k
    bias: np.ndarray  # (n_pop, N)
    outputs: np.ndarray  # (n_pop, M) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def second_order_rhs(t, a, prm, p, u, out):
    w = prm.w[p]
    for i in range(a.shape[0]):
        acc = prm.bias[p, i]
        for j in range(a.shape[0]):
            for k in range(u.shape[0]):
                acc += w[i, j, k] * a[j] * u[k]
        out[i] = _sigma(acc)


register_kernels(SecondOrderParams, rhs=second_order_rhs, output=chosen_units)


# ---------------------------------------------------------------------- NARX
class NARXParams(NamedTuple):
    w_in: np.ndarray  # (n_pop, H, Du, K): input taps x(t), x(t-1), ..., x(t-Du+1)
    w_fb: np.ndarray  # (n_pop, H, Dy, M): output taps y(t-1), ..., y(t-Dy)
    bias: np.ndarray  # (n_pop, H)
    w_out: np.ndarray  # (n_pop, M, H)
    b_out: np.ndarray  # (n_pop, M)
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _narx_drive(i, s, prm, p, u):
    """Hidden unit `i`'s summed input: its bias, the input line (the current input `u`,
    then the earlier inputs in `s`) and the fed-back output line in `s`."""
    w_in, w_fb = prm.w_in[p], prm.w_fb[p]
    du, k = w_in.shape[1], w_in.shape[2]
    dy, m = w_fb.shape[1], w_fb.shape[2]
    n_y = dy * m
    a = prm.bias[p, i]
    for j in range(k):
        a += w_in[i, 0, j] * u[j]
    for d in range(1, du):
        for j in range(k):
            a += w_in[i, d, j] * s[n_y + (d - 1) * k + j]
    for d in range(dy):
        for q in range(m):
            a += w_fb[i, d, q] * s[d * m + q]
    return a


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def narx_rhs(t, s, prm, p, u, out):
    """One step of the NARX network: the state ``s`` is the output line ``y(t-1) ...
    y(t-Dy)`` (newest first, M values each) then the input line ``x(t-1) ... x(t-Du+1)``;
    the next state holds ``y(t)`` first."""
    w_in, w_fb = prm.w_in[p], prm.w_fb[p]
    du, k = w_in.shape[1], w_in.shape[2]
    dy, m = w_fb.shape[1], w_fb.shape[2]
    n_y = dy * m
    for q in range(m):
        out[q] = prm.b_out[p, q]
    for i in range(w_in.shape[0]):
        h = np.tanh(_narx_drive(i, s, prm, p, u))
        for q in range(m):
            out[q] += prm.w_out[p, q, i] * h
    for q in range(m):
        out[q] = _activate(out[q], prm.out_act[p])
    for r in range(m, n_y):  # the output line moves on by one
        out[r] = s[r - m]
    if du > 1:  # and the input line
        for j in range(k):
            out[n_y + j] = u[j]
        for r in range(n_y + k, s.shape[0]):
            out[r] = s[r - k]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _activation_slope(z, code):
    """d act / d a at output value `z` = act(a)."""
    if code == 1:
        return 1.0 - z * z
    if code == 2:
        return z * (1.0 - z)
    return 1.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def narx_jac(t, s, prm, p, u, out):
    """Analytic Jacobian of the NARX step (:func:`narx_rhs`): the new output's derivative
    through the hidden layer, and the delay lines' shifts."""
    w_in, w_fb = prm.w_in[p], prm.w_fb[p]
    du, k = w_in.shape[1], w_in.shape[2]
    dy, m = w_fb.shape[1], w_fb.shape[2]
    n_y = dy * m
    nxt = np.empty(s.shape[0])
    narx_rhs(t, s, prm, p, u, nxt)
    out[:, :] = 0.0
    for i in range(w_in.shape[0]):
        slope_h = 1.0 - np.tanh(_narx_drive(i, s, prm, p, u)) ** 2
        for q in range(m):
            g = _activation_slope(nxt[q], prm.out_act[p]) * prm.w_out[p, q, i] * slope_h
            for d in range(dy):
                for r in range(m):
                    out[q, d * m + r] += g * w_fb[i, d, r]
            for d in range(1, du):
                for j in range(k):
                    out[q, n_y + (d - 1) * k + j] += g * w_in[i, d, j]
    for r in range(m, n_y):
        out[r, r - m] = 1.0
    for r in range(n_y + k, s.shape[0]):
        out[r, r - k] = 1.0


register_kernels(NARXParams, rhs=narx_rhs, output=leading_state, jac=narx_jac)


# ---------------------------------------------------------------------- RMLP
class RMLPParams(NamedTuple):
    w_in: np.ndarray  # (n_pop, H, K): input -> layer 1
    w_fwd: np.ndarray  # (n_pop, L - 1, H, H): layer l -> layer l + 1
    w_rec: np.ndarray  # (n_pop, L, H, H): each layer's feedback
    bias: np.ndarray  # (n_pop, L, H)
    w_out: np.ndarray  # (n_pop, M, H): readout of layer L
    b_out: np.ndarray  # (n_pop, M)
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def rmlp_rhs(t, s, prm, p, u, out):
    """One step of the recurrent multilayer perceptron: layer by layer, each from the layer
    below's new values and its own previous ones (state: the layers, first to last)."""
    n_layers, n = prm.bias.shape[1], prm.bias.shape[2]
    for layer in range(n_layers):
        h = s[layer * n:(layer + 1) * n]
        below = out[(layer - 1) * n:layer * n] if layer else u
        w = prm.w_fwd[p, layer - 1] if layer else prm.w_in[p]
        for i in range(n):
            a = _affine(i, prm.w_rec[p, layer], h, prm.bias[p, layer, i])
            out[layer * n + i] = np.tanh(_affine(i, w, below, a))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def rmlp_output(s, prm, p, out):
    n = prm.bias.shape[2]
    _readout(s[s.shape[0] - n:], prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def rmlp_jac(t, s, prm, p, u, out):
    """Analytic Jacobian of the RMLP step: layer l's rows are diag(1 - h_l'^2) (R_l on its
    own block + W_l times layer l-1's rows)."""
    n_layers, n = prm.bias.shape[1], prm.bias.shape[2]
    nxt = np.empty(s.shape[0])
    rmlp_rhs(t, s, prm, p, u, nxt)
    out[:, :] = 0.0
    for layer in range(n_layers):
        for i in range(n):
            row = layer * n + i
            slope = 1.0 - nxt[row] * nxt[row]
            for j in range(n):
                out[row, layer * n + j] += slope * prm.w_rec[p, layer, i, j]
            if layer:
                for j in range(n):
                    w = slope * prm.w_fwd[p, layer - 1, i, j]
                    below = (layer - 1) * n + j
                    for c in range(s.shape[0]):
                        out[row, c] += w * out[below, c]


register_kernels(RMLPParams, rhs=rmlp_rhs, output=rmlp_output, jac=rmlp_jac)


# ---------------------------------------------------------------------- classes
class RNN(DiscreteModel):
    """Base of the discrete-time family: construction from arrays, random initialisation,
    codecs and sizes. Subclasses declare their params type and field shapes."""

    params_type: ClassVar[type]
    #: Options of :attr:`options` that change the fields' shapes (delays, layers): passed to
    #: :meth:`shapes`, and read back from the arrays by :meth:`_layout`.
    shape_options: ClassVar[tuple[str, ...]] = ()
    #: Fields that are not evolved (integer codes, flags, output choices).
    fixed_fields: ClassVar[tuple[str, ...]] = ("out_act", "relu", "outputs", "decay")
    #: The options of :meth:`random` and :meth:`codec` this model takes, with their defaults
    #: (experiment files read them from here).
    options: ClassVar[dict] = {}
    #: Whether the outputs are a linear readout ``act(W_out h + b_out)`` of the hidden layer
    #: (the first ``n_hidden`` state variables) that nothing feeds back from, so that a task
    #: may fit it in closed form (:class:`~evornn.tasks.SequenceTask` ``fit_readout``).
    fits_readout: ClassVar[bool] = False

    def __init__(self, **arrays):
        missing = [name for name in self.params_type._fields if name not in arrays]
        unknown = sorted(set(arrays) - set(self.params_type._fields))
        if missing or unknown:
            raise TypeError(f"{type(self).__name__} takes the arrays {list(self.params_type._fields)}; "
                            f"missing {missing}, unknown {unknown}")
        fields = []
        for name in self.params_type._fields:
            if name in ("out_act", "outputs", "relu"):
                value = _codes(name, arrays[name], bool if name == "relu" else np.int64)
            else:
                value = as_float_array(name, arrays[name])
            value.flags.writeable = False
            fields.append(value)
        super().__init__(self.params_type(*fields))

    def _check_params(self) -> None:
        for name, shape in self.shapes(1, 1, 1, **{k: 1 for k in self.shape_options}).items():
            # the number of axes first: sizes are read from them
            got = getattr(self.params, name).ndim - 1
            if got != len(shape):
                raise ValueError(f"{type(self).__name__}: {name} must have {len(shape) + 1} axes (n_pop first), "
                                 f"got shape {getattr(self.params, name).shape}")
        layout = self._layout()
        for name, value in layout.items():
            if value < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be at least 1, got {value}")
        expected = self.shapes(self.n_hidden, self.n_inputs, self.n_outputs, **layout)
        for name, shape in expected.items():
            got = getattr(self.params, name).shape[1:]
            if got != shape:
                raise ValueError(f"{type(self).__name__}: {name} must have shape {shape} per network, got {got}")
        codes = getattr(self.params, "out_act", None)
        if codes is not None and not np.isin(codes, list(OUTPUT_ACTIVATIONS.values())).all():
            raise ValueError(f"out_act must hold output-activation codes {OUTPUT_ACTIVATIONS}, got {np.unique(codes).tolist()}")
        chosen = getattr(self.params, "outputs", None)
        if chosen is not None and chosen.size and (chosen.min() < 0 or chosen.max() >= self.n_hidden):
            raise ValueError(f"outputs must be unit indices in [0, {self.n_hidden}), got values in "
                             f"[{chosen.min()}, {chosen.max()}]")

    @classmethod
    def shapes(cls, n_hidden: int, n_inputs: int, n_outputs: int, **layout) -> dict[str, tuple[int, ...]]:
        """Each field's shape per network (`layout`: the :attr:`shape_options`)."""
        raise NotImplementedError

    def _layout(self) -> dict[str, int]:
        """The :attr:`shape_options` of this population, read from its arrays."""
        return {}

    @classmethod
    def _shape_kwargs(cls, options: dict) -> dict[str, int]:
        """The :attr:`shape_options` among `options` (defaults from :attr:`options`), checked."""
        return {name: positive_int(name, options.get(name, cls.options[name])) for name in cls.shape_options}

    @classmethod
    def random(cls, n_pop: int, n_hidden: int, n_inputs: int, n_outputs: int = 1, *, scale: float = 1.0,
               output_activation: str = "identity", rng=None, **options):
        """Weights uniform in ``[-scale, scale]`` / sqrt(fan-in), biases zero (LSTM forget
        biases 1); options of the subclass (``relu``, ``decay``, ``peepholes``, ``outputs``)."""
        one_of("output_activation", output_activation, OUTPUT_ACTIVATIONS)
        n_pop, h = positive_int("n_pop", n_pop), positive_int("n_hidden", n_hidden)
        k, m = positive_int("n_inputs", n_inputs, minimum=0), positive_int("n_outputs", n_outputs, minimum=0)
        rng = as_rng(rng)
        arrays = {}
        for name, shape in cls.shapes(h, k, m, **cls._shape_kwargs(options)).items():
            if name in cls.fixed_fields:
                continue
            fan_in = max(1, shape[-1]) if name not in ("bias", "b_out", "peep") else 1
            if name in ("bias", "b_out") or (name == "peep" and not options.get("peepholes", False)):
                arrays[name] = np.zeros((n_pop, *shape))
            else:
                arrays[name] = rng.uniform(-scale, scale, (n_pop, *shape)) / np.sqrt(fan_in)
        arrays.update(cls._fixed(n_pop, h, m, output_activation, **options))
        if cls is LSTM:
            arrays["bias"][:, 1] = 1.0  # forget gates start open
        return cls(**arrays)

    @classmethod
    def _fixed(cls, n_pop, n_hidden, n_outputs, output_activation, **options) -> dict:
        """The fields that are not evolved: the output activation code, where there is one."""
        if "out_act" not in cls.params_type._fields:
            return {}
        return {"out_act": np.full(n_pop, activation_code(output_activation))}

    @classmethod
    def codec(cls, n_hidden: int, n_inputs: int, n_outputs: int = 1, *, weight_range=(-5.0, 5.0),
              output_activation: str = "identity", evolve_readout: bool = True, **options):
        """A genome codec over every weight and bias (within `weight_range`); the output
        activation and the subclass's options are fixed. ``evolve_readout=False`` leaves
        the readout (``w_out``, ``b_out``) out of the genome, at zero, for tasks that fit it
        in closed form (Evolino: ``SequenceTask(..., fit_readout=True)``); only models with
        :attr:`fits_readout` allow it."""
        from ..genome import Codec, Field, parse_bounds

        low, high = parse_bounds("weight_range", weight_range)
        h, k, m = positive_int("n_hidden", n_hidden), positive_int("n_inputs", n_inputs, minimum=0), \
            positive_int("n_outputs", n_outputs, minimum=0)
        check_memory(f"the weights of n_hidden = {h:,} units", (4 * h, h + k + m + 2), hint="choose fewer units")
        if not evolve_readout and not cls.fits_readout:
            raise ValueError(f"evolve_readout=False needs a model whose readout can be fitted (Elman, IndRNN, GRU, "
                             f"LSTM); {cls.__name__}'s outputs feed back or are units of the network")
        if not evolve_readout and output_activation != "identity":
            raise ValueError(f"a fitted readout is linear: evolve_readout=False needs output_activation='identity', "
                             f"got {output_activation!r}")
        fixed = cls._fixed(1, h, m, output_activation, **options)
        fields = {}
        for name, shape in cls.shapes(h, k, m, **cls._shape_kwargs(options)).items():
            if name in fixed:
                continue
            if (name == "peep" and not options.get("peepholes", False)) or (
                    name in ("w_out", "b_out") and not evolve_readout):
                fields[name] = Field.constant(0.0, shape)
            else:
                fields[name] = Field(shape, low=low, high=high)
        return Codec(functools.partial(_build_rnn, cls, {name: value[0] for name, value in fixed.items()}), fields)

    def with_readout(self, w_out, b_out) -> RNN:
        """A copy with a linear readout (activation ``"identity"``): weights `w_out` of shape
        ``(n_pop, n_outputs, n_hidden)`` and bias `b_out` of shape ``(n_pop, n_outputs)``
        (for models with :attr:`fits_readout`)."""
        from .._checks import batched

        if not self.fits_readout:
            raise TypeError(f"{type(self).__name__} has no separate readout of its hidden layer to replace")
        arrays = self.params._asdict()
        arrays["w_out"] = batched("w_out", w_out, self.n_pop, (self.n_outputs, self.n_hidden))
        arrays["b_out"] = batched("b_out", b_out, self.n_pop, (self.n_outputs,))
        arrays["out_act"] = np.full(self.n_pop, OUTPUT_ACTIVATIONS["identity"])
        return type(self)(**arrays)

    @property
    def n_hidden(self) -> int:
        return self.params.bias.shape[-1]  # every family member has one bias per hidden unit (per gate)

    @property
    def n_state(self) -> int:
        return self.n_hidden

    @property
    def n_inputs(self) -> int:
        weights = self.params.w if isinstance(self.params, SecondOrderParams) else self.params.w_in
        return weights.shape[-1]

    @property
    def n_outputs(self) -> int:
        chosen = getattr(self.params, "outputs", None)
        return (chosen if chosen is not None else self.params.w_out).shape[1]


def _codes(name: str, value, dtype) -> np.ndarray:
    """An integer or boolean field (activation codes, output units, flags) as `dtype`, or
    raise: a float that is not a whole number is not a code."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf" or (arr.dtype.kind == "f" and not np.array_equal(arr, np.round(arr))):
        raise TypeError(f"{name} must hold integer codes, got {arr.dtype} values")
    return np.ascontiguousarray(arr.astype(dtype))


def _build_rnn(cls, fixed: dict, **arrays):
    n_pop = next(iter(arrays.values())).shape[0]
    for name, value in fixed.items():
        arrays[name] = np.broadcast_to(value, (n_pop, *np.shape(value)))
    return cls(**arrays)


class Elman(RNN):
    """Elman's simple recurrent network (1990): the context units hold a copy of the hidden
    layer, so the state is the hidden layer h."""

    params_type = ElmanParams
    fits_readout = True

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w_rec": (n_hidden, n_hidden), "w_in": (n_hidden, n_inputs), "bias": (n_hidden,),
                "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "out_act": ()}


class Jordan(RNN):
    """Jordan's network (1986): state units s fed from the output with self-recurrence mu
    (`decay`); the state is [s, h]."""

    params_type = JordanParams
    options: ClassVar[dict] = {"decay": 0.5}

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w_in": (n_hidden, n_inputs), "w_ctx": (n_hidden, n_outputs), "bias": (n_hidden,),
                "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "decay": (), "out_act": ()}

    @classmethod
    def _fixed(cls, n_pop, n_hidden, n_outputs, output_activation, decay: float = 0.5, **_):
        return {**super()._fixed(n_pop, n_hidden, n_outputs, output_activation), "decay": np.full(n_pop, float(decay))}

    @property
    def n_state(self) -> int:
        return self.n_outputs + self.n_hidden


class FullyRecurrent(RNN):
    """Every unit feeds every unit (Williams and Zipser 1989); the outputs are the units listed
    in `outputs` (default the first n_outputs)."""

    params_type = FullyRecurrentParams
    options: ClassVar[dict] = {"outputs": None}

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w_rec": (n_hidden, n_hidden), "w_in": (n_hidden, n_inputs), "bias": (n_hidden,),
                "outputs": (n_outputs,)}

    @classmethod
    def _fixed(cls, n_pop, n_hidden, n_outputs, output_activation, outputs=None, **_):
        chosen = np.arange(n_outputs) if outputs is None else np.asarray(outputs, dtype=np.int64)
        if chosen.shape != (n_outputs,) or chosen.min(initial=0) < 0 or chosen.max(initial=0) >= n_hidden:
            raise ValueError(f"outputs must be {n_outputs} unit indices below {n_hidden}, got {outputs!r}")
        return {"outputs": np.broadcast_to(chosen, (n_pop, n_outputs)).copy()}


class IndRNN(RNN):
    """Independently recurrent network (Li et al. 2018): each unit sees only its own past
    state, ``h' = f(w * h + V x + b)``; ``relu=True`` for ReLU units."""

    params_type = IndRNNParams
    fits_readout = True
    options: ClassVar[dict] = {"relu": False}

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w_rec": (n_hidden,), "w_in": (n_hidden, n_inputs), "bias": (n_hidden,),
                "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "relu": (), "out_act": ()}

    @classmethod
    def _fixed(cls, n_pop, n_hidden, n_outputs, output_activation, relu: bool = False, **_):
        return {**super()._fixed(n_pop, n_hidden, n_outputs, output_activation), "relu": np.full(n_pop, bool(relu))}


class GRU(RNN):
    """Gated recurrent units (Cho et al. 2014), gates stacked as [update z, reset r, candidate g]."""

    params_type = GRUParams
    fits_readout = True

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w_in": (3, n_hidden, n_inputs), "w_rec": (3, n_hidden, n_hidden), "bias": (3, n_hidden),
                "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "out_act": ()}


class LSTM(RNN):
    """Long short-term memory with a forget gate (Gers, Schmidhuber and Cummins 2000) and
    optional peepholes (``peepholes=True``); gates stacked as [input, forget, cell, output];
    the state is [h, c]."""

    params_type = LSTMParams
    fits_readout = True
    options: ClassVar[dict] = {"peepholes": False}

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w_in": (4, n_hidden, n_inputs), "w_rec": (4, n_hidden, n_hidden), "bias": (4, n_hidden),
                "peep": (3, n_hidden), "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "out_act": ()}

    @property
    def n_state(self) -> int:
        return 2 * self.n_hidden


class SecondOrder(RNN):
    """Second-order network (Giles et al. 1992): weights on products of state and input,
    ``a'_i = sigma(sum_jk W_ijk a_j x_k + b_i)``, as used to encode finite automata (one-hot
    inputs); the outputs are the units in `outputs`."""

    params_type = SecondOrderParams
    options: ClassVar[dict] = {"outputs": None}

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, **_):
        return {"w": (n_hidden, n_hidden, n_inputs), "bias": (n_hidden,), "outputs": (n_outputs,)}

    _fixed = FullyRecurrent._fixed


class NARX(RNN):
    """Nonlinear autoregressive network with exogenous inputs (Leontaritis and Billings 1985;
    as a recurrent network: Narendra and Parthasarathy 1990, Lin, Horne, Tino and Giles
    1996): a one-hidden-layer perceptron over tapped delay lines of the input (`input_delays`
    taps: the current input and the ones before it) and of its own fed-back output
    (`output_delays` taps), ``y(t) = act(W_out tanh(sum_d V_d x(t-d) + sum_d F_d y(t-d) +
    b) + b_out)``.

    The state is the delay lines: ``output_delays * n_outputs`` values ``y(t-1) ...
    y(t-D_y)`` (newest first) then ``(input_delays - 1) * n_inputs`` values ``x(t-1) ...``;
    the outputs are the newest output values. The hidden layer is computed within a step and
    is not part of the state.

    Examples
    --------
    >>> net = NARX.random(4, 8, 1, 1, input_delays=2, output_delays=2, rng=0)
    >>> net.n_state, net.params.w_in.shape, net.params.w_fb.shape
    (3, (4, 8, 2, 1), (4, 8, 2, 1))
    """

    params_type = NARXParams
    options: ClassVar[dict] = {"input_delays": 2, "output_delays": 2}
    shape_options = ("input_delays", "output_delays")

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, *, input_delays=2, output_delays=2):
        return {"w_in": (n_hidden, input_delays, n_inputs), "w_fb": (n_hidden, output_delays, n_outputs),
                "bias": (n_hidden,), "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "out_act": ()}

    def _layout(self):
        return {"input_delays": self.params.w_in.shape[2], "output_delays": self.params.w_fb.shape[2]}

    @property
    def n_state(self) -> int:
        layout = self._layout()
        return layout["output_delays"] * self.n_outputs + (layout["input_delays"] - 1) * self.n_inputs


class RMLP(RNN):
    """Recurrent multilayer perceptron (Puskorius and Feldkamp 1994; Haykin, *Neural
    Networks*, ch. 15): `n_layers` cascaded layers of `n_hidden` tanh units, each fed
    forward by the layer below (the first by the input) within the step and back by its own
    previous values; a readout ``act(W_out h_L + b_out)`` of the last layer. With one layer
    it is Elman's network.

    The state is the layers' values, first to last (``n_layers * n_hidden``).

    Examples
    --------
    >>> net = RMLP.random(4, 5, 2, 1, n_layers=3, rng=0)
    >>> net.n_state, net.params.w_fwd.shape, net.params.w_rec.shape
    (15, (4, 2, 5, 5), (4, 3, 5, 5))
    """

    params_type = RMLPParams
    options: ClassVar[dict] = {"n_layers": 2}
    shape_options = ("n_layers",)

    @classmethod
    def shapes(cls, n_hidden, n_inputs, n_outputs, *, n_layers=2):
        return {"w_in": (n_hidden, n_inputs), "w_fwd": (n_layers - 1, n_hidden, n_hidden),
                "w_rec": (n_layers, n_hidden, n_hidden), "bias": (n_layers, n_hidden),
                "w_out": (n_outputs, n_hidden), "b_out": (n_outputs,), "out_act": ()}

    def _layout(self):
        return {"n_layers": self.params.bias.shape[1]}

    @property
    def n_layers(self) -> int:
        return self.params.bias.shape[1]

    @property
    def n_state(self) -> int:
        return self.n_layers * self.n_hidden
