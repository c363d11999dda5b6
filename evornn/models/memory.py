r"""Memory-augmented recurrent networks: a controller (any discrete-time evornn model) with an
external memory, a tape (a neural Turing machine) or a continuous stack, evolved without
gradients. Sequence models: ``run(inputs)`` maps an input sequence to an output sequence,
every network of the population in parallel in one compiled kernel, each sequence starting
from an empty memory.

At each step the controller reads ``[x(t), r(t-1)]``, the external input and what the
memory gave at the step before (zeros at first), and steps once. Its outputs are split:
the first `n_outputs` are the network's outputs at step t (as the controller gives them),
the rest drive the memory, squashed here (so a controller with the ``"identity"`` output
activation suits best). The discrete tape and the stack also take the controls as the
controller gives them (``squash=False``): gates and strengths clipped into [0, 1], the
stack's values into [-1, 1], for controllers whose outputs are already squashed, such as
NEAT networks of sigmoid nodes (``controller="neat"`` in :meth:`ENTM.codec`).

**Tape** (:class:`NTM`; Graves, Wayne and Danihelka 2014, "Neural Turing machines", as
evolved by Greve, Jacobsen and Risi 2016, "Evolving neural Turing machines for
reward-based learning"): a memory :math:`M` of `n_slots` rows of `width`, one write head
and one read head. Each head has a key :math:`k = \tanh(\cdot)` (`width`), a key strength
:math:`\beta = \mathrm{softplus}(\cdot)`, an interpolation gate :math:`g = \sigma(\cdot)`,
a shift :math:`s = \mathrm{softmax}(\cdot)` over the offsets -1, 0, +1 and a sharpening
:math:`\gamma = 1 + \mathrm{softplus}(\cdot)`; its weighting over the slots is

.. math::

    w^c_i = \mathrm{softmax}_i\big(\beta \cos(k, M_i)\big), \quad
    w^g = g\, w^c + (1 - g)\, w_{prev}, \quad
    \tilde w_i = \sum_{\delta} s_\delta\, w^g_{(i - \delta) \bmod N}, \quad
    w_i = \tilde w_i^\gamma / \textstyle\sum_j \tilde w_j^\gamma

(content addressing, then location: interpolation, circular shift, sharpening; the cosine
has :math:`10^{-8}` added to its denominator). The write head also gives an erase vector
:math:`e = \sigma(\cdot)` and an add vector :math:`a = \tanh(\cdot)`:
:math:`M_i \leftarrow M_i (1 - w_i e) + w_i a`. Then the read head addresses the written
memory and reads :math:`r = \sum_i w_i M_i`. Controller outputs after the external ones:
write head (key, beta, g, 3 shifts, gamma, erase, add: ``3 width + 6``), then read head
(``width + 6``). The memory starts at 1e-6 everywhere, both heads on slot 0.

**Discrete tape** (:class:`ENTM`; the evolvable neural Turing machine of Greve, Jacobsen and
Risi 2016, as described by Lüders, Schläger, Korach and Risi 2017): one combined read/write
head on an unbounded tape of `width`-wide locations, all zeros until written. Each step the
controller gives a write vector :math:`a = \sigma(\cdot)` (`width`), a write interpolation
:math:`i = \sigma(\cdot)`, a content jump :math:`j` and three shifts; in this order, (1)
:math:`M_h \leftarrow (1 - i) M_h + i a`, (2) if :math:`\sigma(j) \ge 0.5` the head jumps to the
visited location nearest to :math:`a` in mean absolute difference (the leftmost of equals),
(3) it moves by -1, 0 or +1, whichever shift output is largest (the first of equals), a
new location starting at zeros, and (4) reads :math:`r = M_h`. Controller outputs after the
external ones: write vector, interpolation, jump, 3 shifts (``width + 5``). Its discrete
moves never blur the head over the tape, which is what makes it evolvable, and a step costs
the width of one location (a content jump, the visited tape's).

**Stack** (:class:`NeuralStack`; the analog stack of the neural network pushdown automaton,
Das, Giles and Sun 1992, in the continuous form of Grefenstette, Hermann, Suleyman and
Blunsom 2015): values :math:`v_i` with strengths :math:`s_i \in [0, 1]`. Each step the
controller gives a pop strength :math:`u = \sigma(\cdot)`, a push strength
:math:`d = \sigma(\cdot)` and a value :math:`v = \tanh(\cdot)` (`width`): first :math:`u`
is removed from the top down, :math:`s_i \leftarrow \max(0, s_i - \max(0, u - \sum_{j > i}
s_j))`, then :math:`v` is pushed with strength :math:`d`, and the read is the top unit of
strength, :math:`r = \sum_i \min(s_i, \max(0, 1 - \sum_{j > i} s_j))\, v_i`. Controller
outputs after the external ones: pop, push, value (``width + 2``).
"""

from __future__ import annotations

import copy
import functools
from typing import ClassVar

import numpy as np
from numba import njit, prange

from .._checks import as_float_array, check_memory, positive_int
from .._kernels import output, rhs
from .._numba import ERROR_MODEL, FASTMATH

__all__ = ["ENTM", "NTM", "NeuralStack", "memory_codec"]

_COSINE_EPS = 1e-8
_MEMORY_START = 1e-6


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _softplus(x):
    return np.log1p(np.exp(-abs(x))) + max(x, 0.0)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _unit(x, squash):
    """A memory control in [0, 1]: the logistic of the controller's output, or (squash
    False) the output itself clipped into [0, 1]."""
    return _sigmoid(x) if squash else min(max(x, 0.0), 1.0)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _address(o, start, memory, previous, weights, scratch, key):
    """One head's weighting into `weights` from the controller outputs o[start:]
    (key, beta, g, 3 shifts, gamma) over `memory` (N, W), given its `previous` weighting."""
    n, width = memory.shape
    beta = _softplus(o[start + width])
    gate = _sigmoid(o[start + width + 1])
    s0, s1, s2 = o[start + width + 2], o[start + width + 3], o[start + width + 4]
    top = max(s0, max(s1, s2))
    e0, e1, e2 = np.exp(s0 - top), np.exp(s1 - top), np.exp(s2 - top)
    total = e0 + e1 + e2
    shift_back, shift_stay, shift_ahead = e0 / total, e1 / total, e2 / total  # offsets -1, 0, +1
    gamma = 1.0 + _softplus(o[start + width + 5])
    key_norm = 0.0
    for q in range(width):
        key[q] = np.tanh(o[start + q])
        key_norm += key[q] * key[q]
    key_norm = np.sqrt(key_norm)
    largest = -np.inf
    for i in range(n):
        dot, norm = 0.0, 0.0
        for q in range(width):
            dot += key[q] * memory[i, q]
            norm += memory[i, q] * memory[i, q]
        scratch[i] = beta * dot / (key_norm * np.sqrt(norm) + _COSINE_EPS)
        largest = max(largest, scratch[i])
    total = 0.0
    for i in range(n):
        scratch[i] = np.exp(scratch[i] - largest)
        total += scratch[i]
    for i in range(n):  # interpolate with the previous weighting
        scratch[i] = gate * scratch[i] / total + (1.0 - gate) * previous[i]
    total = 0.0
    for i in range(n):  # circular shift, then sharpen
        shifted = shift_back * scratch[(i + 1) % n] + shift_stay * scratch[i] + shift_ahead * scratch[(i - 1) % n]
        weights[i] = shifted ** gamma
        total += weights[i]
    for i in range(n):
        weights[i] /= total


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _controller_step(prm, p, inputs, t, u, y, y_next, o):
    """Step controller p on [x(t), r(t-1)] (u holds the read after the inputs) into y, o."""
    for q in range(inputs.shape[2]):
        u[q] = inputs[t, p, q]
    rhs(0.0, y, prm, p, u, y_next)
    y[:] = y_next
    output(y, prm, p, o)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _run_ntm(prm, y0, inputs, n_outputs, n_slots, width, outputs, trace_w, trace_r, record):
    n_steps, n_pop, n_in = inputs.shape
    n_state = y0.shape[1]
    n_ctrl = n_outputs + 4 * width + 12
    for p in prange(n_pop):
        y, y_next = y0[p].copy(), np.empty(n_state)
        o, u = np.empty(n_ctrl), np.zeros(n_in + width)
        memory = np.full((n_slots, width), _MEMORY_START)
        w_write, w_read = np.zeros(n_slots), np.zeros(n_slots)
        w_write[0] = 1.0
        w_read[0] = 1.0
        new_write, new_read, scratch = np.empty(n_slots), np.empty(n_slots), np.empty(n_slots)
        key, erase, add = np.empty(width), np.empty(width), np.empty(width)
        bad = False
        for t in range(n_steps):
            _controller_step(prm, p, inputs, t, u, y, y_next, o)
            start = n_outputs
            _address(o, start, memory, w_write, new_write, scratch, key)
            w_write[:] = new_write
            for q in range(width):
                erase[q] = _sigmoid(o[start + width + 6 + q])
                add[q] = np.tanh(o[start + 2 * width + 6 + q])
            for i in range(n_slots):
                for q in range(width):
                    memory[i, q] = memory[i, q] * (1.0 - w_write[i] * erase[q]) + w_write[i] * add[q]
            _address(o, start + 3 * width + 6, memory, w_read, new_read, scratch, key)
            w_read[:] = new_read
            for q in range(width):
                r = 0.0
                for i in range(n_slots):
                    r += w_read[i] * memory[i, q]
                u[n_in + q] = r
            for m in range(n_outputs):
                outputs[t, p, m] = o[m]
            if record:
                for i in range(n_slots):
                    trace_w[t, p, i] = w_write[i]
                    trace_r[t, p, i] = w_read[i]
            if not np.isfinite(o).all() or not np.isfinite(u).all():
                bad = True
                break
        if bad:
            outputs[:, p, :] = np.nan


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _run_stack(prm, y0, inputs, n_outputs, width, squash, outputs, strengths, record):
    n_steps, n_pop, n_in = inputs.shape
    n_state = y0.shape[1]
    n_ctrl = n_outputs + width + 2
    for p in prange(n_pop):
        y, y_next = y0[p].copy(), np.empty(n_state)
        o, u = np.empty(n_ctrl), np.zeros(n_in + width)
        values, strength = np.zeros((n_steps, width)), np.zeros(n_steps)
        bad = False
        for t in range(n_steps):
            _controller_step(prm, p, inputs, t, u, y, y_next, o)
            pop = _unit(o[n_outputs], squash)
            push = _unit(o[n_outputs + 1], squash)
            above = 0.0  # strength above element i, before the pop
            for i in range(t - 1, -1, -1):
                old = strength[i]
                strength[i] = max(0.0, old - max(0.0, pop - above))
                above += old
            strength[t] = push
            for q in range(width):
                v = o[n_outputs + 2 + q]
                values[t, q] = np.tanh(v) if squash else min(max(v, -1.0), 1.0)
            above = 0.0
            for q in range(width):
                u[n_in + q] = 0.0
            for i in range(t, -1, -1):  # the read: the top unit of strength
                share = min(strength[i], max(0.0, 1.0 - above))
                for q in range(width):
                    u[n_in + q] += share * values[i, q]
                above += strength[i]
            for m in range(n_outputs):
                outputs[t, p, m] = o[m]
            if record:
                for i in range(t + 1):
                    strengths[t, p, i] = strength[i]
            if not np.isfinite(o).all():
                bad = True
                break
        if bad:
            outputs[:, p, :] = np.nan


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _run_entm(prm, y0, inputs, n_outputs, width, squash, outputs, heads, record):
    n_steps, n_pop, n_in = inputs.shape
    n_state = y0.shape[1]
    n_ctrl = n_outputs + width + 5
    for p in prange(n_pop):
        y, y_next = y0[p].copy(), np.empty(n_state)
        o, u = np.empty(n_ctrl), np.zeros(n_in + width)
        tape = np.zeros((2 * n_steps + 1, width))  # the head moves at most one location a step
        head = lowest = highest = n_steps
        write = np.empty(width)
        bad = False
        for t in range(n_steps):
            _controller_step(prm, p, inputs, t, u, y, y_next, o)
            start = n_outputs
            gate = _unit(o[start + width], squash)
            for q in range(width):
                write[q] = _unit(o[start + q], squash)
                tape[head, q] = (1.0 - gate) * tape[head, q] + gate * write[q]
            if o[start + width + 1] >= (0.0 if squash else 0.5):  # the content jump: its control at 0.5 or above
                nearest = np.inf
                for i in range(lowest, highest + 1):
                    distance = 0.0
                    for q in range(width):
                        distance += abs(tape[i, q] - write[q])
                    if distance < nearest:
                        nearest = distance
                        head = i
            s0, s1, s2 = o[start + width + 2], o[start + width + 3], o[start + width + 4]
            if s0 >= s1 and s0 >= s2:
                head -= 1
            elif s2 > s1:
                head += 1
            lowest, highest = min(lowest, head), max(highest, head)
            for q in range(width):
                u[n_in + q] = tape[head, q]
            for m in range(n_outputs):
                outputs[t, p, m] = o[m]
            if record:
                heads[t, p] = head - n_steps
            if not np.isfinite(o).all():
                bad = True
                break
        if bad:
            outputs[:, p, :] = np.nan


class _MemoryNetwork:
    """What the tape and the stack share: the controller, sizes, take and input checks."""

    #: A sequence model: tasks run whole sequences through :meth:`run`.
    time = "sequence"

    @staticmethod
    def _memory_outputs(width: int) -> int:
        """Controller outputs that drive a memory of `width` (besides the external outputs)."""
        raise NotImplementedError

    def _n_memory_outputs(self) -> int:
        return self._memory_outputs(self.width)

    @classmethod
    def controller_size(cls, n_inputs: int, n_outputs: int, width: int) -> tuple[int, int]:
        """The controller's inputs (``n_inputs`` and the memory's read) and outputs (the
        external ones and the memory's controls) for a memory of `width`."""
        return n_inputs + width, n_outputs + cls._memory_outputs(width)

    def _setup(self, controller, n_outputs: int, width: int, squash: bool = True) -> None:
        if not isinstance(squash, bool | np.bool_):
            raise TypeError(f"squash must be True or False, got {squash!r}")
        self.squash = bool(squash)
        if getattr(controller, "time", None) != "discrete":
            raise TypeError(f"the controller must be a discrete-time evornn model (Elman, GRU, LSTM ...), got "
                            f"{type(controller).__name__}")
        self.controller = controller
        self.n_outputs = positive_int("n_outputs", n_outputs, minimum=0)
        self.width = positive_int("width", width)
        if controller.n_inputs <= self.width:
            raise ValueError(f"the controller reads the inputs and the {self.width}-wide memory read: it needs more "
                             f"than {self.width} inputs, got {controller.n_inputs}")
        need = self.n_outputs + self._n_memory_outputs()
        if controller.n_outputs != need:
            raise ValueError(f"the controller must give {need} outputs ({self.n_outputs} external + "
                             f"{self._n_memory_outputs()} for the memory), got {controller.n_outputs}")

    @property
    def n_pop(self) -> int:
        return self.controller.n_pop

    @property
    def n_inputs(self) -> int:
        return self.controller.n_inputs - self.width

    @property
    def parts(self) -> tuple:
        return (self.controller,)

    def take(self, index):
        """The networks selected by `index`, with their memories."""
        out = copy.copy(self)
        out.controller = self.controller.take(index)
        return out

    def _inputs(self, inputs) -> np.ndarray:
        u = as_float_array("inputs", inputs)
        if u.ndim == 2:
            u = np.broadcast_to(u[:, None, :], (u.shape[0], self.n_pop, u.shape[1]))
        if u.ndim != 3 or u.shape[1:] != (self.n_pop, self.n_inputs) or u.shape[0] == 0:
            raise ValueError(f"inputs must have shape (n_steps, {self.n_inputs}) or (n_steps, n_pop, "
                             f"{self.n_inputs}) with n_pop = {self.n_pop} and n_steps >= 1, got {np.shape(inputs)}")
        return np.ascontiguousarray(u)

    def run(self, inputs) -> np.ndarray:
        """Outputs after each input, shape ``(n_steps, n_pop, n_outputs)``; NaN for the whole
        sequence of a network that diverged."""
        return self.trace(inputs, record=False)[0]

    @classmethod
    def codec(cls, n_hidden: int, n_inputs: int, n_outputs: int = 1, *, controller: str = "elman", width: int = 4,
              weight_range=(-5.0, 5.0), neat=None, **options):
        """A genome codec over a controller of `n_hidden` units (``controller``: ``"elman"``,
        ``"jordan"``, ``"fully_recurrent"``, ``"gru"``, ``"lstm"``, or ``"feedforward"``: an
        Elman network whose recurrent weights stay 0, one hidden layer with the memory as its
        only state, as in the ENTM paper; its identity output activation) sized for this
        memory; `options` are the memory's (``n_slots``, ``squash``) and the controller's
        (``decay``, ``peepholes``).

        ``controller="neat"`` evolves the controller's topology with
        ``evolve(problem, "neat")``: NEAT genomes (:class:`evornn.neat.NEATCodec`, keywords
        in the dict `neat`, `n_hidden` its initial hidden nodes, `weight_range` its weights'
        and biases' bounds) of sigmoid nodes, whose outputs drive the memory as they are
        (``squash`` False unless given)."""
        from . import rnn

        kinds = {"elman": rnn.Elman, "jordan": rnn.Jordan, "fully_recurrent": rnn.FullyRecurrent, "gru": rnn.GRU,
                 "lstm": rnn.LSTM, "feedforward": rnn.Elman}
        if controller not in (*kinds, "neat"):
            raise ValueError(f"controller must be one of {sorted([*kinds, 'neat'])}, got {controller!r}")
        if neat is not None and controller != "neat":
            raise ValueError(f"neat (NEAT's options) goes with controller = 'neat', not {controller!r}")
        memory = {name: options.pop(name) for name in cls.memory_options if options.get(name) is not None}
        options = {name: value for name, value in options.items() if value is not None}
        c_in, c_out = cls.controller_size(n_inputs, n_outputs, width)
        if controller == "neat":
            from ..neat import NEATCodec

            given = sorted(k for k, v in options.items() if k not in cls.options or cls.options[k] != v)
            if given:  # (experiment files pass every declared option, at its default)
                raise TypeError(f"a NEAT controller takes its options in neat = {{...}}, not {given}")
            if neat is not None and not isinstance(neat, dict):
                raise TypeError(f"neat must be a dict of NEATCodec's keywords, got {neat!r}")
            neat = {"num_hidden": n_hidden, "weight_range": weight_range, "bias_range": weight_range, **(neat or {})}
            inner = NEATCodec(c_in, c_out, **neat)
            if "squash" in cls.memory_options:
                memory.setdefault("squash", False)
        else:
            if controller == "fully_recurrent" and n_hidden < c_out:
                raise ValueError(f"a fully recurrent controller's outputs are {c_out} of its units: n_hidden must be "
                                 f"at least {c_out}, got {n_hidden}")
            inner = kinds[controller].codec(n_hidden, c_in, c_out, weight_range=weight_range, **options)
            if controller == "feedforward":
                from ..genome import Codec, Field

                fields = dict(inner.fields)
                fields["w_rec"] = Field.constant(0.0, fields["w_rec"].shape)
                inner = Codec(inner.build, fields)
        return memory_codec(cls, inner, n_outputs=n_outputs, width=width, **memory)


class _SquashedMemory(_MemoryNetwork):
    """A memory whose controls may come squashed already (``squash=False``): the discrete
    tape and the stack."""

    memory_options = ("squash",)
    #: ``squash`` None: True, but False for NEAT controllers (their outputs are squashed).
    options: ClassVar[dict] = {"squash": None, "decay": 0.5, "peepholes": False}

    def __init__(self, controller, *, n_outputs: int, width: int = 4, squash: bool = True):
        self._setup(controller, n_outputs, width, squash)


class NTM(_MemoryNetwork):
    """A neural Turing machine: a controller with a tape (see the module docstring).

    Parameters
    ----------
    controller : discrete-time Model
        ``n_inputs + width`` inputs and ``n_outputs + 4 width + 12`` outputs
        (:meth:`controller_size` gives both).
    n_outputs : int
        External outputs (the controller's first outputs).
    n_slots, width : int
        The tape's rows and their length.

    Examples
    --------
    >>> from evornn.models import Elman
    >>> n_in, n_ctrl_out = NTM.controller_size(n_inputs=3, n_outputs=2, width=4)
    >>> ntm = NTM(Elman.random(5, 10, n_in, n_ctrl_out, rng=0), n_outputs=2, n_slots=8, width=4)
    >>> ntm.run(np.zeros((6, 3))).shape
    (6, 5, 2)
    """

    memory_options = ("n_slots",)
    #: The options :meth:`codec` takes beyond its named ones, with defaults (experiment files
    #: read them from here): the tape's and the controller's.
    options: ClassVar[dict] = {"n_slots": 16, "decay": 0.5, "peepholes": False}

    def __init__(self, controller, *, n_outputs: int, n_slots: int = 16, width: int = 8):
        self.n_slots = positive_int("n_slots", n_slots)
        self._setup(controller, n_outputs, width)

    @staticmethod
    def _memory_outputs(width: int) -> int:
        return 4 * width + 12

    def trace(self, inputs, *, record: bool = True):
        """``(outputs, write_weights, read_weights)``: outputs ``(n_steps, n_pop,
        n_outputs)`` and each head's weighting over the slots after each step, ``(n_steps,
        n_pop, n_slots)`` (with ``record=False``, empty)."""
        u = self._inputs(inputs)
        check_memory("the recorded head weightings", (2 if record else 0, *u.shape[:2], self.n_slots))
        out = np.zeros((u.shape[0], self.n_pop, self.n_outputs))
        shape = (u.shape[0], self.n_pop, self.n_slots) if record else (0, 0, 0)
        w_write, w_read = np.zeros(shape), np.zeros(shape)
        with np.errstate(all="ignore"):
            _run_ntm(self.controller.params, np.ascontiguousarray(self.controller.initial_state()), u,
                     self.n_outputs, self.n_slots, self.width, out, w_write, w_read, record)
        return out, w_write, w_read


class ENTM(_SquashedMemory):
    """An evolvable neural Turing machine: a controller with a discrete, unbounded tape and
    one read/write head (see the module docstring).

    Parameters
    ----------
    controller : discrete-time Model
        ``n_inputs + width`` inputs and ``n_outputs + width + 5`` outputs
        (:meth:`controller_size` gives both).
    n_outputs : int
        External outputs (the controller's first outputs).
    width : int
        The length of a tape location.
    squash : bool
        Squash the memory controls with the logistic (True), or take them as the controller
        gives them, clipped into [0, 1], with a jump from 0.5 (False: NEAT controllers, as
        in the ENTM paper).

    Examples
    --------
    >>> from evornn.models import Elman
    >>> n_in, n_ctrl_out = ENTM.controller_size(n_inputs=3, n_outputs=2, width=3)
    >>> entm = ENTM(Elman.random(5, 8, n_in, n_ctrl_out, rng=0), n_outputs=2, width=3)
    >>> outputs, heads = entm.trace(np.zeros((6, 3)))
    >>> outputs.shape, heads.shape
    ((6, 5, 2), (6, 5))
    """

    @staticmethod
    def _memory_outputs(width: int) -> int:
        return width + 5

    def trace(self, inputs, *, record: bool = True):
        """``(outputs, heads)``: outputs ``(n_steps, n_pop, n_outputs)`` and the head's
        location after each step, counted from where it started, ``(n_steps, n_pop)``
        integers (with ``record=False``, empty)."""
        u = self._inputs(inputs)
        check_memory("the tape", (2 * u.shape[0] + 1, self.n_pop, self.width))
        out = np.zeros((u.shape[0], self.n_pop, self.n_outputs))
        heads = np.zeros(u.shape[:2] if record else (0, 0), dtype=np.int64)
        with np.errstate(all="ignore"):
            _run_entm(self.controller.params, np.ascontiguousarray(self.controller.initial_state()), u,
                      self.n_outputs, self.width, self.squash, out, heads, record)
        return out, heads


class NeuralStack(_SquashedMemory):
    """A controller with a continuous stack (see the module docstring).

    Parameters
    ----------
    controller : discrete-time Model
        ``n_inputs + width`` inputs and ``n_outputs + width + 2`` outputs.
    n_outputs : int
    width : int
        The length of the values pushed.
    squash : bool
        Squash pop and push with the logistic and the value with tanh (True), or clip them
        into [0, 1] and [-1, 1] (False, for controllers whose outputs are already squashed).

    Examples
    --------
    >>> from evornn.models import Elman
    >>> n_in, n_ctrl_out = NeuralStack.controller_size(n_inputs=2, n_outputs=1, width=3)
    >>> stack = NeuralStack(Elman.random(4, 6, n_in, n_ctrl_out, rng=0), n_outputs=1, width=3)
    >>> stack.run(np.zeros((5, 2))).shape
    (5, 4, 1)
    """

    @staticmethod
    def _memory_outputs(width: int) -> int:
        return width + 2

    def trace(self, inputs, *, record: bool = True):
        """``(outputs, strengths)``: outputs ``(n_steps, n_pop, n_outputs)`` and the stack's
        strengths after each step, ``(n_steps, n_pop, n_steps)`` (element i pushed at step i;
        with ``record=False``, empty)."""
        u = self._inputs(inputs)
        check_memory("the recorded stack", (u.shape[0] if record else 0, *u.shape[:2]))
        out = np.zeros((u.shape[0], self.n_pop, self.n_outputs))
        strengths = np.zeros((u.shape[0], self.n_pop, u.shape[0]) if record else (0, 0, 0))
        with np.errstate(all="ignore"):
            _run_stack(self.controller.params, np.ascontiguousarray(self.controller.initial_state()), u,
                       self.n_outputs, self.width, self.squash, out, strengths, record)
        return out, strengths


def memory_codec(kind, controller_codec, **options):
    """A codec over the controller's genes whose genomes decode to memory networks: `kind`
    is :class:`NTM`, :class:`ENTM` or :class:`NeuralStack`, `options` its keywords
    (``n_outputs``, ``width``, ``n_slots``, ``squash``). Build `controller_codec` with the
    sizes of ``kind.controller_size``; a NEAT codec (:class:`evornn.neat.NEATCodec`) gives a
    codec for ``evolve(problem, "neat")``.

    >>> from evornn.models import Elman
    >>> n_in, n_out = NeuralStack.controller_size(2, 1, width=2)
    >>> codec = memory_codec(NeuralStack, Elman.codec(5, n_in, n_out), n_outputs=1, width=2)
    >>> type(codec.decode(codec.random(3, rng=0))).__name__
    'NeuralStack'
    """
    from ..genome import Codec

    if kind not in (NTM, ENTM, NeuralStack):
        raise ValueError(f"kind must be NTM, ENTM or NeuralStack, got {kind!r}")
    if getattr(controller_codec, "structured", False):
        codec = _StructuredMemoryCodec(kind, controller_codec, options)
        codec.decode(controller_codec.random(1, rng=0))  # check the sizes now
        return codec
    codec = Codec(functools.partial(_build_memory, kind, controller_codec, options), dict(controller_codec.fields))
    codec.decode(codec.random(1, rng=0))  # check the sizes now
    return codec


def _build_memory(kind, controller_codec, options, **arrays):
    return kind(controller_codec.build(**arrays), **options)


class _StructuredMemoryCodec:
    """Memory networks over NEAT genomes: the NEAT strategy reads and breeds the genomes as
    the NEAT codec's (every attribute but decoding is that codec's); decoding puts the
    decoded controllers into the memory."""

    structured = True

    def __init__(self, kind, inner, options):
        self.kind, self.inner, self.options = kind, inner, dict(options)

    def __getattr__(self, name):
        if name in ("kind", "inner", "options"):  # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def decode(self, genomes):
        """The memory networks of `genomes`, their controllers padded to the largest genome."""
        return self.kind(self.inner.decode(genomes), **self.options)

    def network(self, genome):
        """The memory network of one genome alone."""
        return self.kind(self.inner.network(genome), **self.options)

    def __repr__(self) -> str:
        return f"memory_codec({self.kind.__name__}, {self.inner!r}, {self.options})"
