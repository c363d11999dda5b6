r"""Networks of arbitrary topology, as NEAT evolves them, population-batched: one discrete
time step activates every node once.

Each individual has its own nodes and connections (NEAT genomes decoded by
:class:`evornn.neat.NEATCodec`), padded to the population's largest node and connection
counts. Node ``i`` of individual ``p`` computes

.. math::

    a_i \leftarrow f_i\Big(b_i + r_i \sum_{j \to i} w_{ji}\, x_j\Big)

over its enabled incoming connections, from inputs or nodes (``b`` the bias, ``r`` the
response, ``f`` an activation of :data:`ACTIVATIONS`, as in neat-python). The nodes fire in
an order fixed per individual (topological where the graph allows):

- ``"sequential"`` (the default): each node reads the values its sources hold when it
  fires, so a feed-forward network propagates its input to its outputs in one step and a
  recurrent connection (from a node that fires later, or from itself) reads the previous
  step's value;
- ``"synchronous"``: every node reads the previous step's values (neat-python's
  ``RecurrentNetwork``; a signal crosses one connection per step).

The state is the value of every node, output nodes first (the outputs a task reads), then
hidden nodes; padding nodes stay at 0. Kernels index only within the arrays: the
constructor checks every index.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import as_float_array
from .._numba import ERROR_MODEL, FASTMATH
from .base import DiscreteModel, leading_state, register_kernels

#: Activation functions by name (neat-python's definitions; ``"steepened_sigmoid"`` is the
#: NEAT paper's 1 / (1 + exp(-4.9 x)), ``"logistic"`` the plain one) and their codes.
ACTIVATIONS = {"identity": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "sin": 4, "gauss": 5, "abs": 6, "clamped": 7,
               "square": 8, "steepened_sigmoid": 9, "hat": 10, "softplus": 11, "cube": 12, "logistic": 13}
MODES = {"sequential": 0, "synchronous": 1}


# Inlined where called: an opaque call in the network's loop keeps the compiler from holding
# the parameters in registers (a population of small XOR networks stepped 1.7x slower).
@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def activate(x, code):
    """Activation `code` of :data:`ACTIVATIONS` at `x`. Numba-compiled."""
    if code == 0:
        return x
    if code == 1:
        return 1.0 / (1.0 + np.exp(-min(max(5.0 * x, -60.0), 60.0)))
    if code == 2:
        return np.tanh(min(max(2.5 * x, -60.0), 60.0))
    if code == 3:
        return x if x > 0.0 else 0.0
    if code == 4:
        return np.sin(min(max(5.0 * x, -60.0), 60.0))
    if code == 5:
        z = min(max(x, -3.4), 3.4)
        return np.exp(-5.0 * z * z)
    if code == 6:
        return abs(x)
    if code == 7:
        return min(max(x, -1.0), 1.0)
    if code == 8:
        return x * x
    if code == 9:
        return 1.0 / (1.0 + np.exp(-4.9 * x))
    if code == 10:
        return max(0.0, 1.0 - abs(x))
    if code == 11:
        return 0.2 * np.log(1.0 + np.exp(min(max(5.0 * x, -60.0), 60.0)))
    if code == 12:
        return x * x * x
    return 1.0 / (1.0 + np.exp(-x))


class NEATNetParams(NamedTuple):
    bias: np.ndarray  # (n_pop, N)
    response: np.ndarray  # (n_pop, N)
    act: np.ndarray  # (n_pop, N) int64, codes of ACTIVATIONS
    order: np.ndarray  # (n_pop, N) int64: the nodes in firing order (the first sizes[p, 0])
    offsets: np.ndarray  # (n_pop, N + 1) int64: the k-th firing node's connections are [offsets[k], offsets[k + 1])
    source: np.ndarray  # (n_pop, C) int64: input k < K, else node source - K
    weight: np.ndarray  # (n_pop, C)
    sizes: np.ndarray  # (n_pop, 4) int64: firing nodes, inputs K, outputs M, mode (MODES)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def neat_rhs(t, y, prm, p, u, out):
    """One activation step of individual `p`: every firing node in order (see the module
    docstring); the next state into `out`."""
    n, k_in, synchronous = prm.sizes[p, 0], prm.sizes[p, 1], prm.sizes[p, 3] == 1
    for i in range(y.shape[0]):
        out[i] = y[i]
    for k in range(n):
        node = prm.order[p, k]
        total = _weighted_sum(y, prm, p, u, out, k, k_in, synchronous)
        out[node] = activate(prm.bias[p, node] + prm.response[p, node] * total, prm.act[p, node])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL, inline="always")
def _weighted_sum(y, prm, p, u, out, k, k_in, synchronous):
    """The summed weighted input of the `k`-th firing node of individual `p`."""
    total = 0.0
    for e in range(prm.offsets[p, k], prm.offsets[p, k + 1]):
        j = prm.source[p, e]
        x = u[j] if j < k_in else (y[j - k_in] if synchronous else out[j - k_in])
        total += prm.weight[p, e] * x
    return total


register_kernels(NEATNetParams, rhs=neat_rhs, output=leading_state)


@njit(cache=True, error_model=ERROR_MODEL)
def _first_invalid(act, order, offsets, source, sizes, n_modes, n_codes):
    """The first of :meth:`NEATNetwork._check_params`'s value checks that fails (1 to 7, in
    its order), or 0; one pass over the arrays (shapes already checked, n_pop >= 1)."""
    n_pop, n_nodes = act.shape
    n_conns = source.shape[1]
    k_in, m_out = sizes[0, 1], sizes[0, 2]
    for p in range(n_pop):
        if sizes[p, 1] != k_in or sizes[p, 2] != m_out:
            return 1
    for p in range(n_pop):
        if sizes[p, 0] < 0 or sizes[p, 0] > n_nodes:
            return 2
    if k_in < 0 or not 0 <= m_out <= n_nodes:
        return 2
    for p in range(n_pop):
        if sizes[p, 3] < 0 or sizes[p, 3] >= n_modes:
            return 3
    for p in range(n_pop):
        for k in range(n_nodes):
            if act[p, k] < 0 or act[p, k] >= n_codes:
                return 4
    for p in range(n_pop):
        for k in range(sizes[p, 0]):
            if order[p, k] < 0 or order[p, k] >= n_nodes:
                return 5
    for p in range(n_pop):
        if offsets[p, 0] != 0 or offsets[p, n_nodes] > n_conns:
            return 6
        for k in range(n_nodes):
            if offsets[p, k + 1] < offsets[p, k]:
                return 6
    for p in range(n_pop):
        for e in range(offsets[p, sizes[p, 0]]):
            if source[p, e] < 0 or source[p, e] >= k_in + n_nodes:
                return 7
    return 0


class NEATNetwork(DiscreteModel):
    """A population of networks of arbitrary topology (see the module docstring), usually
    decoded from NEAT genomes by :meth:`evornn.neat.NEATCodec.decode`.

    Parameters
    ----------
    bias, response : array_like, shape (n_pop, n_nodes)
    act : array_like of int, shape (n_pop, n_nodes)
        Activation codes (:data:`ACTIVATIONS`).
    order : array_like of int, shape (n_pop, n_nodes)
        Node indices in firing order; the first ``sizes[p, 0]`` are used.
    offsets : array_like of int, shape (n_pop, n_nodes + 1)
        Connections ``offsets[p, k]`` to ``offsets[p, k + 1]`` feed the k-th firing node.
    source : array_like of int, shape (n_pop, n_connections)
        A connection's source: input ``k`` (``< n_inputs``) or node ``source - n_inputs``.
    weight : array_like, shape (n_pop, n_connections)
    sizes : array_like of int, shape (n_pop, 4)
        Per individual: firing nodes, inputs, outputs (nodes ``0 ... n_outputs - 1``), mode
        (:data:`MODES`). Inputs and outputs are the same for every individual.
    """

    def __init__(self, bias, response, act, order, offsets, source, weight, sizes):
        arrays = {"bias": as_float_array("bias", bias), "response": as_float_array("response", response),
                  "weight": as_float_array("weight", weight)}
        for name, value in (("act", act), ("order", order), ("offsets", offsets), ("source", source),
                            ("sizes", sizes)):
            value = np.asarray(value)
            if value.dtype.kind not in "iu":
                raise TypeError(f"{name} must hold integers, got dtype {value.dtype}")
            arrays[name] = np.ascontiguousarray(value, dtype=np.int64)
        for value in arrays.values():
            value.flags.writeable = False
        super().__init__(NEATNetParams(**arrays))

    def _check_params(self) -> None:
        p = self.params
        n_pop, n_nodes = p.bias.shape[0], p.bias.shape[1] if p.bias.ndim == 2 else -1
        expected = {"bias": (n_nodes,), "response": (n_nodes,), "act": (n_nodes,), "order": (n_nodes,),
                    "offsets": (n_nodes + 1,), "sizes": (4,)}
        for name, shape in expected.items():
            if getattr(p, name).shape != (n_pop, *shape):
                raise ValueError(f"{name} must have shape (n_pop, {', '.join(map(str, shape))}), "
                                 f"got {getattr(p, name).shape}")
        if p.source.ndim != 2 or p.weight.shape != p.source.shape:
            raise ValueError(f"source and weight must have one shape (n_pop, n_connections), got {p.source.shape} "
                             f"and {p.weight.shape}")
        problem = _first_invalid(p.act, p.order, p.offsets, p.source, p.sizes, len(MODES), len(ACTIVATIONS)) \
            if n_pop else 0
        if problem:
            k_in = int(p.sizes[0, 1])
            raise ValueError((
                "every individual must have the same numbers of inputs and outputs (sizes[:, 1:3])",
                f"sizes hold firing nodes in [0, {n_nodes}], inputs >= 0 and outputs in [0, {n_nodes}]",
                f"sizes[:, 3] must hold mode codes {MODES}",
                f"act must hold activation codes {ACTIVATIONS}",
                f"order must hold node indices in [0, {n_nodes})",
                f"offsets must rise from 0 to at most n_connections = {p.source.shape[1]}",
                f"source must hold inputs or nodes, in [0, {k_in + n_nodes})")[problem - 1])

    @property
    def n_nodes(self) -> int:
        return self.params.bias.shape[1]

    @property
    def n_state(self) -> int:
        return self.n_nodes

    @property
    def n_inputs(self) -> int:
        return int(self.params.sizes[0, 1])

    @property
    def n_outputs(self) -> int:
        return int(self.params.sizes[0, 2])
