"""The only module that imports DEAP.

* Fitness classes are plain ``base.Fitness`` subclasses (never ``creator.create``, which
  edits DEAP's module globals at run time).
* DEAP's operators draw from the module-level ``random`` of ``deap.tools``. For the
  duration of a call, :func:`deap_random` points those modules at a private
  ``random.Random`` that the run seeds and checkpoints, so nothing depends on (or disturbs)
  the global ``random`` state.
* Individuals are Python lists of floats with a ``fitness`` attribute. DEAP's slice-based
  crossovers (one-point, two-point) swap *views* on NumPy arrays and silently duplicate
  genes, and ``HallOfFame`` compares NumPy individuals with ``==``; plain lists avoid both
  traps, and genomes cross the boundary as float64 arrays.
"""

from __future__ import annotations

import contextlib
import random
from functools import cache

import numpy as np
from deap import base, cma, tools
from deap.tools import crossover, emo, mutation, selection

_DEAP_MODULES = (crossover, mutation, selection, emo)


@contextlib.contextmanager
def deap_random(rand: random.Random):
    """Make DEAP's operators draw from `rand` (a private ``random.Random``) in this block."""
    saved = [module.random for module in _DEAP_MODULES]
    for module in _DEAP_MODULES:
        module.random = rand
    try:
        yield
    finally:
        for module, old in zip(_DEAP_MODULES, saved, strict=True):
            module.random = old


@cache
def fitness_class(n_objectives: int) -> type:
    """A maximising ``base.Fitness`` subclass with `n_objectives` objectives."""
    return type(f"FitnessMax{n_objectives}", (base.Fitness,), {"weights": (1.0,) * n_objectives})


class Individual(list):
    """A genome as a list of floats, carrying a DEAP fitness."""

    __slots__ = ("fitness",)


def individuals(genomes: np.ndarray, fitness: np.ndarray | None = None) -> list[Individual]:
    """DEAP individuals from genomes ``(n, n_genes)`` and, optionally, fitness ``(n,)`` or ``(n, n_obj)``."""
    n_obj = 1 if fitness is None or fitness.ndim == 1 else fitness.shape[1]
    cls = fitness_class(n_obj)
    rows = genomes.tolist()
    values = None if fitness is None else fitness.reshape(len(rows), n_obj).tolist()
    out = []
    for q, row in enumerate(rows):
        ind = Individual(row)
        ind.fitness = cls()
        if values is not None:
            # All weights are 1 (maximisation), so the weighted values are the values;
            # setting them directly skips DEAP's per-individual checks.
            ind.fitness.wvalues = tuple(values[q])
        out.append(ind)
    return out


def genomes_of(population) -> np.ndarray:
    return np.array([list(ind) for ind in population], dtype=np.float64)


def select_tournament(fitness: np.ndarray, k: int, tournament_size: int) -> np.ndarray:
    """Indices of `k` winners of DEAP's ``selTournament``; call inside :func:`deap_random`."""
    pop = individuals(np.arange(fitness.shape[0], dtype=np.float64)[:, None], fitness)
    return np.array([int(ind[0]) for ind in tools.selTournament(pop, k, tournsize=tournament_size)], dtype=np.intp)


def vary(parents: np.ndarray, *, crossover_kind: str, crossover_prob: float, mutation_kind: str,
         mutation_prob: float, gene_prob: float, eta_crossover: float, eta_mutation: float, alpha: float,
         sigma: float, low: float, high: float) -> np.ndarray:
    """DEAP's ``varAnd`` with evornn's operator choices, one individual at a time.

    Consecutive pairs cross over with `crossover_prob`; then each child mutates with
    `mutation_prob`, each gene with `gene_prob`. Children are clipped to ``[low, high]``.
    Call inside :func:`deap_random`.
    """
    children = [Individual(row) for row in parents.tolist()]
    rand = selection.random
    for q in range(1, len(children), 2):
        if rand.random() < crossover_prob:
            if crossover_kind == "sbx":
                tools.cxSimulatedBinaryBounded(children[q - 1], children[q], eta_crossover, low, high)
            else:
                tools.cxBlend(children[q - 1], children[q], alpha)
    for child in children:
        if rand.random() < mutation_prob:
            if mutation_kind == "gaussian":
                tools.mutGaussian(child, 0.0, sigma, gene_prob)
            else:
                tools.mutPolynomialBounded(child, eta_mutation, low, high, gene_prob)
    return np.clip(genomes_of(children), low, high)


def mutate_gaussian(genomes: np.ndarray, sigma: float, gene_prob: float) -> np.ndarray:
    """DEAP's ``mutGaussian`` applied to each row; call inside :func:`deap_random`."""
    out = []
    for row in genomes.tolist():
        ind = Individual(row)
        tools.mutGaussian(ind, 0.0, sigma, gene_prob)
        out.append(ind)
    return genomes_of(out)


def nsga2_select(fitness: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """DEAP's ``selNSGA2``: indices of the `k` survivors and their crowding distances."""
    pop = individuals(np.arange(fitness.shape[0], dtype=np.float64)[:, None], fitness)
    chosen = tools.selNSGA2(pop, k, nd="log")  # Fortin et al.'s O(N log N) sort: the same fronts
    return np.array([int(ind[0]) for ind in chosen], dtype=np.intp), np.array([ind.fitness.crowding_dist for ind in chosen])


def tournament_dcd(fitness: np.ndarray, crowding: np.ndarray, k: int) -> np.ndarray:
    """Indices chosen by DEAP's ``selTournamentDCD``; call inside :func:`deap_random`."""
    pop = individuals(np.arange(fitness.shape[0], dtype=np.float64)[:, None], fitness)
    for ind, distance in zip(pop, crowding.tolist(), strict=True):
        ind.fitness.crowding_dist = distance
    return np.array([int(ind[0]) for ind in tools.selTournamentDCD(pop, k)], dtype=np.intp)


def pareto_front(fitness: np.ndarray) -> np.ndarray:
    """Indices of the first non-dominated front (DEAP's ``sortNondominated``)."""
    pop = individuals(np.arange(fitness.shape[0], dtype=np.float64)[:, None], fitness)
    front = tools.sortNondominated(pop, len(pop), first_front_only=True)[0]
    return np.array(sorted(int(ind[0]) for ind in front), dtype=np.intp)


class _Ranked:
    __slots__ = ("fitness",)

    def __init__(self, fitness: float):
        self.fitness = fitness


class _RankedSample(list):
    """The best `mu` samples, best first, in the form ``cma.Strategy.update`` reads them.

    ``update`` sorts its population by ``ind.fitness`` (a no-op here: the order is already
    best first, and Python's sort is stable) and then takes ``population[0:mu]`` as an
    array of genomes; slices of this list return rows of the genome matrix directly, so
    no DEAP individual is built per sample.
    """

    def __init__(self, genomes: np.ndarray, fitness: np.ndarray):
        super().__init__(_Ranked(f) for f in fitness.tolist())
        self.genomes = genomes

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.genomes[index]
        return super().__getitem__(index)


class CMAStrategy(cma.Strategy):
    """DEAP's CMA-ES strategy, sampling from an explicit ``numpy.random.Generator``.

    DEAP's own ``generate`` draws from NumPy's global state; this one draws the same
    distribution, ``centroid + sigma * z @ (B D)^T`` with standard normal ``z``, from `rng`.
    """

    STATE = ("centroid", "sigma", "pc", "ps", "C", "B", "diagD", "BD", "update_count")

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        z = rng.standard_normal((self.lambda_, self.dim))
        return self.centroid + self.sigma * (z @ self.BD.T)

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        # DEAP's update sorts the population (stably, best first) and then reads only the
        # first mu individuals; handing it those mu, already in that order, gives the same
        # update without building a DEAP individual for every sample.
        from .._numba import one_blas_thread

        top = np.argsort(-fitness, kind="stable")[: self.mu]
        # One BLAS thread: the eigendecomposition of a genome-sized matrix is small, and its
        # rounding then does not depend on the thread count.
        with np.errstate(invalid="ignore"), one_blas_thread():
            self.update(_RankedSample(genomes[top], fitness[top]))
        self._repair()

    def _repair(self) -> None:
        """Keep the search distribution valid when round-off breaks DEAP's update.

        A nearly degenerate covariance can come back with a slightly negative eigenvalue,
        whose square root is NaN, and every later sample would be NaN. As pycma does, the
        covariance is symmetrised and its eigenvalues are floored at 1e-14 of the largest
        (or it is reset to the identity, and the paths to zero, if it is not finite).
        """
        if np.all(np.isfinite(self.diagD)) and np.all(np.isfinite(self.BD)):
            return
        C = 0.5 * (self.C + self.C.T)
        if np.all(np.isfinite(C)) and np.max(np.abs(C)) > 0:
            eigenvalues, B = np.linalg.eigh(C)
            eigenvalues = np.maximum(eigenvalues, 1e-14 * eigenvalues.max())
        else:
            eigenvalues, B = np.ones(self.dim), np.eye(self.dim)
            self.pc, self.ps = np.zeros(self.dim), np.zeros(self.dim)
        self.C = (B * eigenvalues) @ B.T
        self.diagD, self.B = np.sqrt(eigenvalues), B
        self.BD = self.B * self.diagD
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            self.sigma = 1e-3

    def state(self) -> dict:
        return {name: getattr(self, name) for name in self.STATE}

    def restore(self, state: dict) -> None:
        for name in self.STATE:
            value = state[name]
            setattr(self, name, np.array(value) if isinstance(value, np.ndarray) else value)


def logbook(records: list[dict]) -> tools.Logbook:
    """A DEAP ``Logbook`` holding `records` (one dict per generation)."""
    book = tools.Logbook()
    columns = list(records[0]) if records else []
    book.header = columns
    for record in records:
        book.record(**record)
    return book
