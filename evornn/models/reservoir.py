"""Reservoir construction: sparse random recurrent matrices of unit spectral radius, input,
bias and feedback matrices, drawn once and rescaled for each member of a population.

A :class:`Topology` holds the random draws of one reservoir with every scale set to one:
the recurrent matrix divided by its spectral radius, the input, bias and feedback weights
before scaling. :meth:`Topology.build` then makes a population of
:class:`~evornn.models.esn.ESN` that differ only in their hyperparameters (spectral radius,
leak rate, input, bias and feedback scaling, connectivity, ridge). This is what makes a
hyperparameter search cheap and fair: the eigenvalue problem is solved once per
connectivity, not once per individual, and every individual sees the same random numbers.

Connectivity is nested: each candidate connection carries a uniform priority, and a
reservoir of connectivity ``c`` keeps the candidates whose priority is below ``c``; with a
fixed in-degree ``k`` each unit keeps the first ``k`` of its randomly ordered candidate
sources. Sparser reservoirs are therefore subsets of denser ones drawn from the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from .._checks import as_float_array, one_of, positive_int
from .._kernels import model_class
from ..random import as_rng
from ._esn_kernels import ACTIVATIONS, ESNParams, _assemble

DISTRIBUTIONS = ("normal", "uniform", "bernoulli")
#: Below this size the spectral radius comes from a dense eigenvalue solve; above it from ARPACK.
DENSE_EIGENVALUES_MAX = 128


def _draw(rng: np.random.Generator, distribution: str, size) -> np.ndarray:
    if distribution == "normal":
        return rng.standard_normal(size)
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, size)
    return np.where(rng.random(size) < 0.5, -1.0, 1.0)


def spectral_radius(weights) -> float:
    """The largest eigenvalue modulus of a square matrix (dense or ``scipy.sparse``).

    Small matrices use a dense eigenvalue solve. Larger ones use ARPACK (``eigs``) started
    from the deterministic vector of ones, so that the same matrix always gives the same
    value (ARPACK's default start vector is random).

    >>> round(spectral_radius(np.array([[0.0, 2.0], [-2.0, 0.0]])), 12)
    2.0
    """
    n = weights.shape[0]
    if weights.ndim != 2 or weights.shape[1] != n:
        raise ValueError(f"weights must be a square matrix, got shape {weights.shape}")
    if n <= DENSE_EIGENVALUES_MAX:
        dense = weights.toarray() if scipy.sparse.issparse(weights) else np.asarray(weights, dtype=np.float64)
        return float(np.max(np.abs(scipy.linalg.eigvals(dense))))
    operator = scipy.sparse.csr_array(weights, dtype=np.float64)
    values = scipy.sparse.linalg.eigs(operator, k=1, which="LM", v0=np.ones(n), maxiter=50 * n, return_eigenvectors=False)
    return float(np.abs(values[0]))


@dataclass(frozen=True, eq=False)
class Topology:
    """The random structure of one reservoir, before any hyperparameter is applied.

    Build one with :meth:`draw`; make populations with :meth:`build`.

    Attributes
    ----------
    n_units, n_inputs, n_outputs : int
    rows, cols : ndarray of int, shape (n_candidates,)
        Candidate recurrent connections ``cols -> rows``.
    values : ndarray, shape (n_candidates,)
        Their weights, before scaling to a spectral radius.
    priority : ndarray, shape (n_candidates,)
        A connection is present at connectivity ``c`` (or in-degree ``k``) when
        ``priority < c`` (``priority < k``).
    input_weights : ndarray, shape (n_units, n_inputs)
        Unscaled input weights (entries in [-1, 1]; zeros where not connected).
    bias : ndarray, shape (n_units,)
        Unscaled bias, uniform in [-1, 1].
    feedback_weights : ndarray, shape (n_units, n_outputs)
        Unscaled output-feedback weights, uniform in [-1, 1].
    max_connectivity : float or None, max_in_degree : int or None
        Exactly one is set: what the candidates were drawn for.
    """

    n_units: int
    n_inputs: int
    n_outputs: int
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    priority: np.ndarray
    input_weights: np.ndarray
    bias: np.ndarray
    feedback_weights: np.ndarray
    max_connectivity: float | None = None
    max_in_degree: int | None = None
    _radius: dict = field(default_factory=dict, repr=False)

    @classmethod
    def draw(cls, n_units: int, n_inputs: int = 1, n_outputs: int = 1, *, connectivity: float | None = 0.1,
             in_degree: int | None = None, distribution: str = "normal", input_connectivity: float = 1.0,
             input_distribution: str = "uniform", rng=None) -> Topology:
        """Draw a reservoir structure.

        Parameters
        ----------
        n_units, n_inputs, n_outputs : int
            Reservoir size, input width (may be 0) and readout width.
        connectivity : float in (0, 1], optional
            Probability of each recurrent connection (self-connections included). The
            largest connectivity any individual built from this topology will have.
        in_degree : int, optional
            Instead of `connectivity`: every unit receives exactly this many connections,
            from distinct sources chosen uniformly. The largest in-degree any individual
            will have.
        distribution : {"normal", "uniform", "bernoulli"}
            Recurrent weight values: standard normal, uniform in [-1, 1], or +-1.
        input_connectivity : float in (0, 1]
            Probability of each input connection.
        input_distribution : {"uniform", "normal", "bernoulli"}
        rng : seed or numpy.random.Generator
        """
        n_units = positive_int("n_units", n_units)
        n_inputs = positive_int("n_inputs", n_inputs, minimum=0)
        n_outputs = positive_int("n_outputs", n_outputs, minimum=0)
        one_of("distribution", distribution, DISTRIBUTIONS)
        one_of("input_distribution", input_distribution, DISTRIBUTIONS)
        _fraction("input_connectivity", input_connectivity)
        rng = as_rng(rng)
        if in_degree is not None:
            in_degree = positive_int("in_degree", in_degree)
            if in_degree > n_units:
                raise ValueError(f"in_degree must be at most n_units = {n_units}, got {in_degree}")
            rows = np.repeat(np.arange(n_units), in_degree)
            cols = np.concatenate([rng.choice(n_units, in_degree, replace=False) for _ in range(n_units)])
            priority = np.tile(np.arange(in_degree, dtype=np.float64), n_units)
            connectivity = None
        else:
            if connectivity is None:
                raise ValueError("give connectivity or in_degree")
            connectivity = _fraction("connectivity", connectivity)
            n_candidates = rng.binomial(n_units * n_units, connectivity)
            flat = np.sort(rng.choice(n_units * n_units, n_candidates, replace=False))
            rows, cols = np.divmod(flat, n_units)
            priority = rng.uniform(0.0, connectivity, n_candidates)
        values = _draw(rng, distribution, rows.size)
        input_weights = _draw(rng, input_distribution, (n_units, n_inputs))
        input_weights *= rng.random((n_units, n_inputs)) < input_connectivity
        bias = rng.uniform(-1.0, 1.0, n_units)
        feedback = rng.uniform(-1.0, 1.0, (n_units, n_outputs))
        return cls(n_units, n_inputs, n_outputs, rows.astype(np.int64), cols.astype(np.int64), values, priority,
                   input_weights, bias, feedback, max_connectivity=connectivity, max_in_degree=in_degree)

    @property
    def density_name(self) -> str:
        return "in_degree" if self.max_in_degree is not None else "connectivity"

    def _present(self, density: float) -> np.ndarray:
        return self.priority < density

    def matrix(self, density: float | None = None) -> scipy.sparse.csr_array:
        """The recurrent matrix at `density` (connectivity or in-degree; default the
        largest), scaled to spectral radius 1, as a canonical CSR array."""
        density = self._check_density(density)
        keep = self._present(density)
        raw = scipy.sparse.csr_array((self.values[keep], (self.rows[keep], self.cols[keep])),
                                     shape=(self.n_units, self.n_units))
        raw.sum_duplicates()
        raw.sort_indices()
        radius = self._radius.get(density)
        if radius is None:
            radius = self._radius[density] = spectral_radius(raw)
        if not radius > 1e-12:
            raise ValueError(f"the recurrent matrix at {self.density_name} {density} has spectral radius {radius:.3g}: "
                             f"it cannot be scaled to a target radius (use a denser reservoir)")
        return raw / radius

    def _check_density(self, density) -> float:
        if density is None:
            return float(self.max_in_degree if self.max_in_degree is not None else self.max_connectivity)
        if self.max_in_degree is not None:
            if float(density) != int(density) or not 1 <= density <= self.max_in_degree:
                raise ValueError(f"in_degree must be an integer in [1, {self.max_in_degree}] (the topology's), got {density}")
            return float(int(density))
        if not 0 < density <= self.max_connectivity:
            raise ValueError(f"connectivity must be in (0, {self.max_connectivity}] (the topology's), got {density}")
        return float(density)

    def codec(self, *, spectral_radius=(0.1, 1.5), leak=(0.05, 1.0), input_scaling=(0.01, 5.0), bias_scaling=0.0,
              ridge=(1e-10, 1e-2), feedback_scaling=None, connectivity=None, in_degree=None, activation: str = "tanh"):
        """A genome codec over hyperparameters of ESNs with this structure.

        Each hyperparameter is a pair ``(low, high)`` (evolved; input scaling and ridge on a
        log scale when ``low > 0``) or a number (fixed). `connectivity` (or `in_degree`) may
        also be evolved, up to the topology's own: sparser reservoirs are nested subsets.
        Decoding calls :meth:`build`, so the spectral radius of each distinct connectivity
        is computed once and cached.

        >>> topo = Topology.draw(50, rng=0)
        >>> codec = topo.codec()
        >>> codec.gene_names
        ('spectral_radius', 'leak', 'input_scaling', 'ridge')
        """
        import functools

        from ..genome import Codec

        one_of("activation", activation, ("tanh", "identity"))
        fields = {"spectral_radius": _range_or_value("spectral_radius", spectral_radius),
                  "leak": _range_or_value("leak", leak),
                  "input_scaling": _range_or_value("input_scaling", input_scaling, log_if_positive=True),
                  "bias_scaling": _range_or_value("bias_scaling", bias_scaling),
                  "ridge": _range_or_value("ridge", ridge, log_if_positive=True)}
        if feedback_scaling is not None:
            fields["feedback_scaling"] = _range_or_value("feedback_scaling", feedback_scaling)
        density = in_degree if self.max_in_degree is not None else connectivity
        if (connectivity if self.max_in_degree is not None else in_degree) is not None:
            raise ValueError(f"this topology was drawn with a fixed {self.density_name}; give {self.density_name}")
        if density is not None:
            fields[self.density_name] = _range_or_value(self.density_name, density)
        return Codec(functools.partial(_build_rounded, self, activation), fields)

    def build(self, n_pop: int | None = None, *, spectral_radius=0.9, leak=1.0, input_scaling=1.0, bias_scaling=0.0,
              feedback_scaling=None, ridge=1e-8, connectivity=None, in_degree=None, activation: str = "tanh"):
        """A population of ESNs with this structure and the given hyperparameters.

        Each hyperparameter is a scalar (shared) or an array of shape ``(n_pop,)``
        (``leak`` also ``(n_pop, n_units)``: one rate per unit); `n_pop` defaults to the
        longest array given, else 1.

        Parameters
        ----------
        spectral_radius : float > 0
            Spectral radius of the recurrent matrix.
        leak : float in (0, 1]
            Leak rate a in ``x <- (1 - a) x + a f(...)``.
        input_scaling, bias_scaling : float >= 0
        feedback_scaling : float >= 0, optional
            None: no output feedback. Otherwise the readout's output feeds back into the
            reservoir through the topology's feedback weights times this scale.
        ridge : float >= 0
            The ridge (Tikhonov) coefficient :meth:`ESN.fit` uses by default.
        connectivity, in_degree : optional
            Per-individual density, at most the topology's (nested subsets of it).
        activation : {"tanh", "identity"}

        Returns
        -------
        ESN
        """
        one_of("activation", activation, ACTIVATIONS)
        given = {"spectral_radius": spectral_radius, "leak": leak, "input_scaling": input_scaling,
                 "bias_scaling": bias_scaling, "ridge": ridge}
        if feedback_scaling is not None:
            given["feedback_scaling"] = feedback_scaling
        density = in_degree if self.max_in_degree is not None else connectivity
        other = connectivity if self.max_in_degree is not None else in_degree
        if other is not None:
            raise ValueError(f"this topology was drawn with a fixed {self.density_name}; "
                             f"give {self.density_name}, not {'connectivity' if other is connectivity else 'in_degree'}")
        if density is not None:
            given[self.density_name] = density
        arrays = {name: as_float_array(name, value) for name, value in given.items()}
        if n_pop is None:
            n_pop = max([a.shape[0] for a in arrays.values() if a.ndim > 0] or [1])
        n_pop = positive_int("n_pop", n_pop)
        per = {}
        for name, arr in arrays.items():
            tail = (self.n_units,) if name == "leak" and arr.ndim == 2 else ()
            if arr.ndim > 1 + len(tail) or (arr.ndim == 1 + len(tail) and arr.shape[0] != n_pop):
                raise ValueError(f"{name} must be a scalar or have shape ({n_pop},){' or (n_pop, n_units)' * (name == 'leak')}, "
                                 f"got shape {arr.shape}")
            per[name] = np.broadcast_to(arr.reshape(arr.shape if arr.ndim == 1 + len(tail) else (1, *tail)), (n_pop, *tail))
        leak_arr = np.broadcast_to(per["leak"].reshape(n_pop, -1), (n_pop, self.n_units))
        if np.any(per["spectral_radius"] <= 0):
            raise ValueError(f"spectral_radius must be > 0, got {per['spectral_radius'].min()}")
        if np.any(leak_arr <= 0) or np.any(leak_arr > 1):
            raise ValueError(f"leak must be in (0, 1], got values in [{leak_arr.min()}, {leak_arr.max()}]")
        for name in ("input_scaling", "bias_scaling", "ridge", "feedback_scaling"):
            if name in per and np.any(per[name] < 0):
                raise ValueError(f"{name} must be >= 0, got {per[name].min()}")
        densities = per.get(self.density_name, np.full(n_pop, self._check_density(None)))
        matrices = {}
        for d in np.unique(densities):
            matrices[float(d)] = self.matrix(float(d))
        recurrent = [matrices[float(d)] * float(rho) for d, rho in zip(densities, per["spectral_radius"], strict=True)]
        input_w = self.input_weights[None] * per["input_scaling"][:, None, None]
        bias = self.bias[None] * per["bias_scaling"][:, None]
        if "feedback_scaling" in per:
            feedback = self.feedback_weights[None] * per["feedback_scaling"][:, None, None]
        else:
            feedback = np.zeros((n_pop, self.n_units, 0))
        params = _assemble(recurrent, input_w, bias, feedback, leak_arr, per["ridge"], activation, self.n_outputs)
        return model_class(ESNParams)(params)  # the ESN, without importing its module (which imports this one)


def _build_rounded(topology: Topology, activation: str, **arrays):
    """Topology.build for codecs: in-degrees decode to whole numbers."""
    if "in_degree" in arrays:
        arrays["in_degree"] = np.rint(arrays["in_degree"])
    return topology.build(activation=activation, **arrays)


def _range_or_value(name: str, value, *, log_if_positive: bool = False):
    """A Field: evolved within ``[low, high]`` for a pair, fixed for a number."""
    from ..genome import Field, parse_bounds

    if np.ndim(value) == 0:
        return Field.constant(float(value), ())
    low, high = parse_bounds(name, value)
    return Field((), low=low, high=high, log=log_if_positive and low > 0)


def _fraction(name: str, value) -> float:
    value = float(value)
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value}")
    return value
