r"""Gradients of a sequence loss for the discrete-time family, by backpropagation through time
(BPTT) and by real-time recurrent learning (RTRL), for every network of a population in
parallel; and :func:`fit_bptt`, gradient descent with them.

The loss of network p is the weighted squared error of its outputs after each input,

.. math::

    L_p = \sum_{s, t} w_{s t} \sum_m \big(y_{p s t m} - y^*_{s t m}\big)^2,

with weights :math:`w_{st} = 1 / (n_{scored} n_{outputs})` on the scored samples (`mask`),
or proportional to given `weights` and summing to :math:`1 / n_{outputs}`, so that
:math:`L_p` is the mean squared error :class:`~evornn.tasks.SequenceTask` reports.
Every sequence starts from the model's initial state. Both algorithms use the same
per-model Jacobians of one step and of the outputs (registered with
:func:`evornn._kernels.register_gradient_kernels`): BPTT runs each sequence forward,
keeps the states, and carries :math:`\lambda_t = \partial L / \partial y_t` backwards,
:math:`\lambda_t = J_y(t)^\top \lambda_{t+1} + O_y^\top g_t`; RTRL carries the sensitivity
:math:`P_t = \partial y_t / \partial \theta` forwards, :math:`P_{t+1} = J_y(t) P_t +
J_\theta(t)`, in memory independent of the sequence length but at :math:`n_{state}` times
the work.

Models: :class:`~evornn.models.Elman`, :class:`~evornn.models.Jordan`,
:class:`~evornn.models.FullyRecurrent`, :class:`~evornn.models.GRU` and
:class:`~evornn.models.LSTM` (their trainable fields: every weight and bias, and the LSTM's
peepholes; Jordan's `decay`, the output activation and the chosen output units stay fixed).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ._checks import as_float_array, one_of, positive_float, positive_int
from ._kernels import gradient_fields, output, output_jacobians, rhs, step_jacobians
from ._numba import ERROR_MODEL, FASTMATH, threads

__all__ = ["Gradient", "fit_bptt", "gradient"]

METHODS = ("bptt", "rtrl")


class Gradient(NamedTuple):
    """What :func:`gradient` returns."""

    loss: np.ndarray  # (n_pop,) the loss of each network
    fields: dict  # field name -> (n_pop, *field shape): d loss / d field


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _accumulate_output(y, target, weight, prm, p, out, oy, oth, g, lam, grad):
    """Add the loss of one scored sample and its derivatives: lam += oy^T g, grad += oth^T g."""
    output(y, prm, p, out)
    loss = 0.0
    for m in range(out.shape[0]):
        e = out[m] - target[m]
        loss += weight * e * e
        g[m] = 2.0 * weight * e
    oy[:] = 0.0
    oth[:] = 0.0
    output_jacobians(y, prm, p, oy, oth)
    for m in range(out.shape[0]):
        for q in range(oy.shape[1]):
            lam[q] += oy[m, q] * g[m]
        for k in range(oth.shape[1]):
            grad[k] += oth[m, k] * g[m]
    return loss


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _bptt(prm, p, y0, inputs, targets, weights, n_params, n_outputs, loss, grad):
    """Network p's loss and gradient by backpropagation through time."""
    n_state = y0.shape[1]
    n_seq, n_steps = inputs.shape[0], inputs.shape[1]
    ys = np.empty((n_steps + 1, n_state))
    out, g = np.empty(n_outputs), np.empty(n_outputs)
    oy, oth = np.empty((n_outputs, n_state)), np.empty((n_outputs, n_params))
    jy, jth = np.empty((n_state, n_state)), np.empty((n_state, n_params))
    lam, back = np.empty(n_state), np.empty(n_state)
    for s in range(n_seq):
        ys[0] = y0[p]
        last = -1
        for t in range(n_steps):
            if weights[s, t] > 0.0:
                last = t
        for t in range(last + 1):  # nothing after the last scored sample matters
            rhs(0.0, ys[t], prm, p, inputs[s, t], ys[t + 1])
        lam[:] = 0.0
        for t in range(last, -1, -1):
            if weights[s, t] > 0.0:  # lam is d L / d y_(t+1)
                loss[p] += _accumulate_output(ys[t + 1], targets[s, t], weights[s, t], prm, p, out, oy, oth, g,
                                              lam, grad[p])
            jy[:] = 0.0
            jth[:] = 0.0
            step_jacobians(ys[t], inputs[s, t], prm, p, ys[t + 1], jy, jth)
            for q in range(n_state):
                for k in range(n_params):
                    grad[p, k] += jth[q, k] * lam[q]
            for c in range(n_state):
                a = 0.0
                for q in range(n_state):
                    a += jy[q, c] * lam[q]
                back[c] = a
            lam[:] = back


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _rtrl(prm, p, y0, inputs, targets, weights, n_params, n_outputs, loss, grad):
    """Network p's loss and gradient by real-time recurrent learning."""
    n_state = y0.shape[1]
    n_seq, n_steps = inputs.shape[0], inputs.shape[1]
    y, y_next = np.empty(n_state), np.empty(n_state)
    out, g = np.empty(n_outputs), np.empty(n_outputs)
    oy, oth = np.empty((n_outputs, n_state)), np.empty((n_outputs, n_params))
    jy, jth = np.empty((n_state, n_state)), np.empty((n_state, n_params))
    sens, sens_next = np.empty((n_state, n_params)), np.empty((n_state, n_params))
    lam = np.empty(n_state)
    for s in range(n_seq):
        y[:] = y0[p]
        sens[:] = 0.0
        for t in range(n_steps):
            rhs(0.0, y, prm, p, inputs[s, t], y_next)
            jy[:] = 0.0
            jth[:] = 0.0
            step_jacobians(y, inputs[s, t], prm, p, y_next, jy, jth)
            for q in range(n_state):  # P' = J_y P + J_theta
                for k in range(n_params):
                    a = jth[q, k]
                    for c in range(n_state):
                        a += jy[q, c] * sens[c, k]
                    sens_next[q, k] = a
            sens[:] = sens_next
            y[:] = y_next
            if weights[s, t] > 0.0:
                lam[:] = 0.0
                loss[p] += _accumulate_output(y, targets[s, t], weights[s, t], prm, p, out, oy, oth, g, lam,
                                              grad[p])
                for q in range(n_state):  # d L / d y_(t+1) through P
                    for k in range(n_params):
                        grad[p, k] += lam[q] * sens[q, k]


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _gradients(prm, y0, inputs, targets, weights, n_params, n_outputs, rtrl, loss, grad):
    """Every network's loss and gradient, one network per thread (one compiled kernel per
    model type serves both algorithms)."""
    for p in prange(y0.shape[0]):
        if rtrl:
            _rtrl(prm, p, y0, inputs, targets, weights, n_params, n_outputs, loss, grad)
        else:
            _bptt(prm, p, y0, inputs, targets, weights, n_params, n_outputs, loss, grad)


def _fields(model) -> tuple[str, ...]:
    fields = gradient_fields(model.params)
    if fields is None:
        raise TypeError(f"no gradient kernels for {type(model).__name__}: gradients are available for the Elman, "
                        f"Jordan, fully recurrent, GRU and LSTM networks")
    return fields


def _sequences(model, inputs, targets, mask, weights):
    """inputs (n_seq, T, K), targets (n_seq, T, M) and the loss weight of each sample (n_seq, T)."""
    u = as_float_array("inputs", inputs)
    z = as_float_array("targets", targets)
    if u.ndim == 2:
        u = u[None]
    if z.ndim == 2:
        z = z[None]
    if u.ndim != 3 or u.shape[2] != model.n_inputs:
        raise ValueError(f"inputs must have shape (n_steps, {model.n_inputs}) or (n_seq, n_steps, {model.n_inputs}), "
                         f"got {np.shape(inputs)}")
    if z.shape != (*u.shape[:2], model.n_outputs):
        raise ValueError(f"targets must have shape {(*u.shape[:2], model.n_outputs)} (one row per input), got "
                         f"{np.shape(targets)}")
    shapes = (u.shape[:2], u.shape[1:2])
    scored = np.ones(u.shape[:2], dtype=bool)
    if mask is not None:
        scored = np.asarray(mask)
        if scored.dtype != np.bool_ or scored.shape not in shapes:
            raise ValueError(f"mask must be booleans of shape {u.shape[:2]} or {u.shape[1:2]}, got "
                             f"{scored.dtype} {scored.shape}")
    w = np.ones(u.shape[:2]) if weights is None else as_float_array("weights", weights)
    if w.shape not in shapes or (w < 0).any():
        raise ValueError(f"weights must be numbers >= 0 of shape {u.shape[:2]} or {u.shape[1:2]}, got shape {w.shape}")
    w = np.where(np.broadcast_to(scored, u.shape[:2]), np.broadcast_to(w, u.shape[:2]), 0.0)
    if not w.sum() > 0:
        raise ValueError("mask and weights score no sample")
    return np.ascontiguousarray(u), np.ascontiguousarray(z), np.ascontiguousarray(w / (w.sum() * z.shape[2]))


def gradient(model, inputs, targets, *, mask=None, weights=None, method: str = "bptt",
             n_threads: int | None = None) -> Gradient:
    """The loss of every network of `model` on the sequences and its gradient with respect to
    each trainable field.

    Parameters
    ----------
    model : Elman, Jordan or FullyRecurrent
        A population of ``n_pop`` networks.
    inputs : array_like, shape (n_steps, n_inputs) or (n_seq, n_steps, n_inputs)
    targets : array_like, shape (n_steps, n_outputs) or (n_seq, n_steps, n_outputs)
        The target of the output after each input.
    mask : array_like of bool, shape (n_steps,) or (n_seq, n_steps), optional
        The samples scored (default all).
    weights : array_like, shape (n_steps,) or (n_seq, n_steps), optional
        Weights >= 0 of the scored samples (a weighted mean, as ``SequenceTask(weights=...)``).
    method : {"bptt", "rtrl"}
    n_threads : int, optional
        Numba threads (networks run in parallel; the result does not depend on it).

    Returns
    -------
    Gradient
        ``loss`` (n_pop,) and ``fields``: ``{name: (n_pop, *shape)}``.
    """
    one_of("method", method, METHODS)
    fields = _fields(model)
    u, z, w = _sequences(model, inputs, targets, mask, weights)
    sizes = [getattr(model.params, name)[0].size for name in fields]
    n_params = int(sum(sizes))
    loss = np.zeros(model.n_pop)
    grad = np.zeros((model.n_pop, n_params))
    with threads(n_threads), np.errstate(all="ignore"):
        _gradients(model.params, np.ascontiguousarray(model.initial_state()), u, z, w, n_params, model.n_outputs,
                   method == "rtrl", loss, grad)
    out, start = {}, 0
    for name, size in zip(fields, sizes, strict=True):
        out[name] = grad[:, start:start + size].reshape(getattr(model.params, name).shape)
        start += size
    return Gradient(loss, out)


def fit_bptt(model, inputs, targets, *, mask=None, weights=None, steps: int = 100, learning_rate: float = 0.01,
             method: str = "bptt", n_threads: int | None = None):
    """Train every network of `model` by gradient descent on the loss of :func:`gradient`
    (Adam: Kingma and Ba 2015, with its default betas), each network on its own.

    Parameters
    ----------
    model, inputs, targets, mask, weights, method, n_threads
        As for :func:`gradient`.
    steps : int
        Gradient steps (each a forward and a backward pass over all sequences).
    learning_rate : float

    Returns
    -------
    model : the same type, the trained networks
    losses : ndarray, shape (steps + 1, n_pop)
        The loss before each step and after the last. A network whose loss or gradient is
        not finite stops where it was.
    """
    steps = positive_int("steps", steps, minimum=0)
    learning_rate = positive_float("learning_rate", learning_rate)
    fields = _fields(model)
    arrays = {name: np.array(value) for name, value in model.params._asdict().items()}
    first = {name: np.zeros_like(arrays[name]) for name in fields}
    second = {name: np.zeros_like(arrays[name]) for name in fields}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    losses = np.empty((steps + 1, model.n_pop))
    live = np.ones(model.n_pop, dtype=bool)
    current = model
    for step in range(steps + 1):
        result = gradient(current, inputs, targets, mask=mask, weights=weights, method=method, n_threads=n_threads)
        losses[step] = result.loss
        finite = np.isfinite(result.loss)
        for grad in result.fields.values():
            finite &= np.isfinite(grad.reshape(model.n_pop, -1)).all(axis=1)
        live &= finite
        if step == steps:
            break
        for name in fields:
            rows = live.reshape(-1, *[1] * (arrays[name].ndim - 1))
            g = np.where(rows, result.fields[name], 0.0)
            first[name] = beta1 * first[name] + (1 - beta1) * g
            second[name] = beta2 * second[name] + (1 - beta2) * g * g
            m_hat = first[name] / (1 - beta1 ** (step + 1))
            v_hat = second[name] / (1 - beta2 ** (step + 1))
            arrays[name] = np.where(rows, arrays[name] - learning_rate * m_hat / (np.sqrt(v_hat) + eps), arrays[name])
        current = type(model)(**arrays)
    return current, losses
