r"""Recursive neural networks over trees (Pollack 1990; Goller and Küchler 1996; Sperduti and
Starita 1997): the same weights applied at every node, bottom-up, children before parents.

A node :math:`v` with label vector :math:`x_v` and children :math:`c_1 .. c_A` (child
position :math:`k` has its own weights; a missing child contributes nothing) gets the state

.. math::

    h_v = \tanh\Big(W_{in} x_v + \sum_{k=1}^{A} W_k h_{c_k} + b\Big),

and the tree's output is a readout of its root, :math:`y = \mathrm{act}(W_{out} h_{root} +
b_{out})`. A network maps a tree of any size and shape to one vector: structure in, vector
out. This is a *structure model*, beside the sequence models: ``run(trees)`` takes a batch of
trees (:class:`Trees`) and returns ``(n_pop, n_trees, n_outputs)``, every network of the
population on every tree in one parallel kernel call (each (network, tree) pair is one
independent job, so results do not depend on the thread count).

Trees are stored flat: every node of every tree in one array, each tree's nodes in
post-order (children before their parent; the root last), with the children named by node
index. :meth:`Trees.from_nested` builds them from nested tuples such as
``("and", "T", ("not", "F"))``.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from .._checks import as_float_array, check_memory, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from .._vecmath import tanh_into
from ..random import as_rng
from .rnn import OUTPUT_ACTIVATIONS, _activate, _codes, activation_code

__all__ = ["RecursiveNet", "RecursiveParams", "Trees"]


# ---------------------------------------------------------------------- trees
@dataclass(frozen=True, eq=False)
class Trees:
    """A batch of trees (or DAGs whose nodes are listed children first), stored flat.

    Parameters
    ----------
    labels : array_like, shape (n_nodes, n_labels)
        Each node's input vector (a one-hot symbol, a value ...), finite.
    children : array_like of int, shape (n_nodes, max_arity)
        ``children[v, k]``: the node in child position k of node v, or -1 for none. A child
        belongs to its parent's tree and comes before it.
    start : array_like of int, shape (n_trees + 1,)
        Tree t holds nodes ``start[t] .. start[t + 1] - 1``; its root is the last of them.
        ``start[0] == 0``, ``start[-1] == n_nodes``, every tree has a node.

    Examples
    --------
    >>> trees = Trees.from_nested([("and", "T", ("not", "F")), "F"], symbols=["T", "F", "and", "not"])
    >>> trees.n_trees, trees.n_nodes, trees.max_arity
    (2, 5, 2)
    >>> trees.children[3].tolist(), trees.depth.tolist()
    ([0, 2], [2, 0])
    """

    labels: np.ndarray
    children: np.ndarray
    start: np.ndarray

    def __post_init__(self):
        labels = as_float_array("labels", self.labels)
        if labels.ndim != 2:
            raise ValueError(f"labels must have shape (n_nodes, n_labels), got {labels.shape}")
        children = np.asarray(self.children)
        if children.dtype.kind not in "iu" or children.ndim != 2 or children.shape[0] != labels.shape[0]:
            raise ValueError(f"children must be an integer array of shape ({labels.shape[0]}, max_arity), got "
                             f"{children.dtype} {children.shape}")
        start = np.asarray(self.start)
        if start.dtype.kind not in "iu" or start.ndim != 1 or start.size < 2:
            raise ValueError(f"start must be an integer array of shape (n_trees + 1,) with n_trees >= 1, got "
                             f"{start.dtype} {start.shape}")
        if start[0] != 0 or start[-1] != labels.shape[0] or (np.diff(start) < 1).any():
            raise ValueError(f"start must rise strictly from 0 to n_nodes = {labels.shape[0]} (every tree has a "
                             f"node), got {start.tolist()[:8]}{' ...' if start.size > 8 else ''}")
        node = np.arange(labels.shape[0])
        first = np.repeat(start[:-1], np.diff(start))[:, None]  # first node of each node's tree
        ok = (children == -1) | ((children >= first) & (children < node[:, None]))
        if not ok.all():
            v, k = np.argwhere(~ok)[0]
            raise ValueError(f"children[{v}, {k}] = {children[v, k]}: a child must be -1 or a node of the same tree "
                             f"listed before its parent (nodes {first[v, 0]} .. {v - 1})")
        for name, value in (("labels", labels), ("children", np.ascontiguousarray(children, dtype=np.int64)),
                            ("start", np.ascontiguousarray(start, dtype=np.int64))):
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @classmethod
    def from_nested(cls, terms, symbols, *, max_arity: int | None = None) -> Trees:
        """Trees from nested terms: a leaf is a symbol, an inner node a tuple ``(symbol,
        child, ...)``. Labels are one-hot over `symbols` (in that order); `max_arity`
        defaults to the most children any node has."""
        symbols = list(symbols)
        index = {s: i for i, s in enumerate(symbols)}
        if len(index) != len(symbols):
            raise ValueError(f"symbols must be distinct, got {symbols}")
        labels, children, start = [], [], [0]

        def add(term) -> int:
            head, args = (term[0], term[1:]) if isinstance(term, tuple) else (term, ())
            if head not in index:
                raise ValueError(f"symbol {head!r} is not among symbols {symbols}")
            kids = [add(arg) for arg in args]
            labels.append(index[head])
            children.append(kids)
            return len(labels) - 1

        for term in terms:
            add(term)
            start.append(len(labels))
        arity = max((len(c) for c in children), default=0) if max_arity is None else \
            positive_int("max_arity", max_arity, minimum=0)
        if any(len(c) > arity for c in children):
            raise ValueError(f"a node has {max(len(c) for c in children)} children, more than max_arity = {arity}")
        table = np.full((len(labels), arity), -1, dtype=np.int64)
        for v, kids in enumerate(children):
            table[v, : len(kids)] = kids
        return cls(np.eye(len(symbols))[labels], table, np.array(start))

    @property
    def n_trees(self) -> int:
        return self.start.size - 1

    @property
    def n_nodes(self) -> int:
        return self.labels.shape[0]

    @property
    def n_labels(self) -> int:
        return self.labels.shape[1]

    @property
    def max_arity(self) -> int:
        return self.children.shape[1]

    @property
    def sizes(self) -> np.ndarray:
        """Nodes per tree, shape ``(n_trees,)``."""
        return np.diff(self.start)

    @functools.cached_property
    def depth(self) -> np.ndarray:
        """Depth of each tree (a lone leaf has depth 0), shape ``(n_trees,)``."""
        height = np.zeros(self.n_nodes, dtype=np.int64)
        for v in range(self.n_nodes):  # children come first, so one pass in order suffices
            kids = self.children[v][self.children[v] >= 0]
            if kids.size:
                height[v] = 1 + height[kids].max()
        return height[self.start[1:] - 1]

    def take(self, index) -> Trees:
        """The trees selected by `index` (integers, a slice or a boolean mask), renumbered."""
        chosen = np.atleast_1d(np.arange(self.n_trees)[index])
        if chosen.size == 0:
            raise ValueError("index selects no tree")
        nodes = np.concatenate([np.arange(self.start[t], self.start[t + 1]) for t in chosen])
        new_index = np.full(self.n_nodes, -1, dtype=np.int64)
        new_index[nodes] = np.arange(nodes.size)
        kids = self.children[nodes]
        kids = np.where(kids >= 0, new_index[np.maximum(kids, 0)], -1)
        return Trees(self.labels[nodes], kids, np.concatenate([[0], np.cumsum(self.sizes[chosen])]))


# ---------------------------------------------------------------------- kernel
class RecursiveParams(NamedTuple):
    w_in: np.ndarray  # (n_pop, n_hidden, n_labels)
    w_child: np.ndarray  # (n_pop, max_arity, n_hidden, n_hidden) child position k, from j to i
    bias: np.ndarray  # (n_pop, n_hidden)
    w_out: np.ndarray  # (n_pop, n_outputs, n_hidden)
    b_out: np.ndarray  # (n_pop, n_outputs)
    out_act: np.ndarray  # (n_pop,) int64 output-activation code


#: Trees per parallel job: a job allocates its scratch once for all of them.
_TREES_PER_JOB = 32


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _run_forest(prm, labels, children, start, largest, roots, outputs):
    n_pop, n_hidden, n_labels = prm.w_in.shape
    n_trees = start.shape[0] - 1
    n_chunks = (n_trees + _TREES_PER_JOB - 1) // _TREES_PER_JOB
    for job in prange(n_pop * n_chunks):
        p, chunk = job // n_chunks, job % n_chunks
        h = np.empty((largest, n_hidden))
        a = np.empty(n_hidden)
        z = np.empty(n_hidden)
        scratch = np.empty(n_hidden)
        for t in range(chunk * _TREES_PER_JOB, min(n_trees, (chunk + 1) * _TREES_PER_JOB)):
            first, n = start[t], start[t + 1] - start[t]
            for v in range(n):
                node = first + v
                for i in range(n_hidden):
                    a[i] = prm.bias[p, i]
                    for j in range(n_labels):
                        a[i] += prm.w_in[p, i, j] * labels[node, j]
                for k in range(children.shape[1]):
                    c = children[node, k] - first
                    if c >= 0:
                        for i in range(n_hidden):
                            for j in range(n_hidden):
                                a[i] += prm.w_child[p, k, i, j] * h[c, j]
                tanh_into(a, z, scratch)
                for i in range(n_hidden):
                    h[v, i] = z[i]
            for i in range(n_hidden):
                roots[p, t, i] = h[n - 1, i]
            for m in range(prm.w_out.shape[1]):
                y = prm.b_out[p, m]
                for i in range(n_hidden):
                    y += prm.w_out[p, m, i] * h[n - 1, i]
                outputs[p, t, m] = _activate(y, prm.out_act[p])


# ---------------------------------------------------------------------- model
class RecursiveNet:
    """A population of recursive networks (see the module docstring for the equations).
    Each array may also be given without its first axis, for one network.

    Parameters
    ----------
    w_in : array_like, shape (n_pop, n_hidden, n_labels)
    w_child : array_like, shape (n_pop, max_arity, n_hidden, n_hidden)
        ``w_child[p, k, i, j]``: from unit j of the child in position k to unit i.
    bias : array_like, shape (n_pop, n_hidden)
    w_out : array_like, shape (n_pop, n_outputs, n_hidden)
    b_out : array_like, shape (n_pop, n_outputs)
    out_act : array_like of int, shape (n_pop,)
        Output-activation codes, :data:`evornn.models.rnn.OUTPUT_ACTIVATIONS`.

    Examples
    --------
    >>> trees = Trees.from_nested([("or", "T", "F"), ("and", "T", "F")], symbols=["T", "F", "and", "or"])
    >>> nets = RecursiveNet.random(3, n_hidden=4, n_labels=4, rng=0)
    >>> nets.run(trees).shape        # (n_pop, n_trees, n_outputs)
    (3, 2, 1)
    """

    #: A structure model: tasks pass it trees through :meth:`run`.
    time = "structure"

    def __init__(self, w_in, w_child, bias, w_out, b_out, out_act):
        arrays = {name: as_float_array(name, value) for name, value in
                  (("w_in", w_in), ("w_child", w_child), ("bias", bias), ("w_out", w_out), ("b_out", b_out))}
        arrays["out_act"] = _codes("out_act", out_act, np.int64)
        if arrays["bias"].ndim == 1:  # one network: add the population axis
            unbatched = {"w_in": 2, "w_child": 3, "bias": 1, "w_out": 2, "b_out": 1, "out_act": 0}
            arrays = {name: value[None] if value.ndim == unbatched[name] else value for name, value in arrays.items()}
        if arrays["bias"].ndim != 2:
            raise ValueError(f"bias must have shape (n_hidden,) or (n_pop, n_hidden), got {arrays['bias'].shape}")
        n_pop, h = arrays["bias"].shape
        if arrays["w_in"].ndim != 3 or arrays["w_child"].ndim != 4 or arrays["w_out"].ndim != 3:
            raise ValueError(f"w_in, w_child and w_out must have 3, 4 and 3 axes (n_pop first), got "
                             f"{arrays['w_in'].shape}, {arrays['w_child'].shape} and {arrays['w_out'].shape}")
        expected = {"w_in": (n_pop, h, arrays["w_in"].shape[2]),
                    "w_child": (n_pop, arrays["w_child"].shape[1], h, h),
                    "w_out": (n_pop, arrays["w_out"].shape[1], h), "b_out": (n_pop, arrays["w_out"].shape[1]),
                    "out_act": (n_pop,)}
        for name, shape in expected.items():
            if arrays[name].shape != shape:
                raise ValueError(f"{name} must have shape {shape} (n_pop = {n_pop}, n_hidden = {h}), got "
                                 f"{arrays[name].shape}")
        if not np.isin(arrays["out_act"], list(OUTPUT_ACTIVATIONS.values())).all():
            raise ValueError(f"out_act must hold output-activation codes {OUTPUT_ACTIVATIONS}, got "
                             f"{np.unique(arrays['out_act']).tolist()}")
        for value in arrays.values():
            value.flags.writeable = False
        self.params = RecursiveParams(**arrays)

    @classmethod
    def random(cls, n_pop: int, n_hidden: int, n_labels: int, n_outputs: int = 1, *, max_arity: int = 2,
               scale: float = 1.0, output_activation: str = "identity", rng=None) -> RecursiveNet:
        """Weights uniform in ``[-scale, scale]`` / sqrt(fan-in), biases zero."""
        code = activation_code(output_activation)
        n_pop, h = positive_int("n_pop", n_pop), positive_int("n_hidden", n_hidden)
        n_labels, m = positive_int("n_labels", n_labels, minimum=0), positive_int("n_outputs", n_outputs)
        a = positive_int("max_arity", max_arity, minimum=0)
        rng = as_rng(rng)
        fan_in = max(1, n_labels + a * h)
        return cls(rng.uniform(-scale, scale, (n_pop, h, n_labels)) / np.sqrt(fan_in),
                   rng.uniform(-scale, scale, (n_pop, a, h, h)) / np.sqrt(fan_in), np.zeros((n_pop, h)),
                   rng.uniform(-scale, scale, (n_pop, m, h)) / np.sqrt(h), np.zeros((n_pop, m)),
                   np.full(n_pop, code))

    @classmethod
    def codec(cls, n_hidden: int, n_labels: int, n_outputs: int = 1, *, max_arity: int = 2,
              weight_range=(-5.0, 5.0), output_activation: str = "identity"):
        """A genome codec over every weight and bias (within `weight_range`); the output
        activation is fixed."""
        from ..genome import Codec, Field, parse_bounds

        code = activation_code(output_activation)
        low, high = parse_bounds("weight_range", weight_range)
        h, n_labels = positive_int("n_hidden", n_hidden), positive_int("n_labels", n_labels, minimum=0)
        m, a = positive_int("n_outputs", n_outputs), positive_int("max_arity", max_arity, minimum=0)
        check_memory(f"the weights of n_hidden = {h:,} units", (a + 1, h, h + n_labels + m + 1),
                     hint="choose fewer units")
        shapes = {"w_in": (h, n_labels), "w_child": (a, h, h), "bias": (h,), "w_out": (m, h), "b_out": (m,)}
        fields = {name: Field(shape, low=low, high=high) for name, shape in shapes.items()}
        return Codec(functools.partial(_build, code), fields)

    @property
    def n_pop(self) -> int:
        return self.params.bias.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.params.bias.shape[1]

    @property
    def n_labels(self) -> int:
        return self.params.w_in.shape[2]

    @property
    def max_arity(self) -> int:
        return self.params.w_child.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.params.w_out.shape[1]

    @property
    def n_inputs(self) -> int:
        """What a node reads: its label vector."""
        return self.n_labels

    def take(self, index) -> RecursiveNet:
        """The networks selected by `index` (an integer, slice, integer array or mask)."""
        rows = np.atleast_1d(np.arange(self.n_pop)[index])
        if rows.size == 0:
            raise ValueError("index selects no network; a model needs n_pop >= 1")
        out = copy.copy(self)
        out.params = RecursiveParams(*(field[rows] for field in self.params))
        return out

    def check_trees(self, trees: Trees) -> Trees:
        if not isinstance(trees, Trees):
            raise TypeError(f"trees must be an evornn Trees batch (Trees.from_nested builds one), got "
                            f"{type(trees).__name__}")
        if trees.n_labels != self.n_labels:
            raise ValueError(f"the trees' labels have {trees.n_labels} entries; the network reads {self.n_labels}")
        if trees.max_arity > self.max_arity:
            raise ValueError(f"the trees have nodes with up to {trees.max_arity} children; the network has weights "
                             f"for {self.max_arity} child positions")
        check_memory("the outputs", (self.n_pop, trees.n_trees, self.n_hidden + self.n_outputs))
        return trees

    def represent(self, trees: Trees) -> tuple[np.ndarray, np.ndarray]:
        """``(root_states, outputs)``: shapes ``(n_pop, n_trees, n_hidden)`` and ``(n_pop,
        n_trees, n_outputs)``."""
        trees = self.check_trees(trees)
        roots = np.empty((self.n_pop, trees.n_trees, self.n_hidden))
        outputs = np.empty((self.n_pop, trees.n_trees, self.n_outputs))
        children = trees.children
        if children.shape[1] < self.max_arity:  # the kernel reads every child position
            children = np.pad(children, ((0, 0), (0, self.max_arity - children.shape[1])), constant_values=-1)
        with np.errstate(all="ignore"):
            _run_forest(self.params, trees.labels, children, trees.start, int(trees.sizes.max()), roots, outputs)
        return roots, outputs

    def run(self, trees: Trees) -> np.ndarray:
        """Every network's output on every tree, shape ``(n_pop, n_trees, n_outputs)``."""
        return self.represent(trees)[1]


def _build(out_act: int, *, w_in, w_child, bias, w_out, b_out) -> RecursiveNet:
    return RecursiveNet(w_in, w_child, bias, w_out, b_out, np.full(bias.shape[0], out_act))
