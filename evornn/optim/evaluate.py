"""Population evaluators: in process (Numba threads over the population) or on Dask.

On Dask the population is split into two chunks per worker; each chunk travels as one
float64 array and its fitness and metrics come back as arrays (never DEAP objects). Every
chunk gets the generation's common random numbers, so the result equals the in-process
evaluation bit for bit.
"""

from __future__ import annotations

import numpy as np

from .problem import Problem


def task_rng(task_seq: np.random.SeedSequence, generation: int) -> np.random.Generator:
    """The task's generator for one generation: common random numbers for every individual
    (and every chunk of the population), independent of the strategy's draws and of resumes."""
    return np.random.default_rng(np.random.SeedSequence(task_seq.entropy, spawn_key=(*task_seq.spawn_key, generation)))


def _evaluate_chunk(problem: Problem, genomes: np.ndarray, entropy, spawn_key, generation: int, task_state=None):
    """Score one chunk on a Dask worker; plain arrays in and out (never DEAP objects). A
    stateful task first takes the driver's state of this generation."""
    import numba

    numba.set_num_threads(1)
    if task_state:
        problem.task.load_state_dict(task_state)
    seq = np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key))
    ev = problem.evaluate(genomes, task_rng(seq, generation))
    return ev.fitness, ev.metrics, ev.nonfinite, ev.stats


def evaluator(problem: Problem, client):
    """``evaluate(genomes, task_seq, generation) -> Evaluation``, in process or on Dask."""
    if client is None:
        return lambda genomes, task_seq, gen: problem.evaluate(genomes, task_rng(task_seq, gen))
    # A key of its own (hash=False): a problem scattered again by the next run must not share the
    # key whose release this run's end sends.
    shared = client.scatter(problem, broadcast=True, hash=False)
    n_workers = max(1, len(client.scheduler_info()["workers"]))

    def evaluate(genomes, task_seq, gen):
        from ..tasks.base import Evaluation

        chunks = [c for c in np.array_split(genomes, min(genomes.shape[0], 2 * n_workers)) if c.shape[0]]
        task_state = problem.task.state_dict()
        futures = [client.submit(_evaluate_chunk, shared, np.ascontiguousarray(c), task_seq.entropy,
                                 task_seq.spawn_key, gen, task_state, pure=False) for c in chunks]
        parts = [Evaluation(fitness=f, metrics=m, nonfinite=n, stats=s) for f, m, n, s in client.gather(futures)]
        return Evaluation.concatenate(parts)

    return evaluate
