r"""Lyapunov exponents: the spectrum by Benettin's method, the largest exponent from two
nearby trajectories, and the Kaplan-Yorke dimension.

The spectrum follows the state and ``k`` tangent vectors together: for flows the
variational equation :math:`\dot Q = J(y) Q` is integrated with the state by the same RK4
step; for maps :math:`Q_{n+1} = J(y_n) Q_n`. Every `renormalize_every` steps the tangent
vectors are re-orthonormalised by a QR decomposition (modified Gram-Schmidt), and the
logarithms of the diagonal of R accumulate:

.. math::

    \lambda_i = \frac{1}{T} \sum_{\text{renormalisations}} \log |R_{ii}|

with :math:`T` the integration time (flows) or the number of iterations (maps). Every
individual runs in parallel in one compiled call.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._checks import batched, positive_float, positive_int
from .._numba import CONTRACT, ERROR_MODEL, FASTMATH, for_params
from ..integrate.fixed_step import MAP, RK4, rk_step
from ..models.base import jac, rhs
from ._one import step_for


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _tangent_derivative(t, y, q, params, p, u, jbuf, dy, dq):
    """dy = f(y), dq = J(y) q. Numba-compiled; writes into dy, dq; no validation."""
    rhs(t, y, params, p, u, dy)
    jac(t, y, params, p, u, jbuf)
    n, k = q.shape
    for i in range(n):
        for c in range(k):
            acc = 0.0
            for m in range(n):
                acc += jbuf[i, m] * q[m, c]
            dq[i, c] = acc


# Without reassociation: with it, this kernel rounded differently when compiled in the
# process and when loaded from Numba's cache (same seed, other last bits). It is cheap.
@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def _orthonormalize(q, sums):
    """Modified Gram-Schmidt on the columns of q (a QR decomposition); adds log|R_ii| to sums."""
    n, k = q.shape
    for c in range(k):
        for prev in range(c):
            r = 0.0
            for i in range(n):
                r += q[i, prev] * q[i, c]
            for i in range(n):
                q[i, c] -= r * q[i, prev]
        norm = 0.0
        for i in range(n):
            norm += q[i, c] * q[i, c]
        norm = np.sqrt(norm)
        sums[c] += np.log(norm)
        for i in range(n):
            q[i, c] /= norm


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _euler_part(y, q, dy, dq, h, y_out, q_out):
    """``y_out = y + h dy``, ``q_out = q + h dq``: an RK4 stage's argument. Numba-compiled."""
    n, k = q.shape
    for i in range(n):
        y_out[i] = y[i] + h * dy[i]
        for c in range(k):
            q_out[i, c] = q[i, c] + h * dq[i, c]


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _benettin(discrete, params, y0, t0, dt, n_transient, n_steps, renormalize_every, u, k, out):
    """Lyapunov sums of every individual into out (n_pop, k). Numba-compiled; no validation."""
    n_pop, n = y0.shape
    per_step = u.shape[0] > 1
    for p in prange(n_pop):
        y = y0[p].copy()
        q = np.zeros((n, k))
        for c in range(k):
            q[c, c] = 1.0
        sums = np.zeros(k)
        jbuf = np.empty((n, n))
        k1, k2, k3, k4, tmp = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        q1, q2, q3, q4, qtmp = np.empty((n, k)), np.empty((n, k)), np.empty((n, k)), np.empty((n, k)), np.empty((n, k))
        for s in range(n_transient + n_steps):
            t = t0 + s * dt
            us = u[s if per_step else 0, p]
            tangent = s >= n_transient
            if discrete:
                if tangent:
                    _tangent_derivative(t, y, q, params, p, us, jbuf, k1, q1)
                    for i in range(n):
                        for c in range(k):
                            q[i, c] = q1[i, c]
                else:
                    rhs(t, y, params, p, us, k1)
                for i in range(n):
                    y[i] = k1[i]
            elif tangent:
                _tangent_derivative(t, y, q, params, p, us, jbuf, k1, q1)
                _euler_part(y, q, k1, q1, 0.5 * dt, tmp, qtmp)
                _tangent_derivative(t + 0.5 * dt, tmp, qtmp, params, p, us, jbuf, k2, q2)
                _euler_part(y, q, k2, q2, 0.5 * dt, tmp, qtmp)
                _tangent_derivative(t + 0.5 * dt, tmp, qtmp, params, p, us, jbuf, k3, q3)
                _euler_part(y, q, k3, q3, dt, tmp, qtmp)
                _tangent_derivative(t + dt, tmp, qtmp, params, p, us, jbuf, k4, q4)
                for i in range(n):
                    y[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
                    for c in range(k):
                        q[i, c] += dt / 6.0 * (q1[i, c] + 2.0 * q2[i, c] + 2.0 * q3[i, c] + q4[i, c])
            else:
                rk_step(RK4, t, y, params, p, us, us, us, dt, k1, k2, k3, k4, tmp)
            if tangent and (s - n_transient + 1) % renormalize_every == 0:
                _orthonormalize(q, sums)
        if (n_steps % renormalize_every) != 0:
            _orthonormalize(q, sums)
        for c in range(k):
            out[p, c] = sums[c]


def _run_lengths(model, dt, n_steps, n_transient, renormalize_every) -> tuple[float, int, int, int]:
    """Validated step and counts shared by both estimators."""
    return (step_for(model, dt), positive_int("n_steps", n_steps), positive_int("n_transient", n_transient, minimum=0),
            positive_int("renormalize_every", renormalize_every))


def _prepare(model, y0, inputs, n_total):
    y0 = model.initial_state() if y0 is None else model.check_states(y0, "y0")
    if inputs is None:
        u = np.zeros((1, model.n_pop, model.n_inputs))
    else:
        arr = np.asarray(inputs, dtype=np.float64)
        if arr.ndim == 3:
            if arr.shape != (n_total, model.n_pop, model.n_inputs):
                raise ValueError(f"per-step inputs must have shape (n_transient + n_steps, n_pop, n_inputs) = "
                                 f"{(n_total, model.n_pop, model.n_inputs)}, got {arr.shape}")
            u = np.ascontiguousarray(arr)
        else:
            u = batched("inputs", arr, model.n_pop, (model.n_inputs,))[None]
    return np.ascontiguousarray(y0), np.ascontiguousarray(u)


def lyapunov_spectrum(model, y0=None, *, dt: float | None = None, n_steps: int, n_transient: int = 0,
                      n_exponents: int | None = None, renormalize_every: int = 1, inputs=None) -> np.ndarray:
    """Lyapunov spectrum of every individual by Benettin's method (see the module docstring).

    Parameters
    ----------
    model : Model
        A flow (integrated with RK4 at step `dt`) or a map (iterated; no `dt`).
    y0 : array_like, shape (n_state,) or (n_pop, n_state), optional
    n_steps, n_transient : int
        Steps measured, after `n_transient` steps that only settle onto the attractor.
    n_exponents : int, optional
        How many of the largest exponents (default all ``n_state``).
    renormalize_every : int
        Steps between QR re-orthonormalisations.
    inputs : array_like, optional
        Constant ``(n_inputs,)`` / ``(n_pop, n_inputs)``, or per step
        ``(n_transient + n_steps, n_pop, n_inputs)`` (driven systems such as reservoirs).

    Returns
    -------
    ndarray, shape (n_pop, n_exponents)
        Largest first; per unit time (flows) or per iteration (maps). NaN where the
        trajectory diverged.

    Examples
    --------
    >>> from evornn import systems
    >>> lam = lyapunov_spectrum(systems.logistic(4.0), [0.3], n_steps=200_000, n_transient=100)
    >>> round(float(lam[0, 0]), 2)   # ln 2
    0.69
    """
    discrete = model.time == "discrete"
    dt, n_steps, n_transient, renormalize_every = _run_lengths(model, dt, n_steps, n_transient, renormalize_every)
    k = model.n_state if n_exponents is None else positive_int("n_exponents", n_exponents)
    if k > model.n_state:
        raise ValueError(f"n_exponents must be at most n_state = {model.n_state}, got {k}")
    y, u = _prepare(model, y0, inputs, n_transient + n_steps)
    sums = np.empty((model.n_pop, k))
    with np.errstate(all="ignore"):
        for_params(_benettin, model.params)(discrete, model.params, y, 0.0, dt, n_transient, n_steps,
                                            renormalize_every, u, k, sums)
    spectrum = sums / (n_steps * dt)
    spectrum[~np.isfinite(spectrum).all(axis=1)] = np.nan
    return -np.sort(-spectrum, axis=1)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _two_trajectories(discrete, params, y0, dt, n_transient, n_steps, renormalize_every, d0, u, out):
    n_pop, n = y0.shape
    per_step = u.shape[0] > 1
    for p in prange(n_pop):
        a = y0[p].copy()
        b = np.empty(n)
        k1, k2, k3, k4, tmp = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        total = 0.0
        for s in range(n_transient + n_steps):
            if s == n_transient:
                b[:] = a
                b[0] += d0
            us = u[s if per_step else 0, p]
            t = s * dt
            for traj in range(2 if s >= n_transient else 1):
                rk_step(MAP if discrete else RK4, t, a if traj == 0 else b, params, p, us, us, us, dt, k1, k2, k3, k4, tmp)
            done = s - n_transient + 1
            if done > 0 and (done % renormalize_every == 0 or done == n_steps):
                d = 0.0
                for i in range(n):
                    d += (b[i] - a[i]) ** 2
                d = np.sqrt(d)
                total += np.log(d / d0)
                for i in range(n):
                    b[i] = a[i] + (b[i] - a[i]) * (d0 / d)
        out[p] = total


def largest_lyapunov(model, y0=None, *, dt: float | None = None, n_steps: int, n_transient: int = 0,
                     d0: float = 1e-8, renormalize_every: int = 10, inputs=None) -> np.ndarray:
    """The largest Lyapunov exponent from two trajectories `d0` apart, renormalised to `d0`
    every `renormalize_every` steps (needs no Jacobian). Returns shape (n_pop,).

    >>> from evornn import systems
    >>> round(float(largest_lyapunov(systems.henon(), [0.1, 0.1], n_steps=100_000, n_transient=100)[0]), 2)
    0.42
    """
    discrete = model.time == "discrete"
    dt, n_steps, n_transient, renormalize_every = _run_lengths(model, dt, n_steps, n_transient, renormalize_every)
    d0 = positive_float("d0", d0)
    y, u = _prepare(model, y0, inputs, n_transient + n_steps)
    out = np.empty(model.n_pop)
    with np.errstate(all="ignore"):
        for_params(_two_trajectories, model.params)(discrete, model.params, y, dt, n_transient, n_steps,
                                                    renormalize_every, d0, u, out)
    out = out / (n_steps * dt)
    return np.where(np.isfinite(out), out, np.nan)


def kaplan_yorke_dimension(spectrum) -> np.ndarray:
    r"""Kaplan-Yorke (Lyapunov) dimension :math:`D = j + \sum_{i \le j} \lambda_i / |\lambda_{j+1}|`,
    with :math:`j` the largest index whose partial sum is non-negative.

    >>> round(float(kaplan_yorke_dimension([0.9056, 0.0, -14.5723])), 4)
    2.0621
    """
    lam = -np.sort(-np.atleast_2d(np.asarray(spectrum, dtype=np.float64)), axis=1)
    out = np.empty(lam.shape[0])
    for row, values in enumerate(lam):
        partial = np.cumsum(values)
        if partial[0] < 0:
            out[row] = 0.0
            continue
        j = int(np.flatnonzero(partial >= 0)[-1])
        out[row] = float(values.size) if j == values.size - 1 else j + 1 + partial[j] / abs(values[j + 1])
    return out if np.ndim(spectrum) > 1 else out[0]
