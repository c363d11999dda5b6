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
class Descriptor:
    """A behaviour descriptor of a task: the name of one of its metrics and the range its
    values fall in (values outside are put at the nearest edge by the archives of
    quality-diversity search, :mod:`evornn.optim.archive`)."""

    name: str
    low: float
    high: float

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a descriptor's name must be a metric's name, got {self.name!r}")
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"descriptor {self.name!r} needs finite low < high, got [{self.low}, {self.high}]")


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
    stats : dict of str to ndarray
        What a stateful task learns from (see :meth:`Task.learn`), one row per individual
        (axis 0), like the metrics but of any shape: chunks of a population concatenate,
        and the task reduces the rows in order, so the result does not depend on chunking.
    """

    fitness: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    nonfinite: np.ndarray | None = None
    stats: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, fitness, metrics: dict | None = None, *, worst_fitness: float = 0.0,
                 stats: dict | None = None) -> Evaluation:
        """Build an evaluation, replacing non-finite fitness values by `worst_fitness`."""
        f = np.array(fitness, dtype=np.float64)
        if f.ndim not in (1, 2):
            raise ValueError(f"fitness must have shape (n_pop,) or (n_pop, n_obj), got {f.shape}")
        bad = ~np.isfinite(f)
        rows = bad if f.ndim == 1 else bad.any(axis=1)
        if rows.any():
            f[rows] = worst_fitness
        out = {}
        for name, values in (metrics or {}).items():
            arr = np.asarray(values, dtype=np.float64)
            if arr.shape != (f.shape[0],):
                raise ValueError(f"metric {name!r} must have shape ({f.shape[0]},), got {arr.shape}")
            out[name] = arr
        return cls(fitness=f, metrics=out, nonfinite=rows, stats=dict(stats or {}))

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
            stats={name: np.concatenate([p.stats[name] for p in parts]) for name in parts[0].stats},
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
    #: Behaviour descriptors (each a metric of the evaluation, with its range), for
    #: quality-diversity and novelty search.
    descriptors: tuple[Descriptor, ...] = ()

    def evaluate(self, model, rng=None) -> Evaluation:
        raise NotImplementedError

    def check_model(self, model) -> None:
        """Raise ValueError if `model` cannot perform this task."""

    # A stateful task (running observation statistics, a novelty archive) learns between
    # generations. Its state is arrays: the evolution loop calls learn() with each
    # generation's evaluation (on the driver, whatever evaluated it), checkpoints state_dict()
    # and restores it on resume, and sends it with every chunk evaluated on Dask.
    def state_dict(self) -> dict[str, np.ndarray]:
        """What the task has learnt so far, as named arrays (empty for stateless tasks)."""
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Take `state` (from :meth:`state_dict`, a checkpoint or a file): raise ValueError if it
        does not fit this task."""
        if state:
            raise ValueError(f"{type(self).__name__} keeps no state, got {sorted(state)}")

    def learn(self, evaluation: Evaluation) -> None:
        """Learn from one generation's `evaluation` (its :attr:`Evaluation.stats`)."""

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """What individual 0 of `model` does: ``{"t", "outputs", "target"}`` arrays for plots."""
        raise NotImplementedError

    def gradient(self, model, method: str = "bptt"):
        """The gradient of every network's error with respect to its parameters, for gradient
        local search (:func:`evornn.gradients.gradient`'s result: ``loss`` (n_pop,), the
        error the fitness is ``1 / (1 + loss)`` of, and ``fields``). Tasks that have one
        override this; raise TypeError where `model` has no gradient kernels."""
        raise TypeError(f"{type(self).__name__} offers no gradient: gradient local search needs a task whose fitness "
                        f"is a differentiable error, such as a SequenceTask")

    def plot(self, model, *, title=None):
        """A figure of what individual 0 of `model` does (its outputs against the target by
        default; bodies draw their own). Raises NotImplementedError if the task has no
        :meth:`behaviour`."""
        from ..plotting import plot_behaviour

        return plot_behaviour(self.behaviour(model), title=title)


def error_fitness(mse: np.ndarray) -> np.ndarray:
    """``1 / (1 + mse)``: in (0, 1], 1 for a perfect network, finite for every finite error."""
    return 1.0 / (1.0 + mse)


class FunctionTask(Task):
    """A task from a plain function: for batched evaluations that need no compiled loop.

    Parameters
    ----------
    function : callable
        ``function(model, rng) -> fitness``: scores the whole population `model` (any
        evornn model; ``model.n_pop`` individuals) with the generator `rng`, and returns the
        fitness, shape ``(n_pop,)`` (maximised), or ``(fitness, metrics)`` with `metrics` a
        dict of ``(n_pop,)`` arrays, or an :class:`Evaluation`. For Dask it must be
        importable (defined at module level), as for :mod:`pickle`.
    n_objectives : int
        The width of the fitness (``(n_pop, n_objectives)`` for more than one).
    worst_fitness : float
        Given to individuals whose fitness is not finite.
    check_model : callable, optional
        ``check_model(model)`` raises ValueError when a model cannot do the task (checked
        once, when a problem is built).
    descriptors : sequence of Descriptor or (name, low, high), optional
        Behaviour descriptors, for quality-diversity methods: each names a metric the
        function returns, with the range of its values.

    Examples
    --------
    Reward networks whose output 0 is near 0.8 at t = 20:

    >>> import numpy as np, evornn
    >>> from evornn.tasks import FunctionTask
    >>> def settle(model, rng):
    ...     y = evornn.simulate(model, dt=0.05, n_steps=400).outputs[-1, :, 0]
    ...     return -np.abs(y - 0.8), {"output": y}
    >>> task = FunctionTask(settle)
    >>> task.evaluate(evornn.CTRNN.random(5, 3, rng=0)).fitness.shape
    (5,)
    """

    def __init__(self, function, *, n_objectives: int = 1, worst_fitness: float = 0.0, check_model=None,
                 descriptors=()):
        if not callable(function):
            raise TypeError(f"function must be callable as function(model, rng), got {function!r}")
        if check_model is not None and not callable(check_model):
            raise TypeError(f"check_model must be callable as check_model(model), got {check_model!r}")
        if isinstance(n_objectives, bool) or not isinstance(n_objectives, int) or n_objectives < 1:
            raise ValueError(f"n_objectives must be an integer >= 1, got {n_objectives!r}")
        worst = float(worst_fitness)
        if not np.isfinite(worst):
            raise ValueError(f"worst_fitness must be finite, got {worst_fitness!r}")
        self.function = function
        self.n_objectives = n_objectives
        self.worst_fitness = worst
        self._check = check_model
        self.descriptors = tuple(d if isinstance(d, Descriptor) else Descriptor(*d) for d in descriptors)

    def check_model(self, model) -> None:
        if self._check is not None:
            self._check(model)

    def evaluate(self, model, rng=None) -> Evaluation:
        from ..random import as_rng

        result = self.function(model, as_rng(rng))
        name = getattr(self.function, "__name__", repr(self.function))
        if isinstance(result, Evaluation):
            fitness, metrics = result.fitness, result.metrics
        elif isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
            fitness, metrics = result
        else:
            fitness, metrics = result, {}
        fitness = np.asarray(fitness, dtype=np.float64)
        expected = (model.n_pop,) if self.n_objectives == 1 else (model.n_pop, self.n_objectives)
        if fitness.shape != expected:
            raise ValueError(f"{name}(model, rng) must return a fitness of shape {expected} for this population "
                             f"(or (fitness, metrics) or an Evaluation), got shape {fitness.shape}")
        missing = [d.name for d in self.descriptors if d.name not in metrics]
        if missing:
            raise ValueError(f"{name}(model, rng) must return the descriptors {missing} among its metrics")
        return Evaluation.from_raw(fitness, metrics, worst_fitness=self.worst_fitness)
