r"""Memristive circuits (Caravelli, Traversa and Di Ventra, Phys. Rev. E 95, 022140, 2017)
and single memristor devices (HP linear ion drift, Strukov et al. 2008).

**Circuits.** Each of the E edges of a :class:`~evornn.models.circuits.Circuit` holds a
memristor with linear resistance :math:`R(w) = R_{on}(1 - w) + R_{off} w = R_{on}(1 + \xi w)`,
:math:`\xi = (R_{off} - R_{on}) / R_{on}`, in series with a voltage source :math:`S_e` that
pushes current along the edge's orientation. Kirchhoff's laws give the currents

.. math:: i = \frac{1}{R_{on}} (I + \xi \Omega W)^{-1} \Omega S, \qquad W = \operatorname{diag}(w)

(:meth:`MemristiveCircuit.currents`, checked against a nodal solve), and the memory states
move with the currents. Papers use two sign conventions for the same operator:

- ``convention="ctd2017"`` (the 2017 paper): :math:`\dot w = \alpha w - \frac{1}{\beta} (I + \xi \Omega W)^{-1} \Omega S`;
- ``convention="decay"`` (Caravelli's later papers, e.g. Entropy 21, 789, 2019):
  :math:`\dot w = -\alpha w + \frac{1}{\beta} (I + \xi \Omega W)^{-1} \Omega S`.

Both give the same currents for the same state; they differ in which way a current moves
w (and so which end is R_on-like) and in the sign of the decay term. Write
:math:`\dot w = A^{-1} c\, \Omega S + a w` with :math:`A = I + \xi \Omega W` and
:math:`(c, a) = (-1/\beta, \alpha)` or :math:`(1/\beta, -\alpha)`.

**Lyapunov function** (:meth:`MemristiveCircuit.lyapunov`). Multiply by A:
:math:`A \dot w = c \Omega S + a w + a \xi \Omega W w`, and take the inner product with
:math:`W \dot w`. The left side :math:`\dot w^T (W + \xi W \Omega W) \dot w \ge 0` for w >= 0
(Omega is a projector), and each term on the right is a time derivative for constant S, so

.. math:: L(w) = -\Big[\frac{c}{2} \sum_i (\Omega S)_i w_i^2 + \frac{a}{3} \sum_i w_i^3
          + \frac{a \xi}{4} (w \circ w)^T \Omega (w \circ w)\Big]

never increases while w >= 0 and no bound is active. This is the function Caravelli,
Traversa and Di Ventra construct for these dynamics.

**Bounds** are explicit: ``bounds="clip"`` projects the flow at 0 and 1 (a state at a
bound does not move outward), ``"window"`` multiplies it by Joglekar's window
:math:`1 - (2w - 1)^{2p}`, ``"none"`` leaves it free.

The compiled kernel finds the currents by nodal analysis on the (V - 1) x (V - 1) grounded
weighted Laplacian instead of the E x E system above (V < E + 1 for any circuit with a
cycle, and far smaller for dense ones), never with an explicit inverse: a Cholesky
factorisation up to 64 nodes, Jacobi-preconditioned conjugate gradients over the edge list
(O(E) per iteration, to a residual of 1e-14) above.
:meth:`MemristiveCircuit.currents` evaluates the formula above directly; the tests check
that the two agree.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from .._checks import as_float_array, batched, one_of, positive_float, positive_int
from .._numba import ERROR_MODEL, FASTMATH, on_one_blas_thread
from .base import ContinuousModel, register_kernels
from .circuits import Circuit

CONVENTIONS = {"decay": 1.0, "ctd2017": -1.0}
BOUNDS = {"none": 0, "clip": 1, "window": 2}


class MemristiveParams(NamedTuple):
    """Batched circuit parameters; axis 0 indexes circuits."""

    edge_from: np.ndarray  # (n_pop, E) int: start node of each edge
    edge_to: np.ndarray  # (n_pop, E) int: end node of each edge
    n_nodes: np.ndarray  # (n_pop,) int
    xi: np.ndarray  # (n_pop,) (R_off - R_on) / R_on
    alpha: np.ndarray  # (n_pop,)
    beta: np.ndarray  # (n_pop,)
    r_on: np.ndarray  # (n_pop,)
    sources: np.ndarray  # (n_pop, E) constant sources
    input_map: np.ndarray  # (n_pop, E, K): S = sources + input_map @ u
    sign: np.ndarray  # (n_pop,) +1 "decay", -1 "ctd2017"
    bounds: np.ndarray  # (n_pop,) int: 0 none, 1 clip, 2 window
    window_p: np.ndarray  # (n_pop,) Joglekar exponent p


#: Circuits with more nodes than this solve the nodal system by conjugate gradients.
DENSE_NODES = 64
#: Conjugate gradients stop at this residual relative to the right-hand side.
CG_RTOL = 1e-14


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _laplacian_times(g, src, dst, x, out):
    """out = L x for the weighted Laplacian L = B diag(g) B^T, row and column 0 (ground) removed
    (x[0] must be 0; out[0] is set to 0)."""
    out[:] = 0.0
    for j in range(g.shape[0]):
        a, b = src[j], dst[j]
        d = g[j] * (x[a] - x[b])
        out[a] += d
        out[b] -= d
    out[0] = 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _dense_potentials(g, src, dst, rhs, n_nodes, potential):
    """Cholesky of the grounded Laplacian, then two triangular solves."""
    n = n_nodes - 1
    lap = np.zeros((n, n))
    for j in range(g.shape[0]):
        a, b = src[j] - 1, dst[j] - 1
        if a == b:
            continue
        if a >= 0:
            lap[a, a] += g[j]
        if b >= 0:
            lap[b, b] += g[j]
        if a >= 0 and b >= 0:
            lap[a, b] -= g[j]
            lap[b, a] -= g[j]
    potential[0] = 0.0
    if n == 0:
        return
    chol = np.linalg.cholesky(lap)
    y = np.empty(n)
    for i in range(n):
        acc = rhs[i + 1]
        for k in range(i):
            acc -= chol[i, k] * y[k]
        y[i] = acc / chol[i, i]
    for i in range(n - 1, -1, -1):
        acc = y[i]
        for k in range(i + 1, n):
            acc -= chol[k, i] * potential[k + 1]
        potential[i + 1] = acc / chol[i, i]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _cg_potentials(g, src, dst, rhs, n_nodes, potential) -> bool:
    """Jacobi-preconditioned conjugate gradients on the grounded Laplacian, matrix-free over
    the edge list (O(E) per iteration); True when the residual fell below CG_RTOL."""
    diag = np.zeros(n_nodes)
    for j in range(g.shape[0]):
        if src[j] != dst[j]:
            diag[src[j]] += g[j]
            diag[dst[j]] += g[j]
    r = rhs.copy()
    r[0] = 0.0
    potential[:] = 0.0
    z = np.zeros(n_nodes)
    for i in range(1, n_nodes):
        z[i] = r[i] / diag[i]
    d = z.copy()
    q = np.empty(n_nodes)
    rz = 0.0
    norm_b = 0.0
    for i in range(n_nodes):
        rz += r[i] * z[i]
        norm_b += r[i] * r[i]
    if norm_b == 0.0:
        return True
    tol = CG_RTOL * CG_RTOL * norm_b
    for _ in range(4 * n_nodes):
        _laplacian_times(g, src, dst, d, q)
        dq = 0.0
        for i in range(n_nodes):
            dq += d[i] * q[i]
        step = rz / dq
        rr = 0.0
        for i in range(n_nodes):
            potential[i] += step * d[i]
            r[i] -= step * q[i]
            rr += r[i] * r[i]
        if rr <= tol:
            return True
        rz_new = 0.0
        for i in range(1, n_nodes):
            z[i] = r[i] / diag[i]
            rz_new += r[i] * z[i]
        beta = rz_new / rz
        rz = rz_new
        for i in range(n_nodes):
            d[i] = z[i] + beta * d[i]
    return False


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _scaled_currents(w, params, p, u):
    """R_on i for individual p by nodal analysis: the same currents as
    (I + xi Omega W)^-1 Omega S, from the (V - 1) x (V - 1) grounded Laplacian system instead
    of an E x E one: with conductances g = R_on / R(w), L = B diag(g) B^T, L p = -B (g S),
    i = g (B^T p + S). Small circuits factorise L (Cholesky); larger ones use conjugate
    gradients to a residual of 1e-14 (falling back to Cholesky if that is not reached).
    """
    src = params.edge_from[p]
    dst = params.edge_to[p]
    e = w.shape[0]
    n_nodes = params.n_nodes[p]
    s = params.sources[p].copy()
    inputs = params.input_map[p]
    for k in range(inputs.shape[1]):
        for j in range(e):
            s[j] += inputs[j, k] * u[k]
    g = np.empty(e)
    rhs = np.zeros(n_nodes)
    out = np.empty(e)
    for j in range(e):
        if not np.isfinite(w[j]):  # a diverged state: report NaN, never raise in the solver
            out[:] = np.nan
            return out
        # R_on / R(w), with w read inside [0, 1] (a fixed step may overshoot a bound): the
        # resistance stays within [R_on, R_off], so the Laplacian stays positive definite
        g[j] = 1.0 / (1.0 + params.xi[p] * min(max(w[j], 0.0), 1.0))
        if src[j] != dst[j]:
            rhs[src[j]] -= g[j] * s[j]
            rhs[dst[j]] += g[j] * s[j]
    potential = np.zeros(n_nodes)
    if not np.all(np.isfinite(rhs)):
        out[:] = np.nan
        return out
    if n_nodes - 1 <= DENSE_NODES or not _cg_potentials(g, src, dst, rhs, n_nodes, potential):
        _dense_potentials(g, src, dst, rhs, n_nodes, potential)
    for j in range(e):
        out[j] = g[j] * (potential[src[j]] - potential[dst[j]] + s[j])
    return out


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def memristive_rhs(t, w, params, p, u, out):
    """dw/dt of circuit p: sign * ((1/beta) A^-1 Omega S - alpha w), then the bounds."""
    x = _scaled_currents(w, params, p, u)
    sign, alpha, beta = params.sign[p], params.alpha[p], params.beta[p]
    mode = params.bounds[p]
    two_p = 2.0 * params.window_p[p]
    for i in range(w.shape[0]):
        d = sign * (x[i] / beta - alpha * w[i])
        if mode == 1:
            if (w[i] <= 0.0 and d < 0.0) or (w[i] >= 1.0 and d > 0.0):
                d = 0.0
        elif mode == 2:
            d *= max(0.0, 1.0 - abs(2.0 * w[i] - 1.0) ** two_p)  # zero (not negative) past a bound
        out[i] = d


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def memristive_output(w, params, p, out):
    """The circuit's currents with no input (outputs are what a readout reads)."""
    x = _scaled_currents(w, params, p, np.zeros(params.input_map.shape[2]))
    for i in range(w.shape[0]):
        out[i] = x[i] / params.r_on[p]


register_kernels(MemristiveParams, rhs=memristive_rhs, output=memristive_output)  # jac: finite differences


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _currents_batch(w, params, u, out):
    """out[r, p] = currents of circuit p at states w[r, p] with inputs u[r, p]."""
    n_rec, n_pop = w.shape[0], w.shape[1]
    for q in prange(n_rec * n_pop):
        r, p = q // n_pop, q % n_pop
        x = _scaled_currents(w[r, p], params, p, u[r, p])
        for j in range(w.shape[2]):
            out[r, p, j] = x[j] / params.r_on[p]


class MemristiveCircuit(ContinuousModel):
    """A population of memristive circuits on one graph, Caravelli-Traversa-Di Ventra dynamics.

    Parameters
    ----------
    circuit : Circuit
    r_on, r_off : float, 0 < r_on < r_off
        Resistances at w = 0 and w = 1 (ohm). Defaults: 100 and 16,000 (HP).
    alpha, beta : float or array_like, shape (n_pop,)
        Decay and (positive) inverse rate constants, in the chosen `convention`.
    sources : float or array_like, shape (E,) or (n_pop, E)
        Constant voltage sources in series with the edges (volts, along each edge).
    input_edges : sequence of int, optional
        Edges whose source also adds an input (``n_inputs = len(input_edges)``): time-
        dependent drives through evornn's inputs.
    input_weights : array_like, shape (E, K) or (n_pop, E, K), optional
        Instead of `input_edges`: input k adds ``input_weights[e, k] * u_k`` to the source of
        every edge e (a reservoir's input matrix).
    convention : {"decay", "ctd2017"}
    bounds : {"clip", "window", "none"}
    window_p : float
        Joglekar exponent for ``bounds="window"``.
    n_pop : int, optional
        Number of circuits (default from the batched arguments, else 1).

    Examples
    --------
    >>> circuit = Circuit.lattice(3, 3)
    >>> net = MemristiveCircuit(circuit, sources=np.linspace(-1, 1, circuit.n_edges), alpha=0.1, beta=10.0)
    >>> net.currents(np.full((1, circuit.n_edges), 0.5)).shape
    (1, 12)
    """

    def __init__(self, circuit: Circuit, *, r_on: float = 100.0, r_off: float = 16_000.0, alpha=0.0, beta=1.0,
                 sources=0.0, input_edges=(), input_weights=None, convention: str = "decay", bounds: str = "clip",
                 window_p: float = 1.0, n_pop: int | None = None):
        if not isinstance(circuit, Circuit):
            raise TypeError(f"circuit must be an evornn Circuit, got {type(circuit).__name__}")
        r_on, r_off = positive_float("r_on", r_on), positive_float("r_off", r_off)
        if r_on >= r_off:
            raise ValueError(f"r_on must be below r_off, got r_on={r_on}, r_off={r_off}")
        one_of("convention", convention, CONVENTIONS)
        one_of("bounds", bounds, BOUNDS)
        positive_float("window_p", window_p)
        e = circuit.n_edges
        inputs = np.asarray(input_edges, dtype=np.int64).ravel()
        if inputs.size and (inputs.min() < 0 or inputs.max() >= e):
            raise ValueError(f"input_edges must name edges in [0, {e}), got {inputs.tolist()}")
        candidates = [np.shape(v)[0] for v in (alpha, beta) if np.ndim(v) == 1]
        candidates += [np.shape(sources)[0]] if np.ndim(sources) == 2 else []
        n_pop = positive_int("n_pop", n_pop if n_pop is not None else max(candidates or [1]))
        alpha = batched("alpha", alpha, n_pop, ())
        beta = batched("beta", beta, n_pop, ())
        if np.any(beta <= 0):
            raise ValueError(f"beta must be > 0, got {beta.min()}")
        s = as_float_array("sources", sources)
        if s.ndim == 1 and s.shape[0] != e and s.size != 1:
            raise ValueError(f"sources must have one value per edge ({e}), got {s.shape[0]}")
        s = batched("sources", s, n_pop, (e,))
        if input_weights is not None:
            if inputs.size:
                raise ValueError("give input_edges or input_weights, not both")
            weights_in = as_float_array("input_weights", input_weights)
            if weights_in.ndim not in (2, 3) or weights_in.shape[-2] != e:
                raise ValueError(f"input_weights must have shape ({e}, n_inputs) or (n_pop, {e}, n_inputs), "
                                 f"got {weights_in.shape}")
            input_map = batched("input_weights", weights_in, n_pop, weights_in.shape[-2:])
        else:
            input_map = np.zeros((n_pop, e, inputs.size))
            input_map[:, inputs, np.arange(inputs.size)] = 1.0
        self.circuit = circuit
        fields = MemristiveParams(
            edge_from=np.ascontiguousarray(np.broadcast_to(circuit.edges[:, 0], (n_pop, e))),
            edge_to=np.ascontiguousarray(np.broadcast_to(circuit.edges[:, 1], (n_pop, e))),
            n_nodes=np.full(n_pop, circuit.n_nodes, dtype=np.int64),
            xi=np.full(n_pop, (r_off - r_on) / r_on), alpha=alpha, beta=beta, r_on=np.full(n_pop, r_on), sources=s,
            input_map=input_map, sign=np.full(n_pop, CONVENTIONS[convention]),
            bounds=np.full(n_pop, BOUNDS[bounds], dtype=np.int64), window_p=np.full(n_pop, float(window_p)))
        for arr in fields:
            arr.flags.writeable = False
        super().__init__(fields)

    @classmethod
    def reservoir_codec(cls, circuit: Circuit, n_inputs: int = 1, *, alpha=(0.3, 30.0), beta=(0.003, 0.3),
                        input_scaling=(0.03, 3.0), source_scaling=(0.01, 1.0), seed: int = 0, bounds: str = "clip",
                        convention: str = "decay"):
        """A genome codec over the parameters of a memristive reservoir on `circuit`.

        The input weights (uniform in [-1, 1] per edge and input) and the constant sources
        (uniform in [-1, 1]) are drawn once from `seed`; the genes scale them
        (`input_scaling`, `source_scaling`) and set the decay `alpha` and rate `beta`, each
        a pair (evolved, on a log scale) or a number (fixed).

        >>> MemristiveCircuit.reservoir_codec(Circuit.lattice(3, 3)).gene_names
        ('alpha', 'beta', 'input_scaling', 'source_scaling')
        """
        import functools

        from ..genome import Codec
        from ..random import as_rng
        from .reservoir import _range_or_value

        rng = as_rng(seed)
        input_weights = rng.uniform(-1.0, 1.0, (circuit.n_edges, positive_int("n_inputs", n_inputs)))
        sources = rng.uniform(-1.0, 1.0, circuit.n_edges)
        fields = {name: _range_or_value(name, value, log_if_positive=True)
                  for name, value in (("alpha", alpha), ("beta", beta), ("input_scaling", input_scaling),
                                      ("source_scaling", source_scaling))}
        build = functools.partial(_build_reservoir, circuit, input_weights, sources, bounds, convention)
        return Codec(build, fields)

    @property
    def n_edges(self) -> int:
        return self.params.sources.shape[1]

    @property
    def n_state(self) -> int:
        return self.n_edges

    @property
    def n_inputs(self) -> int:
        return self.params.input_map.shape[2]

    @property
    def n_outputs(self) -> int:
        return self.n_edges

    def initial_state(self, rng=None) -> np.ndarray:
        """Uniform random memory states in [0, 1] from `rng` (all 0.5 without one)."""
        if rng is None:
            return np.full((self.n_pop, self.n_edges), 0.5)
        from ..random import as_rng

        return as_rng(rng).uniform(0.0, 1.0, (self.n_pop, self.n_edges))

    def check_states(self, w, name: str = "w", *, physical: bool = False) -> np.ndarray:
        """Memory states broadcast to ``(n_pop, n_edges)``, inside [0, 1] where the
        dynamics keep them there (every circuit but those with ``bounds="none"``, whose
        equations extend beyond; with `physical`, in every circuit)."""
        w = batched(name, w, self.n_pop, (self.n_edges,))
        bounded = np.ones(self.n_pop, dtype=bool) if physical else self.params.bounds != 0
        if np.any(w[bounded] < 0) or np.any(w[bounded] > 1):
            raise ValueError(f"{name}: memory states must lie in [0, 1], got values in [{w.min()}, {w.max()}]")
        return w

    def _source_vectors(self, inputs) -> np.ndarray:
        u = batched("inputs", 0.0 if inputs is None else inputs, self.n_pop, (self.n_inputs,))
        return self.params.sources + np.einsum("pek,pk->pe", self.params.input_map, u)

    @on_one_blas_thread
    def currents(self, w, inputs=None) -> np.ndarray:
        """Edge currents (amperes, along each edge), shape ``(n_pop, E)``, from the states
        ``w`` of shape ``(n_pop, E)``: :math:`(I + \\xi \\Omega W)^{-1} \\Omega S / R_{on}`."""
        w = self.check_states(w, physical=True)
        s = self._source_vectors(inputs)
        prm = self.params
        omega = self.circuit.omega()
        out = np.empty_like(w)
        for p in range(self.n_pop):
            a = np.eye(self.n_edges) + prm.xi[p] * omega * w[p][None, :]
            out[p] = np.linalg.solve(a, omega @ s[p]) / prm.r_on[p]
        return out

    def resistances(self, w) -> np.ndarray:
        """``R_on (1 + xi w)`` per edge, shape ``(n_pop, E)`` (the compiled flow reads w
        clipped to [0, 1], which is the same inside the bounds)."""
        w = self.check_states(w, physical=True)
        return self.params.r_on[:, None] * (1.0 + self.params.xi[:, None] * w)

    @on_one_blas_thread
    def voltages(self, w, inputs=None) -> tuple[np.ndarray, np.ndarray]:
        """``(device, potentials)``: the voltage across each memristor, ``R(w) i``, shape
        ``(n_pop, E)``, and the node potentials with node 0 grounded, shape ``(n_pop, V)``
        (edge e from u to v has ``p_u - p_v = R_e i_e - S_e``)."""
        i = self.currents(w, inputs)
        device = self.resistances(w) * i
        drop = device - self._source_vectors(inputs)
        b = self.circuit.incidence()
        potentials = np.zeros((self.n_pop, self.circuit.n_nodes))
        for p in range(self.n_pop):
            potentials[p, 1:] = np.linalg.lstsq(b[1:].T, drop[p], rcond=None)[0]
        return device, potentials

    def features(self, inputs, *, dt: float, steps_per_input: int = 1, readout: str = "currents", w0=None,
                 method: str = "rk4") -> np.ndarray:
        """Drive the circuits with an input sequence and read them after every sample: the
        circuit as a physical reservoir.

        Each row of `inputs` (shape ``(n_samples, n_inputs)``, the same for every circuit)
        is held for `steps_per_input` integration steps of `dt`; at the end of the sample
        the readout takes the edge currents under that input (``readout="currents"``) or the
        memory states (``"states"``).

        Returns
        -------
        ndarray, shape (n_pop, n_samples, E)
            Features for :class:`~evornn.models.readout.RidgeStatistics` or any readout.
        """
        from ..integrate.simulate import simulate_quietly

        one_of("readout", readout, ("currents", "states"))
        steps_per_input = positive_int("steps_per_input", steps_per_input)
        u = as_float_array("inputs", inputs)
        if u.ndim == 1:
            u = u[:, None]
        if u.ndim != 2 or u.shape[1] != self.n_inputs:
            raise ValueError(f"inputs must have shape (n_samples, {self.n_inputs}), got {np.shape(inputs)}")
        held = np.ascontiguousarray(np.broadcast_to(np.repeat(u, steps_per_input, axis=0)[:, None, :],
                                                    (u.shape[0] * steps_per_input, self.n_pop, self.n_inputs)))
        w = self.initial_state() if w0 is None else self.check_states(w0, "w0")
        traj = simulate_quietly(self, dt, y0=w, inputs=held, method=method, record_every=steps_per_input)
        states = traj.y[1:]  # (n_samples, n_pop, E): after each sample
        if readout == "states":
            return np.ascontiguousarray(states.transpose(1, 0, 2))
        per_sample = np.ascontiguousarray(np.broadcast_to(u[:, None, :], (u.shape[0], self.n_pop, self.n_inputs)))
        out = np.empty_like(states)
        _currents_batch(np.ascontiguousarray(states), self.params, per_sample, out)
        return np.ascontiguousarray(out.transpose(1, 0, 2))

    def relax(self, n_starts: int = 8, *, t_max: float = 10.0, dt: float = 0.01, record_every: int = 10, rng=None):
        """Relaxation of circuit 0 from `n_starts` random states (uniform in [0, 1]).

        Returns
        -------
        t : ndarray, shape (n_rec,)
        w : ndarray, shape (n_rec, n_starts, E)
        lyapunov : ndarray, shape (n_rec, n_starts)
            The Lyapunov function along each trajectory.
        """
        from ..integrate.simulate import simulate_quietly
        from ..random import as_rng

        n_starts = positive_int("n_starts", n_starts)
        copies = self.take(np.zeros(n_starts, dtype=np.int64))
        start = as_rng(rng).uniform(0.0, 1.0, (n_starts, self.n_edges))
        traj = simulate_quietly(copies, dt, y0=start, t_max=t_max, record_every=record_every)
        return traj.t, traj.y, copies.lyapunov(traj.y)

    def lyapunov(self, w, inputs=None) -> np.ndarray:
        """The Lyapunov function of the module docstring at states ``w`` (shape
        ``(..., n_pop, E)``); non-increasing along trajectories while w >= 0, the sources
        are constant and no bound is active."""
        w = as_float_array("w", w)
        prm = self.params
        s = self._source_vectors(inputs)
        c = prm.sign / prm.beta
        a = -prm.sign * prm.alpha
        omega = self.circuit.omega()
        omega_s = s @ omega
        w2 = w * w
        quartic = np.einsum("...pi,ij,...pj->...p", w2, omega, w2)
        return -(0.5 * c * np.sum(omega_s * w2, axis=-1) + a / 3.0 * np.sum(w2 * w, axis=-1)
                 + a * prm.xi / 4.0 * quartic)


def _build_reservoir(circuit, input_weights, sources, bounds, convention, *, alpha, beta, input_scaling,
                     source_scaling) -> MemristiveCircuit:
    """Codec decoding: one circuit per row of the hyperparameters, sharing one graph."""
    return MemristiveCircuit(circuit, alpha=alpha, beta=beta, sources=source_scaling[:, None] * sources[None],
                             input_weights=input_weights[None] * input_scaling[:, None, None], bounds=bounds,
                             convention=convention, n_pop=alpha.shape[0])


# ---------------------------------------------------------------------- single devices
WINDOWS = {"none": 0, "joglekar": 1, "biolek": 2}
DRIVES = {"current": 0, "voltage": 1}


class MemristorParams(NamedTuple):
    """Batched HP memristor parameters; axis 0 indexes devices."""

    r_on: np.ndarray  # (n_pop,) ohm
    r_off: np.ndarray  # (n_pop,) ohm
    k: np.ndarray  # (n_pop,) mu_v R_on / D^2, per coulomb
    window: np.ndarray  # (n_pop,) int: 0 none, 1 Joglekar, 2 Biolek
    p: np.ndarray  # (n_pop,) window exponent
    drive: np.ndarray  # (n_pop,) int: 0 current source, 1 voltage source


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _device_current(x, params, p, drive):
    if params.drive[p] == 0:
        return drive
    return drive / (params.r_on[p] * x + params.r_off[p] * (1.0 - x))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def memristor_rhs(t, y, params, p, u, out):
    """dx/dt = k i f(x, i) with the chosen window f."""
    x = y[0]
    i = _device_current(x, params, p, u[0])
    two_p = 2.0 * params.p[p]
    if params.window[p] == 1:
        f = 1.0 - abs(2.0 * x - 1.0) ** two_p
    elif params.window[p] == 2:
        f = 1.0 - abs(x - (1.0 if i <= 0.0 else 0.0)) ** two_p
    else:
        f = 1.0
    out[0] = params.k[p] * i * f


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def memristor_output(y, params, p, out):
    """The memristance R(x) = R_on x + R_off (1 - x)."""
    out[0] = params.r_on[p] * y[0] + params.r_off[p] * (1.0 - y[0])


register_kernels(MemristorParams, rhs=memristor_rhs, output=memristor_output)


class Memristor(ContinuousModel):
    r"""HP linear-ion-drift memristors (Strukov, Snider, Stewart and Williams, Nature 453, 2008).

    The state x = w / D in [0, 1] is the doped fraction of the film;

    .. math:: R(x) = R_{on} x + R_{off} (1 - x), \qquad \dot x = \frac{\mu_v R_{on}}{D^2}\, i(t)\, f(x, i)

    with the window f: none (f = 1, so x = x0 + k q exactly, q the charge), Joglekar's
    :math:`1 - (2x - 1)^{2p}` (for p = 1 the state is the logistic function of q), or
    Biolek's :math:`1 - (x - \mathrm{stp}(-i))^{2p}`. The input (evornn inputs, one per
    device) is the drive: a current source (``drive="current"``) or a voltage source
    (``"voltage"``, i = v / R(x)). Defaults are the usual HP values: R_on 100 ohm, R_off
    16 kohm, D = 10 nm, mu_v = 1e-14 m^2 / (V s).
    """

    def __init__(self, *, r_on=100.0, r_off=16_000.0, d: float = 10e-9, mu_v: float = 1e-14, window: str = "none",
                 p: float = 1.0, drive: str = "current", n_pop: int = 1):
        one_of("window", window, WINDOWS)
        one_of("drive", drive, DRIVES)
        n_pop = positive_int("n_pop", n_pop)
        r_on = batched("r_on", r_on, n_pop, ())
        r_off = batched("r_off", r_off, n_pop, ())
        if np.any(r_on <= 0) or np.any(r_on >= r_off):
            raise ValueError("need 0 < r_on < r_off")
        k = mu_v * r_on / positive_float("d", d) ** 2
        fields = MemristorParams(r_on=r_on, r_off=r_off, k=k, window=np.full(n_pop, WINDOWS[window], dtype=np.int64),
                                 p=np.full(n_pop, positive_float("p", p)),
                                 drive=np.full(n_pop, DRIVES[drive], dtype=np.int64))
        for arr in fields:
            arr.flags.writeable = False
        super().__init__(fields)

    @property
    def n_state(self) -> int:
        return 1

    @property
    def n_inputs(self) -> int:
        return 1

    @property
    def n_outputs(self) -> int:
        return 1
