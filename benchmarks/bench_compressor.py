"""The neural history compressor against a flat network of the same size, across long gaps.

The stream of :func:`evornn.datasets.long_gap` (after Schmidhuber 1992): sequences
``s b1 .. b_gap S``, the first symbol ``a`` or ``x`` at random, the last ``A`` or ``X``
naming it `gap` + 1 steps later; 200 training sequences, 100 test sequences that follow.
Per gap and seed (a new stream and new reservoirs per seed), ``LongGapTask`` scores:

- the compressor: two levels of 100-unit echo state networks (spectral radius 0.9, input
  scaling 1, density 0.1), readouts fitted level by level;
- a flat echo state network of 200 units with the same hyperparameters;
- the best flat network over spectral radii 0.5 to 1.1 (chosen on the test stream itself:
  an upper bound on what tuning the flat network could give);
- the distilled automatiser: one 200-unit network whose expectation is fed back (scale 0.3, ridge
  1e-2), taught by the fitted compressor, then run alone.

Printed per gap and model: the seeds whose last symbols are all but 5% predicted
(``solved >= 0.95``), the median and quartiles of the fraction predicted (0.5 is chance), and
for the compressor the fraction of steps level 1 read. The median compressor run at the
largest gap is drawn to ``docs/images/history_compressor.png`` beside the flat network.

    python benchmarks/bench_compressor.py [--seeds 10] [--gaps 10 30 100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from evornn import ESN
from evornn.environment import header as environment_header
from evornn.models import HistoryCompressor
from evornn.tasks import LongGapTask

ROOT = Path(__file__).resolve().parents[1]
SOLVED = 0.95
RADII = (0.5, 0.8, 0.9, 0.95, 0.99, 1.1)


def models(n_symbols: int, seed: int) -> dict:
    reservoir = {"spectral_radius": 0.9, "input_scaling": 1.0}
    levels = [ESN.random(100, n_symbols, n_symbols, rng=1000 * seed + k, **reservoir) for k in (1, 2)]
    return {
        "compressor, 2 levels of 100": HistoryCompressor(levels),
        "flat ESN, 200 units": ESN.random(200, n_symbols, n_symbols, rng=1000 * seed + 3, **reservoir),
        "flat ESN, 200, best radius": ESN.random(200, n_symbols, n_symbols, spectral_radius=list(RADII),
                                                 input_scaling=1.0, rng=1000 * seed + 3),
    }


def distilled(task: LongGapTask, compressor: HistoryCompressor, seed: int) -> float:
    n = task.n_symbols
    train, test = task.inputs[: task.n_split], task.inputs[task.n_split:]
    fitted = compressor.fit(train, washout=task.washout)
    automatiser = ESN.random(200, n, 2 * n, spectral_radius=0.9, input_scaling=1.0, feedback_scaling=0.3, ridge=1e-2,
                             rng=1000 * seed + 4)
    automatiser = fitted.distill(automatiser, train)
    return float(task.score(automatiser.predict(test)[:, :, :n])["solved"][0])


def run(n_seeds: int, gaps) -> None:
    names = [*models(8, 0), "distilled automatiser, 200"]
    print(f"\nLong gaps: 200 training and 100 test sequences per seed, {n_seeds} seeds; "
          f"'solved' = fraction of test sequences whose last symbol is predicted (0.5 chance)")
    print(f"{'gap':>4}  {'model':<32}{f'solved >= {SOLVED}':>16}{'median (quartiles)':>22}{'level-1 ticks':>15}"
          f"{'s/seed':>8}")
    drawn = None
    for gap in gaps:
        scores = {name: [] for name in names}
        ticks, seconds = [], {name: 0.0 for name in names}
        compressors = []
        for seed in range(n_seeds):
            task = LongGapTask(gap, n_train=200, n_test=100, seed=seed)
            for name, model in models(task.n_symbols, seed).items():
                start = time.perf_counter()
                result = task.evaluate(model)
                seconds[name] += time.perf_counter() - start
                scores[name].append(np.max(result.metrics["solved"]))
                if "ticks" in result.metrics:
                    ticks.append(result.metrics["ticks"][0])
                    compressors.append((result.metrics["solved"][0], seed, model))
            start = time.perf_counter()
            scores[names[-1]].append(distilled(task, compressors[-1][2], seed))
            seconds[names[-1]] += time.perf_counter() - start
        for name in names:
            s = np.array(scores[name])
            q1, med, q3 = np.percentile(s, [25, 50, 75], method="lower")
            tick = f"{np.median(ticks):.4f}" if name.startswith("compressor") else "-"
            print(f"{gap:>4}  {name:<32}{f'{(s >= SOLVED).sum()}/{n_seeds}':>16}"
                  f"{f'{med:.2f} ({q1:.2f}-{q3:.2f})':>22}{tick:>15}{seconds[name] / n_seeds:>8.2f}", flush=True)
        drawn = (gap, sorted(compressors, key=lambda c: c[0])[len(compressors) // 2])
    if drawn is not None:
        draw(*drawn)


def draw(gap, chosen) -> None:
    from evornn.plotting import save_png

    _, seed, compressor = chosen
    task = LongGapTask(gap, n_train=200, n_test=100, seed=seed)
    flat = models(task.n_symbols, seed)["flat ESN, 200 units"]
    out = ROOT / "docs" / "images"
    save_png(task.plot(compressor, title=f"history compressor, gap {gap} (seed {seed})"),
             out / "history_compressor.png")
    save_png(task.plot(flat, title=f"flat echo state network of 200 units, gap {gap} (seed {seed})"),
             out / "history_compressor_flat.png")
    print("drawn: docs/images/history_compressor.png, docs/images/history_compressor_flat.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--gaps", type=int, nargs="+", default=[10, 30, 100])
    args = parser.parse_args()
    print(environment_header())
    run(args.seeds, args.gaps)


if __name__ == "__main__":
    main()
