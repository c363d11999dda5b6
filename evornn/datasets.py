r"""Benchmark time series generated in code (nothing is downloaded).

Every function returns a float64 array with time on axis 0 and one column per variable,
shape ``(n_steps, n_vars)``, so a series can be the inputs or the targets of any evornn
model without reshaping. Random draws come from an explicit `rng`.

====================  ======================================================  ========
function              definition                                              columns
====================  ======================================================  ========
:func:`mackey_glass`  delay equation, tau 17, Euler step 1/10, every 10th     1
:func:`narma`         NARMA-k (Atiya and Parlos 2000), k = 10 by default      2 (u, y)
:func:`lorenz`        Lorenz 1963, sigma 10, rho 28, beta 8/3 (SciPy DOP853)  3
:func:`henon`         Henon map, a 1.4, b 0.3                                 2
:func:`mso`           multiple superimposed oscillators (Jaeger)              1
:func:`narendra`      Narendra and Parthasarathy's plant, driven by inputs u  2 (u, y)
====================  ======================================================  ========

:func:`long_gap` makes a symbol stream with long gaps between predictable events (the
history compressor's test).

:func:`copy_task` makes the copy task of neural Turing machines.

:func:`boolean_formulas` draws random Boolean formulas as nested terms, for recursive
networks over trees (:class:`evornn.models.recursive.Trees`).

:func:`spike_templates` draws jittered copies of Poisson spike-train templates (Maass et
al.'s classification task) as :class:`Sequences`.

:func:`train_test` cuts a series into the usual one-step-ahead prediction pairs.
"""

from __future__ import annotations

from typing import NamedTuple

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


def narendra(u, *, y0=(0.0, 0.0)) -> np.ndarray:
    r"""Narendra and Parthasarathy's nonlinear plant (1990, Example 2), a classic of system
    identification, driven by the inputs `u`:

    .. math::

        y(k+1) = \frac{y(k)\, y(k-1)\, (y(k) + 2.5)}{1 + y(k)^2 + y(k-1)^2} + u(k)

    from ``y(0), y(-1) = y0``. They identified it with a random input uniform in [-2, 2]
    and tested the model with ``u(k) = sin(2 pi k / 25)``.

    Parameters
    ----------
    u : array_like, shape (n_steps,)

    Returns
    -------
    ndarray, shape (n_steps, 2)
        ``[:, 0]`` the input u(k), ``[:, 1]`` the plant's response y(k + 1) to it.

    >>> data = narendra(np.sin(2 * np.pi * np.arange(100) / 25))
    >>> data.shape, round(float(data[0, 1]), 12)
    ((100, 2), 0.0)
    """
    u = as_float_array("u", u)
    if u.ndim != 1 or u.size == 0:
        raise ValueError(f"u must be a non-empty sequence of numbers, got shape {u.shape}")
    y = np.empty(u.size + 2)
    y[0], y[1] = y0[1], y0[0]  # y(-1), y(0)
    for k in range(u.size):
        a, b = y[k + 1], y[k]
        y[k + 2] = a * b * (a + 2.5) / (1.0 + a * a + b * b) + u[k]
    return np.column_stack([u, y[2:]])


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


# ---------------------------------------------------------------------- symbol sequences
class Sequences(NamedTuple):
    """A batch of input-target sequences of possibly different lengths, padded to the longest.

    Attributes
    ----------
    inputs : ndarray, shape (n_seq, n_steps, n_inputs)
        Zero after a sequence's end.
    targets : ndarray, shape (n_seq, n_steps, n_targets)
    mask : ndarray of bool, shape (n_seq, n_steps)
        The steps that are scored (not padding, not a washout, not an unpredictable step).
    probes : dict of str to ndarray of bool, shape (n_seq, n_steps), or None
        Named subsets of the scored steps worth a metric of their own (for instance the
        embedded Reber grammar's ``"penultimate"`` symbol).
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    probes: dict | None = None


#: The symbols of the Reber grammars, in the order of the one-hot code.
REBER_SYMBOLS = "BTPSXVE"
# Reber's (1967) automaton: node -> ((symbol, next node), ...); node 0 follows the B, node 6 emits E.
_REBER_GRAPH = {0: (("T", 1), ("P", 5)), 1: (("S", 1), ("X", 2)), 2: (("S", 3), ("X", 5)), 3: (("E", 6),),
                4: (("V", 3), ("P", 2)), 5: (("V", 4), ("T", 5))}


def _reber_walk(rng) -> tuple[str, list[str]]:
    """One Reber string and, for each of its symbols, the set of symbols that may follow it."""
    text, follow, node = "B", [], 0
    while node != 6:
        options = _REBER_GRAPH[node]
        follow.append("".join(symbol for symbol, _ in options))
        symbol, node = options[rng.integers(len(options))]
        text += symbol
    follow.append("")  # nothing follows the final E
    return text, follow


def _one_hot_batch(strings: list[str], follows: list[list[str]], symbols: str, outputs: str) -> Sequences:
    """Next-symbol prediction pairs: each symbol but the last is an input, its target the set
    of symbols that may follow it (multi-hot)."""
    n_steps = max(len(s) for s in strings) - 1
    x = np.zeros((len(strings), n_steps, len(symbols)))
    y = np.zeros((len(strings), n_steps, len(outputs)))
    mask = np.zeros((len(strings), n_steps), dtype=bool)
    for q, (text, follow) in enumerate(zip(strings, follows, strict=True)):
        for t, symbol in enumerate(text[:-1]):
            x[q, t, symbols.index(symbol)] = 1.0
            for nxt in follow[t]:
                y[q, t, outputs.index(nxt)] = 1.0
            mask[q, t] = True
    return Sequences(x, y, mask)


def reber(n_strings: int, *, embedded: bool = True, rng=None) -> Sequences:
    """Next-symbol prediction on strings of the (embedded) Reber grammar.

    A Reber string (Reber 1967) is a walk through a 6-node automaton with two equally likely
    transitions per node, from B to E, for instance ``BTXSE`` or ``BPVVE``. The embedded
    grammar (Cleeremans, Servan-Schreiber and McClelland 1989; Hochreiter and Schmidhuber
    1997) wraps one between ``B T ... T E`` or ``B P ... P E``: the second-to-last symbol
    repeats the second one across the whole embedded string, the long-range dependency that
    simple recurrent networks fail to learn.

    Inputs and targets are one-hot over :data:`REBER_SYMBOLS` (``"BTPSXVE"``): each symbol
    but the last is an input, and its target is every symbol that may follow it (two where
    the automaton branches). ``probes["penultimate"]`` marks, in the embedded grammar, the
    step whose target is that second-to-last T or P.

    Returns
    -------
    Sequences
        inputs and targets of shape ``(n_strings, n_steps, 7)``, padded to the longest string.

    >>> data = reber(3, embedded=False, rng=0)
    >>> data.inputs.shape[2], bool(data.mask[:, 0].all())
    (7, True)
    """
    n_strings = positive_int("n_strings", n_strings)
    rng = as_rng(rng)
    strings, follows = [], []
    for _ in range(n_strings):
        text, follow = _reber_walk(rng)
        if embedded:
            branch = "TP"[rng.integers(2)]
            follow = ["TP", "B", *follow[:-1], branch, "E", ""]
            text = "B" + branch + text + branch + "E"
        strings.append(text)
        follows.append(follow)
    data = _one_hot_batch(strings, follows, REBER_SYMBOLS, REBER_SYMBOLS)
    if not embedded:
        return data
    penultimate = np.zeros_like(data.mask)
    penultimate[np.arange(n_strings), [len(s) - 3 for s in strings]] = True  # the input is the inner E
    return data._replace(probes={"penultimate": penultimate})


def anbncn(ns, *, counts: int = 3) -> Sequences:
    """Next-symbol prediction on the context-sensitive language a^n b^n c^n (Gers and
    Schmidhuber 2001), one string ``S a^n b^n c^n T`` per n in `ns`.

    Inputs are one-hot over ``S a b c`` (4), targets multi-hot over ``a b c T`` (4): S is
    followed by a, every a by a or b; once the first b is seen every later symbol is
    determined (b until n of them, then n c's, then T), which takes counting.
    ``probes["counting"]`` marks the steps where a count runs out (the inputs are the last b
    and the last c). `counts` = 2 gives a^n b^n.

    Returns
    -------
    Sequences
        shapes ``(len(ns), 3 n_max + 1, 4)``; a string is accepted when every target is met.

    >>> data = anbncn([1, 2])
    >>> data.targets[0, :4].tolist()   # S a b c -> {a}, {a, b}, {c}, {T}
    [[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    counts = positive_int("counts", counts, minimum=2)
    if counts > 3:
        raise ValueError(f"counts must be 2 (a^n b^n) or 3 (a^n b^n c^n), got {counts}")
    ns = np.atleast_1d(np.asarray(ns))
    if ns.ndim != 1 or ns.size == 0 or ns.dtype.kind not in "iu" or ns.min() < 1:
        raise ValueError(f"ns must be a non-empty list of integers >= 1, got {ns!r}")
    letters = "abc"[:counts]
    strings, follows = [], []
    for n in ns.tolist():
        strings.append("S" + "".join(letter * n for letter in letters) + "T")
        follow = ["a"] + ["ab"] * n
        for letter, following in zip(letters[1:], letters[2:] + "T", strict=True):
            follow += [letter] * (n - 1) + [following]
        follows.append([*follow, ""])
    data = _one_hot_batch(strings, follows, "S" + letters, letters + "T")
    counting = np.zeros_like(data.mask)
    for q, n in enumerate(ns.tolist()):
        counting[q, [k * n for k in range(2, counts + 1)]] = True  # inputs: the last b, the last c
    return data._replace(probes={"counting": counting})


def _int_range(name: str, value, smallest: int, largest: int) -> tuple[int, int]:
    """``(low, high)`` integers with ``smallest <= low <= high <= largest``, or an error naming `name`."""
    try:
        low, high = (int(v) for v in value)
        exact = all(int(v) == v for v in value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} must be a pair (low, high) of integers, got {value!r}") from exc
    if not exact:
        raise TypeError(f"{name} must be a pair (low, high) of integers, got {value!r}")
    if not smallest <= low <= high <= largest:
        raise ValueError(f"{name} must have {smallest} <= low <= high <= {largest}, got {value!r}")
    return low, high


def copy_task(n_seq: int, *, width: int = 4, length=(1, 5), start: bool = False, rng=None) -> Sequences:
    """The copy task of neural Turing machines (Graves, Wayne and Danihelka 2014): a sequence
    of random bit vectors, a delimiter, then the same vectors to be output in order.

    Inputs have ``width + 1`` channels (the bits, then the delimiter flag): L vectors, one
    step with the delimiter alone, then L blank steps, during which the targets are the L
    vectors (the only scored steps). Lengths L take every value in ``length = (low, high)``
    in turn. With ``start=True`` (the evolvable NTM's version, Greve, Jacobsen and Risi
    2016) a first step flags the start on a channel of its own (``width + 2`` channels).

    Returns
    -------
    Sequences
        shapes ``(n_seq, 2 max(L) + 1 + start, width + 1 + start)`` inputs and ``(n_seq,
        2 max(L) + 1 + start, width)`` targets, padded after each sequence.

    >>> data = copy_task(2, width=3, length=(2, 2), rng=0)
    >>> bool(np.array_equal(data.targets[:, 3:, :], data.inputs[:, :2, :3])), data.mask[0].tolist()
    (True, [False, False, False, True, True])
    >>> copy_task(1, width=3, length=(2, 2), start=True, rng=0).inputs[0, :, 3:].tolist()  # delimiter, start
    [[0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    """
    n_seq, width = positive_int("n_seq", n_seq), positive_int("width", width)
    low, high = _int_range("length", length, 1, 10_000)
    if not isinstance(start, bool | np.bool_):
        raise TypeError(f"start must be True or False, got {start!r}")
    rng = as_rng(rng)
    first = int(start)  # the step of the first vector
    n_steps = 2 * high + 1 + first
    inputs = np.zeros((n_seq, n_steps, width + 1 + first))
    targets = np.zeros((n_seq, n_steps, width))
    mask = np.zeros((n_seq, n_steps), dtype=bool)
    for q in range(n_seq):
        n = low + q % (high - low + 1)
        bits = rng.integers(0, 2, (n, width)).astype(np.float64)
        if start:
            inputs[q, 0, width + 1] = 1.0
        inputs[q, first: first + n, :width] = bits
        inputs[q, first + n, width] = 1.0
        targets[q, first + n + 1: first + 2 * n + 1] = bits
        mask[q, first + n + 1: first + 2 * n + 1] = True
    return Sequences(inputs, targets, mask)


def parity(n_seq: int, n_steps: int, *, order: int = 2, delay: int = 1, rng=None) -> Sequences:
    r"""Temporal parity of random bits: :math:`y(t) = x(t - d) \oplus \dots \oplus x(t - d - k + 1)`
    with delay d = `delay` and k = `order` bits; `order` = 2 is temporal XOR, `order` = 1
    delayed recall.

    Inputs are bipolar (+1 for a 1 bit, -1 for a 0), targets 0 or 1; the first
    ``delay + order - 1`` steps (whose targets reach before the sequence) are not scored.

    Returns
    -------
    Sequences
        inputs and targets of shape ``(n_seq, n_steps, 1)``.

    >>> data = parity(1, 6, order=2, delay=1, rng=0)
    >>> bits = (data.inputs[0, :, 0] > 0).astype(int)
    >>> bool(np.all(data.targets[0, 2:, 0] == bits[1:-1] ^ bits[:-2]))
    True
    """
    n_seq, n_steps = positive_int("n_seq", n_seq), positive_int("n_steps", n_steps)
    order, delay = positive_int("order", order), positive_int("delay", delay, minimum=0)
    lag = delay + order - 1
    if lag >= n_steps:
        raise ValueError(f"n_steps must exceed delay + order - 1 = {lag}, got {n_steps}")
    bits = as_rng(rng).integers(0, 2, (n_seq, n_steps))
    target = np.zeros((n_seq, n_steps), dtype=np.int64)
    for j in range(order):
        target[:, lag:] ^= bits[:, lag - delay - j: n_steps - delay - j]
    mask = np.zeros((n_seq, n_steps), dtype=bool)
    mask[:, lag:] = True
    return Sequences((2.0 * bits - 1.0)[:, :, None], target[:, :, None].astype(np.float64), mask)


#: The classes of :func:`waveforms`, in the order of the one-hot targets.
WAVEFORMS = ("sine", "square", "sawtooth")


def waveforms(n_seq: int, n_steps: int = 40, *, noise: float = 0.1, rng=None) -> Sequences:
    """Sequence classification: which of :data:`WAVEFORMS` (sine, square, sawtooth) is this?

    Each sequence is one waveform of unit amplitude with a random period in [8, 16] steps and
    a random phase, plus Gaussian noise of standard deviation `noise`; classes are drawn in
    turn (balanced). The one-hot class is the target of the last step only.

    Returns
    -------
    Sequences
        inputs ``(n_seq, n_steps, 1)``, targets ``(n_seq, n_steps, 3)``, mask true at the last step.

    >>> data = waveforms(6, rng=0)
    >>> data.targets[:, -1].argmax(axis=1).tolist()
    [0, 1, 2, 0, 1, 2]
    """
    n_seq, n_steps = positive_int("n_seq", n_seq), positive_int("n_steps", n_steps, minimum=2)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = as_rng(rng)
    labels = np.arange(n_seq) % len(WAVEFORMS)
    period = rng.uniform(8.0, 16.0, n_seq)[:, None]
    phase = rng.uniform(0.0, 1.0, n_seq)[:, None] + np.arange(n_steps)[None, :] / period  # in cycles
    sine = np.sin(2 * np.pi * phase)
    square = np.where(np.mod(phase, 1.0) < 0.5, 1.0, -1.0)
    saw = 2.0 * np.mod(phase, 1.0) - 1.0
    x = np.choose(labels[:, None], [sine, square, saw]) + noise * rng.standard_normal((n_seq, n_steps))
    targets = np.zeros((n_seq, n_steps, len(WAVEFORMS)))
    targets[np.arange(n_seq), -1, labels] = 1.0
    mask = np.zeros((n_seq, n_steps), dtype=bool)
    mask[:, -1] = True
    return Sequences(x[:, :, None], targets, mask)


def spike_templates(n_seq: int, *, n_templates: int = 2, n_channels: int = 4, duration: float = 100.0,
                    n_segments: int = 1, query: int = 0, rate: float = 20.0, jitter: float = 4.0, dt: float = 0.5,
                    template_seed: int = 0, rng=None) -> Sequences:
    """Jittered spike-train templates, the classification tasks of Maass, Natschläger and
    Markram (2002).

    An input is `n_segments` segments of `duration` ms on `n_channels` channels; for each
    segment position there are `n_templates` templates, Poisson spike trains of `rate` Hz
    (drawn from `template_seed`, so training and test data share them). Each segment of an
    input is a copy of one of its position's templates (chosen at random; in segment
    `query`, template ``s % n_templates`` for sequence ``s``) with every spike moved by
    Gaussian noise of standard deviation `jitter` ms (spikes moved out of their segment are
    dropped), binned in steps of `dt` ms. The target is segment `query`'s template, asked at
    the last step: with several segments, a readout at the end must remember an input from
    ``(n_segments - query - 1) * duration`` ms before.

    Returns
    -------
    Sequences
        inputs ``(n_seq, n_segments * duration / dt, n_channels)`` spike counts per step;
        targets ``(..., n_templates)``: segment `query`'s template one-hot at the last step,
        which the mask selects.

    >>> data = spike_templates(4, n_segments=2, rng=0)
    >>> data.inputs.shape, data.targets[:, -1].argmax(axis=1).tolist()
    ((4, 400, 4), [0, 1, 0, 1])
    """
    n_seq, n_templates = positive_int("n_seq", n_seq), positive_int("n_templates", n_templates)
    n_channels, n_segments = positive_int("n_channels", n_channels), positive_int("n_segments", n_segments)
    duration, rate, dt = positive_float("duration", duration), positive_float("rate", rate), positive_float("dt", dt)
    if not 0 <= query < n_segments:
        raise ValueError(f"query must be a segment index in [0, {n_segments}), got {query!r}")
    if not (np.isfinite(jitter) and jitter >= 0):
        raise ValueError(f"jitter must be a finite number >= 0, got {jitter!r}")
    per_segment = round(duration / dt)
    if per_segment < 1 or per_segment * n_segments > 10**7:
        raise ValueError(f"n_segments * duration / dt must give 1 to 10^7 steps, got {n_segments} * {duration} / {dt}")
    source = as_rng(template_seed)
    templates = [[[np.sort(source.uniform(0.0, duration, source.poisson(rate * duration / 1000.0)))
                   for _ in range(n_channels)] for _ in range(n_templates)] for _ in range(n_segments)]
    rng = as_rng(rng)
    inputs = np.zeros((n_seq, n_segments * per_segment, n_channels))
    labels = np.arange(n_seq) % n_templates
    for s in range(n_seq):
        chosen = rng.integers(0, n_templates, n_segments)
        chosen[query] = labels[s]
        for g in range(n_segments):
            for c, times in enumerate(templates[g][chosen[g]]):
                moved = times + jitter * rng.standard_normal(times.size)
                moved = moved[(moved >= 0.0) & (moved < duration)]
                bins = g * per_segment + np.minimum((moved / dt).astype(np.int64), per_segment - 1)
                np.add.at(inputs[s, :, c], bins, 1.0)
    targets = np.zeros((n_seq, n_segments * per_segment, n_templates))
    targets[np.arange(n_seq), -1, labels] = 1.0
    mask = np.zeros((n_seq, n_segments * per_segment), dtype=bool)
    mask[:, -1] = True
    return Sequences(inputs, targets, mask)


def long_gap(n_seq: int, gap: int, *, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """A stream of symbol sequences with long gaps between predictable events, after the
    experiments of Schmidhuber's history compressor (Neural Computation 4, 1992).

    Each sequence is ``s b1 b2 .. b_gap S``: its first symbol `s` is ``a`` or ``x`` at
    random, the `gap` symbols ``b1 .. b_gap`` always follow in order, and the last symbol
    is ``A`` after ``a`` and ``X`` after ``x``. Everything but the first symbol is
    predictable, but predicting the last needs the first, `gap` + 1 steps back. Sequences
    follow one another in one stream.

    Returns
    -------
    inputs : ndarray, shape (n_seq * (gap + 2), gap + 4)
        One-hot symbols; columns ``a, x, A, X, b1 .. b_gap``.
    symbols : ndarray of int, shape (n_seq * (gap + 2),)
        The symbol at each step (the column of its one).

    >>> u, sym = long_gap(3, 2, rng=0)
    >>> u.shape, bool(np.all(sym[3::4] == sym[0::4] + 2))
    ((12, 6), True)
    """
    n_seq, gap = positive_int("n_seq", n_seq), positive_int("gap", gap)
    first = as_rng(rng).integers(0, 2, n_seq)
    symbols = np.empty((n_seq, gap + 2), dtype=np.int64)
    symbols[:, 0] = first
    symbols[:, 1:-1] = np.arange(4, gap + 4)
    symbols[:, -1] = first + 2
    symbols = symbols.ravel()
    return np.eye(gap + 4)[symbols], symbols


#: The symbols of :func:`boolean_formulas`: the constants, then the operators.
BOOLEAN_SYMBOLS = ("T", "F", "not", "and", "or")


def _formula(depth: int, rng) -> object:
    if depth == 0:
        return "T" if rng.random() < 0.5 else "F"
    op = ("not", "and", "or")[rng.integers(3)]
    if op == "not":
        return (op, _formula(depth - 1, rng))
    deep, other = _formula(depth - 1, rng), _formula(int(rng.integers(0, depth)), rng)
    return (op, deep, other) if rng.random() < 0.5 else (op, other, deep)


def truth(term) -> bool:
    """The value of a Boolean formula of :func:`boolean_formulas` (nested terms over
    :data:`BOOLEAN_SYMBOLS`).

    >>> truth(("and", "T", ("not", "F")))
    True
    """
    if not isinstance(term, tuple):
        if term not in ("T", "F"):
            raise ValueError(f"a leaf must be 'T' or 'F', got {term!r}")
        return term == "T"
    op, *args = term
    values = [truth(a) for a in args]
    if op == "not" and len(values) == 1:
        return not values[0]
    if op in ("and", "or") and len(values) == 2:
        return all(values) if op == "and" else any(values)
    raise ValueError(f"{op!r} with {len(values)} arguments is not a formula of not/1, and/2, or/2")


def boolean_formulas(n_formulas: int, *, depth=(1, 3), rng=None) -> tuple[list, np.ndarray]:
    """Random Boolean formulas over the constants ``T``, ``F`` and the operators ``not``,
    ``and``, ``or``, as nested terms (``("and", "T", ("not", "F"))``), with their values.

    Depths (a lone constant has depth 0) take every value in ``depth = (low, high)`` in turn;
    a formula of depth d has one argument of depth d - 1 and, for ``and``/``or``, another
    of a depth drawn from 0 .. d - 1, in a random position. Values alternate true and false
    (drawn again until the value fits), so the classes are balanced at every depth.

    Returns
    -------
    terms : list of nested tuples, length `n_formulas`
    values : ndarray of bool, shape (n_formulas,)

    >>> terms, values = boolean_formulas(4, depth=(2, 2), rng=0)
    >>> values.tolist(), [truth(t) for t in terms] == values.tolist()
    ([True, False, True, False], True)
    """
    n_formulas = positive_int("n_formulas", n_formulas)
    low, high = _int_range("depth", depth, 0, 30)
    rng = as_rng(rng)
    terms, values = [], np.zeros(n_formulas, dtype=bool)
    for i in range(n_formulas):
        d = low + i % (high - low + 1)
        want = i % 2 == 0
        while True:
            term = _formula(d, rng)
            if truth(term) == want:
                break
        terms.append(term)
        values[i] = want
    return terms, values
