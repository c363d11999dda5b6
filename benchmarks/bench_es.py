"""The evolution-strategy family: known optima, restarts on Rastrigin, and cost per step.

1. Dimension 10, each method driven by ask and tell on a function with a known optimum
   (sphere; Rosenbrock with its optimum moved to the origin), over seeds: how many reach the
   issue's targets within its budgets (sphere f < 1e-8 for sep-CMA-ES, SNES and xNES and
   f < 1e-3 at the mean for OpenAI-ES and PGPE within 50,000 evaluations; Rosenbrock
   f < 1e-6 for sep-CMA-ES and xNES within 200,000), and the evaluations used (median and
   quartiles of the successful runs).
2. Rastrigin in dimension 10 (genes in [-1, 1] scaled to [-5.12, 5.12]), 1,000,000
   evaluations per run: CMA-ES with IPOP and with BIPOP restarts, and without restarts,
   first population 10 (CMA-ES's default, 4 + 3 ln 10), sigma 0.5: runs reaching
   f < 1e-8, evaluations and restarts used.
3. One generation (ask and tell) at 10,000 genes and population 100 for the separable
   methods: median of 20 (the issue's bar: below 20 ms).

    python benchmarks/bench_es.py [--seeds 10] [--only 1 2 3]
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from evornn.environment import header as environment_header
from evornn.optim import METHODS


def sphere(x):
    return np.sum(x**2, axis=1)


def rosenbrock(x):
    x = x + 1.0
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)


def rastrigin(x):
    x = 5.12 * x
    return 10 * x.shape[1] + np.sum(x**2 - 10 * np.cos(2 * np.pi * x), axis=1)


def strategy(method: str, n_genes: int, n_pop: int, seed: int, **options):
    return METHODS[method](n_genes, n_pop, 10**9, np.random.default_rng(seed), random.Random(seed), **options)


def evaluations_to(method, f, target, budget, n_pop, seed, at_mean=False, **options):
    """Evaluations until f < target (at the distribution's mean if `at_mean`, else the best
    sample), or None within `budget`; and the strategy."""
    s = strategy(method, 10, n_pop, seed, **options)
    evaluations = 0
    while evaluations < budget:
        genomes = s.ask()
        values = f(genomes)
        s.tell(genomes, -values)
        evaluations += len(genomes)
        reached = f(s.mean[None])[0] if at_mean else values.min()
        if reached < target:
            return evaluations, s
    return None, s


def summary(counts: list) -> str:
    done = [c for c in counts if c is not None]
    if not done:
        return f"{0:>6}/{len(counts):<3}{'-':>14}{'-':>22}"
    q1, med, q3 = np.percentile(done, [25, 50, 75])
    return f"{len(done):>6}/{len(counts):<3}{med:>14,.0f}{f'{q1:,.0f} - {q3:,.0f}':>22}"


def known_optima(n_seeds: int) -> None:
    print(f"\n1. Known optima, dimension 10, {n_seeds} seeds (ask and tell on the function)")
    print(f"{'method':<11}{'function':<12}{'target':<20}{'n_pop':>6}{'solved':>10}{'median evals':>14}"
          f"{'quartiles':>22}")
    cases = [("sep_cmaes", "sphere", 1e-8, 50_000, 20, False, {}), ("snes", "sphere", 1e-8, 50_000, 20, False, {}),
             ("xnes", "sphere", 1e-8, 50_000, 20, False, {}), ("openai_es", "sphere", 1e-3, 50_000, 100, True, {}),
             ("pgpe", "sphere", 1e-3, 50_000, 100, True, {"max_speed": 0.02}),
             ("sep_cmaes", "rosenbrock", 1e-6, 200_000, 20, False, {}),
             ("xnes", "rosenbrock", 1e-6, 200_000, 20, False, {})]
    functions = {"sphere": sphere, "rosenbrock": rosenbrock}
    for method, name, target, budget, n_pop, at_mean, options in cases:
        counts = [evaluations_to(method, functions[name], target, budget, n_pop, seed, at_mean, **options)[0]
                  for seed in range(n_seeds)]
        where = "at mean" if at_mean else "best"
        print(f"{method:<11}{name:<12}{f'f < {target:g} ({where})':<20}{n_pop:>6}{summary(counts)}")
    print("(PGPE with ClipUp's max_speed 0.02: its mean moves at up to that speed, so it is set to the precision wanted)")


def restarts(n_seeds: int) -> None:
    budget = 1_000_000
    print(f"\n2. Rastrigin, dimension 10, {n_seeds} seeds, {budget:,} evaluations each, first population 10, sigma 0.5")
    print(f"{'method':<18}{'solved':>10}{'median evals':>14}{'quartiles':>22}{'restarts (median)':>19}"
          f"{'time/run':>10}")
    for mode in ("ipop", "bipop", "none"):
        counts, used, seconds = [], [], []
        for seed in range(n_seeds):
            start = time.perf_counter()
            # Without restarts a run that has converged to a local minimum stays there: 100,000 suffice.
            count, s = evaluations_to("cmaes", rastrigin, 1e-8, budget if mode != "none" else 100_000, 10, seed,
                                      restarts=mode, sigma=0.5)
            seconds.append(time.perf_counter() - start)
            counts.append(count)
            used.append(s.restarts)
        label = "cmaes (100,000)" if mode == "none" else f"cmaes {mode}"
        print(f"{label:<18}{summary(counts)}{np.median(used):>19.0f}{np.median(seconds):>9.1f}s")


def separable_step(repeats: int = 20) -> None:
    n_genes, n_pop = 10_000, 100
    print(f"\n3. One generation (ask + tell) at {n_genes:,} genes, population {n_pop} (median of {repeats})")
    print(f"{'method':<11}{'ms':>8}")
    for method in ("sep_cmaes", "snes", "openai_es", "pgpe"):
        s = strategy(method, n_genes, n_pop, 0)
        fitness = np.random.default_rng(1).standard_normal(n_pop + 1)
        times = []
        for _ in range(repeats + 2):
            start = time.perf_counter()
            genomes = s.ask()
            s.tell(genomes, fitness[: len(genomes)])
            times.append(time.perf_counter() - start)
        print(f"{method:<11}{np.median(times[2:]) * 1e3:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--only", nargs="+", type=int, default=None, help="run only these sections (1-3)")
    args = parser.parse_args()
    chosen = set(args.only or range(1, 4))
    print(environment_header())
    if 1 in chosen:
        known_optima(args.seeds)
    if 2 in chosen:
        restarts(args.seeds)
    if 3 in chosen:
        separable_step()


if __name__ == "__main__":
    main()
