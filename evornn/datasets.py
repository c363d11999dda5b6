r"""Benchmark time series generated in code (nothing is downloaded).

Every function returns a float64 array with time on axis 0 and one column per variable,
shape ``(n_steps, n_vars)``, so a series can be the inputs or the targets of any evornn
model without reshaping. Random draws come from an explicit `rng`.

========================  =====================================================  ==========
function                  definition                                             columns
========================  =====================================================  ==========
:func:`mackey_glass`      delay equation, tau 17, Euler step 1/10, every 10th    1
:func:`narma`             NARMA-k (Atiya and Parlos 2000), k = 10 by default      2 (u, y)
:func:`lorenz`            Lorenz 1963, sigma 10, rho 28, beta 8/3 (SciPy DOP853)   3
:func:`henon`             Henon map, a 1.4, b 0.3                                2
:func:`mso`               multiple superimposed oscillators (Jaeger)             1
========================  =====================================================  ==========

:func:`train_test` cuts a series into the usual one-step-ahead prediction pairs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._checks import as_float_array, positive_float, positive_int
from .random import as_rng

#: Frequencies of the multiple superimposed oscillators (Jaeger's MSO benchmarks).
MSO_FREQUENCIES = (0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97)


@njit(cache=True)
def _mackey_glass(history, n_samples, substeps, delay, beta, gamma, power, step, out):
    # x(n+1) = x(n) + step * (beta x(n - delay) / (1 + x(n - delay)^power) - gamma x(n)),
    # on a ring buffer of the last `delay` + 1 substeps; one sample every `substeps`.
    ring = np.empty(delay + 1)
    ring[:] = history
    head = delay  # index of x(n); x(n - delay) is at head + 1 (mod delay + 1)
    for s in range(n_samples):
        for _ in range(substeps):
            x = ring[head]
            lagged = ring[(head + 1) % (delay + 1)]
            nxt = x + step * (beta * lagged / (1.0 + lagged**power) - gamma * x)
            head = (head + 1) % (delay + 1)
            ring[head] = nxt
        out[s] = ring[head]


def mackey_glass(n_steps: int, *, tau: float = 17.0, beta: float = 0.2, gamma: float = 0.1, power: float = 10.0,
                 step: float = 0.1, sample_every: int = 10, x0: float = 1.2, n_discard: int = 1000, rng=None) -> np.ndarray:
    r"""The Mackey-Glass series in the discretisation of Jaeger's ESN tutorial (2002).

    .. math::

        x(t + \delta) = x(t) + \delta \Big( \frac{\beta\, x(t - \tau)}{1 + x(t - \tau)^{n}}
                        - \gamma\, x(t) \Big)

    with :math:`\delta` = `step` = 1/10, :math:`\tau` = 17 (chaotic), :math:`\beta` = 0.2,
    :math:`\gamma` = 0.1, :math:`n` = `power` = 10, sampled every `sample_every` = 10 Euler
    steps (one sample per time unit). The history before :math:`t = 0` is `x0` plus, with an
    `rng`, uniform noise in [-0.1, 0.1]; the first `n_discard` samples (the transient) are
    dropped.

    Returns
    -------
    ndarray, shape (n_steps, 1)

    >>> x = mackey_glass(500)
    >>> x.shape, bool(0.2 < x.min() < x.max() < 1.5)
    ((500, 1), True)
    """
    n_steps = positive_int("n_steps", n_steps)
    n_discard = positive_int("n_discard", n_discard, minimum=0)
    sample_every = positive_int("sample_every", sample_every)
    for name, value in (("tau", tau), ("beta", beta), ("gamma", gamma), ("power", power), ("step", step), ("x0", x0)):
        positive_float(name, value)
    delay = round(tau / step)
    if abs(delay * step - tau) > 1e-9 * tau:
        raise ValueError(f"tau must be a multiple of step; got tau={tau}, step={step}")
    history = np.full(delay + 1, float(x0))
    if rng is not None:
        history += as_rng(rng).uniform(-0.1, 0.1, delay + 1)
    out = np.empty(n_discard + n_steps)
    _mackey_glass(history, out.size, sample_every, delay, float(beta), float(gamma), float(power), float(step), out)
    return out[n_discard:, None]


@njit(cache=True)
def _narma(u, order, y):
    for n in range(order - 1, u.size - 1):
        window = 0.0
        for i in range(order):
            window += y[n - i]
        y[n + 1] = 0.3 * y[n] + 0.05 * y[n] * window + 1.5 * u[n - order + 1] * u[n] + 0.1


def narma(n_steps: int, *, order: int = 10, n_discard: int = 200, rng=None) -> np.ndarray:
    r"""The NARMA-k system of Atiya and Parlos (2000), k = `order` = 10 by default.

    .. math::

        y(n+1) = 0.3\, y(n) + 0.05\, y(n) \sum_{i=0}^{k-1} y(n-i) + 1.5\, u(n-k+1)\, u(n) + 0.1

    driven by i.i.d. :math:`u(n)` uniform in [0, 0.5], from :math:`y = 0`. The task is to
    output :math:`y(n+1)` from the inputs up to :math:`u(n)`; column 0 is the input and
    column 1 the target aligned with it (``y[n + 1]`` in row ``n``). The first `n_discard`
    rows (the transient from rest) are dropped.

    Returns
    -------
    ndarray, shape (n_steps, 2)
        ``[:, 0]`` the input u(n), ``[:, 1]`` the target y(n + 1).

    >>> data = narma(1000, rng=0)
    >>> data.shape, bool(np.all(data[:, 0] <= 0.5))
    ((1000, 2), True)
    """
    n_steps = positive_int("n_steps", n_steps)
    order = positive_int("order", order)
    n_discard = positive_int("n_discard", n_discard, minimum=0)
    total = n_discard + n_steps + 1
    u = as_rng(rng).uniform(0.0, 0.5, total)
    y = np.zeros(total)
    _narma(u, order, y)
    return np.column_stack([u[n_discard:-1], y[n_discard + 1:]])


def lorenz(n_steps: int, *, dt: float = 0.02, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0,
           x0=(1.0, 1.0, 1.0), n_discard: int = 500, rtol: float = 1e-10, atol: float = 1e-10) -> np.ndarray:
    r"""The Lorenz (1963) system sampled every `dt`, integrated by SciPy's DOP853.

    .. math::

        \dot x = \sigma (y - x), \quad \dot y = x (\rho - z) - y, \quad \dot z = x y - \beta z

    Returns
    -------
    ndarray, shape (n_steps, 3)
        x, y, z; the first `n_discard` samples (the transient) are dropped.
    """
    from scipy.integrate import solve_ivp

    n_steps = positive_int("n_steps", n_steps)
    n_discard = positive_int("n_discard", n_discard, minimum=0)
    dt = positive_float("dt", dt)
    y0 = as_float_array("x0", x0)
    if y0.shape != (3,):
        raise ValueError(f"x0 must have shape (3,), got {y0.shape}")

    def field(_t, s):
        return [sigma * (s[1] - s[0]), s[0] * (rho - s[2]) - s[1], s[0] * s[1] - beta * s[2]]

    t = np.arange(n_discard + n_steps) * dt
    sol = solve_ivp(field, (0.0, t[-1]), y0, method="DOP853", t_eval=t, rtol=rtol, atol=atol)
    return np.ascontiguousarray(sol.y.T[n_discard:])


def henon(n_steps: int, *, a: float = 1.4, b: float = 0.3, x0=(0.0, 0.0), n_discard: int = 100) -> np.ndarray:
    r"""The Henon map :math:`x_{n+1} = 1 - a x_n^2 + y_n`, :math:`y_{n+1} = b x_n`.

    Returns
    -------
    ndarray, shape (n_steps, 2)
        x, y; the first `n_discard` iterates are dropped.

    >>> henon(3, n_discard=0)[:, 0].round(12).tolist()
    [0.0, 1.0, -0.4]
    """
    n_steps = positive_int("n_steps", n_steps)
    n_discard = positive_int("n_discard", n_discard, minimum=0)
    x, y = (float(v) for v in as_float_array("x0", x0).reshape(2))
    out = np.empty((n_discard + n_steps, 2))
    for n in range(out.shape[0]):
        out[n] = x, y
        x, y = 1.0 - a * x * x + y, b * x
    return out[n_discard:]


def mso(n_steps: int, n_oscillators: int = 2, *, frequencies=MSO_FREQUENCIES) -> np.ndarray:
    r"""Multiple superimposed oscillators, :math:`x(n) = \sum_{k < K} \sin(\alpha_k n)`.

    The MSO-K benchmarks use the first K of the frequencies 0.2, 0.311, 0.42, 0.51, 0.63,
    0.74, 0.85, 0.97 (Jaeger; Koryakin, Lohmann and Butz 2012).

    Returns
    -------
    ndarray, shape (n_steps, 1)

    >>> mso(3, 1)[:, 0].round(4).tolist()
    [0.0, 0.1987, 0.3894]
    """
    n_steps = positive_int("n_steps", n_steps)
    freqs = as_float_array("frequencies", frequencies).ravel()
    n_oscillators = positive_int("n_oscillators", n_oscillators)
    if n_oscillators > freqs.size:
        raise ValueError(f"n_oscillators must be at most {freqs.size} (the number of frequencies), got {n_oscillators}")
    n = np.arange(n_steps)[:, None]
    return np.sin(n * freqs[None, :n_oscillators]).sum(axis=1, keepdims=True)


def train_test(series, n_train: int, *, horizon: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split `series` (shape ``(n_steps, n_vars)``) into one-step-ahead prediction pairs.

    Returns ``(x_train, y_train, x_test, y_test)`` where each target is the series
    `horizon` steps after its input: ``y[n] = series[n + horizon]``. The first `n_train`
    pairs train, the rest test.

    >>> x_tr, y_tr, x_te, y_te = train_test(np.arange(10.0)[:, None], 6)
    >>> x_tr.shape, y_te[:, 0].tolist()
    ((6, 1), [7.0, 8.0, 9.0])
    """
    s = as_float_array("series", series)
    if s.ndim == 1:
        s = s[:, None]
    horizon = positive_int("horizon", horizon)
    n_pairs = s.shape[0] - horizon
    n_train = positive_int("n_train", n_train)
    if n_train >= n_pairs:
        raise ValueError(f"n_train must be below the {n_pairs} input-target pairs of the series, got {n_train}")
    x, y = s[:-horizon], s[horizon:]
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]
