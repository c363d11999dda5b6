"""Small problems and task wrappers shared by the evolution tests (and their subprocesses)."""

from __future__ import annotations

import json
import random
import time

import numpy as np

import evornn
from evornn.tasks import Evaluation, OscillatorTask, SequenceTask, Task

OPTIONS = {"ga": {}, "sa": {}, "pso": {}, "cmaes": {}, "nsga2": {}}


def oscillator_problem(n_neurons: int = 2) -> evornn.Problem:
    return evornn.Problem(evornn.CTRNN.codec(n_neurons), OscillatorTask(period=10.0, amplitude=0.5))


def teacher_sequence_task() -> SequenceTask:
    """Targets made by a 2-neuron teacher CTRNN: a student of the same size can match them exactly."""
    u = np.array([0.0, 1.0, 0.5, 0.25, 0.75, 0.0, 1.0, 0.5, 0.0, 0.25, 1.0, 0.75])[:, None]
    teacher = evornn.CTRNN([[2.0, -6.0], [5.0, 1.0]], tau=[1.0, 2.5], bias=[1.0, -3.0], input_weights=[[4.0], [-2.0]])
    return SequenceTask.from_teacher(teacher, u, dt=0.05, steps_per_sample=10, output_units=[0])


class Schaffer(Task):
    """Schaffer's two-objective problem on the bias b of a 1-neuron CTRNN, maximised:
    f = (-b^2, -(b - 2)^2). The Pareto set is b in [0, 2]."""

    n_objectives = 2

    def evaluate(self, model, rng=None):
        b = model.bias[:, 0]
        return Evaluation.from_raw(np.stack([-(b**2), -((b - 2) ** 2)], axis=1), worst_fitness=-1e9)


def schaffer_problem() -> evornn.Problem:
    return evornn.Problem(evornn.CTRNN.codec(1, bias_range=(-10, 10)), Schaffer())


def bias_plane(model, rng=None):
    """Fitness: the weights near zero; behaviour: the two biases (a plane to fill)."""
    fitness = -np.sum(model.weights**2, axis=(1, 2)) / 256
    return fitness, {"bias0": model.bias[:, 0], "bias1": model.bias[:, 1]}


def bias_plane_problem() -> evornn.Problem:
    """A task with behaviour descriptors that every genome has, for the quality-diversity methods."""
    from evornn.tasks import FunctionTask

    task = FunctionTask(bias_plane, descriptors=[("bias0", -16.0, 16.0), ("bias1", -16.0, 16.0)])
    return evornn.Problem(evornn.CTRNN.codec(2), task)


def neat_problem() -> evornn.Problem:
    """NEAT genomes of a CTRNN with two outputs and no input on the oscillator task (small
    rows: 8 nodes, 24 connections)."""
    from evornn.neat import NEATCodec

    codec = NEATCodec(0, 2, model="ctrnn", max_nodes=8, max_connections=24)
    return evornn.Problem(codec, OscillatorTask(period=10.0, amplitude=0.5))


def problem_for(method: str) -> evornn.Problem:
    if method == "nsga2":
        return schaffer_problem()
    if method == "neat":
        return neat_problem()
    return bias_plane_problem() if method in ("map_elites", "cma_me", "novelty") else oscillator_problem()


class Wrapped(Task):
    """Delegates to `inner`, with hooks that fire at given call numbers (generations)."""

    def __init__(self, inner: Task, *, fail_at=None, disturb_at=None, nan_every=None, sleep=0.0):
        self.inner, self.fail_at, self.disturb_at, self.nan_every, self.sleep = inner, fail_at, disturb_at, nan_every, sleep
        self.n_objectives, self.worst_fitness, self.calls = inner.n_objectives, inner.worst_fitness, 0
        self.descriptors = inner.descriptors

    def check_model(self, model):
        self.inner.check_model(model)

    def evaluate(self, model, rng=None):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt("simulated crash")
        if self.calls == self.disturb_at:
            random.seed(12345)
            np.random.seed(54321)  # noqa: NPY002 - deliberately disturbing the legacy global state
            random.random()
            np.random.random()  # noqa: NPY002
        time.sleep(self.sleep)
        ev = self.inner.evaluate(model, rng)
        if self.nan_every:
            fitness = ev.fitness.copy()
            fitness[:: self.nan_every] = np.nan
            return Evaluation.from_raw(fitness, ev.metrics, worst_fitness=self.worst_fitness)
        return ev


def fingerprint(result) -> dict:
    """Everything that must repeat bit for bit (wall-clock columns left out)."""
    # As JSON text, so that NaN metrics (no period) compare equal.
    history = json.dumps([{k: v for k, v in record.items() if k != "time"} for record in result.history])
    return {"history": history, "best": result.best_genome.tobytes().hex(),
            "population": result.population.tobytes().hex(), "fitness": result.population_fitness.tobytes().hex(),
            "hof": result.hall_of_fame[0].tobytes().hex(), "evals": result.n_evaluations, "stop": result.stop_reason,
            "archive": None if result.archive is None else {k: v.tobytes().hex() for k, v in result.archive.state().items()}}
