"""Evolution: batched evaluation against DEAP's one-at-a-time map, loop overhead per method,
and success rates over seeds.

1. Evaluations per second for the oscillator task at population 1000: evornn's batched
   `Problem.evaluate` against DEAP's usual `toolbox.map(toolbox.evaluate, population)`,
   which evaluates one individual at a time (with the same compiled simulator), timed in
   the same run.
2. Time per generation spent outside fitness evaluation, per individual, at population
   1000, for each method, with the vectorised operators and with DEAP's (CMA-ES also with
   its restarts), and full xNES at 15 and 195 genes.
3. Success over 10 seeds: each of GA, SA, PSO and CMA-ES on `OscillatorTask` (solved: period
   within 2% of the target) and on a small `SequenceTask` (solved: MSE below 1e-3), with
   the budgets below.
4. A busy machine: a small evolution (2-neuron CTRNN oscillator, GA, population 100, 30
   generations) quiet and with the other cores kept busy by spinning processes that the
   benchmark starts and stops, under the former threading default (OpenMP threads spin
   for a while: ``OMP_WAIT_POLICY=ACTIVE GOMP_SPINCOUNT=300000``, libgomp's default),
   evornn's default (``OMP_WAIT_POLICY=PASSIVE``) and one thread. Each in a fresh process.
5. Checkpoint cost: a 3,000-generation run (population 10, a task that costs nothing) with
   a checkpoint after every generation, against the same run without checkpoints; the time
   per generation over its first and its last 100 generations.
6. Per-generation overhead at population 100 (2-neuron CTRNN, oscillator task): the time of
   `Problem.evaluate` and of the task's compiled call alone (arguments made beforehand),
   alternating; what is left is decoding, allocation, scoring and the Python between.

7. The evolution strategies on the double pole with velocities (1-neuron CTRNN, population
   40, budget 100,000 evaluations, 20 seeds): evaluations to solve (the literature's count,
   as in bench_robotics.py) for CMA-ES, sep-CMA-ES, xNES, SNES, PGPE and OpenAI-ES, and
   evosax's OpenAI-ES and SNES (JAX on the CPU, `pip install ".[bench]"`) driven by ask and
   tell on the same task with the same settings: evaluations, wall time to solve, and JAX's
   compile time (the first generation's ask and tell less a later one's) separately.

    python benchmarks/bench_evolve.py [--repeats 5] [--seeds 10] [--skip-table] [--only 4 5 6 7]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import alternating_medians, median_time  # benchmarks/_timing.py (scripts run from benchmarks/)
from deap import base
from numba import njit

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
                              ("pso", "vectorised"), ("cmaes", "vectorised"), ("cmaes", "ipop"), ("cmaes", "bipop"),
                              ("sep_cmaes", "-"), ("openai_es", "-"), ("pgpe", "-"), ("snes", "-"), ("xnes", "-"),
                              ("nsga2", "vectorised"), ("nsga2", "deap")]:
        options = {"operators": operators} if method in ("ga", "sa", "nsga2") else {}
        if operators in ("ipop", "bipop"):
            options = {"restarts": operators}
        print(f"{method:<10}{operators:<12}{outside(codec, method, n_pop, n_gen, repeats, options):>14.2f}"
              f"{decode:>18.2f}")
    print("full xNES (a covariance of n_genes^2 entries) at more genes, same population:")
    for n_neurons in (3, 13):  # 15 and 195 genes
        big = evornn.CTRNN.codec(n_neurons)
        decode = median_time(lambda big=big: big.decode(big.random(n_pop, rng=0)), 3)[0] / n_pop * 1e6
        print(f"{'xnes':<10}{f'{big.n_genes} genes':<12}{outside(big, 'xnes', n_pop, n_gen, repeats, {}):>14.2f}"
              f"{decode:>18.2f}")


def outside(codec, method: str, n_pop: int, n_gen: int, repeats: int, options: dict) -> float:
    """Microseconds per individual per generation spent outside the task's evaluation
    (median of `repeats` runs)."""
    per = []
    for r in range(repeats):
        timed = Timed(FreeTask(2 if method == "nsga2" else 1))
        problem = evornn.Problem(codec, timed)
        start = time.perf_counter()
        result = evornn.evolve(problem, method, n_pop=n_pop, n_generations=n_gen, rng=r, progress=False, **options)
        per.append((time.perf_counter() - start - timed.seconds) / result.n_evaluations * 1e6)
    return float(np.median(per))


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


SMALL_EVOLUTION = """
import time, numpy as np, evornn
from evornn.tasks import OscillatorTask
problem = evornn.Problem(evornn.CTRNN.codec(2), OscillatorTask(period=10.0, amplitude=0.5, transient=10.0, measure=20.0))
evornn.evolve(problem, "ga", n_pop=100, n_generations=2, rng=0, progress=False)   # compile or load the kernels
times = []
for r in range({repeats}):
    start = time.perf_counter()
    evornn.evolve(problem, "ga", n_pop=100, n_generations=30, rng=r, progress=False)
    times.append(time.perf_counter() - start)
print(np.median(times))
"""


def busy_machine(repeats: int) -> None:
    import os
    import subprocess
    import sys

    settings = {"former default (spin, then sleep)": {"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": "300000"},
                "evornn default (passive wait)": {},
                "one thread": {"NUMBA_NUM_THREADS": "1"}}
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "NUMBA_NUM_THREADS")}
    n_busy = max(1, (os.cpu_count() or 2) - 1)

    def timed(env: dict) -> float:
        done = subprocess.run([sys.executable, "-c", SMALL_EVOLUTION.format(repeats=repeats)], env={**base, **env},
                              capture_output=True, text=True, check=True)
        return float(done.stdout.strip().splitlines()[-1])

    rounds = 5
    print(f"\n4. A small evolution (2-neuron CTRNN oscillator, GA, population 100, 30 generations; each time the "
          f"median of {repeats} runs in a fresh process), quiet and with {n_busy} other core(s) busy; {rounds} rounds, "
          f"the settings in turn: median (range) over the rounds")
    quiet, busy = {label: [] for label in settings}, {label: [] for label in settings}
    for _ in range(rounds):
        for label, env in settings.items():
            quiet[label].append(timed(env))
            spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n_busy)]
            try:
                busy[label].append(timed(env))
            finally:
                for spinner in spinners:
                    spinner.kill()
                    spinner.wait()
    former = np.array(quiet[next(iter(settings))])

    def spread(values, digits: int = 2) -> str:
        values = np.asarray(values)
        return f"{np.median(values):.{digits}f} ({values.min():.{digits}f}-{values.max():.{digits}f})"

    print(f"{'threading':<38}{'quiet (s)':>20}{'busy (s)':>20}{'busy / quiet':>18}{'quiet / former quiet':>24}")
    for label in settings:
        q, b = np.array(quiet[label]), np.array(busy[label])
        print(f"{label:<38}{spread(q, 3):>20}{spread(b, 3):>20}{spread(b / q):>18}{spread(q / former):>24}")
    print("the population is split statically between threads (one contiguous block each)")


def checkpoint_cost(tmp: str) -> None:
    from pathlib import Path

    n_gen = 3000
    times = {}

    def per_generation(path):
        stamps = []
        evornn.evolve(evornn.Problem(evornn.CTRNN.codec(2), FreeTask()), "ga", n_pop=10, n_generations=n_gen, rng=0,
                      progress=False, checkpoint_path=path, checkpoint_every=1,
                      callback=lambda record: stamps.append(time.perf_counter()))
        gaps = np.diff(stamps)
        return np.median(gaps[:100]) * 1e3, np.median(gaps[-100:]) * 1e3, stamps[-1] - stamps[0]

    times["no checkpoints"] = per_generation(None)
    times["a checkpoint every generation"] = per_generation(Path(tmp) / "run.npz")
    print(f"\n5. Checkpoint cost over {n_gen:,} generations (population 10, a task that costs nothing)")
    print(f"{'run':<34}{'ms/gen, first 100':>19}{'ms/gen, last 100':>18}{'total (s)':>11}")
    for label, (first, last, total) in times.items():
        print(f"{label:<34}{first:>19.3f}{last:>18.3f}{total:>11.2f}")


def generation_overhead(repeats: int) -> None:
    from evornn._kernels import fast_path
    from evornn.integrate.fixed_step import METHOD_CODES, run_fixed, run_recorded_lanes
    from evornn.models._ctrnn_fast import block_width, lanes_params, lanes_state

    task = OscillatorTask(period=10.0, amplitude=0.5, transient=10.0, measure=20.0)
    problem = evornn.Problem(evornn.CTRNN.codec(2), task)
    genomes = problem.codec.random(100, rng=0)
    model = problem.codec.decode(genomes)
    n_transient, n_measure = round(task.transient / task.dt), round(task.measure / task.dt)
    code = METHOD_CODES["rk4"]
    width = block_width(100, 2, 0)
    # The task's compiled call alone, with its arguments made beforehand: the whole run in
    # the CTRNN's SIMD lanes, one parallel region, the scored output recorded.
    layout = fast_path(model.params, "lanes")
    work = layout.work(model.params, width, -(-100 // width))
    y0, u, index = np.zeros((100, 2)), np.zeros((100, 0)), np.array([0])
    z, bad = np.empty((n_measure + 1, 100, 1)), np.empty(100, dtype=bool)
    period, span = np.empty((2, 100, 1))

    def kernel():
        run_recorded_lanes(code, model.params, work, width, y0, 0.0, task.dt, n_transient, n_measure, u, 2, index,
                           (n_measure + 1) // 3, z, period, span, bad)

    # The kernels the task called before (two simulate calls: transient, then the record of
    # every state), for comparison.
    fast = lanes_params(model.params, width)
    rec = np.zeros((n_measure + 1, fast.tau.shape[0], 2 * width))
    u_lanes = np.zeros((1, 1, fast.tau.shape[0], 0))

    def former_kernels():
        y = lanes_state(np.zeros((100, 2)), width)
        run_fixed(code, fast, y, 0.0, task.dt, 0, n_transient, u_lanes, n_transient, rec[:2])
        run_fixed(code, fast, y, 0.0, task.dt, 0, n_measure, u_lanes, 1, rec)

    n = max(100, 40 * repeats)
    times = alternating_medians({"evaluate": lambda: problem.evaluate(genomes), "kernel": kernel,
                                 "former": former_kernels}, n)
    paired = paired_outside(problem, genomes, n)
    alone = paired_outside(problem, genomes, n, replace="nothing")
    control = paired_outside(problem, genomes, n, replace="spin", seconds=times["kernel"])
    print(f"\n6. One generation's evaluation at population 100 (2-neuron CTRNN, oscillator task, "
          f"{n_transient + n_measure} RK4 steps; medians of {n}, alternating)")
    print(f"Problem.evaluate {times['evaluate'] * 1e3:.3f} ms; its compiled call alone {times['kernel'] * 1e3:.3f} ms "
          f"(the two simulation kernels the task called before: {times['former'] * 1e3:.3f} ms)")
    print(f"outside the kernel: {(times['evaluate'] - times['kernel']) * 1e3:.3f} ms as the difference of the medians; "
          f"{quartiles(paired)} as each call's time less that of its own compiled call")
    print(f"  the same Python with the compiled call left out: {quartiles(alone)}")
    print(f"  with the compiled call replaced by a compiled loop that touches no memory, of the kernel's "
          f"duration: {quartiles(control)} (what this machine adds to any Python after milliseconds of compute)")


def quartiles(seconds: np.ndarray) -> str:
    q1, q2, q3 = np.percentile(seconds, [25, 50, 75]) * 1e3
    return f"{q2:.3f} ms (quartiles {q1:.3f}-{q3:.3f})"


@njit
def _spin(n):
    x = 0.0
    for _ in range(n):
        x = x * 0.999999 + 1.0
    return x


def paired_outside(problem, genomes, n: int, replace: str | None = None, seconds: float = 0.0) -> np.ndarray:
    """Each `Problem.evaluate` call's wall time less that of the compiled call inside it,
    timed by wrapping the integrator's kernel lookup (so both come from the same call).
    `replace`: "nothing" leaves the compiled call out; "spin" runs a compiled loop of
    about `seconds` instead, which touches no memory."""
    import sys

    module = sys.modules["evornn.integrate.simulate"]
    lookup, inner = module.for_params, []
    n_spin = 0
    if replace == "spin":  # iterations for `seconds`, from a timed run
        start = time.perf_counter()
        _spin(10_000_000)
        n_spin = int(10_000_000 * seconds / (time.perf_counter() - start))

    def timed_lookup(dispatcher, *params):
        kernel = lookup(dispatcher, *params)

        def call(*args):
            start = time.perf_counter()
            if replace is None:
                kernel(*args)
            elif replace == "spin":
                _spin(n_spin)
            inner.append(time.perf_counter() - start)
        return call

    module.for_params = timed_lookup
    try:
        with np.errstate(all="ignore"):
            problem.evaluate(genomes)
            inner.clear()
            outer = []
            for _ in range(n):
                start = time.perf_counter()
                problem.evaluate(genomes)
                outer.append(time.perf_counter() - start)
    finally:
        module.for_params = lookup
    return np.array(outer) - np.array(inner)


def es_double_pole(n_seeds: int) -> None:
    from evornn.tasks import CartPoleTask

    task = CartPoleTask(2, controller_dt=0.5)
    problem = evornn.Problem(evornn.CTRNN.codec(1, task.n_inputs), task)
    n_pop, budget = 40, 100_000
    print(f"\n7. Double pole with velocities, 1-neuron CTRNN ({problem.n_genes} genes), population {n_pop}, "
          f"{n_seeds} seeds, budget {budget:,} evaluations")
    print(f"{'method':<40}{'solved':>8}{'median evals':>14}{'quartiles':>20}{'median s':>10}{'compile s':>11}")
    tuned = {"sigma": 0.1, "learning_rate": 0.05}
    setups = [("cmaes", {}), ("sep_cmaes", {}), ("xnes", {}), ("snes", {}), ("pgpe", {}), ("openai_es", {}),
              ("openai_es", tuned)]
    for method, options in setups:
        evals, times = [], []
        for seed in range(n_seeds):
            start = time.perf_counter()
            result = evornn.evolve(problem, method, n_pop=n_pop, n_generations=budget // n_pop, rng=seed,
                                   target_solved=1, progress=False, **options)
            times.append(time.perf_counter() - start)
            evals.append(result.n_evaluations if result.stop_reason == "target_solved" else np.inf)
        label = f"evornn {method}" + (" (sigma 0.1, Adam 0.05)" if options else "")
        print(f"{label:<40}{_seeds_row(evals, times)}{'-':>11}")
    try:
        rows = _evosax_double_pole(problem, n_pop, budget, n_seeds, tuned)
    except ImportError as exc:
        print(f"evosax: not installed ({exc}); pip install '.[bench]'")
        return
    for label, evals, times, compiles in rows:
        print(f"{label:<40}{_seeds_row(evals, times)}{np.median(compiles):>11.2f}")


def _seeds_row(evals, times) -> str:
    solved = int(np.isfinite(evals).sum())
    q1, med, q3 = np.percentile(evals, [25, 50, 75], method="lower")
    return f"{solved:>5}/{len(evals):<2}{med:>14.6g}{f'{q1:.6g}-{q3:.6g}':>20}{np.median(times):>10.2f}"


def _evosax_double_pole(problem, n_pop: int, budget: int, n_seeds: int, tuned: dict):
    """evosax's OpenAI-ES (Adam, centred ranks, antithetic) and SNES on evornn's task: genes
    clipped into [-1, 1] as evornn's loop does, fitness negated (evosax minimises)."""
    import jax
    import optax
    from evosax.algorithms import SNES, Open_ES

    jax.config.update("jax_platforms", "cpu")
    rows = []
    for name in ("Open_ES", "SNES"):
        evals, times, compiles = [], [], []
        for seed in range(n_seeds):
            start = time.perf_counter()
            mean = np.random.default_rng(seed).uniform(-1, 1, problem.n_genes)
            if name == "Open_ES":
                strategy = Open_ES(n_pop, mean, optimizer=optax.adam(tuned["learning_rate"]),
                                   std_schedule=optax.constant_schedule(tuned["sigma"]))
                params = strategy.default_params
            else:
                strategy = SNES(n_pop, mean)
                params = strategy.default_params.replace(std_init=0.5)
            ask, tell = jax.jit(strategy.ask), jax.jit(strategy.tell)
            key = jax.random.key(seed)
            state = strategy.init(key, mean, params)
            task_seq = np.random.SeedSequence(seed)
            used, solved, step_times = 0, False, []
            while used < budget and not solved:
                tick = time.perf_counter()
                key, ask_key, tell_key = jax.random.split(key, 3)
                population, state = ask(ask_key, state, params)
                genomes = np.clip(np.asarray(population, dtype=np.float64), -1.0, 1.0)
                asked = time.perf_counter() - tick
                evaluation = problem.evaluate(genomes, np.random.default_rng(task_seq.spawn(1)[0]))
                used += n_pop
                solved = bool((np.nan_to_num(evaluation.metrics.get("solved", np.zeros(n_pop))) >= 1).any())
                tick = time.perf_counter()
                state, _ = tell(tell_key, population, -evaluation.fitness, state, params)
                jax.block_until_ready(state)
                step_times.append(asked + time.perf_counter() - tick)
            times.append(time.perf_counter() - start)
            evals.append(used if solved else np.inf)
            compiles.append(step_times[0] - np.median(step_times[1:]) if len(step_times) > 1 else step_times[0])
        rows.append((f"evosax {name} " + ("(sigma 0.1, Adam 0.05)" if name == "Open_ES" else "(sigma 0.5)"),
                     evals, times, compiles))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--skip-table", action="store_true", help="leave out the (slow) success table")
    parser.add_argument("--only", nargs="+", type=int, default=None, help="run only these sections (1-7)")
    args = parser.parse_args()
    chosen = set(args.only or range(1, 8)) - ({3, 7} if args.skip_table else set())
    print(environment_header())
    if 1 in chosen:
        evaluation_throughput(args.repeats)
    if 2 in chosen:
        loop_overhead(args.repeats)
    if 3 in chosen:
        success_table(args.seeds)
    if 4 in chosen:
        busy_machine(args.repeats)
    if 5 in chosen:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            checkpoint_cost(tmp)
    if 6 in chosen:
        generation_overhead(args.repeats)
    if 7 in chosen:
        es_double_pole(20 if args.seeds == 10 else args.seeds)


if __name__ == "__main__":
    main()
