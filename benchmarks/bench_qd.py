"""Quality-diversity against pyribs on the linear-projection sphere of the CMA-ME paper.

The domain (Fontaine, Togelius, Nikolaidis and Hoover 2020): genomes of `--dim` genes
(20 or 100) scaled to [-5.12, 5.12] (each library's samples are clipped into that box before
evaluation, as evornn's loop does), the sphere shifted to 0.4 x 5.12 and normalised to
[0, 100], and two descriptors, the sums of the two halves of the genes (clipped at +-5.12 as
in the paper). A 100 x 100 grid archive over [-5.12 dim / 2, 5.12 dim / 2]^2, QD-score offset
0. Each library runs with the same settings and budget (`--budget` evaluations, 15
emitters of 37, the first MAP-Elites generation the same 555 uniform genomes):

- MAP-Elites, Gaussian variation (sigma 0.5 in the domain's units): evornn ``map_elites``
  against pyribs ``GaussianEmitter`` (with ``bounds`` at the gene box, so that both keep
  children clipped into it);
- MAP-Elites, iso+line-DD (iso 0.01 x 5.12, line 0.2): ``map_elites`` against
  ``IsoLineEmitter`` (bounds as above);
- CMA-ME, improvement emitters from the origin (sigma 0.5): ``cma_me`` against
  ``EvolutionStrategyEmitter(ranker="2imp", selection_rule="filter",
  restart_rule="no_improvement")``.

Printed: the QD-score and coverage at the end (median and quartiles over `--seeds` seeds),
their ratio evornn / pyribs, and evaluations per second of the whole loop (the domain's
evaluation is the same NumPy function for both).

    python benchmarks/bench_qd.py [--dim 20] [--budget 200000] [--seeds 5]
"""

from __future__ import annotations

import argparse
import random
import time
from types import SimpleNamespace

import numpy as np

from evornn.environment import header as environment_header
from evornn.optim import METHODS
from evornn.tasks import FunctionTask

R = 5.12
EMITTERS, BATCH = 15, 37


def domain(dim: int):
    worst = dim * (R + 0.4 * R) ** 2

    def evaluate(genomes):
        x = R * np.clip(genomes, -1.0, 1.0)
        objective = 100 * (worst - np.sum((x - 0.4 * R) ** 2, axis=1)) / worst
        clipped = np.where(np.abs(x) <= R, x, R / x)
        half = dim // 2
        return objective, np.stack([clipped[:, :half].sum(axis=1), clipped[:, half:].sum(axis=1)], axis=1)

    bound = R * dim / 2
    task = FunctionTask(lambda model, rng: None, descriptors=[("bc1", -bound, bound), ("bc2", -bound, bound)])
    return evaluate, task, bound


def run_evornn(kind: str, dim: int, budget: int, seed: int):
    evaluate, task, _ = domain(dim)
    n_pop = EMITTERS * BATCH
    if kind == "cma_me":
        options = {"emitters": EMITTERS, "sigma": 0.5 / R, "centroid": "center", "cells": 100}
    elif kind == "gaussian":
        options = {"variation": "gaussian", "sigma": 0.5 / R, "cells": 100}
    else:
        options = {"variation": "iso_line_dd", "sigma_iso": 0.01, "sigma_line": 0.2, "cells": 100}
    method = "cma_me" if kind == "cma_me" else "map_elites"
    strategy = METHODS[method](dim, n_pop, 10**9, np.random.default_rng(seed), random.Random(seed), **options)
    strategy.attach(SimpleNamespace(task=task))
    used, start = 0, time.perf_counter()
    if method == "map_elites":  # the same first generation as pyribs's initial solutions
        genomes = np.random.default_rng(1000 + seed).uniform(-1, 1, size=(n_pop, dim))
        strategy.tell_descriptors(genomes, *evaluate(genomes))
        used += n_pop
    while used < budget:
        genomes = strategy.ask()
        strategy.tell_descriptors(genomes, *evaluate(genomes))
        used += len(genomes)
    seconds = time.perf_counter() - start
    metrics = strategy.archive.metrics()
    return metrics["qd_score"], metrics["coverage"], used / seconds


def run_pyribs(kind: str, dim: int, budget: int, seed: int):
    from ribs.archives import GridArchive
    from ribs.emitters import EvolutionStrategyEmitter, GaussianEmitter, IsoLineEmitter
    from ribs.schedulers import Scheduler

    evaluate, _, bound = domain(dim)
    archive = GridArchive(solution_dim=dim, dims=(100, 100), ranges=[(-bound, bound)] * 2, seed=seed)
    seeds = np.random.default_rng(seed).integers(0, 2**31, EMITTERS)
    if kind == "cma_me":
        emitters = [EvolutionStrategyEmitter(archive, x0=np.zeros(dim), sigma0=0.5 / R, ranker="2imp",
                                             selection_rule="filter", restart_rule="no_improvement",
                                             batch_size=BATCH, seed=int(s)) for s in seeds]
    else:
        initial = np.random.default_rng(1000 + seed).uniform(-1, 1, size=(EMITTERS * BATCH, dim))
        parts = np.split(initial, EMITTERS)
        box = [(-1.0, 1.0)] * dim  # children clipped into the gene box, as evornn's MAP-Elites keeps them
        if kind == "gaussian":
            emitters = [GaussianEmitter(archive, sigma=0.5 / R, initial_solutions=part, batch_size=BATCH, bounds=box,
                                        seed=int(s)) for s, part in zip(seeds, parts, strict=True)]
        else:
            emitters = [IsoLineEmitter(archive, iso_sigma=0.01, line_sigma=0.2, initial_solutions=part, bounds=box,
                                       batch_size=BATCH, seed=int(s)) for s, part in zip(seeds, parts, strict=True)]
    scheduler = Scheduler(archive, emitters)
    used, start = 0, time.perf_counter()
    while used < budget:
        solutions = scheduler.ask()
        objective, measures = evaluate(solutions)
        scheduler.tell(objective, measures)
        used += len(solutions)
    seconds = time.perf_counter() - start
    stats = archive.stats
    return float(stats.qd_score), float(stats.coverage), used / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=20)
    parser.add_argument("--budget", type=int, default=200_000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(environment_header())
    try:
        import ribs
    except ImportError:
        print("pyribs is not installed: pip install '.[bench]'")
        return
    print(f"# pyribs {ribs.__version__}")
    print(f"\nLinear-projection sphere, {args.dim} genes, 100 x 100 grid, {args.budget:,} evaluations, "
          f"{args.seeds} seeds (median, quartiles)")
    print(f"{'algorithm':<22}{'library':<9}{'QD-score':>12}{'quartiles':>24}{'coverage':>10}{'ratio':>8}"
          f"{'evals/s':>11}{'speed ratio':>13}")
    for kind, label in (("gaussian", "MAP-Elites (Gaussian)"), ("iso_line", "MAP-Elites (iso+line)"),
                        ("cma_me", "CMA-ME")):
        rows = {}
        for library, run in (("evornn", run_evornn), ("pyribs", run_pyribs)):
            rows[library] = np.array([run(kind, args.dim, args.budget, seed) for seed in range(args.seeds)])
        base_score, base_speed = np.median(rows["pyribs"][:, 0]), np.median(rows["pyribs"][:, 2])
        for library, values in rows.items():
            q1, med, q3 = np.percentile(values[:, 0], [25, 50, 75])
            speed = np.median(values[:, 2])
            print(f"{label:<22}{library:<9}{med:>12,.0f}{f'{q1:,.0f} - {q3:,.0f}':>24}{np.median(values[:, 1]):>10.3f}"
                  f"{med / base_score:>8.3f}{speed:>11,.0f}{speed / base_speed:>13.1f}")


if __name__ == "__main__":
    main()
