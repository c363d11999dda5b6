"""The ask/tell interface every optimiser implements, and option handling.

A strategy searches genomes in the codec's gene space ``[-1, 1]^n_genes``. :meth:`ask`
returns the genomes to evaluate next, shape ``(n, n_genes)``; :meth:`tell` receives them
back with their fitness, always maximised. The evolution loop (:func:`evornn.evolve`)
owns everything else: evaluation, statistics, hall of fame, stopping and checkpoints.

A strategy draws only from its ``rng`` (a ``numpy.random.Generator``) and, for DEAP's
operators, its private ``py_random`` (a ``random.Random``); both states are saved in
checkpoints together with :meth:`state`, so a resumed run continues bit for bit.
"""

from __future__ import annotations

import dataclasses
import random
from typing import ClassVar

import numpy as np

from ..errors import ConfigError
from ..genome import GENE_HIGH, GENE_LOW

OPERATORS = ("vectorised", "deap")


def build_options(options_type: type, method: str, options: dict, n_genes: int):
    """Validate `options` for `method` into its frozen options dataclass."""
    allowed = {f.name for f in dataclasses.fields(options_type)}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(f"unknown option(s) {unknown} for method {method!r}; allowed: {sorted(allowed)}")
    built = options_type(**options)
    built.check(n_genes)
    return built


def check_range(name: str, value, low: float, high: float, *, integer: bool = False):
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
        what = "an integer" if integer else "a number"
        raise ConfigError(f"option {name} must be {what} in [{low}, {high}], got {value!r}")


def check_flag(name: str, value) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"option {name} must be true or false, got {value!r}")


def check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ConfigError(f"option {name} must be one of {list(allowed)}, got {value!r}")


def task_descriptors(method: str, task, names) -> tuple:
    """The behaviour descriptors of `task` that `method` uses: those named (all by default);
    a ConfigError when the task has none or lacks a name."""
    available = {d.name: d for d in getattr(task, "descriptors", ())}
    if not available:
        raise ConfigError(f"{method} needs a task with behaviour descriptors; {type(task).__name__} has none")
    names = names or list(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ConfigError(f"option descriptors: {unknown} are not descriptors of the task; it has {list(available)}")
    return tuple(available[n] for n in names)


class Strategy:
    """Base class of the optimisers; see the module docstring."""

    name: ClassVar[str]
    options_type: ClassVar[type]
    multi_objective: ClassVar[bool] = False
    low, high = GENE_LOW, GENE_HIGH

    def __init__(self, n_genes: int, n_pop: int, n_generations: int, rng: np.random.Generator,
                 py_random: random.Random, **options):
        self.n_genes, self.n_pop, self.n_generations = n_genes, n_pop, n_generations
        self.rng, self.py_random = rng, py_random
        self.options = build_options(self.options_type, self.name, options, n_genes)
        self.started = False

    def random_genomes(self, n: int) -> np.ndarray:
        return self.rng.uniform(self.low, self.high, size=(n, self.n_genes))

    def ask(self) -> np.ndarray:
        raise NotImplementedError

    def max_asked(self) -> int:
        """The most genomes one :meth:`ask` returns (checked when a checkpoint is restored)."""
        return self.n_pop

    def box_penalised(self, genomes: np.ndarray, fitness: np.ndarray) -> np.ndarray:
        """The fitness that a strategy sampling without bounds learns from.

        Genomes outside ``[-1, 1]`` are evaluated clipped, so the fitness is flat out there
        and the search would drift away. A penalty proportional to the squared distance
        outside the box, scaled to the generation's fitness spread, ranks such genomes below
        their clipped counterparts (the strategies that use it learn from ranks only)."""
        from ._kernels import box_excess

        excess = box_excess(np.ascontiguousarray(genomes, dtype=np.float64), float(self.low), float(self.high))
        spread = float(fitness.max() - fitness.min()) or 1.0
        return fitness - spread * excess

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        raise NotImplementedError

    def attach(self, problem) -> None:
        """Called once by the loop before the first generation, with the problem (the
        quality-diversity strategies read its task's behaviour descriptors here, NEAT its
        codec)."""

    def tell_evaluation(self, genomes: np.ndarray, evaluation) -> None:
        """What the loop calls with each generation's :class:`~evornn.tasks.Evaluation`:
        :meth:`tell` with its fitness, unless a strategy needs more of it."""
        self.tell(genomes, evaluation.fitness)

    def record(self) -> dict:
        """Extra columns of this generation's history row (plain numbers)."""
        return {}

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        """The current population (or chains, or particles) and their fitness."""
        raise NotImplementedError

    #: Attributes saved in checkpoints (arrays or Python scalars).
    STATE: ClassVar[tuple[str, ...]] = ()
    #: Those of them that may hold values that are not finite (checked otherwise on restore).
    NONFINITE_STATE: ClassVar[tuple[str, ...]] = ()

    def state(self) -> dict:
        return {"started": self.started, **{name: getattr(self, name) for name in self.STATE}}

    def restore(self, state: dict) -> None:
        self.started = bool(state["started"])
        for name in self.STATE:
            setattr(self, name, state[name])
