r"""NEAT genomes as rows of one float64 matrix, and the codec that decodes a population of
them into one padded evornn model.

**Layout.** A genome is a row of ``2 + 6 max_nodes + 5 max_connections`` numbers:

- ``[0]`` the number of node genes, ``[1]`` the number of connection genes;
- node genes (output and hidden nodes; inputs have none), sorted by key, each
  ``(key, bias, response, activation, tau, gain)``: output ``m`` has key ``m``, hidden nodes
  keys from ``n_outputs`` up (numbered by the run's innovation registry), input ``k`` has
  key ``-1 - k``;
- connection genes, sorted by innovation number, each ``(innovation, in key, out key,
  weight, enabled)``.

Unused slots are zeros. Genomes of different sizes thus share one float64 matrix, which
checkpoints store as ``.npz`` and Dask sends as one array (DESIGN.md), and every NEAT
operator (:mod:`evornn.neat.operators`) is a compiled loop over it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import as_float_array, frozen, one_of, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ..genome import parse_bounds
from ..models.neat_net import ACTIVATIONS, MODES, NEATNetParams, NEATNetwork
from ..random import as_rng

HEADER = 2
NODE_FIELDS = 6
CONN_FIELDS = 5
# Node gene fields.
KEY, BIAS, RESPONSE, ACT, TAU, GAIN = range(NODE_FIELDS)
# Connection gene fields.
INNOVATION, IN, OUT, WEIGHT, ENABLED = range(CONN_FIELDS)
MODELS = ("network", "ctrnn")
INITIAL_CONNECTIONS = ("full", "none")


@njit(cache=True, inline="always")
def node_at(mn, i, field):
    """Index in a genome row of node gene `i`'s `field` (`mn` the node capacity)."""
    return HEADER + i * NODE_FIELDS + field


@njit(cache=True, inline="always")
def conn_at(mn, j, field):
    """Index in a genome row of connection gene `j`'s `field`."""
    return HEADER + mn * NODE_FIELDS + j * CONN_FIELDS + field


@njit(cache=True, error_model=ERROR_MODEL, inline="always")
def node_index(g, mn, key):
    """Position of the node gene with `key` in genome `g` (-1 if absent): a binary search,
    the genes being sorted by key."""
    lo, hi = 0, int(g[0]) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        k = g[node_at(mn, mid, KEY)]
        if k == key:
            return mid
        if k < key:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


@njit(cache=True, error_model=ERROR_MODEL)
def firing_order(n, adjacency, order, indegree=None, done=None):
    """Kahn's topological order of `n` nodes over `adjacency[i, j]` (a connection j -> i,
    self-connections ignored; entries beyond `n` not read) into `order`; where cycles leave
    no node ready, the remaining node of smallest index fires next (its unresolved inputs
    become recurrent). `indegree` (int) and `done` (bool) are optional scratch of at least
    `n` entries."""
    if indegree is None:
        indegree = np.empty(n, dtype=np.int64)
    if done is None:
        done = np.empty(n, dtype=np.bool_)
    for i in range(n):
        indegree[i] = 0
        done[i] = False
        for j in range(n):
            if i != j and adjacency[i, j]:
                indegree[i] += 1
    for k in range(n):
        pick = -1
        for i in range(n):
            if not done[i] and indegree[i] == 0:
                pick = i
                break
        if pick < 0:
            for i in range(n):
                if not done[i]:
                    pick = i
                    break
        done[pick] = True
        order[k] = pick
        for i in range(n):
            if i != pick and adjacency[i, pick] and not done[i]:
                indegree[i] -= 1


@njit(cache=True, error_model=ERROR_MODEL)
def _decode_sizes(genomes, mn):
    n_pop = genomes.shape[0]
    nodes, conns = 1, 0
    for p in range(n_pop):
        g = genomes[p]
        nodes = max(nodes, int(g[0]))
        enabled = 0
        for j in range(int(g[1])):
            if g[conn_at(mn, j, ENABLED)] != 0.0:
                enabled += 1
        conns = max(conns, enabled)
    return nodes, max(conns, 1)


@njit(cache=True, error_model=ERROR_MODEL)
def _source_index(g, mn, key, n_inputs):
    """A connection end as an index: input k -> k, node gene i -> n_inputs + i."""
    if key < 0:
        return int(-key - 1)
    return n_inputs + node_index(g, mn, key)


@njit(cache=True, error_model=ERROR_MODEL)
def decode_network(genomes, mn, n_inputs, n_outputs, mode, bias, response, act, order, offsets, source, weight,
                   sizes):
    """Fill :class:`~evornn.models.neat_net.NEATNetwork` arrays (padded) from genome rows."""
    n = bias.shape[1]
    # Scratch for every genome (allocating it per genome cost more than the decoding).
    adjacency = np.zeros((n, n), dtype=np.bool_)
    indegree, done = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.bool_)
    firing, position = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    counts, fill = np.empty(n + 1, dtype=np.int64), np.empty(n + 1, dtype=np.int64)
    for p in range(genomes.shape[0]):
        g = genomes[p]
        n_nodes, n_conns = int(g[0]), int(g[1])
        for i in range(n):
            bias[p, i], response[p, i], act[p, i] = 0.0, 1.0, 0
        for i in range(n_nodes):
            bias[p, i] = g[node_at(mn, i, BIAS)]
            response[p, i] = g[node_at(mn, i, RESPONSE)]
            act[p, i] = int(g[node_at(mn, i, ACT)])
        for i in range(n_nodes):
            for j in range(n_nodes):
                adjacency[i, j] = False
        for j in range(n_conns):
            if g[conn_at(mn, j, ENABLED)] != 0.0 and g[conn_at(mn, j, IN)] >= 0.0:
                a = node_index(g, mn, g[conn_at(mn, j, IN)])
                b = node_index(g, mn, g[conn_at(mn, j, OUT)])
                adjacency[b, a] = True
        firing_order(n_nodes, adjacency, firing, indegree, done)
        for k in range(n_nodes):
            order[p, k] = firing[k]
            position[firing[k]] = k
        for k in range(n_nodes, n):
            order[p, k] = 0
        for k in range(n + 1):
            counts[k] = 0
        for j in range(n_conns):
            if g[conn_at(mn, j, ENABLED)] != 0.0:
                counts[position[node_index(g, mn, g[conn_at(mn, j, OUT)])] + 1] += 1
        for k in range(n):
            counts[k + 1] += counts[k]
        for k in range(n + 1):
            offsets[p, k] = counts[k]
            fill[k] = counts[k]
        for e in range(source.shape[1]):
            source[p, e], weight[p, e] = 0, 0.0
        for j in range(n_conns):
            if g[conn_at(mn, j, ENABLED)] != 0.0:
                k = position[node_index(g, mn, g[conn_at(mn, j, OUT)])]
                e = fill[k]
                fill[k] += 1
                source[p, e] = _source_index(g, mn, g[conn_at(mn, j, IN)], n_inputs)
                weight[p, e] = g[conn_at(mn, j, WEIGHT)]
        sizes[p, 0], sizes[p, 1], sizes[p, 2], sizes[p, 3] = n_nodes, n_inputs, n_outputs, mode


@njit(cache=True, error_model=ERROR_MODEL)
def decode_ctrnn(genomes, mn, n_inputs, weights, input_weights, bias, tau, gain):
    """Fill padded CTRNN arrays from genome rows: neuron i is node gene i (outputs first);
    padding neurons have no connections, bias 0, tau 1 and gain 1."""
    n = bias.shape[1]
    for p in range(genomes.shape[0]):
        g = genomes[p]
        for i in range(n):
            bias[p, i], tau[p, i], gain[p, i] = 0.0, 1.0, 1.0
            for j in range(n):
                weights[p, i, j] = 0.0
            for k in range(n_inputs):
                input_weights[p, i, k] = 0.0
        for i in range(int(g[0])):
            bias[p, i] = g[node_at(mn, i, BIAS)]
            tau[p, i] = g[node_at(mn, i, TAU)]
            gain[p, i] = g[node_at(mn, i, GAIN)]
        for j in range(int(g[1])):
            if g[conn_at(mn, j, ENABLED)] == 0.0:
                continue
            target = node_index(g, mn, g[conn_at(mn, j, OUT)])
            key = g[conn_at(mn, j, IN)]
            if key < 0.0:
                input_weights[p, target, int(-key - 1)] += g[conn_at(mn, j, WEIGHT)]
            else:
                weights[p, target, node_index(g, mn, key)] += g[conn_at(mn, j, WEIGHT)]


class NEATCodec:
    """What NEAT evolves: genomes of `n_inputs` inputs and `n_outputs` outputs, decoded into
    one padded evornn model per population (``evolve(problem, "neat")``; see
    :mod:`evornn.neat`).

    Parameters
    ----------
    n_inputs, n_outputs : int
    model : {"network", "ctrnn"}
        ``"network"``: a :class:`~evornn.models.neat_net.NEATNetwork` (NEAT's discrete
        activation step, each node with its own activation); ``"ctrnn"``: a
        :class:`~evornn.CTRNN` whose neurons are the node genes (time constant, bias and
        gain from the node, the logistic sigmoid), outputs first.
    mode : {"sequential", "synchronous"}
        The network's activation order (see :mod:`evornn.models.neat_net`).
    feed_forward : bool
        Only connections that keep the network acyclic may be added.
    activation : str
        The default activation of new nodes (``"network"`` only), a name of
        :data:`~evornn.models.neat_net.ACTIVATIONS` (neat-python's ``sigmoid`` by default;
        the NEAT paper's is ``"steepened_sigmoid"``).
    activation_options : sequence of str, optional
        Activations a node may mutate to (default: the default one alone).
    num_hidden : int
        Hidden nodes of the initial genomes.
    initial_connection : {"full", "none"}
        Initial genomes connect every input to every hidden node and output (and hidden
        nodes to outputs), or nothing.
    max_nodes, max_connections : int
        Capacity of a genome row (output and hidden nodes; connection genes). A structural
        mutation that would exceed it is not made (the strategy counts them).
    weight_range, bias_range, response_range, tau_range, gain_range : (float, float)
        Bounds of every value (neat-python's ``*_min_value`` and ``*_max_value``).

    Examples
    --------
    >>> codec = NEATCodec(2, 1)
    >>> genomes = codec.random(5, rng=0)
    >>> genomes.shape == (5, codec.n_genes)
    True
    >>> codec.decode(genomes).n_outputs
    1
    """

    #: Only the NEAT strategy reads these genomes (a generic one would garble the layout).
    structured = True

    def __init__(self, n_inputs: int, n_outputs: int, *, model: str = "network", mode: str = "sequential",
                 feed_forward: bool = False, activation: str = "sigmoid", activation_options=None,
                 num_hidden: int = 0, initial_connection: str = "full", max_nodes: int = 64,
                 max_connections: int = 256, weight_range=(-30.0, 30.0), bias_range=(-30.0, 30.0),
                 response_range=(-30.0, 30.0), tau_range=(0.5, 10.0), gain_range=(0.1, 10.0)):
        self.n_inputs = positive_int("n_inputs", n_inputs, minimum=0)
        self.n_outputs = positive_int("n_outputs", n_outputs)
        self.model = one_of("model", model, MODELS)
        self.mode = one_of("mode", mode, tuple(MODES))
        if not isinstance(feed_forward, bool | np.bool_):
            raise TypeError(f"feed_forward must be True or False, got {feed_forward!r}")
        self.feed_forward = bool(feed_forward)
        self.activation = one_of("activation", activation, tuple(ACTIVATIONS))
        options = [self.activation] if activation_options is None else list(activation_options)
        if not options or isinstance(activation_options, str):
            raise ValueError(f"activation_options must be a non-empty list of names, got {activation_options!r}")
        for name in options:
            one_of("activation_options", name, tuple(ACTIVATIONS))
        if self.model == "ctrnn" and (self.activation != "sigmoid" or set(options) != {self.activation}):
            if activation_options is not None or activation != "sigmoid":
                raise ValueError("a CTRNN's neurons all use the logistic sigmoid: leave activation and "
                                 "activation_options unset for model='ctrnn'")
        self.activation_options = tuple(options)
        self.num_hidden = positive_int("num_hidden", num_hidden, minimum=0)
        self.initial_connection = one_of("initial_connection", initial_connection, INITIAL_CONNECTIONS)
        self.max_nodes = positive_int("max_nodes", max_nodes)
        self.max_connections = positive_int("max_connections", max_connections)
        n_initial = self.n_outputs + self.num_hidden
        initial_conns = self._initial_pairs().shape[0]
        if self.max_nodes < n_initial or self.max_connections < initial_conns:
            raise ValueError(f"max_nodes and max_connections must hold the initial genome ({n_initial} nodes, "
                             f"{initial_conns} connections), got {self.max_nodes} and {self.max_connections}")
        self.ranges = {}
        for name, value in (("weight", weight_range), ("bias", bias_range), ("response", response_range),
                            ("tau", tau_range), ("gain", gain_range)):
            self.ranges[name] = parse_bounds(f"{name}_range", value)
        if self.ranges["tau"][0] <= 0:
            raise ValueError(f"tau_range must be positive, got {tau_range}")

    # ------------------------------------------------------------------ layout
    @property
    def n_genes(self) -> int:
        return HEADER + self.max_nodes * NODE_FIELDS + self.max_connections * CONN_FIELDS

    @property
    def gene_names(self) -> tuple[str, ...]:
        nodes = ("key", "bias", "response", "activation", "tau", "gain")
        conns = ("innovation", "in", "out", "weight", "enabled")
        return ("n_nodes", "n_connections", *(f"node{i}.{f}" for i in range(self.max_nodes) for f in nodes),
                *(f"connection{j}.{f}" for j in range(self.max_connections) for f in conns))

    def _initial_pairs(self) -> np.ndarray:
        """(in key, out key) of the initial connections, in innovation order."""
        if self.initial_connection == "none":
            return np.empty((0, 2), dtype=np.int64)
        inputs = [-1 - k for k in range(self.n_inputs)]
        outputs = list(range(self.n_outputs))
        hidden = list(range(self.n_outputs, self.n_outputs + self.num_hidden))
        if not hidden:
            pairs = [(i, o) for i in inputs for o in outputs]
        else:
            pairs = [(i, h) for i in inputs for h in hidden] + [(h, o) for h in hidden for o in outputs]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    @property
    def initial_innovations(self) -> int:
        """Innovation numbers 1 ... this belong to the initial connections."""
        return self._initial_pairs().shape[0]

    @property
    def initial_nodes(self) -> int:
        """Node keys 0 ... this - 1 belong to the initial genome (outputs, then hidden)."""
        return self.n_outputs + self.num_hidden

    def initial(self, n_pop: int, *, weights: np.ndarray, biases: np.ndarray, taus: np.ndarray,
                gains: np.ndarray, responses: np.ndarray) -> np.ndarray:
        """Initial genomes with the given per-individual values: `weights` (n_pop,
        n_initial_connections), the node values (n_pop, n_initial_nodes)."""
        pairs = self._initial_pairs()
        n_nodes, n_conns = self.initial_nodes, pairs.shape[0]
        genomes = np.zeros((n_pop, self.n_genes))
        genomes[:, 0], genomes[:, 1] = n_nodes, n_conns
        nodes = genomes[:, HEADER:HEADER + self.max_nodes * NODE_FIELDS].reshape(n_pop, self.max_nodes, NODE_FIELDS)
        nodes[:, :n_nodes, KEY] = np.arange(n_nodes)
        nodes[:, :n_nodes, BIAS] = biases
        nodes[:, :n_nodes, RESPONSE] = responses
        nodes[:, :n_nodes, ACT] = ACTIVATIONS[self.activation] if self.model == "network" else ACTIVATIONS["logistic"]
        nodes[:, :n_nodes, TAU] = taus
        nodes[:, :n_nodes, GAIN] = gains
        conns = genomes[:, HEADER + self.max_nodes * NODE_FIELDS:].reshape(n_pop, self.max_connections, CONN_FIELDS)
        conns[:, :n_conns, INNOVATION] = np.arange(1, n_conns + 1)
        conns[:, :n_conns, IN] = pairs[:, 0]
        conns[:, :n_conns, OUT] = pairs[:, 1]
        conns[:, :n_conns, WEIGHT] = weights
        conns[:, :n_conns, ENABLED] = 1.0
        return genomes

    def random(self, n_pop: int, rng=None) -> np.ndarray:
        """Initial genomes with weights uniform over the weight range's middle half and node
        values at the middle of their ranges (the NEAT strategy draws its own with its
        options' initial distributions)."""
        n_pop = positive_int("n_pop", n_pop)
        rng = as_rng(rng)
        low, high = self.ranges["weight"]
        mid, half = 0.5 * (low + high), 0.25 * (high - low)
        weights = rng.uniform(mid - half, mid + half, (n_pop, self.initial_innovations))
        shape = (n_pop, self.initial_nodes)
        middle = {name: np.full(shape, 0.5 * sum(self.ranges[name])) for name in ("bias", "response", "tau", "gain")}
        middle["response"][:] = np.clip(1.0, *self.ranges["response"])
        return self.initial(n_pop, weights=weights, biases=middle["bias"], taus=middle["tau"], gains=middle["gain"],
                            responses=middle["response"])

    def extremes(self) -> np.ndarray:
        """Two initial genomes at the smallest and the largest time constant, for the task's
        check of a problem (inputs, outputs, the step size against the fastest neuron)."""
        genomes = self.random(2, rng=0)
        nodes = genomes[:, HEADER:HEADER + self.max_nodes * NODE_FIELDS].reshape(2, self.max_nodes, NODE_FIELDS)
        nodes[0, :self.initial_nodes, TAU], nodes[1, :self.initial_nodes, TAU] = self.ranges["tau"]
        return genomes

    def check_genomes(self, genomes) -> np.ndarray:
        """Genome rows, shape (n_pop, n_genes), checked for what decoding relies on (finite
        genes, counts within the capacity, node keys sorted and unique, connection ends that
        exist, activation codes); raise ValueError naming the first bad row. Unused slots
        are not read."""
        if isinstance(genomes, np.ndarray) and genomes.dtype == np.float64 and genomes.flags.c_contiguous:
            g = genomes  # read only, never written: no copy (the rows' values are checked below)
        else:
            g = as_float_array("genomes", genomes, finite=False)
        if g.ndim == 1:
            g = g[None, :]
        if g.ndim != 2 or g.shape[1] != self.n_genes:
            raise ValueError(f"genomes must have shape (n_pop, {self.n_genes}), got {np.shape(genomes)}")
        bad = _first_bad_genome(g, self.max_nodes, self.max_connections, self.n_inputs, self.n_outputs,
                                np.array(sorted(ACTIVATIONS.values()), dtype=np.float64))
        if bad >= 0:
            raise ValueError(f"genome {bad} is not a valid NEAT genome of this codec (counts, keys, connection "
                             f"ends or activation codes out of range)")
        return g

    # ------------------------------------------------------------------ decoding
    def decode(self, genomes):
        """The population `genomes` encode, as one model padded to its largest genome."""
        g = self.check_genomes(genomes)
        return self._decode(g)

    def _decode(self, g: np.ndarray):
        n_pop = g.shape[0]
        n, c = _decode_sizes(g, self.max_nodes)
        if self.model == "ctrnn":
            from ..models.ctrnn import _build_ctrnn

            arrays = {"weights": np.empty((n_pop, n, n)), "input_weights": np.empty((n_pop, n, self.n_inputs)),
                      "bias": np.empty((n_pop, n)), "tau": np.empty((n_pop, n)), "gain": np.empty((n_pop, n))}
            decode_ctrnn(g, self.max_nodes, self.n_inputs, arrays["weights"], arrays["input_weights"], arrays["bias"],
                         arrays["tau"], arrays["gain"])
            return _build_ctrnn(**arrays)
        arrays = {"bias": np.empty((n_pop, n)), "response": np.empty((n_pop, n)),
                  "act": np.empty((n_pop, n), dtype=np.int64), "order": np.empty((n_pop, n), dtype=np.int64),
                  "offsets": np.empty((n_pop, n + 1), dtype=np.int64), "source": np.empty((n_pop, c), dtype=np.int64),
                  "weight": np.empty((n_pop, c)), "sizes": np.empty((n_pop, 4), dtype=np.int64)}
        decode_network(g, self.max_nodes, self.n_inputs, self.n_outputs, MODES[self.mode], *arrays.values())
        # The arrays are new and of the right types: the model's checks run, not its conversions.
        return NEATNetwork._from_checked_params(NEATNetParams(**{k: frozen(v) for k, v in arrays.items()}))

    def values(self, genomes) -> dict[str, np.ndarray]:
        """The decoded model's parameter arrays (padded), for saving a run's champion."""
        return {name: np.asarray(value) for name, value in self.decode(genomes).params._asdict().items()}

    def network(self, genome):
        """The model of one genome alone (no padding); a CTRNN writes Beer's ``.ns`` files
        when it has no inputs (``.to_ns``)."""
        return self.decode(np.asarray(genome, dtype=np.float64).reshape(1, -1))

    # ------------------------------------------------------------------ reading genomes
    def genes(self, genome) -> tuple[np.ndarray, np.ndarray]:
        """The node genes (n_nodes, 6) and connection genes (n_connections, 5) of one genome
        row (fields as in the module docstring)."""
        g = self.check_genomes(genome)[0]
        n_nodes, n_conns = int(g[0]), int(g[1])
        nodes = g[HEADER:HEADER + self.max_nodes * NODE_FIELDS].reshape(self.max_nodes, NODE_FIELDS)[:n_nodes]
        conns = g[HEADER + self.max_nodes * NODE_FIELDS:].reshape(self.max_connections, CONN_FIELDS)[:n_conns]
        return nodes.copy(), conns.copy()

    def size(self, genomes, *, check: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Hidden nodes and enabled connections of each genome (the NEAT paper's measures
        of a solution's size), shapes (n_pop,)."""
        g = self.check_genomes(genomes) if check else genomes
        hidden, enabled = np.empty(g.shape[0], dtype=np.int64), np.empty(g.shape[0], dtype=np.int64)
        _sizes(g, self.max_nodes, self.n_outputs, hidden, enabled)
        return hidden, enabled

    def __repr__(self) -> str:
        return (f"NEATCodec(n_inputs={self.n_inputs}, n_outputs={self.n_outputs}, model={self.model!r}, "
                f"max_nodes={self.max_nodes}, max_connections={self.max_connections})")


@njit(cache=True, error_model=ERROR_MODEL)
def _sizes(genomes, mn, n_outputs, hidden, enabled):
    for p in range(genomes.shape[0]):
        g = genomes[p]
        hidden[p] = int(g[0]) - n_outputs
        enabled[p] = 0
        for j in range(int(g[1])):
            if g[conn_at(mn, j, ENABLED)] != 0.0:
                enabled[p] += 1


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def _first_bad_genome(genomes, mn, mc, n_inputs, n_outputs, codes):
    for p in range(genomes.shape[0]):
        g = genomes[p]
        n_nodes, n_conns = g[0], g[1]
        if not (np.isfinite(n_nodes) and np.isfinite(n_conns) and n_nodes == int(n_nodes)
                and n_outputs <= n_nodes <= mn and n_conns == int(n_conns) and 0 <= n_conns <= mc):
            return p
        for i in range(int(n_nodes)):
            for f in range(NODE_FIELDS):
                if not np.isfinite(g[node_at(mn, i, f)]):
                    return p
        for j in range(int(n_conns)):
            for f in range(CONN_FIELDS):
                if not np.isfinite(g[conn_at(mn, j, f)]):
                    return p
        for i in range(int(n_nodes)):
            key = g[node_at(mn, i, KEY)]
            if key != int(key) or (i < n_outputs and key != i) or (i > 0 and key <= g[node_at(mn, i - 1, KEY)]):
                return p
            code = g[node_at(mn, i, ACT)]
            found = False
            for c in codes:
                found |= code == c
            if not found or g[node_at(mn, i, TAU)] <= 0.0:
                return p
        for j in range(int(n_conns)):
            a, b = g[conn_at(mn, j, IN)], g[conn_at(mn, j, OUT)]
            if a != int(a) or b != int(b) or b < 0 or node_index(g, mn, b) < 0:
                return p
            if (a < 0 and -a - 1 >= n_inputs) or (a >= 0 and node_index(g, mn, a) < 0):
                return p
            if j > 0 and g[conn_at(mn, j, INNOVATION)] <= g[conn_at(mn, j - 1, INNOVATION)]:
                return p
    return -1
