"""Evolution: batched evaluation against DEAP's one-at-a-time map, loop overhead per method,
and success rates over seeds.

1. Evaluations per second for the oscillator task at population 1000: evornn's batched
   `Problem.evaluate` against DEAP's usual `toolbox.map(toolbox.evaluate, population)`,
   which evaluates one individual at a time (with the same compiled simulator), timed in
   the same run.
2. Time per generation spent outside fitness evaluation, per individual, at population
   1000, for each method, with the vectorised operators and with DEAP's.
3. Success over 10 seeds: each of GA, SA, PSO and CMA-ES on `OscillatorTask` (solved: period
   within 2% of the target) and on a small `SequenceTask` (solved: MSE below 1e-3), with
   the budgets below.

    python benchmarks/bench_evolve.py [--repeats 5] [--seeds 10] [--skip-table]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)
from deap import base

import evornn
from evornn.environment import header as environment_header
from evornn.tasks import Evaluation, OscillatorTask, SequenceTask, Task

OSCILLATOR = {"period": 10.0, "amplitude": 0.5}
TEACHER = {"weights": [[2.0, -6.0], [5.0, 1.0]], "tau": [1.0, 2.5], "bias": [1.0, -3.0], "input_weights": [[4.0], [-2.0]]}
SEQUENCE_INPUTS = np.array([0.0, 1.0, 0.5, 0.25, 0.75, 0.0, 1.0, 0.5, 0.0, 0.25, 1.0, 0.75])[:, None]


def evaluation_throughput(repeats: int) -> None:
    problem = evornn.Problem(evornn.CTRNN.codec(3), OscillatorTask(**OSCILLATOR))
    genomes = problem.codec.random(1000, rng=0)
    batched = problem.evaluate(genomes).fitness  # also compiles

    toolbox = base.Toolbox()
    toolbox.register("evaluate", lambda genome: tuple(problem.evaluate(np.asarray(genome)[None, :]).fitness))
    population = [list(g) for g in genomes]
    one_by_one = np.array(list(toolbox.map(toolbox.evaluate, population)))[:, 0]
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-12)

    t_batched = median_time(lambda: problem.evaluate(genomes), repeats)[0]
    t_deap = median_time(lambda: list(toolbox.map(toolbox.evaluate, population)), max(1, repeats // 2))[0]
    print("\n1. Oscillator task (3 neurons, RK4 dt 0.05, 1800 steps), population 1000")
    print(f"{'evaluator':<44}{'evals/s':>12}{'ratio':>8}")
    print(f"{'evornn batched (Problem.evaluate)':<44}{1000 / t_batched:>12.4g}{t_deap / t_batched:>8.1f}")
    print(f"{'DEAP toolbox.map, one individual at a time':<44}{1000 / t_deap:>12.4g}{1.0:>8.1f}")


class FreeTask(Task):
    """A task that costs (almost) nothing: fitness from the decoded biases."""

    def __init__(self, n_objectives: int = 1):
        self.n_objectives = n_objectives

    def evaluate(self, model, rng=None):
        b = model.bias
        f = -np.sum(b * b, axis=1) if self.n_objectives == 1 else np.stack([-(b[:, 0] ** 2), -((b[:, 0] - 2) ** 2)], 1)
        return Evaluation.from_raw(f, {"mse": -f if f.ndim == 1 else f[:, 0]})


class Timed(Task):
    def __init__(self, inner):
        self.inner, self.n_objectives, self.seconds = inner, inner.n_objectives, 0.0

    def evaluate(self, model, rng=None):
        start = time.perf_counter()
        ev = self.inner.evaluate(model, rng)
        self.seconds += time.perf_counter() - start
        return ev


def loop_overhead(repeats: int) -> None:
    n_pop, n_gen = 1000, 30
    print(f"\n2. Time outside fitness evaluation per individual per generation (population {n_pop}, "
          f"{n_gen} generations, 3-neuron CTRNN codec, 15 genes)")
    print(f"{'method':<10}{'operators':<12}{'microseconds':>14}{'of which decode':>18}")
    codec = evornn.CTRNN.codec(3)
    genomes = codec.random(n_pop, rng=0)
    decode = median_time(lambda: codec.decode(genomes), 7)[0] / n_pop * 1e6
    for method, operators in [("ga", "vectorised"), ("ga", "deap"), ("sa", "vectorised"), ("sa", "deap"),
                              ("pso", "vectorised"), ("cmaes", "vectorised"), ("nsga2", "vectorised"), ("nsga2", "deap")]:
        options = {"operators": operators} if method in ("ga", "sa", "nsga2") else {}
        per = []
        for r in range(repeats):
            timed = Timed(FreeTask(2 if method == "nsga2" else 1))
            problem = evornn.Problem(codec, timed)
            start = time.perf_counter()
            evornn.evolve(problem, method, n_pop=n_pop, n_generations=n_gen, rng=r, progress=False, **options)
            per.append((time.perf_counter() - start - timed.seconds) / (n_pop * n_gen) * 1e6)
        print(f"{method:<10}{operators:<12}{np.median(per):>14.2f}{decode:>18.2f}")


def success_table(n_seeds: int) -> None:
    oscillator = evornn.Problem(evornn.CTRNN.codec(3), OscillatorTask(**OSCILLATOR))
    sequence = evornn.Problem(evornn.CTRNN.codec(2, 1), SequenceTask.from_teacher(
        evornn.CTRNN(**TEACHER), SEQUENCE_INPUTS, dt=0.05, steps_per_sample=10, output_units=[0]))
    cases = [("oscillator", oscillator, 100, 100, {"target_mse": 2e-4}, lambda r: r.best_metrics["period_error"] <= 0.02),
             ("sequence", sequence, 100, 150, {"target_mse": 1e-3}, lambda r: r.best_metrics["mse"] < 1e-3)]
    print(f"\n3. Success over {n_seeds} seeds (seeds 0..{n_seeds - 1}); runs stop at the target")
    print(f"{'task':<12}{'method':<8}{'budget':>14}{'solved':>9}{'median evals':>14}{'median best mse':>17}{'median s':>10}")
    for name, problem, n_pop, n_gen, stop, solved in cases:
        for method in ("ga", "sa", "pso", "cmaes"):
            ok, evals, mses, secs = 0, [], [], []
            for seed in range(n_seeds):
                start = time.perf_counter()
                r = evornn.evolve(problem, method, n_pop=n_pop, n_generations=n_gen, rng=seed, progress=False, **stop)
                secs.append(time.perf_counter() - start)
                ok += bool(solved(r))
                evals.append(r.n_evaluations)
                mses.append(r.best_metrics["mse"])
            print(f"{name:<12}{method:<8}{f'{n_pop} x {n_gen}':>14}{f'{ok}/{n_seeds}':>9}{np.median(evals):>14.0f}"
                  f"{np.median(mses):>17.3g}{np.median(secs):>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--skip-table", action="store_true", help="leave out the (slow) success table")
    args = parser.parse_args()
    print(environment_header())
    evaluation_throughput(args.repeats)
    loop_overhead(args.repeats)
    if not args.skip_table:
        success_table(args.seeds)


if __name__ == "__main__":
    main()
