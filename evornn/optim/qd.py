r"""Quality-diversity: MAP-Elites and CMA-ME fill an archive with the best genome of every
behaviour.

Both read the task's behaviour descriptors (``task.descriptors``, each a metric of the
task's evaluation with its range; see :class:`~evornn.optim.archive.Descriptor`) and keep
an archive (:mod:`evornn.optim.archive`), a grid or CVT cells, checkpointed with the run.
The history gains ``coverage``, ``qd_score`` and ``elites`` columns each generation, and the
result's ``archive`` holds the final archive.

``"map_elites"`` (Mouret and Clune 2015): the first generation is uniform in the gene box;
then each generation's ``n_pop`` genomes are elites drawn uniformly from the archive and
varied by Gaussian noise (``variation="gaussian"``, standard deviation ``sigma``) or by the
iso+line-DD operator of Vassiliades and Mouret 2018 (``"iso_line_dd"``: ``x_i +
sigma_iso N(0, I) + sigma_line (x_j - x_i) N(0, 1)`` for two elites ``x_i, x_j``).

``"cma_me"`` (Fontaine, Togelius, Nikolaidis and Hoover 2020, improvement emitters): the
generation is shared among ``emitters`` CMA-ES instances (:mod:`evornn.optim._cma`, with a
lazy decomposition of the covariance), each sampling ``n_pop /
emitters`` genomes around its own mean. Each ranks its samples by what they did to the
archive (new cells first, by fitness; then improved cells, by the improvement; then the
rest) and updates its distribution from the samples that entered the archive
(``selection="filter"``, as the paper and pyribs do; or the better half of the ranking). An
emitter none of whose samples entered the archive restarts from a random elite with the
initial step size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ._cma import LazyCMA
from .archive import CVTArchive, GridArchive
from .base import Strategy, check_choice, check_range, task_descriptors


def _check_archive(options) -> None:
    check_choice("archive", options.archive, ("grid", "cvt"))
    cells = options.cells
    if cells is not None:
        values = cells if isinstance(cells, list | tuple) else [cells]
        if not values or not all(isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 10**7 for c in values):
            raise ConfigError(f"option cells must be an integer (cells per descriptor; for cvt, cells in all) or a list "
                              f"of integers, one per descriptor, got {cells!r}")
    if options.descriptors is not None and not (
            isinstance(options.descriptors, list | tuple) and options.descriptors
            and all(isinstance(n, str) for n in options.descriptors)):
        raise ConfigError(f"option descriptors must be a list of descriptor names, got {options.descriptors!r}")
    check_range("qd_offset", options.qd_offset, -1e300, 1e300)


class _Elites(Strategy):
    """Shared by the QD strategies: the archive, built from the task's descriptors when the
    loop attaches the task."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.archive = None
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = np.empty(0)

    def attach(self, problem) -> None:
        chosen = task_descriptors(self.name, problem.task, self.options.descriptors)
        opts = self.options
        if opts.archive == "grid":
            cells = opts.cells if opts.cells is not None else (50 if len(chosen) <= 2 else 10)
            dims = list(cells) if isinstance(cells, list | tuple) else [cells] * len(chosen)
            if len(dims) != len(chosen):
                raise ConfigError(f"option cells gives {len(dims)} numbers for {len(chosen)} descriptors")
            self.archive = GridArchive(dims, self.n_genes, chosen, qd_offset=opts.qd_offset)
        else:
            if isinstance(opts.cells, list | tuple):
                raise ConfigError("option cells of a cvt archive is one integer, the number of cells")
            # The centroids come from their own stream, so they are the same for every seed.
            self.archive = CVTArchive(opts.cells or 1000, self.n_genes, chosen, rng=0, qd_offset=opts.qd_offset)

    def tell_evaluation(self, genomes: np.ndarray, evaluation) -> None:
        values = np.stack([evaluation.metrics[name] for name in self.archive.names], axis=1)
        self.tell_descriptors(genomes, evaluation.fitness, values)

    def tell(self, genomes, fitness):
        raise ConfigError(f"{self.name} learns from behaviour descriptors: evolve() calls tell_evaluation")

    def record(self) -> dict:
        metrics = self.archive.metrics()
        return {"coverage": metrics["coverage"], "qd_score": metrics["qd_score"], "elites": metrics["elites"]}

    def population(self):
        return np.clip(self.genomes, self.low, self.high), self.fitness

    def state(self) -> dict:
        return {**super().state(), **{f"archive_{k}": v for k, v in self.archive.state().items()}}

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.archive.restore({k[len("archive_"):]: v for k, v in state.items() if k.startswith("archive_")})


@dataclass(frozen=True)
class MAPElitesOptions:
    """Options of ``method="map_elites"`` (see :mod:`evornn.optim.qd`).

    Parameters
    ----------
    archive
        "grid" or "cvt"
    cells
        grid: cells per descriptor (one integer for all, or a list; default 50 for up to
        two descriptors, else 10); cvt: the number of cells (default 1000)
    descriptors
        which of the task's descriptors span the archive (default: all)
    variation
        "gaussian" or "iso_line_dd"
    sigma
        the Gaussian variation's standard deviation, in gene units
    sigma_iso, sigma_line
        iso+line-DD's two standard deviations (Vassiliades and Mouret 2018: 0.01 and 0.2)
    qd_offset
        subtracted from each elite's fitness in the QD-score
    """

    archive: str = "grid"
    cells: int | list | None = None
    descriptors: list | None = None
    variation: str = "iso_line_dd"
    sigma: float = 0.1
    sigma_iso: float = 0.01
    sigma_line: float = 0.2
    qd_offset: float = 0.0

    def check(self, n_genes: int) -> None:
        _check_archive(self)
        check_choice("variation", self.variation, ("gaussian", "iso_line_dd"))
        for name in ("sigma", "sigma_iso", "sigma_line"):
            check_range(name, getattr(self, name), 0.0, 100.0)


class MAPElites(_Elites):
    """MAP-Elites; see :class:`MAPElitesOptions`."""

    name = "map_elites"
    options_type = MAPElitesOptions
    STATE = ("genomes", "fitness")

    def ask(self) -> np.ndarray:
        if self.archive is None or not self.archive.occupied.any():
            return self.random_genomes(self.n_pop)
        opts, rng = self.options, self.rng
        parents = self.archive.sample(self.n_pop, rng)
        if opts.variation == "gaussian":
            return parents + opts.sigma * rng.standard_normal(parents.shape)
        others = self.archive.sample(self.n_pop, rng)
        return (parents + opts.sigma_iso * rng.standard_normal(parents.shape)
                + opts.sigma_line * rng.standard_normal((self.n_pop, 1)) * (others - parents))

    def tell_descriptors(self, genomes, fitness, values) -> None:
        clipped = np.clip(genomes, self.low, self.high)
        self.archive.add(clipped, fitness, values)
        self.genomes, self.fitness, self.started = clipped, fitness, True


@dataclass(frozen=True)
class CMAMEOptions:
    """Options of ``method="cma_me"`` (see :mod:`evornn.optim.qd`); ``n_pop`` is shared
    among the emitters as equally as it divides.

    Parameters
    ----------
    emitters
        number of CMA-ES emitters (Fontaine et al. 2020 used 15)
    sigma
        the emitters' initial step size, in gene units
    selection
        "filter": the samples that entered the archive are the parents (their number is
        CMA-ES's mu, as in the paper and pyribs); "mu": the better half of the ranking
    centroid
        where the emitters start: "random" (each its own uniform point) or "center" (zeros)
    archive, cells, descriptors, qd_offset
        as for ``map_elites``
    """

    emitters: int = 5
    sigma: float = 0.1
    selection: str = "filter"
    centroid: str = "random"
    archive: str = "grid"
    cells: int | list | None = None
    descriptors: list | None = None
    qd_offset: float = 0.0

    def check(self, n_genes: int) -> None:
        _check_archive(self)
        check_range("emitters", self.emitters, 1, 1000, integer=True)
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_choice("selection", self.selection, ("filter", "mu"))
        check_choice("centroid", self.centroid, ("random", "center"))


class CMAME(_Elites):
    """CMA-ME with improvement emitters; see :class:`CMAMEOptions`."""

    name = "cma_me"
    options_type = CMAMEOptions
    STATE = ("genomes", "fitness", "restarts")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        k = self.options.emitters
        if self.n_pop < 2 * k:
            raise ConfigError(f"cma_me shares n_pop among {k} emitters, at least 2 each: n_pop must be >= {2 * k}, "
                              f"got {self.n_pop}")
        # As equal as can be: the first n_pop % k emitters sample one more.
        self.sizes = [self.n_pop // k + (e < self.n_pop % k) for e in range(k)]
        self.bounds = np.concatenate([[0], np.cumsum(self.sizes)])
        start = self.random_genomes(k) if self.options.centroid == "random" else np.zeros((k, self.n_genes))
        self.emitters = [LazyCMA(start[e], self.options.sigma, self.sizes[e]) for e in range(k)]
        self.restarts = 0

    def ask(self) -> np.ndarray:
        return np.concatenate([emitter.sample(self.rng) for emitter in self.emitters])

    def tell_descriptors(self, genomes, fitness, values) -> None:
        clipped = np.clip(genomes, self.low, self.high)
        status, value = self.archive.add(clipped, fitness, values)
        for e, emitter in enumerate(self.emitters):
            rows = slice(self.bounds[e], self.bounds[e + 1])
            s, v = status[rows], value[rows]
            # Rank: new cells, then improvements, then the rest, each by value; as a score
            # that CMA-ES sorts in decreasing order.
            order = np.lexsort((-np.nan_to_num(v, nan=-1e300, neginf=-1e300), -s))
            added = int((s > 0).sum())
            if added:
                emitter.tell(genomes[rows], order, added if self.options.selection == "filter" else max(1, s.size // 2))
            else:
                start = self.archive.sample(1, self.rng)[0] if self.archive.occupied.any() else self.random_genomes(1)[0]
                self.emitters[e] = LazyCMA(start, self.options.sigma, self.sizes[e])
                self.restarts += 1
        self.genomes, self.fitness, self.started = clipped, fitness, True

    def state(self) -> dict:
        state = super().state()
        for e, emitter in enumerate(self.emitters):
            state.update({f"emitter{e}_{name}": value for name, value in emitter.state().items()})
        return state

    def restore(self, state: dict) -> None:
        super().restore(state)
        for e, emitter in enumerate(self.emitters):
            emitter.restore({name: state[f"emitter{e}_{name}"] for name in LazyCMA.STATE})
        self.restarts = int(self.restarts)
