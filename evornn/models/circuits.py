r"""Circuit graphs for memristive networks: edge lists, common topologies, the incidence
matrix B and the projector Omega onto the cycle space.

A circuit is an undirected connected graph whose E edges carry the devices (each with its
own orientation, from ``edges[e][0]`` to ``edges[e][1]``). The incidence matrix B has shape
(V, E), ``B[u, e] = +1`` and ``B[v, e] = -1`` for edge e = (u, v). Currents that obey
Kirchhoff's current law are the vectors of the cycle space, ker B, and

.. math:: \Omega = I - B^T (B B^T)^+ B

is the orthogonal projector onto it, computed here as :math:`N N^T` for an orthonormal basis
N of ker B (SciPy's ``null_space``), so it is symmetric and idempotent to rounding and has
trace E - V + 1 for a connected graph.

Constructors need no graph library: :meth:`Circuit.lattice`, :meth:`Circuit.random_regular`,
:meth:`Circuit.small_world`, :meth:`Circuit.complete`, :meth:`Circuit.crossbar`, and
:meth:`Circuit.from_graph` for any NetworkX-like object (``.nodes()`` and ``.edges()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.csgraph

from .._checks import positive_int
from ..random import as_rng


@dataclass(frozen=True, eq=False)
class Circuit:
    """An oriented, connected circuit graph.

    Parameters
    ----------
    edges : array_like of int, shape (E, 2)
        Edge e runs from node ``edges[e, 0]`` to node ``edges[e, 1]``. Parallel edges are
        allowed, and so are self-loops (a device closed on itself with its source: a cycle
        of one edge, the one-device circuit).
    n_nodes : int, optional
        Default: one more than the largest node index.
    """

    edges: np.ndarray
    n_nodes: int
    _omega: list = field(default_factory=list, repr=False)

    def __init__(self, edges, n_nodes: int | None = None):
        e = np.asarray(edges)
        if e.ndim != 2 or e.shape[1] != 2 or e.shape[0] == 0 or e.dtype.kind not in "iu":
            raise ValueError(f"edges must be an integer array of shape (E, 2), got {np.shape(edges)}")
        e = e.astype(np.int64)
        if np.any(e < 0):
            raise ValueError("node indices in edges must be >= 0")
        n = int(e.max()) + 1 if n_nodes is None else positive_int("n_nodes", n_nodes)
        if e.max() >= n:
            raise ValueError(f"edges name node {int(e.max())}, but n_nodes = {n}")
        adjacency = scipy.sparse.coo_array((np.ones(e.shape[0]), (e[:, 0], e[:, 1])), shape=(n, n))
        n_components, _ = scipy.sparse.csgraph.connected_components(adjacency, directed=False)
        if n_components != 1:
            raise ValueError(f"the circuit graph must be connected; it has {n_components} components")
        e.flags.writeable = False
        object.__setattr__(self, "edges", e)
        object.__setattr__(self, "n_nodes", n)
        object.__setattr__(self, "_omega", [])

    # -------------------------------------------------------------- constructors
    @classmethod
    def from_graph(cls, graph) -> Circuit:
        """From a NetworkX-like graph (anything with ``nodes()`` and ``edges()``); nodes are
        numbered in the order ``nodes()`` lists them."""
        nodes = list(graph.nodes())
        index = {node: k for k, node in enumerate(nodes)}
        return cls([(index[u], index[v]) for u, v in graph.edges()], n_nodes=len(nodes))

    @classmethod
    def lattice(cls, n_rows: int, n_cols: int) -> Circuit:
        """A square lattice of n_rows x n_cols nodes, edges to the right and downwards."""
        r, c = positive_int("n_rows", n_rows), positive_int("n_cols", n_cols)
        node = np.arange(r * c).reshape(r, c)
        right = np.column_stack([node[:, :-1].ravel(), node[:, 1:].ravel()])
        down = np.column_stack([node[:-1, :].ravel(), node[1:, :].ravel()])
        return cls(np.concatenate([right, down]), n_nodes=r * c)

    @classmethod
    def complete(cls, n_nodes: int) -> Circuit:
        """Every pair of nodes joined once (i < j, oriented from i to j)."""
        n = positive_int("n_nodes", n_nodes, minimum=2)
        i, j = np.triu_indices(n, 1)
        return cls(np.column_stack([i, j]), n_nodes=n)

    @classmethod
    def crossbar(cls, n_rows: int, n_cols: int) -> Circuit:
        """A crossbar: a device between every row wire (nodes 0 .. n_rows - 1) and every
        column wire (nodes n_rows ..)."""
        r, c = positive_int("n_rows", n_rows), positive_int("n_cols", n_cols)
        i, j = np.meshgrid(np.arange(r), r + np.arange(c), indexing="ij")
        return cls(np.column_stack([i.ravel(), j.ravel()]), n_nodes=r + c)

    @classmethod
    def random_regular(cls, n_nodes: int, degree: int, rng=None, max_tries: int = 1000) -> Circuit:
        """A random `degree`-regular simple graph (configuration model, redrawn until simple
        and connected)."""
        n = positive_int("n_nodes", n_nodes, minimum=2)
        d = positive_int("degree", degree)
        if d >= n or (n * d) % 2:
            raise ValueError(f"a {d}-regular graph on {n} nodes needs degree < n_nodes and n_nodes * degree even")
        rng = as_rng(rng)
        for _ in range(max_tries):
            stubs = rng.permutation(np.repeat(np.arange(n), d)).reshape(-1, 2)
            pairs = np.sort(stubs, axis=1)
            if np.any(pairs[:, 0] == pairs[:, 1]) or len(np.unique(pairs, axis=0)) != len(pairs):
                continue
            try:
                return cls(pairs, n_nodes=n)
            except ValueError:
                continue
        raise RuntimeError(f"no simple connected {d}-regular graph on {n} nodes in {max_tries} draws")

    @classmethod
    def small_world(cls, n_nodes: int, k: int, p: float, rng=None) -> Circuit:
        """Watts-Strogatz: a ring where each node joins its k nearest neighbours (k even),
        each edge's far end rewired with probability p (no self-loops or duplicates)."""
        n = positive_int("n_nodes", n_nodes, minimum=3)
        k = positive_int("k", k)
        if k % 2 or k >= n:
            raise ValueError(f"k must be even and below n_nodes, got {k}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p}")
        rng = as_rng(rng)
        edges = {(i, (i + s) % n) for i in range(n) for s in range(1, k // 2 + 1)}
        result = []
        present = {tuple(sorted(e)) for e in edges}
        for u, v in sorted(edges):
            if rng.random() < p:
                choices = [w for w in range(n) if w != u and tuple(sorted((u, w))) not in present]
                if choices:
                    w = int(rng.choice(choices))
                    present.discard(tuple(sorted((u, v))))
                    present.add(tuple(sorted((u, w))))
                    v = w
            result.append((u, v))
        return cls(result, n_nodes=n)

    # -------------------------------------------------------------- matrices
    @property
    def n_edges(self) -> int:
        return self.edges.shape[0]

    def incidence(self) -> np.ndarray:
        """B, shape (V, E): +1 at an edge's start node, -1 at its end node."""
        b = np.zeros((self.n_nodes, self.n_edges))
        cols = np.arange(self.n_edges)
        np.add.at(b, (self.edges[:, 0], cols), 1.0)
        np.add.at(b, (self.edges[:, 1], cols), -1.0)  # a self-loop's column is zero
        return b

    def omega(self) -> np.ndarray:
        """The projector onto the cycle space, shape (E, E), computed once and cached."""
        if not self._omega:
            basis = scipy.linalg.null_space(self.incidence())  # orthonormal basis of ker B
            omega = basis @ basis.T
            omega = 0.5 * (omega + omega.T)
            omega.flags.writeable = False
            self._omega.append(omega)
        return self._omega[0]

    @property
    def n_cycles(self) -> int:
        """Dimension of the cycle space, E - V + 1 (the graph is connected)."""
        return self.n_edges - self.n_nodes + 1
