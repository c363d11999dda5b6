"""A repertoire of gaits for Beer's six-legged walker: MAP-Elites and CMA-ME over each leg's
duty factor (the behaviour-performance map of Cully, Clune, Tarapore and Mouret 2015).

The setting of ``experiments/walker_repertoire.toml``: an 18-neuron CTRNN (each leg's foot,
forward and backward motor neurons) senses the six leg angles and walks for 200 time
units; fitness is the average velocity; the archive is a grid of five duty-factor values
per leg (15,625 cells; QD-score offset -1, so that each elite counts 1 + its velocity).
Each method gets `--budget` evaluations (population 200) over `--seeds` seeds:

- ``map_elites``: MAP-Elites with iso+line-DD variation (Vassiliades and Mouret 2018);
- ``cma_me``: CMA-ME, improvement emitters (Fontaine et al. 2020);
- ``cmaes``: CMA-ES on velocity alone, for the fastest gait a pure optimiser finds with the
  same budget (it builds no repertoire).

Printed per method: coverage, QD-score and the fastest gait (median and quartiles), and
the median wall time.

    python benchmarks/bench_repertoire.py [--seeds 5] [--budget 50000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import evornn
from evornn.environment import header as environment_header
from evornn.tasks import WalkerTask

N_POP = 200
LEGS = [f"duty_{name}" for name in WalkerTask.LEG_NAMES]
QD = {"descriptors": LEGS, "cells": 5, "qd_offset": -1.0}
SETUPS = {"map_elites": QD, "cma_me": QD, "cmaes": {}}


def quartiles(values) -> str:
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:>10.4g}{f'{q1:.4g} - {q3:.4g}':>24}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=50_000)
    parser.add_argument("--methods", nargs="+", default=list(SETUPS), choices=list(SETUPS))
    args = parser.parse_args()
    print(environment_header())
    problem = evornn.Problem(evornn.CTRNN.codec(18, n_inputs=6), WalkerTask(n_legs=6))
    print(f"\nSix-legged walker, {problem.codec.n_genes} genes, 5^6 duty-factor cells, population {N_POP}, "
          f"{args.budget:,} evaluations, {args.seeds} seeds (median, quartiles)")
    print(f"{'method':<12}{'coverage':>10}{'quartiles':>24}{'QD-score':>10}{'quartiles':>24}{'fastest':>10}"
          f"{'quartiles':>24}{'median s':>10}")
    for method in args.methods:
        coverage, score, fastest, seconds = [], [], [], []
        for seed in range(args.seeds):
            start = time.perf_counter()
            result = evornn.evolve(problem, method, n_pop=N_POP, n_generations=args.budget // N_POP, rng=seed,
                                   progress=False, **SETUPS[method])
            seconds.append(time.perf_counter() - start)
            if result.archive is not None:
                metrics = result.archive.metrics()
                coverage.append(metrics["coverage"])
                score.append(metrics["qd_score"])
                fastest.append(metrics["best"])
            else:
                fastest.append(result.best_fitness)
        blank = f"{'-':>10}{'':>24}"
        print(f"{method:<12}{quartiles(coverage) if coverage else blank}{quartiles(score) if score else blank}"
              f"{quartiles(fastest)}{np.median(seconds):>10.1f}", flush=True)


if __name__ == "__main__":
    main()
