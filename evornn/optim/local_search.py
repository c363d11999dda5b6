"""Gradient steps as a local search inside evolution (memetic algorithms).

Before each generation is evaluated, every genome takes `steps` steps of Adam (Kingma and
Ba 2015) down the gradient of the task's error (:meth:`evornn.tasks.Task.gradient`: BPTT or
RTRL) with respect to its genes (:meth:`evornn.genome.Codec.gene_gradient`), each from
fresh moments and clipped to the genes' range. The improved genome is evaluated.
``inheritance="lamarckian"`` passes the improved genome on (the strategy is told it);
``"baldwinian"`` keeps the genome as it was asked and gives it the improved genome's
fitness, so that learning guides selection without being inherited (Hinton and Nowlan
1987). The hall of fame and the result hold the improved genomes (the networks that
earned the fitness).

Cost: one step on the training set is a forward pass and a backward pass, counted as two
forward evaluations per network in the run's ``n_evaluations`` (the wall time, in the
history's ``time`` column, shows what the backward pass really costs). The search runs in
the evolving process (with `client`, only the evaluations go to Dask) and draws nothing at
random, so runs stay bit-identical for a seed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .._checks import one_of, positive_float, positive_int

__all__ = ["LocalSearch"]

INHERITANCE = ("lamarckian", "baldwinian")


#: Gradient steps per genome and generation allowed (each is a pass of BPTT or RTRL over the
#: task's sequences: more is a run that never ends, not a setting).
MAX_STEPS = 100_000


@dataclass(frozen=True)
class LocalSearch:
    """Settings of the gradient local search (see the module docstring).

    Parameters
    ----------
    method : {"bptt", "rtrl"}
        How the gradient is computed (the same gradient either way).
    steps : int
        Adam steps per genome per generation.
    learning_rate : float
        Adam's step size, in genes (which span [-1, 1]).
    inheritance : {"lamarckian", "baldwinian"}
    """

    method: str = "bptt"
    steps: int = 5
    learning_rate: float = 0.05
    inheritance: str = "lamarckian"

    def __post_init__(self):
        one_of("local_search method", self.method, ("bptt", "rtrl"))
        object.__setattr__(self, "steps", positive_int("steps", self.steps))
        if self.steps > MAX_STEPS:
            raise ValueError(f"steps must be at most {MAX_STEPS:,} gradient steps per genome and generation, got "
                             f"{self.steps:,}")
        object.__setattr__(self, "learning_rate", positive_float("learning_rate", self.learning_rate))
        one_of("inheritance", self.inheritance, INHERITANCE)

    @classmethod
    def from_spec(cls, spec, steps: int | None = None) -> LocalSearch | None:
        """A LocalSearch from ``evolve``'s `local_search` argument: None, a method name, a
        mapping of these settings or a LocalSearch; `steps` overrides the steps."""
        if spec is None:
            if steps is not None:
                raise ValueError("steps sets the local search's gradient steps: it needs local_search")
            return None
        if isinstance(spec, str):
            spec = cls(method=spec)
        elif isinstance(spec, dict):
            unknown = sorted(set(spec) - set(cls.__dataclass_fields__))
            if unknown:
                raise ValueError(f"local_search takes {sorted(cls.__dataclass_fields__)}, got {unknown}")
            spec = cls(**spec)
        elif not isinstance(spec, cls):
            raise TypeError(f"local_search must be 'bptt', 'rtrl', a dict of settings or a LocalSearch, got {spec!r}")
        return spec if steps is None else cls(**{**asdict(spec), "steps": steps})

    @property
    def lamarckian(self) -> bool:
        return self.inheritance == "lamarckian"

    def settings(self) -> dict:
        return asdict(self)

    def check(self, problem) -> None:
        """Raise before the run if `problem`'s task or model offers no gradient."""
        problem.task.gradient(problem.decode(np.zeros((1, problem.n_genes))), self.method)

    def improve(self, problem, genomes: np.ndarray) -> tuple[np.ndarray, int]:
        """Genomes after the local search, and the forward-evaluation equivalents it cost."""
        g = np.array(genomes, dtype=np.float64)
        first, second = np.zeros_like(g), np.zeros_like(g)
        live = np.ones(g.shape[0], dtype=bool)
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        for step in range(1, self.steps + 1):
            result = problem.task.gradient(problem.decode(g), self.method)
            with np.errstate(all="ignore"):
                grad = problem.codec.gene_gradient(g, result.fields)
            live &= np.isfinite(result.loss) & np.isfinite(grad).all(axis=1)
            grad[~live] = 0.0
            first = beta1 * first + (1 - beta1) * grad
            second = beta2 * second + (1 - beta2) * grad * grad
            update = self.learning_rate * (first / (1 - beta1**step)) / (np.sqrt(second / (1 - beta2**step)) + eps)
            # genes outside [-1, 1] (unbounded strategies) have no gradient and stay put
            g = np.where(live[:, None], np.clip(g - update, np.minimum(g, -1.0), np.maximum(g, 1.0)), g)
        return g, 2 * self.steps * g.shape[0]
