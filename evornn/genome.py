r"""Genome codecs: a genome matrix ``(n_pop, n_genes)`` <-> a population of models.

Genes live in ``[-1, 1]`` (the convention of Beer's evolutionary algorithm), whatever the
range of the parameter they encode, so one mutation size and one CMA-ES step size suit every
gene. A gene ``g`` maps to a parameter value

.. math::

    x = \ell + \frac{g + 1}{2} (h - \ell) \qquad \text{or, on a log scale,} \qquad
    x = \exp\Big(\log \ell + \frac{g + 1}{2} (\log h - \log \ell)\Big)

with per-field bounds ``[l, h]``. Genes outside ``[-1, 1]`` are clipped on decode. Entries
can be **fixed** (left out of the genome by a mask, with a given value), and entries can be
**tied** to share one gene (bilateral symmetry, as in Beer's agents).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from ._checks import as_float_array, positive_int
from .random import as_rng

GENE_LOW, GENE_HIGH = -1.0, 1.0


@dataclass(frozen=True)
class Field:
    """How one parameter field (per individual) is encoded.

    Parameters
    ----------
    shape : tuple of int
        The field's shape for one individual, e.g. ``(n, n)`` for CTRNN weights.
    low, high : float
        Bounds of the evolved entries; ``low <= high`` (and ``low > 0`` on a log scale).
    log : bool
        Map genes to values on a log scale (time constants).
    mask : array_like of bool, shape `shape`, optional
        True where an entry is evolved; elsewhere the entry is fixed at `value`.
        Default: every entry evolves. Connectivity masks are masks on weights.
    value : float or array_like of shape `shape`
        Value of the fixed entries.
    ties : array_like of int, shape `shape`, optional
        Group labels: evolved entries with the same label ``>= 0`` share one gene; ``-1``
        (and entries without ties) get a gene of their own.
    """

    shape: tuple[int, ...]
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    mask: np.ndarray | None = None
    value: float | np.ndarray = 0.0
    ties: np.ndarray | None = None

    @classmethod
    def constant(cls, value, shape: tuple[int, ...]) -> Field:
        """A field that is not evolved at all: every entry is `value`."""
        return cls(tuple(shape), mask=np.zeros(shape, dtype=bool), value=value)


def parse_bounds(name: str, value) -> tuple[float, float]:
    """``(low, high)`` from a pair of numbers with ``low <= high``, or a ValueError naming `name`."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {value!r}") from exc
    if not low <= high:
        raise ValueError(f"{name} must have low <= high, got {value!r}")
    return low, high


class _Fields:
    """Attribute access to a dict of field arrays (for Codec.encode)."""

    def __init__(self, arrays: dict):
        self.__dict__.update(arrays)


@dataclass(frozen=True)
class _Layout:
    index: np.ndarray  # (field shape) gene of each entry, -1 where fixed
    fixed: np.ndarray  # (field shape) values of the fixed entries


@njit(cache=True)
def _decode(genomes, low, half_span, log, source, fixed, offset, stride, entry, out):
    """Every field's values from `genomes` (n_pop, n_genes), into the flat buffer `out`
    that holds the fields one after another, each C-contiguous ``(n_pop, size)``. Entry
    ``j`` of the concatenated fields (``offset[j]`` entries after the first of the fields,
    ``stride[j]`` entries per individual in its field, its own index ``entry[j]``) is gene
    ``source[j]`` clipped to [-1, 1] and mapped to ``low + (g + 1) half_span`` (then exp
    where the gene is on a log scale), or ``fixed[j]`` where the source is -1."""
    n_pop = genomes.shape[0]
    for j in range(source.shape[0]):
        start, step, gene = n_pop * offset[j] + entry[j], stride[j], source[j]
        if gene < 0:
            for p in range(n_pop):
                out[start + p * step] = fixed[j]
            continue
        for p in range(n_pop):
            g = genomes[p, gene]
            if g < GENE_LOW:
                g = GENE_LOW
            elif g > GENE_HIGH:  # NaN stays NaN (the model's checks name it)
                g = GENE_HIGH
            x = low[gene] + (g - GENE_LOW) * half_span[gene]
            out[start + p * step] = np.exp(x) if log[gene] else x


@dataclass(frozen=True, eq=False)
class Codec:
    """Maps genome matrices to populations of one model type, field by field.

    Parameters
    ----------
    build : callable
        ``build(**arrays) -> Model``, called with every field as a batched array of shape
        ``(n_pop, *field.shape)``; for example ``lambda **a: CTRNN.from_params(CTRNNParams(**a))``.
    fields : dict of str to Field
        Every parameter field, in the order its genes appear in the genome.

    Examples
    --------
    >>> from evornn import CTRNN
    >>> codec = CTRNN.codec(2)
    >>> codec.n_genes   # 4 weights, 2 biases, 2 time constants (gains fixed at 1)
    8
    >>> g = codec.random(5, rng=0)
    >>> bool(np.allclose(codec.encode(codec.decode(g)), g, rtol=0, atol=1e-14))
    True
    """

    build: Callable
    fields: dict[str, Field]
    _layouts: dict[str, _Layout] = field(init=False, repr=False)
    gene_low: np.ndarray = field(init=False, repr=False)
    gene_high: np.ndarray = field(init=False, repr=False)
    gene_log: np.ndarray = field(init=False, repr=False)
    gene_names: tuple[str, ...] = field(init=False, repr=False)
    _decode_plan: tuple = field(init=False, repr=False)

    def __post_init__(self):
        layouts, lows, highs, logs, names = {}, [], [], [], []
        for name, spec in self.fields.items():
            shape = tuple(int(s) for s in spec.shape)
            mask = np.ones(shape, dtype=bool) if spec.mask is None else np.asarray(spec.mask)
            if mask.dtype != bool or mask.shape != shape:
                raise ValueError(f"{name}: mask must be a bool array of shape {shape}, got {mask.dtype} {mask.shape}")
            fixed = np.broadcast_to(as_float_array(f"{name} value", spec.value), shape).copy()
            if mask.any():
                if not (np.isfinite(spec.low) and np.isfinite(spec.high) and spec.low <= spec.high):
                    raise ValueError(f"{name}: bounds must be finite with low <= high, got ({spec.low}, {spec.high})")
                if spec.log and spec.low <= 0:
                    raise ValueError(f"{name}: a log-scale field needs low > 0, got {spec.low}")
            ties = np.full(shape, -1) if spec.ties is None else np.asarray(spec.ties)
            if ties.shape != shape or ties.dtype.kind not in "iu":
                raise ValueError(f"{name}: ties must be an integer array of shape {shape}, got {ties.dtype} {ties.shape}")
            index = np.full(shape, -1, dtype=np.intp)
            group_gene: dict[int, int] = {}
            for entry in (e for e in np.ndindex(shape) if mask[e]):
                label = int(ties[entry])
                if label >= 0 and label in group_gene:
                    index[entry] = group_gene[label]
                    continue
                gene = len(names)
                index[entry] = gene
                if label >= 0:
                    group_gene[label] = gene
                names.append(f"{name}[{','.join(map(str, entry))}]" if shape else name)
                lows.append(spec.low)
                highs.append(spec.high)
                logs.append(spec.log)
            fixed[mask] = 0.0
            layouts[name] = _Layout(index=index, fixed=fixed)
        object.__setattr__(self, "_layouts", layouts)
        object.__setattr__(self, "gene_low", np.array(lows, dtype=np.float64))
        object.__setattr__(self, "gene_high", np.array(highs, dtype=np.float64))
        object.__setattr__(self, "gene_log", np.array(logs, dtype=bool))
        object.__setattr__(self, "gene_names", tuple(names))
        if not names:
            raise ValueError("the codec evolves no gene: every field is fixed")
        # What decoding needs at every call, computed once: genes map to values by
        # low + (g + 1) * half_span, then exp on the log-scale genes, and every field is
        # filled in one compiled call (a few NumPy calls per field cost more than the
        # evaluation of a small generation).
        low, high = self._scale()
        sizes = [layout.index.size for layout in layouts.values()]
        offsets = np.cumsum([0, *sizes])
        gather = (np.concatenate([layout.index.ravel() for layout in layouts.values()]).astype(np.int64),
                  np.concatenate([layout.fixed.ravel() for layout in layouts.values()]),
                  np.repeat(offsets[:-1], sizes).astype(np.int64), np.repeat(sizes, sizes).astype(np.int64),
                  np.concatenate([np.arange(size) for size in sizes]).astype(np.int64))
        fields = tuple((name, int(offsets[k]), int(offsets[k + 1]), layout.index.shape)
                       for k, (name, layout) in enumerate(layouts.items()))
        object.__setattr__(self, "_decode_plan", (low, 0.5 * (high - low), np.flatnonzero(self.gene_log), gather,
                                                  fields))

    @property
    def n_genes(self) -> int:
        return len(self.gene_names)

    def _scale(self) -> tuple[np.ndarray, np.ndarray]:
        low = np.where(self.gene_log, np.log(np.where(self.gene_log, self.gene_low, 1.0)), self.gene_low)
        high = np.where(self.gene_log, np.log(np.where(self.gene_log, self.gene_high, 1.0)), self.gene_high)
        return low, high

    def check_genomes(self, genomes) -> np.ndarray:
        g = as_float_array("genomes", genomes, finite=False)
        if g.ndim == 1:
            g = g[None, :]
        if g.ndim != 2 or g.shape[1] != self.n_genes:
            raise ValueError(f"genomes must have shape (n_pop, {self.n_genes}) or ({self.n_genes},), got {np.shape(genomes)}")
        return g

    def values(self, genomes) -> dict[str, np.ndarray]:
        """Decoded parameter arrays, ``{field: (n_pop, *shape)}``; genes clipped to [-1, 1]."""
        g = np.ascontiguousarray(self.check_genomes(genomes))
        low, half_span, _, gather, fields = self._decode_plan
        n_pop = g.shape[0]
        flat = np.empty(n_pop * gather[0].size)
        _decode(g, low, half_span, self.gene_log, *gather, flat)
        return {name: flat[n_pop * start:n_pop * stop].reshape((n_pop, *shape)) for name, start, stop, shape in fields}

    def decode(self, genomes):
        """The population of models that `genomes` (shape ``(n_pop, n_genes)``) encode."""
        return self.build(**self.values(genomes))

    def encode(self, model) -> np.ndarray:
        """Genomes, shape ``(n_pop, n_genes)``, of a model (or its params) built like this codec's.

        `model` may also be a mapping from field names to batched arrays (the codec's
        :meth:`values`), for codecs whose fields are hyperparameters rather than the
        model's parameters. Each gene is read from the first entry that maps to it; tied
        entries and fixed entries must agree with the codec, and values must lie within the
        bounds.
        """
        params = getattr(model, "params", model)
        if isinstance(params, dict):
            params = _Fields(params)
        genes = None
        missing = [name for name in self._layouts if not hasattr(params, name)]
        if missing:
            raise ValueError(f"this codec's genes are {missing}, which {type(params).__name__} does not hold (a "
                             f"codec over hyperparameters cannot read them back from a model): give a mapping "
                             f"from those names to batched arrays, as the codec's values() returns")
        for name, layout in self._layouts.items():
            values = np.asarray(getattr(params, name), dtype=np.float64)
            shape = layout.index.shape
            if values.shape[1:] != shape:
                raise ValueError(f"{name} has shape {values.shape[1:]} per individual; this codec expects {shape}")
            if genes is None:
                genes = np.full((values.shape[0], self.n_genes), np.nan)
            fixed = layout.index < 0
            if not np.array_equal(values[:, fixed], np.broadcast_to(layout.fixed[fixed], values[:, fixed].shape)):
                raise ValueError(f"{name}: entries the codec holds fixed differ from the codec's values")
            flat_index = layout.index.ravel()
            flat_values = values.reshape(values.shape[0], -1)
            for q in np.flatnonzero(flat_index >= 0)[::-1]:  # reversed: the first entry wins
                genes[:, flat_index[q]] = flat_values[:, q]
            if not np.array_equal(flat_values[:, flat_index >= 0], genes[:, flat_index[flat_index >= 0]]):
                raise ValueError(f"{name}: tied entries of the codec hold different values")
        low_ok = genes >= self.gene_low
        high_ok = genes <= self.gene_high
        if not (low_ok & high_ok).all():
            bad = np.argwhere(~(low_ok & high_ok))[0]
            raise ValueError(
                f"{self.gene_names[bad[1]]} = {genes[tuple(bad)]} of individual {bad[0]} is outside "
                f"[{self.gene_low[bad[1]]}, {self.gene_high[bad[1]]}]"
            )
        low, high = self._scale()
        x = np.where(self.gene_log, np.log(np.where(self.gene_log, genes, 1.0)), genes)
        span = high - low
        g = np.where(span > 0, GENE_LOW + (x - low) * (2.0 / np.where(span > 0, span, 1.0)), 0.0)
        return np.clip(g, GENE_LOW, GENE_HIGH)

    def gene_gradient(self, genomes, fields: dict) -> np.ndarray:
        """The gradient with respect to the genes, shape ``(n_pop, n_genes)``, of a function
        whose gradient with respect to the decoded fields is `fields` (``{name: (n_pop,
        *shape)}``; fields left out count as zero), by the chain rule through :meth:`values`:
        tied entries add up, fixed entries contribute nothing, and a gene outside [-1, 1]
        (clipped on decode) has derivative zero."""
        raw = self.check_genomes(genomes)
        g = np.clip(raw, GENE_LOW, GENE_HIGH)
        low, half_span, log_genes = self._decode_plan[:3]
        slope = np.broadcast_to(half_span, g.shape).copy()
        slope[:, log_genes] *= np.exp(low[log_genes] + (g[:, log_genes] - GENE_LOW) * half_span[log_genes])
        slope[(raw < GENE_LOW) | (raw > GENE_HIGH)] = 0.0
        out = np.zeros(g.shape)
        for name, grad in fields.items():
            if name not in self._layouts:
                continue
            index = self._layouts[name].index.ravel()
            values = np.asarray(grad, dtype=np.float64).reshape(g.shape[0], -1)
            if values.shape[1] != index.size:
                raise ValueError(f"the gradient of {name} has {values.shape[1]} entries per individual; the field has "
                                 f"{index.size}")
            evolved = index >= 0
            np.add.at(out.T, index[evolved], values[:, evolved].T)
        return out * slope

    def random(self, n_pop: int, rng=None) -> np.ndarray:
        """Uniform random genomes in [-1, 1], shape ``(n_pop, n_genes)``."""
        n_pop = positive_int("n_pop", n_pop)
        return as_rng(rng).uniform(GENE_LOW, GENE_HIGH, size=(n_pop, self.n_genes))


def mirror_ties(mirror: Sequence[int], *, columns: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Tie labels for bilateral symmetry: neuron ``i`` is the mirror image of ``mirror[i]``.

    Returns ``(vector_ties, matrix_ties)``: labels for per-neuron fields (tau, bias), and for
    a matrix whose rows are neurons and whose columns are neurons (``columns=None``) or
    sources mirrored by `columns` (input weights: ``columns[k]`` is the mirror of input k).
    ``w[i, j]`` is tied to ``w[mirror[i], mirror[j]]``.

    >>> vec, mat = mirror_ties([1, 0])
    >>> vec.tolist(), mat.tolist()
    ([0, 0], [[0, 1], [1, 0]])
    """
    m = np.asarray(mirror)
    n = m.size
    if m.dtype.kind not in "iu" or sorted(m.tolist()) != list(range(n)) or not np.array_equal(m[m], np.arange(n)):
        raise ValueError(f"mirror must be a permutation of range({n}) that is its own inverse, got {list(mirror)}")
    c = m if columns is None else np.asarray(columns)
    n_cols = c.size
    if c.dtype.kind not in "iu" or sorted(c.tolist()) != list(range(n_cols)) or not np.array_equal(c[c], np.arange(n_cols)):
        raise ValueError(f"columns must be a permutation of range({n_cols}) that is its own inverse, got {list(c)}")
    vector = np.minimum(np.arange(n), m)
    rows, cols = np.meshgrid(np.arange(n), np.arange(n_cols), indexing="ij")
    matrix = np.minimum(rows * n_cols + cols, m[rows] * n_cols + c[cols])
    return vector, matrix
