r"""Archives of quality-diversity search: the best genome found in each cell of a behaviour
space.

A task describes each individual by a few named, bounded numbers, its behaviour descriptors
(:class:`~evornn.tasks.Descriptor`; for example where a robot ended up). An archive divides the box of
descriptor values into cells, either a regular grid (:class:`GridArchive`, Mouret and Clune
2015) or the Voronoi cells of centroids spread over the box (:class:`CVTArchive`,
Vassiliades, Chatzilygeroudis and Mouret 2018; centroids from k-means on uniform samples,
:func:`scipy.cluster.vq.kmeans2`, seeded), and keeps in each cell the fittest genome that
landed there, with its fitness and descriptors. Values outside the box are put in the
nearest cell.

Adding a batch is one vectorised pass: each candidate's cell, the best candidate per cell,
and a comparison with the elite already there. Each candidate gets a status (0: not added,
1: improved an occupied cell, 2: filled an empty cell) and a value (its fitness, or its
improvement over the elite it replaced), which CMA-ME ranks by.

Metrics (as in pyribs): ``coverage`` (the fraction of cells filled), ``qd_score`` (the sum
over filled cells of the fitness less ``qd_offset``, so that every elite adds a positive
amount) and ``best``.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_memory, positive_int
from ..tasks.base import Descriptor

#: The most cells an archive may have (every cell holds a genome, and the archive is
#: checkpointed with the run).
MAX_CELLS = 10_000_000


class Archive:
    """Shared by the archives: storage, insertion and metrics; subclasses map descriptors
    to cells (:meth:`index`)."""

    def __init__(self, n_cells: int, n_genes: int, descriptors, qd_offset: float = 0.0):
        self.descriptors = tuple(descriptors)
        if not self.descriptors or not all(isinstance(d, Descriptor) for d in self.descriptors):
            raise ValueError("an archive needs at least one Descriptor")
        self.n_cells = positive_int("n_cells", n_cells)
        if self.n_cells > MAX_CELLS:
            raise ValueError(f"an archive of {self.n_cells:,} cells is more than the {MAX_CELLS:,} evornn allows: "
                             f"choose fewer cells (option cells) or fewer descriptors (option descriptors)")
        self.n_genes = positive_int("n_genes", n_genes)
        self.qd_offset = float(qd_offset)
        self.low = np.array([d.low for d in self.descriptors])
        self.high = np.array([d.high for d in self.descriptors])
        check_memory("the archive", (self.n_cells, self.n_genes + len(self.descriptors) + 2),
                     hint="choose fewer cells (option cells) or fewer descriptors (option descriptors)")
        self.clear()

    def clear(self) -> None:
        """Empty every cell (an empty cell holds zeros, fitness -inf; `occupied` is False)."""
        self.genomes = np.zeros((self.n_cells, self.n_genes))
        self.fitness = np.full(self.n_cells, -np.inf)
        self.values = np.zeros((self.n_cells, len(self.descriptors)))
        self.occupied = np.zeros(self.n_cells, dtype=bool)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.descriptors)

    def index(self, values: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def add(self, genomes: np.ndarray, fitness: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Offer candidates (shapes ``(n, n_genes)``, ``(n,)``, ``(n, n_descriptors)``).
        Returns each candidate's status (0 not added, 1 improved a cell, 2 filled a new
        cell) and value (the fitness for a new cell, the improvement otherwise)."""
        n = fitness.shape[0]
        status, value = np.zeros(n, dtype=np.int8), np.zeros(n)
        finite = np.isfinite(fitness) & np.isfinite(values).all(axis=1)
        cells = np.full(n, -1)
        cells[finite] = self.index(values[finite])
        old = np.where(cells >= 0, self.fitness[np.maximum(cells, 0)], -np.inf)
        was = np.where(cells >= 0, self.occupied[np.maximum(cells, 0)], False)
        better = finite & (~was | (fitness > old))
        status[better] = np.where(was[better], 1, 2)
        value[better] = np.where(was[better], fitness[better] - old[better], fitness[better])
        # The best candidate per cell is stored (the first of equals).
        candidates = np.flatnonzero(better)
        if candidates.size:
            order = candidates[np.lexsort((candidates, -fitness[candidates], cells[candidates]))]
            first = np.ones(order.size, dtype=bool)
            first[1:] = cells[order[1:]] != cells[order[:-1]]
            winners = order[first]
            where = cells[winners]
            self.genomes[where] = genomes[winners]
            self.fitness[where] = fitness[winners]
            self.values[where] = values[winners]
            self.occupied[where] = True
        return status, value

    def elites(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The filled cells' genomes, fitness and descriptor values, in cell order."""
        filled = np.flatnonzero(self.occupied)
        return self.genomes[filled], self.fitness[filled], self.values[filled]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` elites' genomes drawn uniformly (with replacement) from the filled cells."""
        filled = np.flatnonzero(self.occupied)
        if not filled.size:
            raise ValueError("the archive is empty")
        return self.genomes[filled[rng.integers(0, filled.size, n)]]

    def metrics(self) -> dict[str, float]:
        filled = self.occupied
        n = int(filled.sum())
        return {"coverage": n / self.n_cells, "qd_score": float(np.sum(self.fitness[filled] - self.qd_offset)),
                "best": float(self.fitness[filled].max()) if n else float("nan"), "elites": n}

    def table(self) -> dict[str, np.ndarray]:
        """The elites as columns: ``cell``, ``fitness``, each descriptor by name and
        ``gene_0`` ... (for CSV export)."""
        filled = np.flatnonzero(self.occupied)
        columns = {"cell": filled, "fitness": self.fitness[filled]}
        columns.update({name: self.values[filled, k] for k, name in enumerate(self.names)})
        columns.update({f"gene_{j}": self.genomes[filled, j] for j in range(self.n_genes)})
        return columns

    def state(self) -> dict[str, np.ndarray]:
        return {"genomes": self.genomes, "fitness": self.fitness, "values": self.values, "occupied": self.occupied}

    def restore(self, state: dict) -> None:
        genomes, fitness = np.asarray(state["genomes"], dtype=np.float64), np.asarray(state["fitness"], dtype=np.float64)
        values, occupied = np.asarray(state["values"], dtype=np.float64), np.asarray(state["occupied"], dtype=bool)
        if (genomes.shape != (self.n_cells, self.n_genes) or fitness.shape != (self.n_cells,)
                or values.shape != (self.n_cells, len(self.descriptors)) or occupied.shape != (self.n_cells,)):
            raise ValueError(f"the archive's arrays do not fit {self.n_cells} cells of {self.n_genes} genes")
        self.genomes, self.fitness, self.values, self.occupied = genomes, fitness, values, occupied


class GridArchive(Archive):
    """A regular grid over the descriptor box: `dims` cells along each descriptor.

    Parameters
    ----------
    dims : sequence of int
        Cells per descriptor (for example ``(50, 50)``).
    n_genes : int
    descriptors : sequence of Descriptor
    qd_offset : float
        Subtracted from each elite's fitness in the QD-score.
    """

    def __init__(self, dims, n_genes: int, descriptors, qd_offset: float = 0.0):
        self.dims = tuple(positive_int("dims", int(d)) for d in np.atleast_1d(dims))
        if len(self.dims) != len(tuple(descriptors)):
            raise ValueError(f"dims must give a number of cells per descriptor ({len(tuple(descriptors))}), "
                             f"got {self.dims}")
        super().__init__(math.prod(self.dims), n_genes, descriptors, qd_offset)

    def index(self, values: np.ndarray) -> np.ndarray:
        dims = np.array(self.dims)
        scaled = (values - self.low) / (self.high - self.low) * dims
        coords = np.clip(np.floor(scaled).astype(np.int64), 0, dims - 1)
        return np.ravel_multi_index(tuple(coords.T), self.dims)


class CVTArchive(Archive):
    """Voronoi cells of `n_cells` centroids spread over the descriptor box by k-means on
    `n_samples` uniform samples (:func:`scipy.cluster.vq.kmeans2`, seeded by `rng`); a
    candidate belongs to its nearest centroid (:class:`scipy.spatial.cKDTree`). Distances
    are measured with each descriptor scaled to [0, 1], so that descriptors of different
    units get cells of comparable extent.

    Parameters
    ----------
    n_cells : int
    n_genes : int
    descriptors : sequence of Descriptor
    rng : int or Generator
        Seeds the samples and k-means (the same seed, the same cells).
    n_samples : int
        Uniform samples for k-means (default 25 per cell, at least 10,000).
    centroids : ndarray, shape (n_cells, n_descriptors), optional
        Given centroids instead.
    qd_offset : float
    """

    def __init__(self, n_cells: int, n_genes: int, descriptors, *, rng=None, n_samples: int | None = None,
                 centroids=None, qd_offset: float = 0.0):
        from scipy.cluster.vq import kmeans2
        from scipy.spatial import cKDTree

        super().__init__(n_cells, n_genes, descriptors, qd_offset)
        d = len(self.descriptors)
        if centroids is None:
            rng = np.random.default_rng(rng)
            n_samples = max(10_000, 25 * self.n_cells) if n_samples is None else positive_int("n_samples", n_samples)
            if n_samples < self.n_cells:
                raise ValueError(f"n_samples ({n_samples}) must be at least n_cells ({self.n_cells})")
            samples = rng.uniform(0.0, 1.0, size=(n_samples, d))
            start = samples[rng.choice(n_samples, self.n_cells, replace=False)]
            unit, _ = kmeans2(samples, start, iter=30, minit="matrix", rng=rng)
            centroids = self.low + unit * (self.high - self.low)
        centroids = np.asarray(centroids, dtype=np.float64)
        if centroids.shape != (self.n_cells, d):
            raise ValueError(f"centroids must have shape ({self.n_cells}, {d}), got {centroids.shape}")
        self.centroids = centroids
        self._tree = cKDTree(self.unit(centroids))

    def unit(self, values: np.ndarray) -> np.ndarray:
        """Descriptor values scaled to the unit box, where distances are measured."""
        return (values - self.low) / (self.high - self.low)

    def index(self, values: np.ndarray) -> np.ndarray:
        return self._tree.query(self.unit(values))[1]
