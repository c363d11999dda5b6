"""`evolve`: the one evornn-owned loop (ask -> batched evaluate -> tell) for every method."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._checks import check_memory, positive_float, positive_int
from .._numba import check_threads, threads
from .._sums import summary
from ..errors import CheckpointError, ConfigError
from ..random import as_rng
from . import _deap, checkpoint
from ._kernels import hall_of_fame
from .anneal import SA
from .cmaes import CMAES
from .es import PGPE, SNES, XNES, OpenAIES, SepCMAES
from .evaluate import evaluator
from .ga import GA
from .local_search import LocalSearch
from .neat import NEAT
from .novelty import NoveltySearch
from .nsga2 import NSGA2
from .problem import Problem
from .pso import PSO
from .qd import CMAME, MAPElites

METHODS = {cls.name: cls for cls in (GA, SA, PSO, CMAES, SepCMAES, OpenAIES, PGPE, SNES, XNES, MAPElites, CMAME,
                                      NoveltySearch, NSGA2, NEAT)}
# History columns that depend on the wall clock (left out of reproducibility comparisons).
WALL_CLOCK_COLUMNS = ("time",)


@dataclass
class EvolutionResult:
    """What an evolution run found.

    Attributes
    ----------
    best_genome : ndarray, shape (n_genes,)
        The fittest genome evaluated in the run (genes clipped to [-1, 1]). Where the task
        reports a ``"solved"`` metric, a genome that solved it (>= 1) outranks any that
        did not, so a pole balancer that passed the literature's tests is the result even
        if an unsolved one scored a higher fitness.
    best_fitness : float or ndarray, shape (n_obj,)
    best_metrics : dict of str to float
        The task's metrics for the best genome, from the evaluation that found it.
    best_model : Model
        The best genome decoded (a population of one).
    hall_of_fame : tuple (genomes (k, n_genes), fitness (k,))
        The best distinct genomes of the run, fittest first.
    population, population_fitness : ndarray
        The strategy's final population (chains for SA, personal bests for PSO).
    front : tuple (genomes, fitness) or None
        NSGA-II: the first non-dominated front of the final population.
    history : deap.tools.Logbook
        One record per generation: ``gen``, ``evals``, ``nonfinite``, ``min``, ``mean``,
        ``max``, ``std`` of the generation's fitness, ``best`` (so far), the metrics of the
        generation's best individual (``best_mse`` ...), and ``time`` (seconds since start).
    n_evaluations, n_generations : int
    n_nonfinite : int
        Evaluations whose fitness was not finite (given the worst fitness instead).
    stop_reason : str
        ``"max_generations"``, ``"max_evaluations"``, ``"target_fitness"``,
        ``"target_mse"``, ``"target_learned"``, ``"target_solved"``, ``"stagnation"``,
        ``"wall_time"`` or ``"callback"`` (the `callback` asked to stop).
    seed : int
        The root seed: ``evolve(..., rng=seed)`` repeats the run exactly.
    archive : GridArchive or CVTArchive or None
        Quality-diversity methods: the final archive of elites (see
        :mod:`evornn.optim.archive`); None for the others.
    species : dict of str to ndarray or None
        NEAT: every generation's species (columns ``generation``, ``species``, ``size``,
        ``best``); None for the others.
    """

    method: str
    seed: int
    best_genome: np.ndarray
    best_fitness: float | np.ndarray
    best_metrics: dict
    best_model: object
    hall_of_fame: tuple[np.ndarray, np.ndarray]
    population: np.ndarray
    population_fitness: np.ndarray
    front: tuple[np.ndarray, np.ndarray] | None
    history: object
    n_evaluations: int
    n_generations: int
    n_nonfinite: int
    stop_reason: str
    elapsed: float = field(repr=False, default=0.0)
    archive: object = field(repr=False, default=None)
    species: dict | None = field(repr=False, default=None)

    def __repr__(self) -> str:
        """A few lines: the method, the budget used, why it stopped and the best fitness
        (the arrays are attributes; they are not printed)."""
        fitness = np.asarray(self.best_fitness)
        best = f"{float(fitness):.6g}" if fitness.ndim == 0 else np.array2string(fitness, precision=4)
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in list(self.best_metrics.items())[:6])
        lines = [f"EvolutionResult({self.method!r}, seed {self.seed}):",
                 f"  {self.n_generations} generation{'s' * (self.n_generations != 1)}, "
                 f"{self.n_evaluations} evaluations, {self.elapsed:.1f} s; stopped on {self.stop_reason}",
                 f"  best fitness {best}" + (f" ({metrics})" if metrics else ""),
                 f"  best_genome: {self.best_genome.shape[0]} genes; best_model: {type(self.best_model).__name__}"]
        if self.n_nonfinite:
            lines.append(f"  {self.n_nonfinite} non-finite evaluations (given the worst fitness)")
        return "\n".join(lines)


@dataclass(frozen=True)
class Stopping:
    """Stopping criteria; the run stops when any fires (checked after each generation)."""

    n_generations: int
    max_evaluations: int | None = None
    target_fitness: float | None = None
    target_mse: float | None = None
    target_learned: float | None = None
    stagnation: int | None = None
    wall_time: float | None = None
    target_solved: float | None = None

    def __post_init__(self):
        positive_int("n_generations", self.n_generations)
        if self.max_evaluations is not None:
            positive_int("max_evaluations", self.max_evaluations)
        if self.stagnation is not None:
            positive_int("stagnation", self.stagnation)
        if self.wall_time is not None:
            positive_float("wall_time", self.wall_time)
        for name in ("target_fitness", "target_mse", "target_learned", "target_solved"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number, got {value!r}")

    def reason(self, progress: _Progress, gen: int, elapsed: float) -> str | None:
        if self.target_fitness is not None and progress.best_fitness >= self.target_fitness:
            return "target_fitness"
        if self.target_mse is not None and progress.min_mse <= self.target_mse:
            return "target_mse"
        if self.target_learned is not None and progress.max_learned >= self.target_learned:
            return "target_learned"
        if self.target_solved is not None and progress.max_solved >= self.target_solved:
            return "target_solved"
        if self.stagnation is not None and progress.stale >= self.stagnation:
            return "stagnation"
        if self.max_evaluations is not None and progress.n_evaluations >= self.max_evaluations:
            return "max_evaluations"
        if self.wall_time is not None and elapsed >= self.wall_time:
            return "wall_time"
        if gen + 1 >= self.n_generations:
            return "max_generations"
        return None


@dataclass
class _Progress:
    """The loop's own state (everything but the strategy), saved in checkpoints."""

    generation: int = 0  # the next generation to run
    n_evaluations: int = 0
    n_nonfinite: int = 0
    best_fitness: float = -math.inf
    min_mse: float = math.inf
    max_learned: float = -math.inf
    max_solved: float = -math.inf
    stale: int = 0
    elapsed: float = 0.0
    stop_reason: str | None = None
    best_metrics: dict = field(default_factory=dict)
    records: list = field(default_factory=list)


class _HallOfFame:
    """The `size` best distinct genomes seen, fittest first (first found wins ties).

    Genomes that solved the task (metric ``"solved"`` >= 1, e.g. a pole balancer that
    passed the generalisation test) rank above all that did not, whatever their fitness.
    """

    def __init__(self, size: int, n_genes: int):
        self.size = size
        self.genomes = np.empty((0, n_genes))
        self.fitness = np.empty(0)
        self.solved = np.empty(0, dtype=bool)

    def update(self, genomes: np.ndarray, fitness: np.ndarray, solved: np.ndarray) -> None:
        self.genomes, self.fitness, self.solved = hall_of_fame(
            np.ascontiguousarray(self.genomes, dtype=np.float64), np.ascontiguousarray(self.fitness, dtype=np.float64),
            np.ascontiguousarray(self.solved, dtype=np.bool_), np.ascontiguousarray(genomes, dtype=np.float64),
            np.ascontiguousarray(fitness, dtype=np.float64), np.ascontiguousarray(solved, dtype=np.bool_), self.size)


def _solved(evaluation) -> np.ndarray:
    """Which individuals solved the task (its metric ``"solved"`` >= 1); shape (n_pop,)."""
    solved = evaluation.metrics.get("solved")
    if solved is None:
        return np.zeros(evaluation.n_pop, dtype=bool)
    return solved >= 1.0  # NaN: not solved


def _json_normal(value):
    """`value` as it reads back from JSON (tuples become lists), for comparing with checkpoints."""
    try:
        return json.loads(json.dumps(value))
    except TypeError as exc:
        raise ConfigError(f"evolve settings and method options must be plain numbers, strings and lists: {exc}") from exc


def _resolve_seed(rng) -> int:
    """An integer root seed: given, drawn from a given Generator, or fresh OS entropy."""
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a non-negative seed, got {rng}")
        return int(rng)
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    return int(as_rng(rng).integers(0, 2**63 - 1))


def _streams(seed: int):
    strategy_seq, deap_seq, task_seq = np.random.SeedSequence(seed).spawn(3)
    py_random = random.Random(int.from_bytes(deap_seq.generate_state(4, dtype=np.uint32).tobytes(), "little"))
    return np.random.default_rng(strategy_seq), py_random, task_seq


def _record(gen: int, evaluation, progress: _Progress, elapsed: float, extra: dict | None = None) -> dict:
    fitness = evaluation.fitness
    record = {"gen": gen, "evals": int(fitness.shape[0]), "nonfinite": evaluation.n_nonfinite}
    if fitness.ndim == 1:
        low, mean, high, std = summary(np.ascontiguousarray(fitness, dtype=np.float64))
        record.update(min=low, mean=mean, max=high, std=std, best=progress.best_fitness)
        top = int(np.argmax(fitness))
        record.update({f"best_{name}": float(values[top]) for name, values in evaluation.metrics.items()})
    else:
        for k in range(fitness.shape[1]):
            col = fitness[:, k]
            record.update({f"min_{k}": float(col.min()), f"mean_{k}": float(col.mean()), f"max_{k}": float(col.max()),
                           f"std_{k}": float(col.std())})
    record.update(extra or {})
    record["time"] = elapsed
    return record


def check_settings(problem, method: str, *, n_pop, checkpoint_every=10, hall_of_fame=1, n_threads=None,
                   stop: dict) -> tuple[type, int, Stopping]:
    """Validate the settings of :func:`evolve` (all but the method's options) before any
    work: the method and the task agree, sizes are whole numbers that fit in memory, the
    stopping rules are valid. Returns the method's class, `n_pop` and the stopping rules."""
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be an evornn.Problem, got {type(problem).__name__}")
    if method not in METHODS:
        raise ConfigError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    cls = METHODS[method]
    structured = getattr(problem.codec, "structured", False)
    if structured != (method == "neat"):
        raise ConfigError(f"method {method!r} cannot evolve {type(problem.codec).__name__} genomes: NEAT genomes "
                          f"(evornn.neat.NEATCodec) go with method 'neat' and only with it")
    if cls.multi_objective != (problem.n_objectives > 1):
        what = "a multi-objective" if cls.multi_objective else "a single-objective"
        raise ConfigError(f"method {method!r} needs {what} task; this task has {problem.n_objectives} objective(s)")
    n_pop = positive_int("n_pop", n_pop)
    check_memory(f"a population of {n_pop:,} genomes", (n_pop, problem.n_genes), hint="choose a smaller n_pop")
    stopping = Stopping(**stop)
    if cls.multi_objective and any(stop.get(k) is not None for k in ("target_fitness", "target_mse", "target_learned",
                                                                      "stagnation", "target_solved")):
        raise ConfigError("nsga2 stops on n_generations, max_evaluations or wall_time only")
    positive_int("checkpoint_every", checkpoint_every)
    positive_int("hall_of_fame", hall_of_fame)
    check_threads(n_threads)
    return cls, n_pop, stopping


def evolve(
    problem: Problem,
    method: str = "ga",
    *,
    n_pop: int = 100,
    n_generations: int = 100,
    rng=None,
    max_evaluations: int | None = None,
    target_fitness: float | None = None,
    target_mse: float | None = None,
    target_learned: float | None = None,
    stagnation: int | None = None,
    wall_time: float | None = None,
    target_solved: float | None = None,
    checkpoint_path=None,
    checkpoint_every: int = 10,
    resume: bool = False,
    hall_of_fame: int = 10,
    n_threads: int | None = None,
    progress: bool | None = None,
    client=None,
    callback=None,
    extend: bool = False,
    local_search=None,
    steps: int | None = None,
    **options,
) -> EvolutionResult:
    """Evolve genomes for `problem` with `method`, in one ask -> evaluate -> tell loop.

    Parameters
    ----------
    problem : Problem
        A codec and a task.
    method : str
        ``"ga"``, ``"sa"``, ``"pso"``, ``"cmaes"``, and the evolution strategies of
        :mod:`evornn.optim.es` (``"sep_cmaes"``, ``"openai_es"``, ``"pgpe"``, ``"snes"``,
        ``"xnes"``) (single objective), or ``"nsga2"`` (multi-objective). Method options
        (see ``GAOptions``, ``SAOptions``, ``PSOOptions``, ``CMAESOptions``,
        ``SepCMAESOptions``, ``OpenAIESOptions``, ``PGPEOptions``, ``SNESOptions``,
        ``XNESOptions``, ``NSGA2Options``) are passed as keywords; unknown ones raise
        :class:`evornn.ConfigError`.
    n_pop : int
        Population size (chains for SA, particles for PSO, lambda for CMA-ES and the other
        evolution strategies; OpenAI-ES and PGPE sample it in antithetic pairs, so it is
        even, and by default evaluate the distribution's mean as well: ``n_pop + 1``
        evaluations per generation).
    n_generations : int
        Maximum number of generations (batched evaluations), the first included.
    rng : int, Generator or None
        The root seed. Every random draw of the run (strategy, DEAP's operators, the task)
        derives from it, so the same seed gives bit-identical runs on any thread count.
        The seed used is in the result.
    max_evaluations, target_fitness, target_mse, target_learned, stagnation, wall_time, target_solved
        Further stopping criteria (any one stops the run): evaluations, fitness reached,
        task metric ``"mse"`` at or below, ``"learned"`` at or above, generations without
        improvement of the best fitness, seconds, task metric ``"solved"`` at or above (the
        pole-balancing tasks set it to 1 for a network that passes the literature's test).
    checkpoint_path : path, optional
        Where to write checkpoints (every `checkpoint_every` generations and at the end).
        The history goes to ``<stem>.history.jsonl`` beside it, appended at each
        checkpoint, so a checkpoint's cost does not grow with the generations run.
    resume : bool
        Continue from `checkpoint_path` if it exists (a killed run ends exactly as an
        uninterrupted one would). The checkpoint must come from the same settings.
    extend : bool
        With `resume`, the checkpoint may come from a run with a smaller `n_generations`
        (the only setting that may differ), and a run that stopped at its old budget goes
        on to the new one. For ``"ga"``, ``"nsga2"``, constriction PSO, CMA-ES and the other
        evolution strategies the
        result is bit-identical to a run given the larger budget from the start; the
        schedules of ``"sa"`` and inertia PSO span `n_generations`, so they stretch from the
        generation where the run continues. :func:`resume` with ``more=`` does this.
    hall_of_fame : int
        Number of best distinct genomes kept.
    n_threads : int, optional
        Numba threads for the evaluations; results do not depend on it.
    progress : bool, optional
        Show a progress bar (default: when writing to a terminal).
    client : dask.distributed.Client or str, optional
        Evaluate each generation on Dask: the population is split into two chunks per
        worker, each sent as one float64 array and scored on a worker, and the fitness
        comes back as arrays. A scheduler address (``"tcp://host:8786"``) connects to it.
        The results are bit-identical to the in-process run with the same seed.
    local_search : {"bptt", "rtrl"}, dict or LocalSearch, optional
        Memetic evolution: before evaluation, every genome takes gradient steps down the
        task's error (BPTT or RTRL; a :class:`~evornn.optim.local_search.LocalSearch`, or a
        dict of its settings: ``method``, ``steps``, ``learning_rate``, ``inheritance``
        ``"lamarckian"`` or ``"baldwinian"``). Each step counts as two evaluations per
        genome (a forward and a backward pass). Needs a task with a gradient (a
        ``SequenceTask``) and a model with gradient kernels.
    steps : int, optional
        The local search's gradient steps per genome and generation (default 5).
    callback : callable, optional
        ``callback(record) -> bool | None``, called after every generation with that
        generation's row of the history (a dict: ``gen``, ``evals``, ``nonfinite``,
        ``min``, ``mean``, ``max``, ``std``, ``best``, ``best_<metric>`` ..., ``time``).
        A true return value stops the run (``stop_reason == "callback"``), checkpointed
        like any other stop. Log to a CSV file or a TensorBoard-style writer from here
        (see the README's "Logging" example); ``evornn run`` prints its progress line from it.

    Returns
    -------
    EvolutionResult

    Examples
    --------
    >>> import evornn
    >>> from evornn.tasks import OscillatorTask
    >>> problem = evornn.Problem(evornn.CTRNN.codec(2), OscillatorTask(period=10.0, amplitude=0.5))
    >>> result = evornn.evolve(problem, "cmaes", n_pop=16, n_generations=3, rng=1, progress=False)
    >>> result.n_evaluations, result.stop_reason
    (48, 'max_generations')
    """
    cls, n_pop, stopping = check_settings(
        problem, method, n_pop=n_pop, checkpoint_every=checkpoint_every, hall_of_fame=hall_of_fame,
        n_threads=n_threads, stop={"n_generations": n_generations, "max_evaluations": max_evaluations,
                                   "target_fitness": target_fitness, "target_mse": target_mse,
                                   "target_learned": target_learned, "stagnation": stagnation,
                                   "wall_time": wall_time, "target_solved": target_solved})
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs checkpoint_path")
    if extend and not resume:
        raise ValueError("extend=True continues a checkpointed run: it needs resume=True")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (a function of the generation's record), got {type(callback).__name__}")

    searcher = LocalSearch.from_spec(local_search, steps)
    if searcher is not None:
        if cls.multi_objective:
            raise ValueError(f"local_search needs a single-objective method, not {method!r}")
        searcher.check(problem)
    settings = _json_normal({"method": method, "n_pop": n_pop, "n_genes": problem.n_genes, "n_generations": n_generations,
                "options": options, "stopping": dataclasses.asdict(stopping), "hall_of_fame": hall_of_fame})
    if searcher is not None:  # only then, so that checkpoints of runs without one resume as before
        settings["local_search"] = searcher.settings()
    seed = _resolve_seed(rng)
    strategy_rng, py_random, task_seq = _streams(seed)
    strategy = cls(problem.n_genes, n_pop, n_generations, strategy_rng, py_random, **options)
    strategy.attach(problem)
    hof = _HallOfFame(hall_of_fame, problem.n_genes)
    state = _Progress()
    path = None if checkpoint_path is None else Path(checkpoint_path)
    restored_history = (0, 0)
    if resume and path.exists():
        saved_seed, restored_history = _restore(path, settings, strategy, hof, state, extend=extend, task=problem.task)
        if isinstance(rng, int | np.integer) and int(rng) != saved_seed:
            raise CheckpointError(f"{path} belongs to the run with seed {saved_seed}, not {rng}")
        seed, task_seq = saved_seed, _streams(saved_seed)[2]

    log = None if path is None else _HistoryLog(_history_path(path), restored_history)

    def save() -> None:
        if path is not None:
            _save(path, settings, seed, strategy, hof, state, log, problem.task)

    from tqdm.auto import tqdm

    owned = None
    if isinstance(client, str):
        from distributed import Client

        client = owned = Client(client)
    evaluate = evaluator(problem, client)
    bar = tqdm(total=n_generations, initial=state.generation, desc=method, unit="gen",
               disable=(None if progress is None else not progress), leave=False)
    start = time.perf_counter() - state.elapsed
    try:
        with threads(n_threads):
            while state.stop_reason is None:
                gen = state.generation
                asked = strategy.ask()
                genomes = asked if strategy.low == -np.inf and strategy.high == np.inf else np.clip(
                    asked, strategy.low, strategy.high)
                tick = time.perf_counter()
                searched = 0
                if searcher is not None:
                    genomes, searched = searcher.improve(problem, genomes)
                    if searcher.lamarckian:
                        asked = genomes
                evaluation = evaluate(genomes, task_seq, gen)
                problem.task.learn(evaluation)
                eval_time = time.perf_counter() - tick
                strategy.tell_evaluation(asked, evaluation)
                _account(state, hof, genomes, evaluation)
                state.n_evaluations += searched
                state.elapsed = time.perf_counter() - start
                record = _record(gen, evaluation, state, state.elapsed, strategy.record())
                state.records.append(record)
                stop = callback is not None and callback(dict(record))
                state.stop_reason = "callback" if stop else stopping.reason(state, gen, state.elapsed)
                state.generation = gen + 1
                if state.stop_reason is not None or state.generation % checkpoint_every == 0:
                    save()
                bar.update(1)
                if not cls.multi_objective and not bar.disable:
                    bar.set_postfix(best=f"{state.best_fitness:.4g}", mean=f"{evaluation.fitness.mean():.4g}",
                                    evals_per_s=f"{genomes.shape[0] / max(eval_time, 1e-9):.3g}", refresh=False)
    finally:
        bar.close()
        if owned is not None:
            owned.close()
    return _result(problem, strategy, hof, state, seed)


def _clipped(genomes: np.ndarray, strategy) -> np.ndarray:
    """`genomes` inside the strategy's box, for the result: a new array, or where the box
    is unbounded (NEAT) the strategy's own, which nothing writes once the run has ended
    (a copy of a NEAT population, 2 MB of fresh pages, costs more than a generation)."""
    if strategy.low == -np.inf and strategy.high == np.inf:
        return genomes
    return np.clip(genomes, strategy.low, strategy.high)


def _account(state: _Progress, hof: _HallOfFame, genomes: np.ndarray, evaluation) -> None:
    fitness = evaluation.fitness
    state.n_evaluations += genomes.shape[0]
    state.n_nonfinite += evaluation.n_nonfinite
    if fitness.ndim == 1:
        solved = _solved(evaluation)
        top = int(np.lexsort((-fitness, ~solved))[0])
        best_solved = state.best_metrics.get("solved", 0.0) >= 1.0
        if (solved[top], fitness[top]) > (best_solved, state.best_fitness):
            state.best_fitness = float(fitness[top])
            state.best_metrics = {name: float(values[top]) for name, values in evaluation.metrics.items()}
            state.stale = 0
        else:
            state.stale += 1
        hof.update(genomes, fitness, solved)
    metrics = evaluation.metrics
    if "mse" in metrics and np.isfinite(metrics["mse"]).any():
        state.min_mse = min(state.min_mse, float(np.nanmin(metrics["mse"])))
    if "learned" in metrics and np.isfinite(metrics["learned"]).any():
        state.max_learned = max(state.max_learned, float(np.nanmax(metrics["learned"])))
    if "solved" in metrics and np.isfinite(metrics["solved"]).any():
        state.max_solved = max(state.max_solved, float(np.nanmax(metrics["solved"])))


def _history_path(path: Path) -> Path:
    """The history log beside checkpoint `path`: ``checkpoint.npz`` -> ``checkpoint.history.jsonl``."""
    return path.with_name(path.stem + ".history.jsonl")


class _HistoryLog:
    """The run's history, one JSON line per generation, appended at each checkpoint (so a
    checkpoint costs the same at generation 3,000 as at generation 3). The checkpoint
    records how many lines and bytes belong to it; whatever a killed run appended after
    its last checkpoint is cut off before the next append and on restore."""

    def __init__(self, path: Path, restored: tuple[int, int] = (0, 0)):
        self.path = path
        self.count, self.bytes = restored

    def append(self, records: list) -> None:
        new = records[self.count:]
        data = "".join(json.dumps(_json_normal(r), allow_nan=True) + "\n" for r in new).encode("utf-8")
        with open(self.path, "ab") as handle:
            handle.truncate(self.bytes)  # a tail written after the last checkpoint of a killed run
            handle.seek(self.bytes)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        self.count += len(new)
        self.bytes += len(data)

    @staticmethod
    def read(path: Path, count: int, n_bytes: int) -> list:
        with open(path, "rb") as handle:
            data = handle.read(n_bytes)
        lines = data.decode("utf-8").splitlines()
        if len(data) != n_bytes or len(lines) != count:
            raise ValueError(f"{path.name} holds {len(lines)} generations in {len(data)} bytes where the checkpoint "
                             f"expects {count} in {n_bytes}")
        records = [json.loads(line) for line in lines]
        if not all(isinstance(r, dict) for r in records):
            raise ValueError(f"{path.name} holds lines that are not history records")
        return records


def _save(path: Path, settings: dict, seed: int, strategy, hof: _HallOfFame, state: _Progress,
          log: _HistoryLog, task=None) -> None:
    log.append(state.records)
    scalars, arrays = checkpoint.split_state(strategy.state(), "strategy")
    header = {
        "settings": settings,
        "seed": seed,
        "progress": {**{f.name: getattr(state, f.name) for f in dataclasses.fields(_Progress)}, "records": []},
        "history": {"file": log.path.name, "count": log.count, "bytes": log.bytes},
        "strategy": scalars,
        "rng": strategy.rng.bit_generator.state,
        "py_random": checkpoint.random_state(strategy.py_random),
    }
    arrays.update({"hof/genomes": hof.genomes, "hof/fitness": hof.fitness, "hof/solved": hof.solved})
    if task is not None:  # what a stateful task has learnt (running statistics, an archive)
        arrays.update({f"task/{name}": np.asarray(value) for name, value in task.state_dict().items()})
    checkpoint.save(path, header, arrays)


def _budget_free(settings: dict) -> dict:
    """`settings` without the generation budget (what an extended run may change)."""
    return {**settings, "n_generations": None, "stopping": {**settings["stopping"], "n_generations": None}}


def _restore(path: Path, settings: dict, strategy, hof: _HallOfFame, state: _Progress, *,
             extend: bool = False, task=None) -> tuple[int, tuple[int, int]]:
    """Restore a checkpoint; returns the run's seed and (lines, bytes) of its history log."""
    header, arrays = checkpoint.load(path)
    try:
        check_progress(header["progress"], settings)
        history = header.get("history")
        if history is not None:  # the history lives in its log (older checkpoints held it in the header)
            count, n_bytes = history["count"], history["bytes"]
            if not (isinstance(count, int) and isinstance(n_bytes, int) and 0 <= count and 0 <= n_bytes):
                raise ValueError(f"history count and bytes must be integers >= 0, got {count!r} and {n_bytes!r}")
            try:
                header["progress"]["records"] = _HistoryLog.read(_history_path(path), count, n_bytes)
            except FileNotFoundError as exc:
                raise CheckpointError(f"{path}: its history log {_history_path(path).name} is missing") from exc
        saved = header["settings"]
        if extend and _budget_free(saved) == _budget_free(settings):
            if header["progress"]["generation"] >= settings["n_generations"]:
                raise CheckpointError(f"{path} has run {header['progress']['generation']} generations already; "
                                      f"n_generations = {settings['n_generations']} adds none")
            if header["progress"]["stop_reason"] not in (None, "max_generations"):
                raise CheckpointError(f"{path}: the run stopped on {header['progress']['stop_reason']}, not at its "
                                      "generation budget; only a run that used its budget can be extended")
            header["progress"]["stop_reason"] = None
        elif saved != settings:
            changed = sorted(k for k in settings if saved.get(k) != settings[k])
            raise CheckpointError(f"{path} was written by a run with different settings ({', '.join(changed)}); "
                                  "resume with the settings of the original run")
        strategy.restore(checkpoint.join_state(header["strategy"], arrays, "strategy"))
        strategy.rng.bit_generator.state = header["rng"]
        checkpoint.set_random_state(strategy.py_random, header["py_random"])
        hof.genomes, hof.fitness, hof.solved = arrays["hof/genomes"], arrays["hof/fitness"], arrays["hof/solved"]
        if task is not None:
            task.load_state_dict({name[5:]: value for name, value in arrays.items() if name.startswith("task/")})
        for name, value in header["progress"].items():
            setattr(state, name, value)
        _check_restored(strategy, hof, settings)
        if len(state.records) != state.generation or not all(isinstance(r, dict) for r in state.records):
            raise ValueError(f"the history must hold one record per generation run ({state.generation}), "
                             f"got {len(state.records)}")
        logged = (len(state.records), history["bytes"]) if history is not None else (0, 0)
        return int(header["seed"]), logged
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"{path} is not a complete evornn checkpoint: {exc}") from exc


def check_progress(progress: dict, settings: dict) -> None:
    """A checkpoint is untrusted: its progress record must have the fields and types of
    :class:`_Progress` (raise ValueError or TypeError; the caller names the file)."""
    if not isinstance(progress, dict) or set(progress) != {f.name for f in dataclasses.fields(_Progress)}:
        raise ValueError(f"progress must have the fields {[f.name for f in dataclasses.fields(_Progress)]}")
    for f in dataclasses.fields(_Progress):
        value = progress[f.name]
        kind = {"int": int, "float": (int, float), "dict": dict, "list": list}.get(str(f.type).split(" ")[0])
        if f.name == "stop_reason":
            if value is not None and not isinstance(value, str):
                raise TypeError(f"progress.stop_reason must be a string or null, got {value!r}")
        elif kind is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise TypeError(f"progress.{f.name} must be {f.type!s}, got {value!r}")
    generation, n_evaluations = progress["generation"], progress["n_evaluations"]
    if generation < 0 or n_evaluations < 0 or generation > settings["n_generations"]:
        raise ValueError(f"progress.generation must be in [0, {settings['n_generations']}] and n_evaluations >= 0, "
                         f"got {generation} and {n_evaluations}")


def _check_restored(strategy, hof: _HallOfFame, settings: dict) -> None:
    """The restored strategy and hall of fame must be of this run's shapes and finite."""
    n_genes = settings["n_genes"]
    if (hof.genomes.ndim != 2 or hof.genomes.shape[1] != n_genes or hof.fitness.shape[:1] != hof.genomes.shape[:1]
            or hof.solved.shape != hof.genomes.shape[:1] or not np.isfinite(hof.genomes).all()):
        raise ValueError(f"the hall of fame must hold finite genomes of {n_genes} genes with one fitness each")
    for name, value in strategy.state().items():
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biuf":
                raise TypeError(f"strategy/{name} must hold numbers, got dtype {value.dtype}")
            if name in strategy.NONFINITE_STATE:
                continue
            bad = np.isnan(value) if "fitness" in name or name == "crowding" else ~np.isfinite(value)
            if value.dtype.kind == "f" and bad.any():
                raise ValueError(f"strategy/{name} holds values that are not finite")
    if strategy.started:  # the strategy must still produce a population of this run's shape
        import copy

        asked = np.asarray(copy.deepcopy(strategy).ask())
        if asked.ndim != 2 or asked.shape[1] != n_genes or not 1 <= asked.shape[0] <= strategy.max_asked() \
                or not np.isfinite(asked).all():
            raise ValueError(f"the strategy state does not give finite genomes of {n_genes} genes "
                             f"(got an array of shape {asked.shape})")


def _result(problem: Problem, strategy, hof: _HallOfFame, state: _Progress, seed: int) -> EvolutionResult:
    genomes, fitness = strategy.population()
    front = strategy.front() if hasattr(strategy, "front") else None
    if front is not None:
        best_genome, best_fitness = front[0][0], front[1][0]
    else:
        best_genome, best_fitness = hof.genomes[0], float(hof.fitness[0])
    return EvolutionResult(
        method=strategy.name,
        seed=seed,
        best_genome=best_genome.copy(),
        best_fitness=best_fitness,
        best_metrics=dict(state.best_metrics),
        best_model=problem.codec.decode(best_genome[None, :]),
        hall_of_fame=(hof.genomes.copy(), hof.fitness.copy()),
        population=_clipped(genomes, strategy),
        population_fitness=fitness.copy(),
        front=front,
        history=_deap.logbook(state.records),
        n_evaluations=state.n_evaluations,
        n_generations=state.generation,
        n_nonfinite=state.n_nonfinite,
        stop_reason=state.stop_reason,
        elapsed=state.elapsed,
        archive=getattr(strategy, "archive", None),
        species=strategy.species_table() if hasattr(strategy, "species_table") else None,
    )


def resume(problem: Problem, checkpoint_path, *, more: int | None = None, n_threads: int | None = None,
           progress: bool | None = None, callback=None) -> EvolutionResult:
    """Continue the run whose checkpoint is at `checkpoint_path`, with its own settings.

    The result is bit-identical to that of the uninterrupted run (apart from wall-clock
    columns of the history). With `more`, the run's generation budget grows by `more`
    generations and a run that finished on its budget goes on (see `extend` in
    :func:`evolve`): ``resume(problem, "run.npz", more=100)``.
    """
    header, _ = checkpoint.load(checkpoint_path)
    s = header["settings"]
    n_generations = s["n_generations"] if more is None else s["n_generations"] + positive_int("more", more)
    return evolve(problem, s["method"], n_pop=s["n_pop"], n_generations=n_generations, rng=header["seed"],
                  **{k: v for k, v in s["stopping"].items() if k != "n_generations"},
                  checkpoint_path=checkpoint_path, resume=True, extend=more is not None, hall_of_fame=s["hall_of_fame"],
                  n_threads=n_threads, progress=progress, callback=callback, local_search=s.get("local_search"),
                  **s["options"])
