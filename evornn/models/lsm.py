r"""Liquid state machines (Maass, Natschläger and Markram 2002): recurrent circuits of leaky
integrate-and-fire neurons with exponential synaptic currents, read out from filtered spike
trains, population-batched.

Each neuron ``i`` has a membrane potential and two synaptic currents (excitatory and
inhibitory, each decaying with its own time constant):

.. math::

    \tau_m \dot V_i = -(V_i - V_{rest}) + R_m (I_b + I^e_i + I^i_i), \qquad
    \dot I^e_i = -I^e_i / \tau_e, \qquad \dot I^i_i = -I^i_i / \tau_i

When ``V_i`` reaches the threshold the neuron spikes, ``V_i`` is reset and held for the
refractory period. A spike of neuron ``j`` adds ``w[i, j]`` (nA) to ``I^e_i`` or, for an
inhibitory ``j``, to ``I^i_i``; an input spike on channel ``k`` adds ``w_in[i, k]`` to
``I^e_i``.

**Exact integration.** Between events the equations are linear, and one step of ``dt``
advances them with their closed-form solution (Rotter and Diesmann 1999): there is no
integration error. A threshold crossing inside a step is located on that solution (to
about 1e-13 ms) and the spike takes that time, off the grid of steps: the reset, the
refractory period and the spike's contribution to the neuron's filtered trace all start
there, so a neuron under a constant current fires at exactly the closed-form rate.
Spikes reach their targets at the end of the step they are emitted in (a synaptic delay of
less than one step) and input spikes at the start of the step they are given in.

**Dynamic synapses** (optional, as in the paper; Markram, Wang and Tsodyks 1998): a spike
of ``j`` reaches target ``i`` with ``w[i, j] u R``, where the utilisation ``u`` and the
available fraction ``R`` follow the spike train of ``j``: for the first spike ``u = U``,
``R = 1``, and for the next one after an interval ``Delta``

.. math::

    u_{n+1} = U + u_n (1 - U) e^{-\Delta / F}, \qquad
    R_{n+1} = 1 + (R_n - u_n R_n - 1) e^{-\Delta / D}

(facilitation time constant ``F``, recovery ``D``). ``U, D, F`` are per presynaptic neuron
and target type (excitatory or inhibitory), so that one (u, R) pair per neuron and target
type follows exactly what every synapse of that kind sees. Static synapses pass ``w[i, j]``.

**State** (``10 N`` values per circuit, in this order): the filtered spike traces ``x``
(each spike adds 1, decaying with ``tau_r``: the liquid state that readouts see), the
potentials ``V``, the currents ``I^e`` and ``I^i``, the refractory time left, the number of
spikes of the last step, and the dynamic synapses' ``u - U`` and ``R - 1`` after the last
spike (decayed to now) toward excitatory and toward inhibitory targets. Units: ms, mV, nA,
MOhm.

**Outputs**: a linear readout of the traces, ``act(W_out x + b_out)``; a task may fit it
(``SequenceTask(..., fit_readout=True)``, as for the echo state network).

:meth:`LSM.column` builds Maass's circuits: neurons on a 3-D grid (15 x 3 x 3 by default),
20% inhibitory, connected with probability ``C exp(-(D / lambda)^2)`` over their distance
``D``, with the paper's membrane, synapse and input parameters.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import as_float_array, batched, positive_float, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ..random import as_rng
from .base import DiscreteModel, register_kernels
from .rnn import _readout, activation_code

#: State blocks of a circuit of N neurons, each N long.
TRACE, V, I_EXC, I_INH, REFRACTORY, SPIKES, FACIL_E, DEPRESS_E, FACIL_I, DEPRESS_I = range(10)
N_BLOCKS = 10


class LSMParams(NamedTuple):
    w: np.ndarray  # (n_pop, N, N): w[i, j] the current jump in i per spike of j (nA)
    w_in: np.ndarray  # (n_pop, N, K): per input spike on channel k (nA), into the excitatory current
    inhibitory: np.ndarray  # (n_pop, N) bool: the neuron's spikes go to its targets' inhibitory current
    i_bias: np.ndarray  # (n_pop, N) constant background current (nA)
    tau_m: np.ndarray  # (n_pop, N) membrane time constant (ms)
    r_m: np.ndarray  # (n_pop, N) membrane resistance (MOhm)
    v_rest: np.ndarray  # (n_pop, N) mV
    v_thresh: np.ndarray  # (n_pop, N) mV
    v_reset: np.ndarray  # (n_pop, N) mV
    t_ref: np.ndarray  # (n_pop, N) refractory period (ms)
    taus: np.ndarray  # (n_pop, 4): tau_e, tau_i (synaptic currents), tau_r (traces), dt (the step), in ms
    dynamic: np.ndarray  # (n_pop,) bool: dynamic synapses
    syn: np.ndarray  # (n_pop, N, 2, 3): presynaptic neuron j toward E (0) and I (1) targets: U, D, F (ms)
    w_out: np.ndarray  # (n_pop, M, N)
    b_out: np.ndarray  # (n_pop, M)
    out_act: np.ndarray  # (n_pop,) int


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _potential(h, v, v_inf, tau_m, ce, ie, tau_e, ci, ii, tau_i):
    """V after time `h` from `v`, with currents `ie`, `ii` decaying from their values now."""
    em = math.exp(-h / tau_m)
    return v_inf + (v - v_inf) * em + ce * ie * (math.exp(-h / tau_e) - em) + ci * ii * (math.exp(-h / tau_i) - em)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _crossing(h, v, v_inf, tau_m, ce, ie, tau_e, ci, ii, tau_i, theta):
    """The first time in (0, h] at which V reaches `theta` (V(0) < theta <= V(h)), by
    bisection to the resolution of floating point."""
    lo, hi = 0.0, h
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _potential(mid, v, v_inf, tau_m, ce, ie, tau_e, ci, ii, tau_i) >= theta:
            hi = mid
        else:
            lo = mid
    return hi


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lsm_rhs(t, y, prm, p, u, out):
    """One step of circuit `p` (see the module docstring); the next state into `out`."""
    n = prm.w.shape[1]
    tau_e, tau_i, tau_r, dt = prm.taus[p, 0], prm.taus[p, 1], prm.taus[p, 2], prm.taus[p, 3]
    decay_e, decay_i, decay_r = math.exp(-dt / tau_e), math.exp(-dt / tau_i), math.exp(-dt / tau_r)
    dynamic = prm.dynamic[p]
    efficacy = np.zeros((n, 2))  # this step's summed efficacies of each neuron's spikes, per target type
    for i in range(n):
        v, ie, ii, ref = y[V * n + i], y[I_EXC * n + i], y[I_INH * n + i], y[REFRACTORY * n + i]
        for k in range(u.shape[0]):
            ie += prm.w_in[p, i, k] * u[k]
        tau_m, r = prm.tau_m[p, i], prm.r_m[p, i]
        v_inf = prm.v_rest[p, i] + r * prm.i_bias[p, i]
        ce, ci = r * tau_e / (tau_e - tau_m), r * tau_i / (tau_i - tau_m)
        theta, v_reset, t_ref = prm.v_thresh[p, i], prm.v_reset[p, i], prm.t_ref[p, i]
        trace = y[TRACE * n + i] * decay_r
        spikes = 0.0
        last = -1.0  # the time of this step's last spike (none yet)
        s = 0.0  # the time within the step that V has been advanced to
        if ref > 0.0:
            v = v_reset
            if ref >= dt:
                s = dt
                ref -= dt
            else:
                s = ref
                ref = 0.0
        while s < dt:
            if s == 0.0:  # the common case: a whole step, whose current decays are known
                ie_s, ii_s = ie, ii
            else:
                ie_s, ii_s = ie * math.exp(-s / tau_e), ii * math.exp(-s / tau_i)
            h = dt - s
            if v < theta:
                if s == 0.0:
                    em = math.exp(-dt / tau_m)
                    v_end = v_inf + (v - v_inf) * em + ce * ie * (decay_e - em) + ci * ii * (decay_i - em)
                else:
                    v_end = _potential(h, v, v_inf, tau_m, ce, ie_s, tau_e, ci, ii_s, tau_i)
                if v_end < theta:
                    v = v_end
                    break
                tc = _crossing(h, v, v_inf, tau_m, ce, ie_s, tau_e, ci, ii_s, tau_i, theta)
            else:
                tc = 0.0  # started at or above the threshold: it fires now
            spikes += 1.0
            trace += math.exp(-(h - tc) / tau_r)
            if dynamic:
                _synapse_spike(prm, p, i, y, out, n, s + tc, last, efficacy)
            last = s + tc
            v = v_reset
            s += tc + t_ref
            if s >= dt:
                ref = s - dt
        out[TRACE * n + i] = trace
        out[V * n + i] = v
        out[I_EXC * n + i] = ie * decay_e
        out[I_INH * n + i] = ii * decay_i
        out[REFRACTORY * n + i] = ref
        out[SPIKES * n + i] = spikes
        if dynamic:
            _synapse_decay(prm, p, i, y, out, n, dt, last)
        else:
            for block in range(FACIL_E, N_BLOCKS):
                out[block * n + i] = 0.0
    # The step's spikes reach their targets at its end; each target's row of w is read once.
    fired = np.empty(n, np.int64)
    n_fired = 0
    for j in range(n):
        if out[SPIKES * n + j] > 0.0:
            fired[n_fired] = j
            n_fired += 1
    if n_fired:
        for i in range(n):
            kind = 1 if prm.inhibitory[p, i] else 0
            exc = 0.0
            inh = 0.0
            for q in range(n_fired):
                j = fired[q]
                scale = efficacy[j, kind] if dynamic else out[SPIKES * n + j]
                if prm.inhibitory[p, j]:
                    inh += scale * prm.w[p, i, j]
                else:
                    exc += scale * prm.w[p, i, j]
            out[I_EXC * n + i] += exc
            out[I_INH * n + i] += inh


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _synapse_spike(prm, p, j, y, out, n, at, last, efficacy):
    """A spike of neuron `j` at time `at` in the step: its efficacy toward each target type
    (u R, from the (u - U, R - 1) state decayed to `at`: from the step's start in `y`, or
    from this step's previous spike at `last` >= 0 in `out`), then the state right after it
    into `out`."""
    for kind in range(2):
        big_u, d, f = prm.syn[p, j, kind, 0], prm.syn[p, j, kind, 1], prm.syn[p, j, kind, 2]
        facil, depress = (FACIL_E, DEPRESS_E) if kind == 0 else (FACIL_I, DEPRESS_I)
        if last < 0.0:
            a, c, since = y[facil * n + j], y[depress * n + j], at
        else:
            a, c, since = out[facil * n + j], out[depress * n + j], at - last
        util = big_u + a * math.exp(-since / f)
        avail = 1.0 + c * math.exp(-since / d)
        efficacy[j, kind] += util * avail
        out[facil * n + j] = util * (1.0 - big_u)
        out[depress * n + j] = avail * (1.0 - util) - 1.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _synapse_decay(prm, p, j, y, out, n, dt, last):
    """The (u - U, R - 1) states of neuron `j` decayed to the end of the step: from its last
    spike at `last` (>= 0) in this step, else from the step's start."""
    for kind in range(2):
        d, f = prm.syn[p, j, kind, 1], prm.syn[p, j, kind, 2]
        facil, depress = (FACIL_E, DEPRESS_E) if kind == 0 else (FACIL_I, DEPRESS_I)
        if last >= 0.0:
            a, c, span = out[facil * n + j], out[depress * n + j], dt - last
        else:
            a, c, span = y[facil * n + j], y[depress * n + j], dt
        out[facil * n + j] = a * math.exp(-span / f)
        out[depress * n + j] = c * math.exp(-span / d)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lsm_output(y, prm, p, out):
    _readout(y[:prm.w.shape[1]], prm.w_out[p], prm.b_out[p], prm.out_act[p], out)


register_kernels(LSMParams, rhs=lsm_rhs, output=lsm_output)


#: Maass, Natschläger and Markram (2002), Methods: per connection type (from-to: EE, EI,
#: IE, II) the scale C of the connection probability and the mean synaptic weight A (nA).
MAASS_C = {"EE": 0.3, "EI": 0.2, "IE": 0.4, "II": 0.1}
MAASS_A = {"EE": 30.0, "EI": 60.0, "IE": -19.0, "II": -19.0}
#: Their dynamic synapses' mean U, D and F (ms) per connection type (after Markram et al.
#: 1998 and Gupta et al. 2000). Static synapses take a dynamic one's first-spike efficacy, A U.
MAASS_UDF = {"EE": (0.5, 1100.0, 50.0), "EI": (0.05, 125.0, 1200.0), "IE": (0.25, 700.0, 20.0),
             "II": (0.32, 144.0, 60.0)}


class LSM(DiscreteModel):
    """A population of liquid state machines (see the module docstring). One step of the
    model is one step of ``dt`` ms; the inputs are spike counts per channel and step.

    Parameters
    ----------
    w : array_like, shape (n_pop, N, N)
        ``w[i, j]``: the current jump (nA) in neuron i per spike of neuron j (0: no synapse).
    w_in : array_like, shape (n_pop, N, K)
    inhibitory : array_like of bool, shape (n_pop, N)
    i_bias, tau_m, r_m, v_rest, v_thresh, v_reset, t_ref : array_like, shape (n_pop, N) or scalars
    tau_e, tau_i, tau_r, dt : float or array_like, shape (n_pop,)
        Synaptic time constants (must differ from every tau_m), the traces' time constant,
        and the step (ms).
    dynamic : bool or array_like of bool, shape (n_pop,)
        Dynamic synapses (see the module docstring).
    syn : array_like, shape (n_pop, N, 2, 3), optional
        With dynamic synapses: for presynaptic neuron j toward excitatory (0) and
        inhibitory (1) targets, U (in (0, 1]), D and F (ms, > 0).
    w_out : array_like, shape (n_pop, M, N), optional
        Readout of the traces (default one output, zero weights).
    b_out : array_like, shape (n_pop, M), optional
    output_activation : {"identity", "tanh", "logistic"}
    """

    fits_readout = True

    def __init__(self, w, w_in, inhibitory, *, i_bias=13.5, tau_m=30.0, r_m=1.0, v_rest=0.0, v_thresh=15.0,
                 v_reset=13.5, t_ref=3.0, tau_e=3.0, tau_i=6.0, tau_r=30.0, dt=0.5, dynamic=False, syn=None,
                 w_out=None, b_out=None, output_activation: str = "identity"):
        w = as_float_array("w", w)
        if w.ndim != 3 or w.shape[1] != w.shape[2] or w.shape[1] == 0:
            raise ValueError(f"w must have shape (n_pop, N, N) with N >= 1, got {w.shape}")
        n_pop, n = w.shape[:2]
        w_in = as_float_array("w_in", w_in)
        if w_in.ndim != 3 or w_in.shape[:2] != (n_pop, n):
            raise ValueError(f"w_in must have shape (n_pop, N, n_inputs) = ({n_pop}, {n}, K), got {w_in.shape}")
        inh = np.asarray(inhibitory)
        if inh.dtype != np.bool_ or inh.shape != (n_pop, n):
            raise ValueError(f"inhibitory must be booleans of shape ({n_pop}, {n}), got {inh.dtype} {inh.shape}")
        per_neuron = {name: batched(name, value, n_pop, (n,))
                      for name, value in (("i_bias", i_bias), ("tau_m", tau_m), ("r_m", r_m), ("v_rest", v_rest),
                                          ("v_thresh", v_thresh), ("v_reset", v_reset), ("t_ref", t_ref))}
        for name in ("tau_m", "r_m"):
            if not (per_neuron[name] > 0).all():
                raise ValueError(f"{name} must be > 0")
        if not (per_neuron["t_ref"] >= 0).all():
            raise ValueError("t_ref must be >= 0")
        if not (per_neuron["v_reset"] < per_neuron["v_thresh"]).all():
            raise ValueError("v_reset must be below v_thresh")
        taus = np.empty((n_pop, 4))
        for col, (name, value) in enumerate((("tau_e", tau_e), ("tau_i", tau_i), ("tau_r", tau_r), ("dt", dt))):
            taus[:, col] = batched(name, value, n_pop, ())
            if not (taus[:, col] > 0).all():
                raise ValueError(f"{name} must be > 0, got {value!r}")
        for col, name in ((0, "tau_e"), (1, "tau_i")):
            gap = np.abs(taus[:, col, None] - per_neuron["tau_m"]) / per_neuron["tau_m"]
            if (gap < 1e-6).any():
                raise ValueError(f"{name} must differ from every tau_m (the exact solution divides by their "
                                 f"difference)")
        dynamic = np.broadcast_to(np.asarray(dynamic), (n_pop,)).copy()
        if dynamic.dtype != np.bool_:
            raise ValueError(f"dynamic must be True, False or booleans of shape ({n_pop},), got {dynamic.dtype}")
        if syn is None:
            if dynamic.any():
                raise ValueError("dynamic synapses need syn: U, D, F of shape (n_pop, N, 2, 3)")
            syn = np.tile([1.0, 1.0, 1.0], (n_pop, n, 2, 1))
        syn = batched("syn", syn, n_pop, (n, 2, 3))
        if not ((syn[..., 0] > 0) & (syn[..., 0] <= 1)).all() or not (syn[..., 1:] > 0).all():
            raise ValueError("syn must hold U in (0, 1] and D, F > 0 (ms)")
        out_code = activation_code(output_activation)
        w_out = np.zeros((n_pop, 1, n)) if w_out is None else as_float_array("w_out", w_out)
        if w_out.ndim != 3 or w_out.shape[0] != n_pop or w_out.shape[2] != n:
            raise ValueError(f"w_out must have shape (n_pop, n_outputs, N) = ({n_pop}, M, {n}), got {w_out.shape}")
        b_out = np.zeros((n_pop, w_out.shape[1])) if b_out is None else batched("b_out", b_out, n_pop,
                                                                                 (w_out.shape[1],))
        super().__init__(LSMParams(w, w_in, np.ascontiguousarray(inh), *per_neuron.values(), taus, dynamic,
                                   np.ascontiguousarray(syn), w_out,
                                   np.ascontiguousarray(b_out),
                                   np.full(n_pop, out_code, dtype=np.int64)))

    def _check_params(self) -> None:
        prm = self.params
        n_pop, n = prm.w.shape[:2]
        if prm.inhibitory.shape != (n_pop, n) or prm.w_out.shape[2] != n or prm.taus.shape != (n_pop, 4):
            raise ValueError(f"LSM fields disagree in shape: w {prm.w.shape}, inhibitory {prm.inhibitory.shape}, "
                             f"w_out {prm.w_out.shape}, taus {prm.taus.shape}")

    @property
    def n_neurons(self) -> int:
        return self.params.w.shape[1]

    n_hidden = n_neurons  # the readout reads the first n_neurons state values (the traces)

    @property
    def n_state(self) -> int:
        return N_BLOCKS * self.n_neurons

    @property
    def n_inputs(self) -> int:
        return self.params.w_in.shape[2]

    @property
    def n_outputs(self) -> int:
        return self.params.w_out.shape[1]

    @property
    def dt(self) -> float:
        return float(self.params.taus[0, 3])

    def initial_state(self, rng=None) -> np.ndarray:
        """Traces, currents and refractory times at 0; potentials at the reset value, or with
        an `rng` uniform between reset and threshold (as Maass et al. started theirs)."""
        prm = self.params
        n = self.n_neurons
        y = np.zeros((self.n_pop, N_BLOCKS * n))
        if rng is None:
            y[:, V * n:(V + 1) * n] = prm.v_reset
        else:
            y[:, V * n:(V + 1) * n] = as_rng(rng).uniform(prm.v_reset, prm.v_thresh)
        return y

    def spikes(self, y) -> np.ndarray:
        """The spike counts of the step that ended in states `y` (..., n_pop, 10 N) -> (..., n_pop, N)."""
        n = self.n_neurons
        return np.asarray(y)[..., SPIKES * n:(SPIKES + 1) * n]

    def potentials(self, y) -> np.ndarray:
        n = self.n_neurons
        return np.asarray(y)[..., V * n:(V + 1) * n]

    def with_readout(self, w_out, b_out) -> LSM:
        """A copy with a linear readout of the traces: `w_out` (n_pop, n_outputs, N), `b_out`
        (n_pop, n_outputs)."""
        prm = self.params
        return _rebuilt(prm, w=prm.w, w_in=prm.w_in, w_out=w_out, b_out=b_out)

    @classmethod
    def codec(cls, shape=(15, 3, 3), n_inputs: int = 1, n_outputs: int = 1, *, seed: int = 0,
              weight_scale=(0.1, 10.0), input_scale=(0.1, 10.0), dt: float = 0.5, tau_r: float = 30.0, **column):
        """A hyperparameter codec over one circuit drawn by :meth:`column` from `seed` (as
        :meth:`ESN.codec <evornn.models.ESN.codec>` is over one reservoir): each individual
        scales the recurrent weights by its `weight_scale` and the input weights by its
        `input_scale` (a pair: evolved on a log scale within it; a number: fixed). The
        readout is fitted by the task (``SequenceTask(..., fit_readout=True)``).

        >>> LSM.codec((5, 3, 3)).n_genes
        2
        """
        import functools

        from ..genome import Codec
        from .reservoir import _range_or_value

        base = cls.column(1, shape, n_inputs, n_outputs, dt=dt, tau_r=tau_r, rng=seed, **column)
        fields = {"weight_scale": _range_or_value("weight_scale", weight_scale, log_if_positive=True),
                  "input_scale": _range_or_value("input_scale", input_scale, log_if_positive=True)}
        return Codec(functools.partial(_scaled, base), fields)

    @classmethod
    def column(cls, n_pop: int = 1, shape=(15, 3, 3), n_inputs: int = 1, n_outputs: int = 1, *,
               lam: float = 2.0, weight_scale: float = 1.0, input_scale: float = 1.0,
               input_connectivity: float = 0.3, inhibitory_fraction: float = 0.2, dynamic: bool = True,
               dt: float = 0.5, tau_r: float = 30.0, rng=None) -> LSM:
        """Maass, Natschläger and Markram's circuits (2002, Methods), one per individual.

        Neurons on an integer grid of `shape`, a fraction `inhibitory_fraction` inhibitory
        at random; ``j -> i`` connected with probability ``C exp(-(D / lam)^2)`` (``C`` per
        connection type, :data:`MAASS_C`; ``D`` the Euclidean distance), weights drawn from
        a gamma distribution with mean ``A`` (:data:`MAASS_A`, times `weight_scale`) and
        standard deviation 0.7 of it. Dynamic synapses: U, D and F drawn per presynaptic
        neuron and target type from Gaussians around :data:`MAASS_UDF` with standard
        deviation half the mean (values out of range redrawn uniformly between 0 and twice
        the mean); with ``dynamic=False`` static synapses of the first-spike efficacy
        ``A U``. Each input channel reaches a fraction
        `input_connectivity` of the neurons with 18 nA (excitatory targets) or 9 nA
        (inhibitory), times `input_scale`. Membranes: tau_m 30 ms, R 1 MOhm, threshold 15 mV,
        reset 13.5 mV, refractory 3 ms (excitatory) and 2 ms (inhibitory), background
        currents uniform in [13.5, 14.5] nA; synaptic currents tau 3 ms (excitatory) and 6 ms
        (inhibitory). Synaptic delays (1.5 and 0.8 ms in the paper) are one step here, and
        the paper's synapse parameters, drawn per synapse, are drawn per presynaptic neuron
        and target type.
        """
        from scipy.spatial.distance import cdist

        n_pop = positive_int("n_pop", n_pop)
        shape = tuple(positive_int("shape", s) for s in shape)
        if len(shape) != 3:
            raise ValueError(f"shape must be three grid sizes, got {shape!r}")
        n_inputs, n_outputs = positive_int("n_inputs", n_inputs, minimum=0), positive_int("n_outputs", n_outputs)
        lam, weight_scale = positive_float("lam", lam), positive_float("weight_scale", weight_scale)
        input_scale = positive_float("input_scale", input_scale)
        for name, value in (("input_connectivity", input_connectivity), ("inhibitory_fraction", inhibitory_fraction)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value!r}")
        rng = as_rng(rng)
        grid = np.stack(np.meshgrid(*(np.arange(s) for s in shape), indexing="ij"), -1).reshape(-1, 3)
        n = grid.shape[0]
        distance = cdist(grid, grid)
        w = np.zeros((n_pop, n, n))
        w_in = np.zeros((n_pop, n, n_inputs))
        inhibitory = np.zeros((n_pop, n), dtype=bool)
        syn = np.empty((n_pop, n, 2, 3))
        for p in range(n_pop):
            inh = np.zeros(n, dtype=bool)
            inh[rng.permutation(n)[:round(inhibitory_fraction * n)]] = True
            kind = np.where(inh, "I", "E")
            pair = np.char.add(kind[None, :], kind[:, None])  # pair[i, j]: from j's type to i's
            c = np.vectorize(MAASS_C.get)(pair)
            first = np.vectorize(lambda key: MAASS_UDF[key][0])(pair)
            a = np.vectorize(MAASS_A.get)(pair) * (1.0 if dynamic else first) * weight_scale
            connected = (rng.random((n, n)) < c * np.exp(-(distance / lam) ** 2)) & ~np.eye(n, dtype=bool)
            # gamma with mean |a| and sd 0.7 |a|: shape 1 / 0.49, scale 0.49 |a|
            magnitude = rng.gamma(1 / 0.49, 0.49 * np.abs(a))
            w[p] = np.where(connected, np.sign(a) * magnitude, 0.0)
            reach = rng.random((n, n_inputs)) < input_connectivity
            w_in[p] = np.where(reach, np.where(inh, 9.0, 18.0)[:, None] * input_scale, 0.0)
            inhibitory[p] = inh
            for target, to in enumerate("EI"):
                mean = np.array([MAASS_UDF[k + to] for k in kind])  # (n, 3): U, D, F from each neuron
                value = rng.normal(mean, 0.5 * mean)
                bad = (value <= 0) | ((np.arange(3) == 0) & (value > 1))
                value[bad] = rng.uniform(0.0, 2.0 * mean[bad])
                value[:, 0] = np.clip(value[:, 0], 1e-3, 1.0)
                value[:, 1:] = np.maximum(value[:, 1:], 1e-3)
                syn[p, :, target] = value
        t_ref = np.where(inhibitory, 2.0, 3.0)
        return cls(w, w_in, inhibitory, i_bias=rng.uniform(13.5, 14.5, (n_pop, n)), t_ref=t_ref, dt=dt,
                   tau_r=tau_r, dynamic=bool(dynamic), syn=syn, w_out=np.zeros((n_pop, n_outputs, n)))


def _scaled(base: LSM, *, weight_scale, input_scale) -> LSM:
    """Copies of `base`'s circuit (individual 0) with weights scaled per individual."""
    weight_scale, input_scale = np.asarray(weight_scale, dtype=float), np.asarray(input_scale, dtype=float)
    n_pop = weight_scale.shape[0]
    prm = base.take(np.zeros(n_pop, dtype=np.int64)).params
    return _rebuilt(prm, w=prm.w * weight_scale[:, None, None], w_in=prm.w_in * input_scale[:, None, None],
                    w_out=prm.w_out, b_out=prm.b_out)


def _rebuilt(prm: LSMParams, *, w, w_in, w_out, b_out) -> LSM:
    """Circuits with `prm`'s neurons and synapse dynamics and the given weights."""
    return LSM(w, w_in, prm.inhibitory, i_bias=prm.i_bias, tau_m=prm.tau_m, r_m=prm.r_m, v_rest=prm.v_rest,
               v_thresh=prm.v_thresh, v_reset=prm.v_reset, t_ref=prm.t_ref, tau_e=prm.taus[:, 0],
               tau_i=prm.taus[:, 1], tau_r=prm.taus[:, 2], dt=prm.taus[:, 3], dynamic=prm.dynamic, syn=prm.syn,
               w_out=w_out, b_out=b_out)
