"""NARX networks on a classic system-identification benchmark, beside the other recurrent
models given the same budget.

Narendra and Parthasarathy's plant (1990, Example 2; :func:`evornn.datasets.narendra`),
``y(k+1) = y(k) y(k-1) (y(k) + 2.5) / (1 + y(k)^2 + y(k-1)^2) + u(k)``, identified from
4 sequences of 200 random inputs uniform in [-2, 2] (``SequenceTask.identification``) by
CMA-ES (population 24, weights in [-1, 1]); every model runs free (a "parallel" model: what
it feeds back is its own output). Tested on their input ``u(k) = sin(2 pi k / 25)``, 500
steps. Printed per model over `--seeds` seeds: the test MSE (median, quartiles), the runs
whose test MSE is below 0.05 (the plant's output on the test has variance 2.5), and
the wall time; the plant and the median NARX run's output on the test are drawn to
``docs/images/narx_identification.png``.

    python benchmarks/bench_narx.py [--seeds 10] [--generations 1500]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import evornn
from evornn.environment import header as environment_header
from evornn.models import NARX, RMLP, Elman
from evornn.tasks import SequenceTask

ROOT = Path(__file__).resolve().parents[1]
GOOD = 0.05
WEIGHTS = (-1.0, 1.0)
MODELS = {
    "NARX, 8 hidden, taps u(k), y(k), y(k-1)": NARX.codec(8, 1, 1, input_delays=1, output_delays=2,
                                                          weight_range=WEIGHTS),
    "NARX, 8 hidden, taps u(k), u(k-1), y(k)...y(k-2)": NARX.codec(8, 1, 1, input_delays=2, output_delays=3,
                                                                   weight_range=WEIGHTS),
    "RMLP, 2 layers of 5": RMLP.codec(5, 1, 1, n_layers=2, weight_range=WEIGHTS),
    "Elman, 8 hidden": Elman.codec(8, 1, 1, weight_range=WEIGHTS),
}


def run(n_seeds: int, generations: int) -> None:
    task = SequenceTask.identification(n_seq=4, n_steps=200, seed=0)
    test = task.test_task
    print(f"\nNarendra and Parthasarathy's plant, CMA-ES population 24, {generations} generations "
          f"({24 * generations:,} evaluations), {n_seeds} seeds; test: u(k) = sin(2 pi k / 25), "
          f"variance of the plant's output {test.targets.var():.2f}")
    print(f"{'model':<50}{'genes':>6}{'test MSE median (quartiles)':>32}{f'MSE < {GOOD}':>12}{'s/run':>8}")
    best_runs = {}
    for name, codec in MODELS.items():
        problem = evornn.Problem(codec, task)
        scores, models, start = [], [], time.perf_counter()
        for seed in range(n_seeds):
            result = evornn.evolve(problem, "cmaes", n_pop=24, n_generations=generations, rng=seed, progress=False)
            scores.append(task.report(result.best_model)["test_mse"])
            models.append(result.best_model)
        scores = np.array(scores)
        q1, med, q3 = np.percentile(scores, [25, 50, 75], method="lower")
        print(f"{name:<50}{codec.n_genes:>6}{f'{med:.3f} ({q1:.3f}-{q3:.3f})':>32}"
              f"{f'{(scores < GOOD).sum()}/{n_seeds}':>12}{(time.perf_counter() - start) / n_seeds:>8.1f}", flush=True)
        best_runs[name] = models[int(np.flatnonzero(scores == med)[0])]
    draw(test, best_runs)


def draw(test, runs) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = next(iter(runs))
    model = runs[name]
    z = model.outputs(evornn.simulate(model, inputs=test.inputs[0][:, None, :]).y[1:])[:, 0, 0]
    k = np.arange(test.targets.shape[1])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, height_ratios=[3, 1])
    top.plot(k, test.targets[0, :, 0], color="black", lw=1.5, label="plant")
    top.plot(k, z, color="tab:red", lw=1.0, ls="--", label=f"{name} (the run with the median test MSE)")
    top.set_ylabel("y(k + 1)")
    fig.suptitle("Identification of Narendra and Parthasarathy's plant; test input u(k) = sin(2 pi k / 25)")
    top.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize="small")
    bottom.plot(k, z - test.targets[0, :, 0], color="tab:red", lw=0.8)
    bottom.axhline(0.0, color="grey", lw=0.5)
    bottom.set_xlabel("step k")
    bottom.set_ylabel("model - plant")
    fig.tight_layout()
    out = ROOT / "docs" / "images" / "narx_identification.png"
    fig.savefig(out, dpi=110)
    print(f"drawn: {out.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--generations", type=int, default=1500)
    args = parser.parse_args()
    print(environment_header())
    run(args.seeds, args.generations)


if __name__ == "__main__":
    main()
