"""CMA-ES: DEAP's ``cma.Strategy`` (Hansen and Ostermeier, 2001), sampling from our Generator,
with IPOP and BIPOP restarts.

Genomes are sampled around the centroid without bounds; the codec clips genes to
``[-1, 1]`` when it decodes them, and the strategy adapts on the genomes it sampled.

With ``restarts="ipop"`` (Auger and Hansen 2005, "A restart CMA evolution strategy with
increasing population size") a run that has converged or stalled (the termination criteria
below) restarts from a new uniformly random mean with twice the population. With
``restarts="bipop"`` (Hansen 2009, "Benchmarking a BI-population CMA-ES on the BBOB-2009
function testbed") restarts alternate between that regime of growing populations and one
of small populations, ``floor(n_pop (lambda_large / (2 n_pop))^(U^2))`` with step size
``sigma 10^(-2U)`` (``U`` uniform in [0, 1]), whichever has used fewer evaluations so far;
a small run stops after half the evaluations of the last large one. A run ends on (Hansen,
"The CMA evolution strategy: a tutorial", 2016, section B.3): ``tolfun`` (the best fitness
of the last ``10 + 30 n / lambda`` generations and every fitness of this one within
``tolfun``), ``tolx`` (step size times every standard deviation and the evolution path
below ``tolx`` times the initial step size), a condition number of the covariance above
1e14, a step of a tenth of a standard deviation along a principal axis or a fifth along a
coordinate that does not change the mean, or stagnation (the median of the last 20 best and
median fitness values no better than 20 of them ``120 + 30 n / lambda`` generations
before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ._deap import CMAStrategy
from .base import Strategy, check_choice, check_range


@dataclass(frozen=True)
class CMAESOptions:
    """Options of ``method="cmaes"`` (``n_pop`` is CMA-ES's lambda, the first run's with
    restarts).

    Parameters
    ----------
    sigma
        initial step size, in gene units (genes span [-1, 1])
    centroid
        initial mean, "random" (uniform in [-1, 1]) or "center" (all zeros); restarts
        always start from a uniformly random mean
    mu
        number of parents (default n_pop // 2; half of each restart's population)
    weights
        recombination weights, "superlinear", "linear" or "equal"
    restarts
        "none", "ipop" or "bipop" (see the module docstring)
    max_restarts
        the most times the population doubles (IPOP: restarts; BIPOP: large-population
        restarts; small ones do not count)
    tolfun, tolx
        the termination tolerances that trigger a restart
    """

    sigma: float = 0.5
    centroid: str = "random"
    mu: int | None = None
    weights: str = "superlinear"
    restarts: str = "none"
    max_restarts: int = 9
    tolfun: float = 1e-12
    tolx: float = 1e-12

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_choice("centroid", self.centroid, ("random", "center"))
        check_choice("weights", self.weights, ("superlinear", "linear", "equal"))
        if self.mu is not None:
            check_range("mu", self.mu, 1, 1 << 30, integer=True)
        check_choice("restarts", self.restarts, ("none", "ipop", "bipop"))
        check_range("max_restarts", self.max_restarts, 0, 20, integer=True)
        check_range("tolfun", self.tolfun, 0.0, 1.0)
        check_range("tolx", self.tolx, 0.0, 1.0)


class CMAES(Strategy):
    """CMA-ES with ``lambda = n_pop``, optionally restarted; see the module docstring."""

    name = "cmaes"
    options_type = CMAESOptions
    #: Restart bookkeeping saved in checkpoints (with the distribution's own state).
    RESTART_STATE = ("lam", "sigma0_run", "restarts", "large_restarts", "run_generation", "run_evaluations",
                     "large_budget", "small_budget", "last_large", "regime", "best_history", "median_history",
                     "run_limit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = self.options
        if self.n_pop < 2:
            raise ConfigError(f"CMA-ES needs n_pop >= 2, got {self.n_pop}")
        centroid = self.random_genomes(1)[0] if opts.centroid == "random" else np.zeros(self.n_genes)
        self.restarts = self.large_restarts = 0
        self.large_budget = self.small_budget = self.last_large = 0
        self.regime = "large"
        self._new_run(centroid, self.n_pop, opts.sigma)
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = np.empty(0)

    def _new_run(self, centroid, lam: int, sigma: float, run_limit: int = 0) -> None:
        params = {"lambda_": int(lam), "weights": self.options.weights}
        if self.options.mu is not None:
            params["mu"] = min(self.options.mu, int(lam))
        self.cma = CMAStrategy(centroid, sigma, **params)
        self.lam, self.sigma0_run, self.run_limit = int(lam), float(sigma), int(run_limit)
        self.run_generation = self.run_evaluations = 0
        self.best_history, self.median_history = np.empty(0), np.empty(0)

    def max_asked(self) -> int:
        return self.n_pop if self.options.restarts == "none" else self.n_pop * 2**self.options.max_restarts

    def ask(self) -> np.ndarray:
        return self.cma.sample(self.rng)

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        ranked = self.box_penalised(genomes, fitness)
        self.cma.tell(genomes, ranked)
        self.genomes, self.fitness, self.started = genomes.copy(), fitness.copy(), True
        if self.options.restarts != "none":
            self._after_generation(ranked)

    def _after_generation(self, ranked: np.ndarray) -> None:
        self.run_generation += 1
        self.run_evaluations += ranked.shape[0]
        self.best_history = np.append(self.best_history, ranked.max())[-self._stagnation_window():]
        self.median_history = np.append(self.median_history, np.median(ranked))[-self._stagnation_window():]
        if self._terminated(ranked):
            self._restart()

    def _history_length(self) -> int:
        return 10 + math.ceil(30 * self.n_genes / self.lam)

    def _stagnation_window(self) -> int:
        return 120 + math.ceil(30 * self.n_genes / self.lam) + 20

    def _terminated(self, ranked: np.ndarray) -> bool:
        cma, opts = self.cma, self.options
        if self.run_limit and self.run_evaluations >= self.run_limit:
            return True  # a small BIPOP run has used its budget
        recent = self.best_history[-self._history_length():]
        if (self.run_generation >= self._history_length()
                and max(recent.max(), ranked.max()) - min(recent.min(), ranked.min()) < opts.tolfun):
            return True
        sd = cma.sigma * np.sqrt(np.diag(cma.C))
        if np.all(sd < opts.tolx * self.sigma0_run) and np.all(cma.sigma * np.abs(cma.pc) < opts.tolx * self.sigma0_run):
            return True
        if not np.all(np.isfinite(cma.diagD)) or cma.diagD.min() <= 0 or (cma.diagD.max() / cma.diagD.min()) ** 2 > 1e14:
            return True
        axis = self.run_generation % self.n_genes
        if np.all(cma.centroid == cma.centroid + 0.1 * cma.sigma * cma.diagD[axis] * cma.B[:, axis]):
            return True
        if np.any(cma.centroid == cma.centroid + 0.2 * sd):
            return True
        window = self._stagnation_window()
        if self.run_generation >= window:
            old, new = slice(0, 20), slice(-20, None)
            if (np.median(self.best_history[new]) <= np.median(self.best_history[old])
                    and np.median(self.median_history[new]) <= np.median(self.median_history[old])):
                return True
        return False

    def _restart(self) -> None:
        opts = self.options
        if self.regime == "large":
            self.large_budget += self.run_evaluations
            self.last_large = self.run_evaluations
        else:
            self.small_budget += self.run_evaluations
        if opts.restarts == "ipop" or self.small_budget >= self.large_budget:
            if self.large_restarts >= opts.max_restarts:
                return  # out of restarts: this run goes on
            self.large_restarts += 1
            self.regime = "large"
            lam, sigma, limit = self.n_pop * 2**self.large_restarts, opts.sigma, 0
        else:
            u = float(self.rng.random())
            large = self.n_pop * 2**self.large_restarts
            lam = max(2, int(self.n_pop * (0.5 * large / self.n_pop) ** (u * u)))
            sigma, limit = opts.sigma * 10 ** (-2 * u), max(1, self.last_large // 2)
            self.regime = "small"
        self.restarts += 1
        self._new_run(self.random_genomes(1)[0], lam, sigma, limit)

    def population(self):
        return np.clip(self.genomes, self.low, self.high), self.fitness

    def state(self) -> dict:
        state = {"started": self.started, "genomes": self.genomes, "fitness": self.fitness,
                 **{f"cma_{name}": value for name, value in self.cma.state().items()}}
        if self.options.restarts != "none":
            state.update({f"restart_{name}": getattr(self, name) for name in self.RESTART_STATE})
        return state

    def restore(self, state: dict) -> None:
        self.started = bool(state["started"])
        self.genomes, self.fitness = state["genomes"], state["fitness"]
        if self.options.restarts != "none":
            saved = {name: state[f"restart_{name}"] for name in self.RESTART_STATE}
            self._new_run(np.zeros(self.n_genes), int(saved["lam"]), float(saved["sigma0_run"]))
            for name, value in saved.items():
                setattr(self, name, np.array(value) if isinstance(value, np.ndarray) else value)
            self.lam, self.restarts, self.large_restarts = int(self.lam), int(self.restarts), int(self.large_restarts)
        self.cma.restore({name: state[f"cma_{name}"] for name in CMAStrategy.STATE})
