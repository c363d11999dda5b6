"""Genetic algorithm: tournament selection, SBX or blend crossover, Gaussian or polynomial
mutation and elitism, with DEAP's operators or their vectorised twins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from . import _deap, operators
from .base import OPERATORS, Strategy, check_choice, check_range


@dataclass(frozen=True)
class GAOptions:
    """Options of ``method="ga"``.

    Parameters
    ----------
    crossover
        "sbx" (bounded simulated binary, Deb) or "blend" (BLX-alpha)
    crossover_prob
        probability that a pair of parents crosses over
    eta_crossover
        SBX distribution index (large: children close to parents)
    alpha
        BLX-alpha extent
    mutation
        "gaussian" or "polynomial" (bounded, Deb)
    mutation_prob
        probability that a child is mutated
    gene_prob
        probability that each gene of a mutated child changes (default 1 / sqrt(n_genes))
    sigma
        standard deviation of Gaussian mutation, in gene units (genes span [-1, 1])
    eta_mutation
        polynomial mutation distribution index
    tournament_size
        individuals per tournament
    n_elite
        best individuals copied unchanged into the next generation
    operators
        "vectorised" (NumPy, whole population) or "deap" (DEAP's functions, one
        individual at a time); the same distributions
    """

    crossover: str = "sbx"
    crossover_prob: float = 0.9
    eta_crossover: float = 15.0
    alpha: float = 0.5
    mutation: str = "gaussian"
    mutation_prob: float = 1.0
    gene_prob: float | None = None
    sigma: float = 0.1
    eta_mutation: float = 20.0
    tournament_size: int = 3
    n_elite: int = 1
    operators: str = "vectorised"

    def check(self, n_genes: int) -> None:
        check_choice("crossover", self.crossover, ("sbx", "blend"))
        check_choice("mutation", self.mutation, ("gaussian", "polynomial"))
        check_choice("operators", self.operators, OPERATORS)
        for name in ("crossover_prob", "mutation_prob"):
            check_range(name, getattr(self, name), 0.0, 1.0)
        if self.gene_prob is not None:
            check_range("gene_prob", self.gene_prob, 0.0, 1.0)
        check_range("eta_crossover", self.eta_crossover, 0.0, 1e6)
        check_range("eta_mutation", self.eta_mutation, 0.0, 1e6)
        check_range("alpha", self.alpha, 0.0, 10.0)
        check_range("sigma", self.sigma, 0.0, 10.0)
        check_range("tournament_size", self.tournament_size, 1, 1 << 30, integer=True)
        check_range("n_elite", self.n_elite, 0, 1 << 30, integer=True)


def variation_kwargs(options, n_genes: int, low: float, high: float) -> dict:
    gene_prob = options.gene_prob if options.gene_prob is not None else 1.0 / np.sqrt(n_genes)
    return {"crossover_kind": options.crossover, "crossover_prob": options.crossover_prob,
            "mutation_kind": options.mutation, "mutation_prob": options.mutation_prob, "gene_prob": gene_prob,
            "eta_crossover": options.eta_crossover, "eta_mutation": options.eta_mutation, "alpha": options.alpha,
            "sigma": options.sigma, "low": low, "high": high}


class GA(Strategy):
    """Generational GA with elitism: the population's ``n_elite`` best survive unchanged, and
    ``n_pop - n_elite`` children (tournament selection, then crossover of consecutive pairs
    and mutation, as DEAP's ``varAnd``) fill the rest."""

    name = "ga"
    options_type = GAOptions
    STATE = ("genomes", "fitness")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.options.n_elite >= self.n_pop:
            raise ConfigError(f"option n_elite must be less than n_pop = {self.n_pop}, got {self.options.n_elite}")
        if self.options.tournament_size > self.n_pop:
            raise ConfigError(f"option tournament_size must be at most n_pop = {self.n_pop}, "
                              f"got {self.options.tournament_size}")
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = np.empty(0)
        self._vary = variation_kwargs(self.options, self.n_genes, self.low, self.high)

    def ask(self) -> np.ndarray:
        if not self.started:
            return self.random_genomes(self.n_pop)
        k = self.n_pop - self.options.n_elite
        if self.options.operators == "deap":
            with _deap.deap_random(self.py_random):
                parents = self.genomes[_deap.select_tournament(self.fitness, k, self.options.tournament_size)]
                return _deap.vary(parents, **self._vary)
        parents = self.genomes[operators.tournament(self.rng, self.fitness, k, self.options.tournament_size)]
        return operators.vary(self.rng, parents, **self._vary)

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        if not self.started:
            self.genomes, self.fitness, self.started = genomes.copy(), fitness.copy(), True
            return
        elite = np.argsort(-self.fitness, kind="stable")[: self.options.n_elite]
        self.genomes = np.concatenate([self.genomes[elite], genomes])
        self.fitness = np.concatenate([self.fitness[elite], fitness])

    def population(self):
        return self.genomes, self.fitness
