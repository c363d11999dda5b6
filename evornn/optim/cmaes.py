"""CMA-ES: DEAP's ``cma.Strategy`` (Hansen and Ostermeier, 2001), sampling from our Generator.

Genomes are sampled around the centroid without bounds; the codec clips genes to
``[-1, 1]`` when it decodes them, and the strategy adapts on the genomes it sampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ._deap import CMAStrategy
from .base import Strategy, check_choice, check_range


@dataclass(frozen=True)
class CMAESOptions:
    """Options of ``method="cmaes"`` (``n_pop`` is CMA-ES's lambda).

    Parameters
    ----------
    sigma
        initial step size, in gene units (genes span [-1, 1])
    centroid
        initial mean, "random" (uniform in [-1, 1]) or "center" (all zeros)
    mu
        number of parents (default n_pop // 2)
    weights
        recombination weights, "superlinear", "linear" or "equal"
    """

    sigma: float = 0.5
    centroid: str = "random"
    mu: int | None = None
    weights: str = "superlinear"

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_choice("centroid", self.centroid, ("random", "center"))
        check_choice("weights", self.weights, ("superlinear", "linear", "equal"))
        if self.mu is not None:
            check_range("mu", self.mu, 1, 1 << 30, integer=True)


class CMAES(Strategy):
    """CMA-ES with ``lambda = n_pop``; see the module docstring."""

    name = "cmaes"
    options_type = CMAESOptions

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = self.options
        if self.n_pop < 2:
            raise ConfigError(f"CMA-ES needs n_pop >= 2, got {self.n_pop}")
        centroid = self.random_genomes(1)[0] if opts.centroid == "random" else np.zeros(self.n_genes)
        params = {"lambda_": self.n_pop, "weights": opts.weights}
        if opts.mu is not None:
            params["mu"] = min(opts.mu, self.n_pop)
        self.cma = CMAStrategy(centroid, opts.sigma, **params)
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = np.empty(0)

    def ask(self) -> np.ndarray:
        return self.cma.sample(self.rng)

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        self.cma.tell(genomes, self.box_penalised(genomes, fitness))
        self.genomes, self.fitness, self.started = genomes.copy(), fitness.copy(), True

    def population(self):
        return np.clip(self.genomes, self.low, self.high), self.fitness

    def state(self) -> dict:
        return {"started": self.started, "genomes": self.genomes, "fitness": self.fitness,
                **{f"cma_{name}": value for name, value in self.cma.state().items()}}

    def restore(self, state: dict) -> None:
        self.started = bool(state["started"])
        self.genomes, self.fitness = state["genomes"], state["fitness"]
        self.cma.restore({name: state[f"cma_{name}"] for name in CMAStrategy.STATE})
