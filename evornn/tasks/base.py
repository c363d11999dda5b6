"""The batched task protocol: a task scores a whole population in one call.

A task's ``evaluate(model, rng)`` returns an :class:`Evaluation`: a fitness per individual
(always maximised; shape ``(n_pop,)``, or ``(n_pop, n_obj)`` for multi-objective tasks)
and named per-individual metrics that stopping rules and logs read (``"mse"``,
``"learned"``, ``"period"`` ...). Error-based fitness is ``1 / (1 + MSE)``.

A non-finite fitness (a diverging network) is replaced by the task's finite
``worst_fitness`` and counted, so that selection, Metropolis steps and statistics stay
finite and the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    """Fitness and metrics of a population.

    Attributes
    ----------
    fitness : ndarray, shape (n_pop,) or (n_pop, n_obj)
        Finite, maximised.
    metrics : dict of str to ndarray, shape (n_pop,)
        Per-individual measurements; may hold NaN (e.g. no period where nothing oscillates).
    nonfinite : ndarray of bool, shape (n_pop,)
        Individuals whose raw fitness was not finite and got the worst fitness instead.
    """

    fitness: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    nonfinite: np.ndarray | None = None

    @classmethod
    def from_raw(cls, fitness, metrics: dict | None = None, *, worst_fitness: float = 0.0) -> Evaluation:
        """Build an evaluation, replacing non-finite fitness values by `worst_fitness`."""
        f = np.array(fitness, dtype=np.float64)
        if f.ndim not in (1, 2):
            raise ValueError(f"fitness must have shape (n_pop,) or (n_pop, n_obj), got {f.shape}")
        bad = ~np.isfinite(f)
        rows = bad if f.ndim == 1 else bad.any(axis=1)
        f[rows] = worst_fitness
        out = {}
        for name, values in (metrics or {}).items():
            arr = np.asarray(values, dtype=np.float64)
            if arr.shape != (f.shape[0],):
                raise ValueError(f"metric {name!r} must have shape ({f.shape[0]},), got {arr.shape}")
            out[name] = arr
        return cls(fitness=f, metrics=out, nonfinite=rows)

    @property
    def n_pop(self) -> int:
        return self.fitness.shape[0]

    @classmethod
    def concatenate(cls, parts: list[Evaluation]) -> Evaluation:
        """Join the evaluations of consecutive chunks of one population."""
        return cls(
            fitness=np.concatenate([p.fitness for p in parts]),
            metrics={name: np.concatenate([p.metrics[name] for p in parts]) for name in parts[0].metrics},
            nonfinite=np.concatenate([p.nonfinite for p in parts]),
        )

    @property
    def n_nonfinite(self) -> int:
        return int(self.nonfinite.sum()) if self.nonfinite is not None else 0


class Task:
    """Base class of batched tasks.

    Subclasses implement :meth:`evaluate` and may override :meth:`check_model` (raise
    ``ValueError`` when a model cannot do the task, e.g. the wrong number of inputs) and
    :meth:`behaviour` (what the best network did, for plots).
    """

    #: Number of objectives (the width of ``fitness``; 1 means shape ``(n_pop,)``).
    n_objectives: int = 1
    #: Fitness given to individuals whose fitness is not finite.
    worst_fitness: float = 0.0

    def evaluate(self, model, rng=None) -> Evaluation:
        raise NotImplementedError

    def check_model(self, model) -> None:
        """Raise ValueError if `model` cannot perform this task."""

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """What individual 0 of `model` does: ``{"t", "outputs", "target"}`` arrays for plots."""
        raise NotImplementedError

    def plot(self, model, *, title=None):
        """A figure of what individual 0 of `model` does (its outputs against the target by
        default; bodies draw their own). Raises NotImplementedError if the task has no
        :meth:`behaviour`."""
        from ..plotting import plot_behaviour

        return plot_behaviour(self.behaviour(model), title=title)


def error_fitness(mse: np.ndarray) -> np.ndarray:
    """``1 / (1 + mse)``: in (0, 1], 1 for a perfect network, finite for every finite error."""
    return 1.0 / (1.0 + mse)
