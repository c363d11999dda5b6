"""NEAT: the NEAT paper's benchmarks, and evornn against neat-python in the same run.

a. ``--xor``: XOR as in the NEAT paper (Stanley and Miikkulainen 2002): population 150,
   c1 = c2 = 1, c3 = 0.4, threshold 3.0, the steepened sigmoid, inputs two bits and a bias
   input, no node biases, add-node 0.03, add-connection 0.05, 80% of children with their
   weights mutated, at most 100 generations, `--seeds` seeds (100); what the paper does
   not state (the size of a weight perturbation, a weight cap) from NEAT's reference code.
   Then with two departures: add-connection 0.2 and the threshold adjusted each generation
   towards 15 species (a common NEAT option). Printed: runs solved, evaluations (mean,
   sd, worst), hidden nodes and enabled connections of the solutions (means), beside the
   paper's 100 of 100, 4,755 (sd 2,553), 2.35 and 7.48.
b. ``--peers``: evornn and neat-python 2.0 on the same neat-python configuration file
   (neat-python's XOR example, ``experiments/neat-python-xor.cfg``; evornn reads it with
   ``read_neat_config``), on XOR (two
   inputs, fitness 4 - sum of squared errors, threshold 3.9) and on the single pole with
   velocities (evornn's cart-pole physics for both: neat-python steps the compiled
   ``cartpole_rk4`` per step from its Python loop; 1,000 steps from 4.5 degrees, fitness
   the fraction balanced, threshold 1). Whole generations per second (evaluation,
   reproduction and speciation, 30 generations without stopping; median of `--repeats`)
   for evornn, neat-python's serial loop and its ``ParallelEvaluator`` on 2 processes; and
   evaluations to solve over `--seeds` seeds each, with a one-sided Mann-Whitney test of
   whether evornn needs more.
c. ``--double-pole``: the double pole with velocities (evornn's ``CartPoleTask``: 100,000
   steps balanced; NEAT's discrete networks, steepened sigmoid, node biases instead of a
   bias input), population 150, mean evaluations over `--seeds` seeds beside the paper's
   3,600 (at most 100 generations); and without velocities (Gruau's fitness and the
   generalisation test; the threshold adjusted towards 10 species, at most 1,000
   generations), NEAT's discrete networks and NEAT CTRNNs (node time constants evolved
   from 2 +- 1), beside the paper's 33,184.

    python benchmarks/bench_neat.py --xor [--seeds 100]
    python benchmarks/bench_neat.py --peers [--seeds 20] [--repeats 3]
    python benchmarks/bench_neat.py --double-pole [--seeds 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import evornn
from evornn.environment import header as environment_header
from evornn.neat import NEATCodec, read_neat_config
from evornn.tasks import CartPoleTask, XORTask

# The paper's stated settings (no node biases: a bias input), and for what it leaves unsaid
# NEAT's reference code (p2nv.ne): weights perturbed by U(-2.5, 2.5), capped at +-8 (the
# codec's weight_range), each weight of a mutated genome perturbed 85% and redrawn 10% of
# the time (the average of its "severe" and ordinary mutations).
PAPER_XOR = {"bias_init_stdev": 0.0, "bias_mutate_rate": 0.0, "bias_replace_rate": 0.0, "values_mutate_prob": 0.8,
             "perturbation": "uniform", "weight_mutate_power": 2.5, "weight_mutate_rate": 0.85,
             "weight_replace_rate": 0.1}
DEPARTURES = {**PAPER_XOR, "conn_add_prob": 0.2, "species_target": 15}

ROOT = Path(__file__).resolve().parents[1]


def neat_python_config(path: Path, *, threshold: float, endless: bool, n_inputs: int) -> Path:
    """neat-python's XOR example (experiments/neat-python-xor.cfg) for a task: its inputs,
    its fitness threshold, and whether reaching it ends the run."""
    import configparser

    parser = configparser.ConfigParser()
    parser.read(ROOT / "experiments" / "neat-python-xor.cfg")
    parser["NEAT"]["fitness_threshold"] = str(threshold)
    parser["NEAT"]["no_fitness_termination"] = str(endless)
    parser["DefaultGenome"]["num_inputs"] = str(n_inputs)
    with open(path, "w") as handle:
        parser.write(handle)
    return path

XOR_X = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
XOR_T = [0.0, 1.0, 1.0, 0.0]
POLE_STEPS = 1000


# ---------------------------------------------------------------------- a. the paper's XOR
def paper_xor(n_seeds: int) -> None:
    print(f"\na. XOR as in the NEAT paper, population 150, at most 100 generations, {n_seeds} seeds")
    print(f"{'':<34}{'solved':>10}{'mean evals':>12}{'sd':>8}{'worst':>8}{'hidden nodes':>14}{'connections':>13}")
    for label, options in (("the paper's settings", PAPER_XOR), ("add-connection 0.2, 15 species", DEPARTURES)):
        codec = NEATCodec(3, 1, activation="steepened_sigmoid", feed_forward=True, weight_range=(-8.0, 8.0))
        problem = evornn.Problem(codec, XORTask())
        evals, hidden, connections, start = [], [], [], time.perf_counter()
        for seed in range(n_seeds):
            result = evornn.evolve(problem, "neat", n_pop=150, n_generations=100, rng=seed, target_solved=1,
                                   progress=False, **options)
            if result.stop_reason == "target_solved":
                evals.append(result.n_evaluations)
                h, c = codec.size(result.best_genome)
                hidden.append(h[0])
                connections.append(c[0])
        evals = np.array(evals, dtype=float)
        print(f"{label:<34}{f'{evals.size}/{n_seeds}':>10}{evals.mean():>12,.0f}{evals.std(ddof=1):>8,.0f}"
              f"{evals.max():>8,.0f}{np.mean(hidden):>14.2f}{np.mean(connections):>13.2f}"
              f"   ({time.perf_counter() - start:.0f} s)")
    print(f"{'paper':<34}{'100/100':>10}{4755:>12,}{2553:>8,}{'':>8}{2.35:>14.2f}{7.48:>13.2f}")


# ---------------------------------------------------------------------- b. against neat-python
def xor_fitness_np(genome, config):
    import neat

    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return 4.0 - sum((net.activate(x)[0] - t) ** 2 for x, t in zip(XOR_X, XOR_T, strict=True))


def pole_fitness_np(genome, config):
    """The single pole in neat-python's usual style: a Python loop over the steps, the
    network activated per step, the physics evornn's compiled RK4 (two steps of 0.01 s)."""
    import neat

    from evornn.tasks.cartpole import ANGLE_LIMIT, SCALE, TRACK_LIMIT, cartpole_rk4

    net = neat.nn.FeedForwardNetwork.create(genome, config)
    state = np.array([0.0, 0.0, 4.5 * np.pi / 180, 0.0, 0.0, 0.0])
    for step in range(POLE_STEPS):
        z = net.activate([state[q] / SCALE[q] for q in range(4)])[0]
        force = 20.0 * (min(max(z, 0.0), 1.0) - 0.5)
        cartpole_rk4(state, force, 1, 5e-4, 2e-6, 0.01)
        cartpole_rk4(state, force, 1, 5e-4, 2e-6, 0.01)
        if abs(state[0]) > TRACK_LIMIT or abs(state[2]) > ANGLE_LIMIT:
            return step / POLE_STEPS
    return 1.0


def _serial(function):
    def evaluate(genomes, config):
        for _, genome in genomes:
            genome.fitness = function(genome, config)
    return evaluate


def run_neat_python(path: Path, function, generations: int, seed: int, workers: int = 0):
    """(generations run, seconds) of neat-python on config `path`."""
    import neat

    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation,
                         str(path))
    population = neat.Population(config, seed=seed)
    start = time.perf_counter()
    if workers:
        import neat.parallel

        neat.parallel.tqdm = lambda jobs, total=None: jobs  # no progress bar per generation (output, not work)
        evaluator = neat.ParallelEvaluator(workers, function)
        try:
            population.run(evaluator.evaluate, generations)
        finally:
            evaluator.close() if hasattr(evaluator, "close") else None
    else:
        population.run(_serial(function), generations)
    return population.generation + 1, time.perf_counter() - start


def run_evornn(path: Path, task, generations: int, seed: int, stop: bool):
    settings = read_neat_config(path)
    problem = evornn.Problem(NEATCodec(**settings["codec"]), task)
    start = time.perf_counter()
    result = evornn.evolve(problem, "neat", n_pop=settings["n_pop"], n_generations=generations, rng=seed,
                           progress=False, target_fitness=settings["target_fitness"] if stop else None,
                           **settings["options"])
    return result.n_generations, time.perf_counter() - start, result.stop_reason == "target_fitness"


def peers(n_seeds: int, repeats: int) -> None:
    from scipy.stats import mannwhitneyu

    try:
        import neat
    except ImportError:
        print("neat-python is not installed: pip install '.[bench]'")
        return
    print(f"\nb. evornn and neat-python {getattr(neat, '__version__', '')} on one neat-python configuration "
          f"(its XOR example), population 150")
    tasks = {"XOR": (2, 3.9, xor_fitness_np, XORTask(bias_input=False, fitness="squared_error")),
             "single pole": (4, 1.0, pole_fitness_np,
                             CartPoleTask(1, max_steps=POLE_STEPS, controller_dt=0.5))}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (n_inputs, threshold, np_fitness, task) in tasks.items():
            endless = neat_python_config(Path(tmp) / f"{name}-endless", threshold=threshold, endless=True,
                                         n_inputs=n_inputs)
            stopping = neat_python_config(Path(tmp) / f"{name}-stopping", threshold=threshold, endless=False,
                                          n_inputs=n_inputs)
            run_evornn(endless, task, 2, 0, False)  # compile
            speed = {"evornn": [], "neat-python": [], "neat-python, 2 processes": []}
            for r in range(repeats):
                gens, seconds, _ = run_evornn(endless, task, 30, r, False)
                speed["evornn"].append(gens / seconds)
                gens, seconds = run_neat_python(endless, np_fitness, 30, r)
                speed["neat-python"].append(gens / seconds)
                gens, seconds = run_neat_python(endless, np_fitness, 30, r, workers=2)
                speed["neat-python, 2 processes"].append(gens / seconds)
            base = np.median(speed["evornn"])
            print(f"\n{name}: whole generations per second (30 generations, median of {repeats})")
            for label, values in speed.items():
                print(f"  {label:<28}{np.median(values):>10.1f}   evornn / this = {base / np.median(values):.1f}")
            evals = {"evornn": [], "neat-python": []}
            for seed in range(n_seeds):
                gens, _, solved = run_evornn(stopping, task, 300, seed, True)
                evals["evornn"].append(gens * 150 if solved else np.inf)
                gens, _ = run_neat_python(stopping, np_fitness, 300, seed)
                evals["neat-python"].append(gens * 150 if gens <= 300 else np.inf)
            print(f"{name}: evaluations to reach the threshold, {n_seeds} seeds (at most 300 generations)")
            for label, values in evals.items():
                values = np.array(values)
                q1, med, q3 = np.percentile(values, [25, 50, 75], method="lower")
                print(f"  {label:<28}solved {np.isfinite(values).sum()}/{n_seeds}, median {med:,.0f} "
                      f"(quartiles {q1:,.0f}-{q3:,.0f})")
            test = mannwhitneyu(evals["evornn"], evals["neat-python"], alternative="greater")
            print(f"  one-sided Mann-Whitney, evornn needs more: p = {test.pvalue:.3f}")


# ---------------------------------------------------------------------- c. double pole
CTRNN_NODES = {"tau_init_mean": 2.0, "tau_init_stdev": 1.0, "tau_mutate_rate": 0.3, "tau_mutate_power": 0.5}


def double_pole(n_seeds: int) -> None:
    print(f"\nc. Double pole, population 150, {n_seeds} seeds")
    setups = (("with velocities, NEAT networks", True, 100, "mean 3,600", "network", {}),
              ("without velocities, NEAT networks", False, 1000, "mean 33,184", "network", {"species_target": 10}),
              ("without velocities, NEAT CTRNNs", False, 1000, "mean 33,184", "ctrnn",
               {"species_target": 10, **CTRNN_NODES}))
    for what, velocities, budget, paper, model, options in setups:
        task = CartPoleTask(2, velocities=velocities, controller_dt=0.5)
        codec = (NEATCodec(task.n_inputs, 1, model="ctrnn", tau_range=(0.5, 10.0)) if model == "ctrnn"
                 else NEATCodec(task.n_inputs, 1, activation="steepened_sigmoid"))
        problem = evornn.Problem(codec, task)
        evals, start = [], time.perf_counter()
        for seed in range(n_seeds):
            result = evornn.evolve(problem, "neat", n_pop=150, n_generations=budget, rng=seed, target_solved=1,
                                   progress=False, conn_add_prob=0.2, **options)
            evals.append(result.n_evaluations if result.stop_reason == "target_solved" else np.inf)
        evals = np.array(evals, dtype=float)
        solved = evals[np.isfinite(evals)]
        q1, med, q3 = np.percentile(evals, [25, 50, 75], method="lower")
        print(f"{what} (at most {budget} generations): solved {solved.size}/{n_seeds}, mean of the solved "
              f"{solved.mean() if solved.size else 0:,.0f}, median {med:,.0f} (quartiles {q1:,.0f}-{q3:,.0f}); "
              f"paper: {paper} ({time.perf_counter() - start:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xor", action="store_true")
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--double-pole", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(environment_header())
    if args.xor:
        paper_xor(args.seeds or 100)
    if args.peers:
        peers(args.seeds or 20, args.repeats)
    if args.double_pole:
        double_pole(args.seeds or 20)


if __name__ == "__main__":
    main()
