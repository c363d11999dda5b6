"""Memetic evolution (gradient steps as a local search) against evolution alone, on temporal
XOR and the embedded Reber grammar.

Per task and seed (``--seeds``, default 10, seeds 1..n):

- temporal XOR (``experiments/elman_temporal_xor.toml``'s task: 20 sequences of 40 random
  bits, the output x(t-1) XOR x(t-2); an Elman network of 8 units, logistic output, weights
  in [-10, 10]); target: training MSE 1e-4; budget 300 generations;
- embedded Reber grammar (``SequenceTask.reber``: 100 training strings, next-symbol
  prediction; an Elman network of 8 units, 7 logistic outputs, weights in [-5, 5]); target:
  95% of the training strings right at every step (``solved``); budget 150 generations.

Methods: CMA-ES alone (population 100); a GA alone (population 50, evornn's defaults); the
same GA whose genomes take 5 Adam steps of BPTT (learning rate 0.05 in genes) before each
evaluation, passing the improved weights on (Lamarckian) or, on temporal XOR, only their
fitness (Baldwinian); and for temporal XOR, BPTT alone (Adam on one network, learning rate
0.03, at most 3000 steps).

Printed per task and method: the seeds that reached the target, and over all seeds (a run
that missed counts its whole budget) the median and quartiles of the evaluations used
(one BPTT step on the training set counted as two evaluations: its forward and backward
pass) and of the wall time, and the medians of the best network's training MSE and
fraction of sequences solved. Also printed: what a BPTT step costs in wall time, in
evaluations (median of timed calls on a population of 50).

    python benchmarks/bench_memetic.py [--seeds 10] [--tasks xor reber]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import alternating_medians  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.environment import header as environment_header
from evornn.gradients import fit_bptt
from evornn.models import Elman
from evornn.tasks import SequenceTask

LOCAL = {"method": "bptt", "steps": 5, "learning_rate": 0.05}


def xor_setup():
    task = SequenceTask.parity(order=2, delay=1, n_seq=20, n_steps=40, seed=0)
    codec = Elman.codec(8, 1, 1, weight_range=(-10.0, 10.0), output_activation="logistic")
    return task, codec, {"target_mse": 1e-4}, 300


def reber_setup():
    task = SequenceTask.reber(n_strings=100, seed=1)
    codec = Elman.codec(8, 7, 7, weight_range=(-5.0, 5.0), output_activation="logistic")
    return task, codec, {"target_solved": 0.95}, 150


TASKS = {"xor": ("temporal XOR", xor_setup), "reber": ("embedded Reber", reber_setup)}
METHODS = {
    "CMA-ES alone, population 100": ("cmaes", 100, None),
    "GA alone, population 50": ("ga", 50, None),
    "GA + BPTT, Lamarckian": ("ga", 50, LOCAL),
    "GA + BPTT, Baldwinian": ("ga", 50, {**LOCAL, "inheritance": "baldwinian"}),
}


def reached(result, target: dict) -> bool:
    return result.stop_reason in ("target_mse", "target_solved")


def bptt_alone(task, codec, seed: int, target_mse: float, max_steps: int = 3000) -> tuple[bool, int, float]:
    model = codec.decode(codec.random(1, rng=seed))
    start = time.perf_counter()
    _, losses = fit_bptt(model, task.inputs, task.targets, weights=task.weights, steps=max_steps,
                         learning_rate=0.03)
    seconds = time.perf_counter() - start
    hit = np.flatnonzero(losses[:, 0] <= target_mse)
    steps = int(hit[0]) if hit.size else max_steps
    return bool(hit.size), 2 * steps, seconds * steps / max_steps


def step_cost(task, codec) -> float:
    """Wall time of one BPTT step on the training set over that of one evaluation, per network."""
    model = codec.decode(codec.random(50, rng=0))
    times = alternating_medians({"evaluate": lambda: task.evaluate(model), "bptt": lambda: task.gradient(model)}, 5)
    return times["bptt"] / times["evaluate"]


def summary(values) -> str:
    q1, med, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75], method="lower")
    return f"{med:,.0f} ({q1:,.0f}-{q3:,.0f})" if med >= 100 else f"{med:.1f} ({q1:.1f}-{q3:.1f})"


def run(task_names, n_seeds: int) -> None:
    for name in task_names:
        title, setup = TASKS[name]
        task, codec, target, n_generations = setup()
        print(f"\n{title}: {codec.n_genes} genes, target {target}, at most {n_generations} generations; "
              f"a BPTT step costs {step_cost(task, codec):.1f} evaluations in wall time (counted as 2)")
        print(f"{'method':<34}{'reached':>9}{'evaluations: median (quartiles)':>34}{'seconds: median (quartiles)':>30}"
              f"{'best: MSE, solved (medians)':>30}")
        methods = {label: spec for label, spec in METHODS.items() if name != "reber" or "Baldwinian" not in label}
        for label, (method, n_pop, local) in methods.items():
            ok, evals, seconds, mse, solved = [], [], [], [], []
            for seed in range(1, n_seeds + 1):
                start = time.perf_counter()
                result = evornn.evolve(evornn.Problem(codec, task), method, n_pop=n_pop, n_generations=n_generations,
                                       rng=seed, local_search=local, progress=False, **target)
                seconds.append(time.perf_counter() - start)
                ok.append(reached(result, target))
                evals.append(result.n_evaluations)
                best = task.evaluate(result.best_model).metrics
                mse.append(best["mse"][0])
                solved.append(best["solved"][0])
            print(f"{label:<34}{f'{sum(ok)}/{n_seeds}':>9}{summary(evals):>34}{summary(seconds):>30}"
                  f"{f'{np.median(mse):.2g}, {np.median(solved):.2f}':>30}", flush=True)
        if "target_mse" in target:
            ok, evals, seconds = zip(*(bptt_alone(task, codec, seed, target["target_mse"])
                                       for seed in range(1, n_seeds + 1)), strict=True)
            print(f"{'BPTT alone (Adam, one network)':<34}{f'{sum(ok)}/{n_seeds}':>9}{summary(evals):>34}"
                  f"{summary(seconds):>30}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    args = parser.parse_args()
    print(environment_header())
    run(args.tasks, args.seeds)


if __name__ == "__main__":
    main()
