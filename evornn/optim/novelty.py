r"""Novelty search (Lehman and Stanley 2011, "Abandoning objectives: evolution through the
search for novelty alone"): select for behaviour never seen before instead of (or beside)
fitness.

An individual's novelty is the mean distance from its behaviour (the task's descriptors,
each scaled to [0, 1] by its range) to the ``k`` nearest behaviours among the parents, this
generation and an archive of past behaviours (:class:`scipy.spatial.cKDTree`). A new
behaviour enters the archive when its novelty exceeds a threshold (``archive_add=
"threshold"``: the threshold rises by 20% after a generation that added more than four and
falls by 5% after ``2,500`` evaluations that added none, as in the paper) or with a fixed
probability (``"random"``, Gomes, Mariano and Christensen 2015). A behaviour that is not
finite (an oscillator that does not oscillate has no period) has novelty 0 and is never
archived.

The score that selects parents (``objective``):

- ``"novelty"``: novelty alone (a generational GA with tournaments, SBX and Gaussian
  mutation, and ``n_elite`` elites whose novelty is computed again each generation);
- ``"weighted"``: ``weight`` x fitness + (1 - ``weight``) x novelty, both scaled to [0, 1]
  over the generation (Cuccu and Gomez 2011);
- ``"pareto"``: NSGA-II on the two objectives fitness and novelty (Mouret 2011), parents
  and children competing (``n_pop`` a multiple of 4).

The run's history and result keep the task's own fitness; the history gains
``archive_size``, ``novelty_threshold`` and ``mean_novelty`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..errors import ConfigError
from . import operators
from .base import Strategy, check_choice, check_range, task_descriptors
from .ga import GAOptions, variation_kwargs


def novelty(behaviours: np.ndarray, archive: np.ndarray, k: int) -> np.ndarray:
    """Each row of `behaviours`' mean distance to its `k` nearest neighbours among the other
    rows and `archive` (NaN rows: novelty 0, and nobody's neighbour); shape (n,)."""
    n = behaviours.shape[0]
    finite = np.isfinite(behaviours).all(axis=1)
    out = np.zeros(n)
    reference = np.concatenate([behaviours[finite], archive])
    if reference.shape[0] < 2:
        return out
    neighbours = min(k, reference.shape[0] - 1)
    # k + 1 nearest, the first being the individual itself (distance 0, or a twin: the same).
    distances, _ = cKDTree(reference).query(behaviours[finite], k=neighbours + 1)
    out[finite] = distances.reshape(-1, neighbours + 1)[:, 1:].mean(axis=1)
    return out


def threshold_archive(archive: np.ndarray, behaviours: np.ndarray, scores: np.ndarray, threshold: float,
                      quiet: int) -> tuple[np.ndarray, float, int]:
    """The paper's archive: behaviours whose novelty `scores` exceed `threshold` join it; the
    threshold rises by 20% after a generation that added more than four and falls by 5%
    after 2,500 evaluations (`quiet` counts them) that added none. Returns the archive, the
    threshold and the quiet count."""
    added = np.isfinite(behaviours).all(axis=1) & (scores > threshold)
    quiet = 0 if added.any() else quiet + behaviours.shape[0]
    if added.sum() > 4:
        threshold *= 1.2
    elif quiet >= 2500:
        threshold *= 0.95
        quiet = 0
    return np.concatenate([archive, behaviours[added]]), threshold, quiet


@dataclass(frozen=True)
class NoveltyOptions:
    """Options of ``method="novelty"`` (see :mod:`evornn.optim.novelty`).

    Parameters
    ----------
    k
        nearest neighbours averaged (Lehman and Stanley 2011: 15)
    archive_add
        "threshold" (dynamic, as in the paper) or "random"
    threshold
        the initial novelty threshold, in the unit box of the descriptors
    add_probability
        the chance that a behaviour is archived (``"random"``)
    objective
        "novelty", "weighted" or "pareto"
    weight
        the fitness's weight (``"weighted"``)
    descriptors
        which of the task's descriptors describe behaviour (default: all)
    sigma, crossover_prob, tournament_size, n_elite
        the GA's variation and selection (``"novelty"`` and ``"weighted"``; see ``GAOptions``)
    """

    k: int = 15
    archive_add: str = "threshold"
    threshold: float = 0.05
    add_probability: float = 0.02
    objective: str = "novelty"
    weight: float = 0.5
    descriptors: list | None = None
    sigma: float = 0.1
    crossover_prob: float = 0.9
    tournament_size: int = 3
    n_elite: int = 1

    def check(self, n_genes: int) -> None:
        check_range("k", self.k, 1, 10_000, integer=True)
        check_choice("archive_add", self.archive_add, ("threshold", "random"))
        check_range("threshold", self.threshold, 0.0, 1e6)
        check_range("add_probability", self.add_probability, 0.0, 1.0)
        check_choice("objective", self.objective, ("novelty", "weighted", "pareto"))
        check_range("weight", self.weight, 0.0, 1.0)
        if self.descriptors is not None and not (isinstance(self.descriptors, list | tuple) and self.descriptors
                                                 and all(isinstance(n, str) for n in self.descriptors)):
            raise ConfigError(f"option descriptors must be a list of descriptor names, got {self.descriptors!r}")
        check_range("sigma", self.sigma, 0.0, 10.0)
        check_range("crossover_prob", self.crossover_prob, 0.0, 1.0)
        check_range("tournament_size", self.tournament_size, 1, 1 << 30, integer=True)
        check_range("n_elite", self.n_elite, 0, 1 << 30, integer=True)


class NoveltySearch(Strategy):
    """Novelty search; see :class:`NoveltyOptions`."""

    name = "novelty"
    options_type = NoveltyOptions
    STATE = ("genomes", "fitness", "behaviours", "score", "crowding", "novelty_archive", "threshold", "quiet",
             "last_novelty")
    NONFINITE_STATE = ("behaviours",)  # a network without a behaviour (no period) keeps NaN

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = self.options
        if opts.objective == "pareto" and self.n_pop % 4:
            raise ConfigError(f"novelty with objective 'pareto' (NSGA-II) needs n_pop to be a multiple of 4, "
                              f"got {self.n_pop}")
        if opts.objective != "pareto" and opts.n_elite >= self.n_pop:
            raise ConfigError(f"option n_elite must be less than n_pop = {self.n_pop}, got {opts.n_elite}")
        if opts.tournament_size > self.n_pop:
            raise ConfigError(f"option tournament_size must be at most n_pop = {self.n_pop}, got {opts.tournament_size}")
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = self.score = self.crowding = self.last_novelty = np.empty(0)
        self.behaviours = self.novelty_archive = np.empty((0, 0))
        self.threshold, self.quiet = float(opts.threshold), 0
        # The GA's variation (SBX, Gaussian mutation) with this method's rates.
        ga = GAOptions(crossover_prob=opts.crossover_prob, sigma=opts.sigma)
        self._vary = variation_kwargs(ga, self.n_genes, self.low, self.high)
        self.descriptors = ()

    def attach(self, problem) -> None:
        self.descriptors = task_descriptors(self.name, problem.task, self.options.descriptors)
        self.desc_low = np.array([d.low for d in self.descriptors])
        self.desc_span = np.array([d.high for d in self.descriptors]) - self.desc_low
        if self.novelty_archive.size == 0:
            self.behaviours = np.empty((0, len(self.descriptors)))
            self.novelty_archive = np.empty((0, len(self.descriptors)))

    def ask(self) -> np.ndarray:
        if not self.started:
            return self.random_genomes(self.n_pop)
        if self.options.objective == "pareto":
            objectives = np.stack([self.fitness, self.score], axis=1)
            parents = self.genomes[operators.tournament_dcd(self.rng, objectives, self.crowding, self.n_pop)]
            return operators.vary(self.rng, parents, **self._vary)
        k = self.n_pop - self.options.n_elite
        parents = self.genomes[operators.tournament(self.rng, self.score, k, self.options.tournament_size)]
        return operators.vary(self.rng, parents, **self._vary)

    def tell(self, genomes, fitness):
        raise ConfigError("novelty learns from behaviour descriptors: evolve() calls tell_evaluation")

    def tell_evaluation(self, genomes: np.ndarray, evaluation) -> None:
        opts = self.options
        genomes = np.clip(genomes, self.low, self.high)
        new = (np.stack([evaluation.metrics[d.name] for d in self.descriptors], axis=1) - self.desc_low) / self.desc_span
        fitness = evaluation.fitness
        if self.started:
            if opts.objective == "pareto":
                keep = np.arange(self.genomes.shape[0])  # parents and children compete
            else:
                keep = np.argsort(-self.score, kind="stable")[: opts.n_elite]
            pool_genomes = np.concatenate([self.genomes[keep], genomes])
            pool_behaviours = np.concatenate([self.behaviours[keep], new])
            pool_fitness = np.concatenate([self.fitness[keep], fitness])
            n_old = keep.size
        else:
            pool_genomes, pool_behaviours, pool_fitness, n_old = genomes, new, fitness, 0
        scores = novelty(pool_behaviours, self.novelty_archive, opts.k)
        self._archive(new, scores[n_old:])
        self.last_novelty = scores[n_old:]
        if opts.objective == "pareto":
            objectives = np.stack([pool_fitness, scores], axis=1)
            chosen, self.crowding = operators.nsga2_select(objectives, self.n_pop)
            self.genomes, self.behaviours = pool_genomes[chosen], pool_behaviours[chosen]
            self.fitness, self.score = pool_fitness[chosen], scores[chosen]
        else:
            if opts.objective == "weighted":
                scores = opts.weight * _unit(pool_fitness) + (1 - opts.weight) * _unit(scores)
            self.genomes, self.behaviours, self.fitness, self.score = pool_genomes, pool_behaviours, pool_fitness, scores
        self.started = True

    def _archive(self, behaviours: np.ndarray, scores: np.ndarray) -> None:
        if self.options.archive_add == "random":
            added = np.isfinite(behaviours).all(axis=1) & (self.rng.random(behaviours.shape[0])
                                                          < self.options.add_probability)
            self.novelty_archive = np.concatenate([self.novelty_archive, behaviours[added]])
        else:
            self.novelty_archive, self.threshold, self.quiet = threshold_archive(
                self.novelty_archive, behaviours, scores, self.threshold, self.quiet)

    def record(self) -> dict:
        finite = self.last_novelty[np.isfinite(self.last_novelty)]
        return {"archive_size": int(self.novelty_archive.shape[0]), "novelty_threshold": float(self.threshold),
                "mean_novelty": float(finite.mean()) if finite.size else 0.0}

    def population(self):
        return self.genomes, self.fitness

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.threshold, self.quiet = float(self.threshold), int(self.quiet)


def _unit(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min()
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)
