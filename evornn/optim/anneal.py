r"""Simulated annealing: many independent chains advanced in lock step.

Each generation every chain proposes a neighbour (Gaussian mutation of its current genome),
all proposals are evaluated in one batched call, and each chain accepts its proposal by the
Metropolis rule for maximisation:

.. math::

    P(\text{accept}) = \min\big(1, \exp(\Delta f / T)\big), \qquad \Delta f = f_\text{new} - f_\text{current}

Cooling schedules over the run's ``n_generations`` steps: exponential
(:math:`T_k = T_0 (T_\text{final}/T_0)^{k/(G-1)}`), linear, or adaptive (T is raised or
lowered by 5% each step to hold the acceptance rate at a target). A chain that has not
improved its own best for ``restart_after`` steps (default 20) restarts from the best genome found by any
chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _deap, operators
from .base import OPERATORS, Strategy, check_choice, check_range


@dataclass(frozen=True)
class SAOptions:
    """Options of ``method="sa"``.

    Parameters
    ----------
    sigma
        standard deviation of the neighbour move, in gene units (genes span [-1, 1])
    gene_prob
        probability that each gene moves (default: every gene)
    cooling
        "exponential", "linear" or "adaptive"
    t_initial
        initial temperature, in fitness units (default: the standard deviation of
        the chains' initial fitness, or 0.01 if that is zero)
    t_final
        final temperature (exponential and linear cooling)
    target_acceptance
        acceptance rate held by adaptive cooling
    restart_after
        steps without improvement of a chain's best before it restarts from the
        best genome found by any chain (0: never)
    operators
        "vectorised" or "deap" (DEAP's ``mutGaussian`` per chain)
    """

    sigma: float = 0.05
    gene_prob: float = 1.0
    cooling: str = "exponential"
    t_initial: float | None = None
    t_final: float = 1e-5
    target_acceptance: float = 0.2
    restart_after: int = 20
    operators: str = "vectorised"

    def check(self, n_genes: int) -> None:
        check_choice("cooling", self.cooling, ("exponential", "linear", "adaptive"))
        check_choice("operators", self.operators, OPERATORS)
        check_range("sigma", self.sigma, 0.0, 10.0)
        check_range("gene_prob", self.gene_prob, 0.0, 1.0)
        if self.t_initial is not None:
            check_range("t_initial", self.t_initial, 1e-300, 1e300)
        check_range("t_final", self.t_final, 1e-300, 1e300)
        check_range("target_acceptance", self.target_acceptance, 1e-6, 1.0)
        check_range("restart_after", self.restart_after, 0, 1 << 30, integer=True)


class SA(Strategy):
    """Simulated annealing with ``n_pop`` chains in lock step; see the module docstring."""

    name = "sa"
    options_type = SAOptions
    STATE = ("genomes", "fitness", "chain_best", "chain_best_fitness", "stale", "temperature", "t_initial",
             "step", "acceptance")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.genomes = self.chain_best = np.empty((0, self.n_genes))
        self.fitness = self.chain_best_fitness = np.empty(0)
        self.stale = np.zeros(self.n_pop, dtype=np.int64)
        self.temperature = self.t_initial = 0.0
        self.step = 0
        self.acceptance = 1.0

    def ask(self) -> np.ndarray:
        if not self.started:
            return self.random_genomes(self.n_pop)
        opts = self.options
        if opts.operators == "deap":
            with _deap.deap_random(self.py_random):
                moved = _deap.mutate_gaussian(self.genomes, opts.sigma, opts.gene_prob)
        else:
            moved = operators.gaussian(self.rng, self.genomes, opts.sigma, opts.gene_prob)
        return np.clip(moved, self.low, self.high)

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        opts = self.options
        if not self.started:
            self.genomes, self.fitness = genomes.copy(), fitness.copy()
            self.chain_best, self.chain_best_fitness = genomes.copy(), fitness.copy()
            spread = float(np.std(fitness))
            self.t_initial = opts.t_initial if opts.t_initial is not None else (spread if spread > 0 else 0.01)
            self.temperature = self.t_initial
            self.started = True
            return
        delta = fitness - self.fitness
        with np.errstate(over="ignore"):
            accept = (delta >= 0) | (self.rng.random(self.n_pop) < np.exp(delta / self.temperature))
        self.genomes = np.where(accept[:, None], genomes, self.genomes)
        self.fitness = np.where(accept, fitness, self.fitness)
        improved = self.fitness > self.chain_best_fitness
        self.chain_best = np.where(improved[:, None], self.genomes, self.chain_best)
        self.chain_best_fitness = np.where(improved, self.fitness, self.chain_best_fitness)
        self.stale = np.where(improved, 0, self.stale + 1)
        if opts.restart_after:
            restart = self.stale >= opts.restart_after
            best = int(np.argmax(self.chain_best_fitness))
            self.genomes[restart] = self.chain_best[best]
            self.fitness[restart] = self.chain_best_fitness[best]
            self.stale[restart] = 0
        self.acceptance = float(accept.mean())
        self.step += 1
        self.temperature = self._cool()

    def _cool(self) -> float:
        opts = self.options
        if opts.cooling == "adaptive":
            return self.temperature * (1.05 if self.acceptance < opts.target_acceptance else 1 / 1.05)
        frac = min(1.0, self.step / max(1, self.n_generations - 2))
        if opts.cooling == "linear":
            return self.t_initial + (opts.t_final - self.t_initial) * frac
        return self.t_initial * (opts.t_final / self.t_initial) ** frac

    def population(self):
        return self.genomes, self.fitness
