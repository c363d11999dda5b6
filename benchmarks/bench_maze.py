"""Novelty search against fitness-based search on Lehman and Stanley's deceptive mazes.

A fixed-topology CTRNN (5 neurons, the first two the motors; 10 sensor inputs; time
constants in [5, 20], an Euler step of 0.5 per control step) drives the maze robot of
`evornn.tasks.MazeTask` for 400 steps. Over `--seeds` seeds, each method gets the same
budget of evaluations (population 250; `--budget`, default 250,000 as in the paper):

- ``novelty``: novelty search (k = 15, dynamic threshold from 0.03 of the maze's extent,
  Gaussian mutation sigma 0.05);
- ``ga``: the GA on the paper's fitness (300 less the final distance to the goal), same
  variation;
- ``neat_novelty`` and ``neat_fitness``: NEAT (``evornn.neat``) growing discrete networks
  from the 10 inputs wired to the 2 outputs, as the paper did, selecting for novelty
  (k = 15, the same dynamic threshold) or for the fitness (add-connection 0.2, the rest
  NEAT's defaults);

Printed per maze and method: runs that reached the goal, and the evaluations they used
(median and quartiles, failures counted as more than the budget).

    python benchmarks/bench_maze.py [--maze hard] [--seeds 10] [--budget 250000] [--methods novelty ga neat_novelty]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import evornn
from evornn.environment import header as environment_header
from evornn.tasks import MazeTask

N_POP = 250
SETUPS = {"novelty": ("novelty", {"threshold": 0.03, "sigma": 0.05}), "ga": ("ga", {"sigma": 0.05}),
          "neat_novelty": ("neat", {"objective": "novelty", "novelty_threshold": 0.03, "conn_add_prob": 0.2}),
          "neat_fitness": ("neat", {"conn_add_prob": 0.2})}


def problem(maze: str, method: str) -> evornn.Problem:
    if method == "neat":
        from evornn.neat import NEATCodec

        return evornn.Problem(NEATCodec(10, 2, activation="sigmoid"), MazeTask(maze))
    return evornn.Problem(evornn.CTRNN.codec(5, 10, tau_range=(5.0, 20.0)), MazeTask(maze))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maze", nargs="+", default=["hard"], choices=["medium", "hard"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=250_000)
    parser.add_argument("--methods", nargs="+", default=["novelty", "ga"], choices=list(SETUPS))
    args = parser.parse_args()
    print(environment_header())
    print(f"\nMazes: population {N_POP}, budget {args.budget:,} evaluations, {args.seeds} seeds")
    print(f"{'maze':<8}{'method':<14}{'solved':>8}{'median evals':>14}{'quartiles':>22}{'median s':>10}")
    for maze in args.maze:
        for label in args.methods:
            method, options = SETUPS[label]
            evals, seconds = [], []
            for seed in range(args.seeds):
                start = time.perf_counter()
                result = evornn.evolve(problem(maze, method), method, n_pop=N_POP, n_generations=args.budget // N_POP,
                                       rng=seed, target_solved=1, progress=False, **options)
                seconds.append(time.perf_counter() - start)
                evals.append(result.n_evaluations if result.stop_reason == "target_solved" else np.inf)
            q1, med, q3 = np.percentile(evals, [25, 50, 75], method="lower")
            solved = int(np.isfinite(evals).sum())
            print(f"{maze:<8}{label:<14}{solved:>5}/{args.seeds:<2}{med:>14,.6g}{f'{q1:,.6g} - {q3:,.6g}':>22}"
                  f"{np.median(seconds):>10.1f}", flush=True)


if __name__ == "__main__":
    main()
