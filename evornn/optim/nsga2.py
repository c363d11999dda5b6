"""NSGA-II (Deb et al., 2002) for multi-objective tasks, with DEAP's selection.

Parents are chosen by binary tournaments (dominance, then crowding distance: DEAP's
``selTournamentDCD``), children made by bounded SBX and polynomial mutation, and the next
population is the best ``n_pop`` of parents and children (DEAP's ``selNSGA2``): with DEAP's
functions (``operators="deap"``) or their vectorised twins (the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from . import _deap, operators
from .base import OPERATORS, Strategy, check_choice, check_range


@dataclass(frozen=True)
class NSGA2Options:
    """Options of ``method="nsga2"``.

    Parameters
    ----------
    crossover_prob
        probability that a pair of parents crosses over (SBX)
    eta_crossover, eta_mutation
        SBX and polynomial mutation distribution indices
    gene_prob
        probability that each gene of a child mutates (default 1 / n_genes)
    operators
        "vectorised" (NumPy: O(n log n) non-dominated sorting for two objectives) or
        "deap" (DEAP's ``selNSGA2``, ``selTournamentDCD`` and operators, one individual at a time)
    """

    crossover_prob: float = 0.9
    eta_crossover: float = 20.0
    eta_mutation: float = 20.0
    gene_prob: float | None = None
    operators: str = "vectorised"

    def check(self, n_genes: int) -> None:
        check_range("crossover_prob", self.crossover_prob, 0.0, 1.0)
        check_range("eta_crossover", self.eta_crossover, 0.0, 1e6)
        check_range("eta_mutation", self.eta_mutation, 0.0, 1e6)
        if self.gene_prob is not None:
            check_range("gene_prob", self.gene_prob, 0.0, 1.0)
        check_choice("operators", self.operators, OPERATORS)


class NSGA2(Strategy):
    """NSGA-II; ``n_pop`` must be a multiple of 4 (DEAP's ``selTournamentDCD``)."""

    name = "nsga2"
    options_type = NSGA2Options
    multi_objective = True
    STATE = ("genomes", "fitness", "crowding")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.n_pop % 4:
            raise ConfigError(f"nsga2 needs n_pop to be a multiple of 4, got {self.n_pop}")
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = self.crowding = np.empty(0)
        opts = self.options
        self._vary = {"crossover_kind": "sbx", "crossover_prob": opts.crossover_prob, "mutation_kind": "polynomial",
                      "mutation_prob": 1.0, "gene_prob": opts.gene_prob if opts.gene_prob is not None else 1.0 / self.n_genes,
                      "eta_crossover": opts.eta_crossover, "eta_mutation": opts.eta_mutation, "alpha": 0.0, "sigma": 0.0,
                      "low": self.low, "high": self.high}

    def ask(self) -> np.ndarray:
        if not self.started:
            return self.random_genomes(self.n_pop)
        if self.options.operators == "deap":
            with _deap.deap_random(self.py_random):
                parents = self.genomes[_deap.tournament_dcd(self.fitness, self.crowding, self.n_pop)]
                return _deap.vary(parents, **self._vary)
        parents = self.genomes[operators.tournament_dcd(self.rng, self.fitness, self.crowding, self.n_pop)]
        return operators.vary(self.rng, parents, **self._vary)

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        if fitness.ndim != 2:
            raise ValueError(f"nsga2 needs a multi-objective fitness of shape (n_pop, n_obj), got {fitness.shape}")
        if self.started:
            genomes = np.concatenate([self.genomes, genomes])
            fitness = np.concatenate([self.fitness, fitness])
        select = _deap.nsga2_select if self.options.operators == "deap" else operators.nsga2_select
        chosen, crowding = select(fitness, self.n_pop)
        self.genomes, self.fitness, self.crowding = genomes[chosen], fitness[chosen], crowding
        self.started = True

    def population(self):
        return self.genomes, self.fitness

    def front(self) -> tuple[np.ndarray, np.ndarray]:
        """The first non-dominated front of the population: genomes and fitness."""
        if self.options.operators == "deap":
            idx = _deap.pareto_front(self.fitness)
        else:
            idx = np.flatnonzero(operators.nondominated_ranks(self.fitness) == 0)
        return self.genomes[idx], self.fitness[idx]
