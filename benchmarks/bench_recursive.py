"""Recursive networks over trees: evolved to evaluate Boolean formulas, tested on deeper ones,
beside a flat recurrent network reading the same formulas as strings; and their speed.

Evolution (``--seeds``, default 10): per seed, ``TreeTask.boolean`` draws 300 training
formulas of depth 1 to 3 and 300 test formulas of depth 4 to 6 over ``T F not and or``
(:func:`evornn.datasets.boolean_formulas`, classes balanced at every depth). CMA-ES
(population 40, at most 600 generations, stopped once the training MSE is below 1e-3)
evolves

- a recursive network of 4 tanh units with a tanh output (61 genes), over the trees;
- an Elman network of 5 units with a tanh output (61 genes), over the formulas in prefix
  notation (one symbol per step, the answer read after the last symbol), the flat
  baseline: the same genes, the same budget, no structure given.

Printed: the seeds whose training formulas are all right, the median and quartiles of the
fraction right on the deeper test formulas and at each test depth, the evaluations used
and the seconds per seed. The median recursive run's accuracy by depth is drawn to
``docs/images/recursive_boolean.png`` beside the median flat run's.

Speed (``--speed``): one call scoring 100 networks on the 300 test formulas, in network-node
updates per second, against hand-written NumPy that runs the population as a batch node by
node (what one writes without evornn), in the same run (medians of alternating calls).

    python benchmarks/bench_recursive.py [--seeds 10] [--speed]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _timing import alternating_medians  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn import datasets
from evornn.environment import header as environment_header
from evornn.models import Elman
from evornn.models.recursive import RecursiveNet
from evornn.tasks import SequenceTask, TreeTask

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"n_pop": 40, "n_generations": 600, "target_mse": 1e-3}
TEST_DEPTHS = (4, 5, 6)
DEPTHS = (1, 2, 3, *TEST_DEPTHS)


def prefix(term) -> list[str]:
    """A formula in prefix (Polish) notation, one symbol per step."""
    if not isinstance(term, tuple):
        return [term]
    return [term[0], *(s for arg in term[1:] for s in prefix(arg))]


def as_strings(terms, values) -> SequenceTask:
    """The formulas as padded one-hot strings, the target (+1 true, -1 false) at the last
    symbol; a tolerance of 1 makes 'solved' the fraction with the right sign."""
    strings = [prefix(t) for t in terms]
    n_steps = max(len(s) for s in strings)
    index = {s: i for i, s in enumerate(datasets.BOOLEAN_SYMBOLS)}
    inputs = np.zeros((len(strings), n_steps, len(index)))
    targets = np.zeros((len(strings), n_steps, 1))
    mask = np.zeros((len(strings), n_steps), dtype=bool)
    for k, s in enumerate(strings):
        inputs[k, np.arange(len(s)), [index[c] for c in s]] = 1.0
        targets[k, len(s) - 1, 0] = 1.0 if values[k] else -1.0
        mask[k, len(s) - 1] = True
    return SequenceTask(inputs, targets, mask=mask, tolerance=1.0)


def formulas(seed: int):
    train_rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    return (datasets.boolean_formulas(300, depth=(1, 3), rng=train_rng),
            datasets.boolean_formulas(300, depth=(TEST_DEPTHS[0], TEST_DEPTHS[-1]), rng=test_rng))


def by_depth(right: np.ndarray, depth: np.ndarray, depths=TEST_DEPTHS) -> list[float]:
    return [float(right[depth == d].mean()) for d in depths]


def evolve_tree(seed: int) -> dict:
    task = TreeTask.boolean(n_train=300, n_test=300, seed=seed)
    codec = RecursiveNet.codec(4, task.trees.n_labels, output_activation="tanh")
    result = evornn.evolve(evornn.Problem(codec, task), "cmaes", rng=seed, progress=False, **SETTINGS)
    best = result.best_model.take([0])
    right = task.right(best.run(task.test), task.test_targets)[0]
    return {"train": float(task.evaluate(best).metrics["learned"][0]), "test": float(right.mean()),
            "depths": by_depth(right, task.test.depth), "evaluations": result.n_evaluations,
            "model": best, "task": task}


def evolve_flat(seed: int) -> dict:
    (terms, values), (test_terms, test_values) = formulas(seed)
    task, test = as_strings(terms, values), as_strings(test_terms, test_values)
    codec = Elman.codec(5, 5, 1, output_activation="tanh")
    result = evornn.evolve(evornn.Problem(codec, task), "cmaes", rng=seed, progress=False, **SETTINGS)
    best = result.best_model.take([0])
    solved = test.evaluate(best).metrics["solved"][0]
    depth = np.array([_depth(t) for t in terms + test_terms])
    hit = np.concatenate([_string_hits(task, best), _string_hits(test, best)])
    return {"train": float(task.evaluate(best).metrics["solved"][0]), "test": float(solved),
            "depths": by_depth(hit, depth), "all_depths": by_depth(hit, depth, DEPTHS),
            "evaluations": result.n_evaluations, "model": best}


def _depth(term) -> int:
    return 0 if not isinstance(term, tuple) else 1 + max(_depth(a) for a in term[1:])


def _string_hits(task: SequenceTask, model) -> np.ndarray:
    """Whether each string's answer has the right sign (one network)."""
    traj = evornn.simulate(model.take(np.zeros(task.inputs.shape[0], dtype=int)),
                           inputs=np.ascontiguousarray(task.inputs.transpose(1, 0, 2)))
    out = traj.outputs[1:, :, 0]  # (n_steps, n_seq): the output after each symbol
    last = task.mask.argmax(axis=1)
    answer = out[last, np.arange(last.size)]
    return np.sign(answer) == np.sign(task.targets[np.arange(last.size), last, 0])


def evolution(n_seeds: int) -> None:
    print(f"\nBoolean formulas: 300 training formulas of depth 1-3, 300 test formulas of depth 4-6 per seed, "
          f"{n_seeds} seeds; CMA-ES, population {SETTINGS['n_pop']}, at most {SETTINGS['n_generations']} "
          f"generations, stop at training MSE {SETTINGS['target_mse']}")
    print(f"{'model (61 genes)':<34}{'train all right':>16}{'test right, median (quartiles)':>33}"
          + "".join(f"{f'depth {d}':>12}" for d in TEST_DEPTHS) + f"{'evaluations':>13}{'s/seed':>8}")
    runs = {}
    for name, fn in (("recursive network, 4 units", evolve_tree), ("Elman network on strings, 5 units", evolve_flat)):
        results, seconds = [], 0.0
        for seed in range(n_seeds):
            start = time.perf_counter()
            results.append(fn(seed))
            seconds += time.perf_counter() - start
        test = np.array([r["test"] for r in results])
        q1, med, q3 = np.percentile(test, [25, 50, 75], method="lower")
        depths = np.median([r["depths"] for r in results], axis=0)
        solved = sum(r["train"] == 1.0 for r in results)
        print(f"{name:<34}{f'{solved}/{n_seeds}':>16}{f'{med:.3f} ({q1:.3f}-{q3:.3f})':>33}"
              + "".join(f"{d:>12.3f}" for d in depths)
              + f"{int(np.median([r['evaluations'] for r in results])):>13}{seconds / n_seeds:>8.1f}", flush=True)
        runs[name] = sorted(results, key=lambda r: r["test"])[len(results) // 2]
    draw(runs)


def draw(runs: dict) -> None:
    from evornn.plotting import plot_tree_depths, save_png

    tree_name, flat_name = list(runs)
    tree = runs[tree_name]
    fig = plot_tree_depths(tree["task"].behaviour(tree["model"]), label=f"{tree_name} (median seed)",
                           title="Evolved networks on Boolean formulas: trained on depth 1-3")
    flat = runs[flat_name]
    fig.axes[0].plot(DEPTHS, flat["all_depths"], "s--", color="C1", label=f"{flat_name} (median seed)")
    fig.axes[0].legend(loc="lower left", frameon=False, fontsize="small")
    save_png(fig, ROOT / "docs" / "images" / "recursive_boolean.png")
    print("drawn: docs/images/recursive_boolean.png")


def numpy_forest(prm, trees) -> np.ndarray:
    """Hand-written NumPy: every network at once, node by node, tree by tree."""
    out = np.empty((prm.bias.shape[0], trees.n_trees))
    for t in range(trees.n_trees):
        first = trees.start[t]
        h = {}
        for v in range(first, trees.start[t + 1]):
            a = prm.bias + prm.w_in @ trees.labels[v]
            for k, c in enumerate(trees.children[v]):
                if c >= 0:
                    a += np.einsum("pij,pj->pi", prm.w_child[:, k], h[c])
            h[v] = np.tanh(a)
        out[:, t] = np.tanh(np.einsum("pi,pi->p", prm.w_out[:, 0], h[v]) + prm.b_out[:, 0])
    return out


def speed(repeats: int = 7) -> None:
    task = TreeTask.boolean(n_train=10, n_test=300, seed=0)
    nets = RecursiveNet.random(100, 4, task.trees.n_labels, output_activation="tanh", rng=0)
    updates = nets.n_pop * task.test.n_nodes
    assert np.allclose(numpy_forest(nets.params, task.test), nets.run(task.test)[:, :, 0], rtol=0, atol=1e-12)
    times = alternating_medians({"evornn": lambda: nets.run(task.test),
                                 "numpy": lambda: numpy_forest(nets.params, task.test)}, repeats)
    print(f"\nSpeed: 100 networks of 4 units on {task.test.n_trees} formulas ({task.test.n_nodes} nodes), "
          f"median of {repeats}")
    for name, seconds in times.items():
        print(f"  {name:<8}{seconds * 1e3:>10.2f} ms  {updates / seconds:>12.3g} node updates/s")
    print(f"  evornn is {times['numpy'] / times['evornn']:.0f}x faster than NumPy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--speed", action="store_true", help="only the speed comparison")
    args = parser.parse_args()
    print(environment_header())
    if not args.speed:
        evolution(args.seeds)
    speed()


if __name__ == "__main__":
    main()
