"""Memory-augmented networks evolved without gradients: a tape machine on the copy task and
a stack machine on a^n b^n, each tested on sequences longer than any it was trained on,
beside the same evolution without the memory and CMA-ES with a fixed-topology controller.

Per task and seed (``--seeds``, default 10, seeds 1..n), the same budget of evaluations for
every row of a task (copy: NEAT with population 300 for at most 500 generations, CMA-ES
with population 100 for at most 1500; a^n b^n: twice as many generations); a run stops
once every training sequence is solved:

- copy (``experiments/entm_copy.toml``: a start flag, 1 to 10 random 2-bit vectors, a
  delimiter, the vectors given back; 20 training sequences; the held-out test: 100
  sequences of 11 to 40 vectors). Rows: the evolvable neural Turing machine with a
  feed-forward NEAT controller (Greve, Jacobsen and Risi 2016; the file's settings); a
  recurrent NEAT network alone, no tape, same settings; the same machine with an Elman
  controller of 6 units evolved by CMA-ES (weights in +-5).
- a^n b^n (next-symbol prediction on S a^n b^n T, n = 1..10, ``SequenceTask.anbncn(counts=2)``,
  fitness: strings right first; the held-out test: the largest N such that every string up
  to n = N is right, tried to 1000). Rows: the continuous stack with a recurrent NEAT
  controller of sigmoid nodes (``experiments/stack_anbn.toml``); a recurrent NEAT network
  alone; the stack with an Elman controller of 6 units evolved by CMA-ES (weights in +-10).

Printed per row: the seeds whose training sequences were all solved, the seeds that also
solved the held-out test (copy: every test sequence; a^n b^n: N >= 100), the median and
quartiles of the test score (copy: fraction of test sequences copied; a^n b^n: N), the median
evaluations (a run that missed counts its whole budget) and the seconds per seed. The best
copy machine's run on a test sequence of 30 vectors is drawn to ``docs/images/entm_copy.png``.

    python benchmarks/bench_memory.py [--seeds 10] [--tasks copy anbn]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import evornn
from evornn import datasets
from evornn.environment import header as environment_header
from evornn.models import ENTM, NeuralStack
from evornn.neat import NEATCodec
from evornn.tasks import SequenceTask

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {"copy": ({"n_pop": 300, "n_generations": 500}, {"n_pop": 100, "n_generations": 1500}),
           "anbn": ({"n_pop": 300, "n_generations": 1000}, {"n_pop": 100, "n_generations": 3000})}
NEAT_OPTIONS = {"species_target": 10, "weight_mutate_power": 1.5, "weight_mutate_rate": 0.6}
LARGEST_N = 1000


def copy_task(seed: int = 0) -> SequenceTask:
    return SequenceTask.copy(n_seq=20, width=2, length=(1, 10), test_length=(11, 40), start=True, seed=seed)


def copy_rows() -> dict:
    neat = {"weight_range": (-10.0, 10.0), "bias_range": (-10.0, 10.0), "max_nodes": 64, "max_connections": 1000}
    return {
        "tape (ENTM), NEAT feed-forward controller": (
            "neat", ENTM.codec(0, 4, 2, width=3, controller="neat", weight_range=(-10.0, 10.0),
                               neat={"feed_forward": True, "max_nodes": 64, "max_connections": 1000})),
        "no memory, recurrent NEAT network": ("neat", NEATCodec(4, 2, **neat)),
        "tape (ENTM), Elman controller (6 units), CMA-ES": ("cmaes", ENTM.codec(6, 4, 2, width=3)),
    }


def anbn_task() -> SequenceTask:
    return SequenceTask.anbncn(n_max=10, counts=2, score="solved")


def anbn_rows() -> dict:
    neat = {"weight_range": (-10.0, 10.0), "bias_range": (-10.0, 10.0), "max_nodes": 64, "max_connections": 1000}
    return {
        "stack, recurrent NEAT controller": (
            "neat", NeuralStack.codec(0, 3, 3, width=1, controller="neat", weight_range=(-10.0, 10.0),
                                      neat={"max_nodes": 64, "max_connections": 1000})),
        "no memory, recurrent NEAT network": ("neat", NEATCodec(3, 3, **neat)),
        "stack, Elman controller (6 units), CMA-ES": (
            "cmaes", NeuralStack.codec(6, 3, 3, width=1, weight_range=(-10.0, 10.0))),
    }


def run(task, method: str, codec, seed: int, budget: str) -> tuple:
    settings = BUDGETS[budget][0 if method == "neat" else 1]
    options = NEAT_OPTIONS if method == "neat" else {}
    start = time.perf_counter()
    result = evornn.evolve(evornn.Problem(codec, task), method, rng=seed, target_solved=1.0, progress=False,
                           **settings, **options)
    seconds = time.perf_counter() - start
    best = result.best_model.take([0])
    return result, best, seconds


def table(title: str, budget: str, rows: dict, task_of, test_of, test_solved, test_name: str, n_seeds: int) -> dict:
    print(f"\n{title}")
    print(f"{'':<50}{'train solved':>13}{'test solved':>12}{test_name:>33}{'evaluations':>13}{'s/seed':>8}")
    best = {}
    for name, (method, codec) in rows.items():
        runs = []
        for seed in range(1, n_seeds + 1):
            task = task_of()
            result, best, seconds = run(task, method, codec, seed, budget)
            runs.append({"train": float(result.best_metrics["solved"]), "test": test_of(task, best),
                         "evaluations": result.n_evaluations, "seconds": seconds, "model": best, "seed": seed})
        test = np.array([r["test"] for r in runs], dtype=float)
        q1, med, q3 = np.percentile(test, [25, 50, 75], method="lower")
        trained = sum(r["train"] == 1.0 for r in runs)
        tested = sum(test_solved(r["test"]) for r in runs)
        fmt = (lambda v: f"{v:.0f}") if test_name.startswith("largest") else (lambda v: f"{v:.2f}")
        print(f"{name:<50}{f'{trained}/{n_seeds}':>13}{f'{tested}/{n_seeds}':>12}"
              f"{f'{fmt(med)} ({fmt(q1)}-{fmt(q3)})':>33}{int(np.median([r['evaluations'] for r in runs])):>13}"
              f"{np.mean([r['seconds'] for r in runs]):>8.1f}", flush=True)
        best[name] = max(runs, key=lambda r: (r["test"], -r["evaluations"]))
    return best


def copy_benchmark(n_seeds: int) -> None:
    neat, cmaes = BUDGETS["copy"]
    best = table("Copy: 2-bit vectors, trained on lengths 1-10, tested on 100 sequences of lengths 11-40; "
                    f"NEAT {neat}, CMA-ES {cmaes}", "copy", copy_rows(), copy_task,
                    lambda task, best: float(task.test_task.evaluate(best).metrics["solved"][0]),
                    lambda v: v == 1.0, "test copied, median (quartiles)", n_seeds)
    chosen = best["tape (ENTM), NEAT feed-forward controller"]
    draw(chosen["model"], chosen["seed"])


def draw(entm, seed: int) -> None:
    from evornn.plotting import plot_tape, save_png

    data = datasets.copy_task(1, width=2, length=(30, 30), start=True, rng=2026)
    out, heads = entm.trace(data.inputs[0])
    right = np.all(np.abs(out[:, 0] - data.targets[0]) <= 0.5, axis=1)[data.mask[0]].mean()
    fig = plot_tape(data.inputs[0], out[:, 0], heads[:, 0], targets=data.targets[0], mask=data.mask[0],
                    title=f"Evolved ENTM (seed {seed}, the best) copying 30 vectors, trained on at most 10: "
                          f"{right:.0%} right")
    fig.axes[0].set_yticks(range(4), ["bit 0", "bit 1", "delimiter", "start"])
    save_png(fig, ROOT / "docs" / "images" / "entm_copy.png")
    print("drawn: docs/images/entm_copy.png")


def anbn_benchmark(n_seeds: int) -> None:
    neat, cmaes = BUDGETS["anbn"]
    table(f"a^n b^n: next-symbol prediction, trained on n = 1-10, tested on every n up to {LARGEST_N}; "
          f"NEAT {neat}, CMA-ES {cmaes}", "anbn", anbn_rows(), anbn_task,
          lambda task, best: int(task.largest_n(best, LARGEST_N)[0]), lambda v: v >= 100,
          "largest N, median (quartiles)", n_seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--tasks", nargs="+", choices=("copy", "anbn"), default=("copy", "anbn"))
    args = parser.parse_args()
    print(environment_header())
    if "copy" in args.tasks:
        copy_benchmark(args.seeds)
    if "anbn" in args.tasks:
        anbn_benchmark(args.seeds)


if __name__ == "__main__":
    main()
