"""Echo state networks: evornn against ReservoirPy, same weights, same data, same run.

Workloads (Mackey-Glass, tau 17, one-step prediction):

1. run + fit (ridge readout) on 10,000 steps at 100 and 1000 units;
2. closed-loop generation of 1000 steps at 100 units (each output fed back as the next input);
3. a population of 16 reservoirs of 100 units with different hyperparameters, fitted in one
   evornn call, against 16 sequential ReservoirPy runs;
4. evornn in float32 (``esn.astype(np.float32)``) against float64: states, run + fit and
   generation at 100 and 1000 units, timed alternately in this run, with the NRMSE of each.

Both libraries get identical W (sparse), W_in and bias; the script checks that the states
agree to 1e-12 and that test NRMSE agrees within 1%, then prints median times over
`--repeats` and the speed-up. Both run in this process with one BLAS thread and a passive
OpenMP wait policy (``OPENBLAS_NUM_THREADS=1``, ``OMP_WAIT_POLICY=PASSIVE``, set before
NumPy loads unless already set), so that the ratios compare the algorithms, not idle BLAS
threads stalling the other library's work. Also prints the accuracy claims of issue 7 that are too slow
for the test suite (NARMA-10 after a small random search at 100 and 500 units).

    pip install reservoirpy
    python benchmarks/bench_esn.py [--repeats 5] [--skip-accuracy]
"""

from __future__ import annotations

import argparse
import functools
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS: both libraries alike
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
from _timing import alternating_medians, median_time, random_search  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn import ESN, datasets, nrmse
from evornn.environment import header as environment_header
from evornn.models.reservoir import Topology

RIDGE = 1e-8
WASHOUT = 100


def reservoirpy_parts(esn: ESN, p: int = 0):
    """The reservoir of individual `p` as ReservoirPy nodes with the same matrices."""
    from reservoirpy.nodes import Reservoir, Ridge

    prm = esn.params
    reservoir = Reservoir(W=esn.weights(p).tocsr(), Win=np.array(prm.input_weights[p]), bias=np.array(prm.bias[p]),
                          lr=float(prm.leak[p, 0]))
    return reservoir, Ridge(ridge=RIDGE)


def fit_reservoirpy(esn, p, x, y):
    reservoir, readout = reservoirpy_parts(esn, p)
    model = reservoir >> readout
    model.fit(x, y, warmup=WASHOUT)
    return model, reservoir, readout


def compare_run_and_fit(n_units: int, x, y, x_test, y_test, repeats: int) -> None:
    esn = ESN.random(n_units, spectral_radius=1.25, leak=0.3, connectivity=0.1, rng=0)
    # states agree with ReservoirPy's
    reservoir, _ = reservoirpy_parts(esn)
    diff = np.abs(reservoir.run(x[:2000]) - esn.states(x[:2000])[0]).max()

    def ours():
        return esn.fit(x, y, washout=WASHOUT, ridge=RIDGE)

    def theirs():
        return fit_reservoirpy(esn, 0, x, y)

    ours()
    theirs()
    t_ours, trained = median_time(ours, repeats)
    t_theirs, (model, _, _) = median_time(theirs, repeats)
    err_ours = nrmse(trained.predict(x_test, x0=trained.final_state(x))[0], y_test)[0]
    err_theirs = nrmse(model.run(x_test), y_test)[0]
    n = x.shape[0]
    print(f"{f'run + fit, {n_units} units, {n} steps':<44}{t_ours / n * 1e6:>10.2f}{t_theirs / n * 1e6:>12.2f}"
          f"{t_theirs / t_ours:>9.1f}x   states |diff| {diff:.1e}; NRMSE {err_ours:.3e} vs {err_theirs:.3e} "
          f"({abs(err_ours / err_theirs - 1) * 100:.2f}% apart)")


def compare_generation(x, y, x_test, y_test, repeats: int, n_gen: int = 1000) -> None:
    esn = ESN.random(100, spectral_radius=1.25, leak=0.3, connectivity=0.1, rng=0).fit(x, y, washout=WASHOUT, ridge=RIDGE)
    model, reservoir, _ = fit_reservoirpy(esn, 0, x, y)
    x_end = esn.final_state(x)
    state_end = {"out": reservoir.state["out"].copy()}

    def ours():
        return esn.generate(n_gen, warmup=x_test[:1], x0=x_end)[0]

    def theirs():
        reservoir.state = {"out": state_end["out"].copy()}
        out = np.empty((n_gen, 1))
        value = x_test[0]
        for t in range(n_gen):
            value = model.step(value)
            out[t] = value
        return out

    ours()
    theirs()
    t_ours, gen_ours = median_time(ours, repeats)
    t_theirs, gen_theirs = median_time(theirs, repeats)
    agree = np.abs(gen_ours[:100] - gen_theirs[:100]).max()
    err_ours = nrmse(gen_ours[:100], y_test[:100])[0]
    err_theirs = nrmse(gen_theirs[:100], y_test[:100])[0]
    print(f"{f'generation, 100 units, {n_gen} steps':<44}{t_ours / n_gen * 1e6:>10.2f}{t_theirs / n_gen * 1e6:>12.2f}"
          f"{t_theirs / t_ours:>9.1f}x   first 100 steps |diff| {agree:.1e}; NRMSE(100) {err_ours:.3e} vs {err_theirs:.3e}")


def compare_population(x, y, x_test, y_test, repeats: int, n_pop: int = 16) -> None:
    rng = np.random.default_rng(5)
    topology = Topology.draw(100, 1, 1, connectivity=0.1, rng=0)
    population = topology.build(spectral_radius=rng.uniform(0.8, 1.4, n_pop), leak=rng.uniform(0.2, 0.6, n_pop),
                                input_scaling=rng.uniform(0.5, 1.5, n_pop))

    def ours():
        return population.fit(x, y, washout=WASHOUT, ridge=RIDGE)

    def theirs():
        return [fit_reservoirpy(population, p, x, y)[0] for p in range(n_pop)]

    ours()
    theirs()
    t_ours, trained = median_time(ours, repeats)
    t_theirs, models = median_time(theirs, repeats)
    err_ours = nrmse(trained.predict(x_test, x0=trained.final_state(x)), y_test)[:, 0]
    err_theirs = np.array([nrmse(m.run(x_test), y_test)[0] for m in models])
    spread = np.max(np.abs(err_ours / err_theirs - 1)) * 100
    n = x.shape[0]
    print(f"{f'population of {n_pop} x 100 units, run + fit':<44}{t_ours * 1e3:>9.0f}m{t_theirs * 1e3:>11.0f}m"
          f"{t_theirs / t_ours:>9.1f}x   ({n} steps each) NRMSE at most {spread:.2f}% apart")


def accuracy(n_samples: int = 64) -> None:
    """NARMA-10 after a small random search (the issue's 0.3 at 100 units, 0.16 at 500)."""
    task = evornn.tasks.TimeSeriesTask.from_dataset("narma", n_train=4000, n_validation=2000, washout=200,
                                                    ridges=[1e-10, 1e-8, 1e-6, 1e-4, 1e-2])
    print(f"\nNARMA-10, best validation NRMSE of a {n_samples}-sample random search (train 4000, validate 2000):")
    for n_units, target in ((100, 0.3), (500, 0.16)):
        codec = ESN.codec(n_units, seed=0, spectral_radius=(0.5, 1.3), leak=(0.2, 1.0), input_scaling=(0.01, 2.0),
                          bias_scaling=(0.0, 1.0))
        _, best = random_search(codec, task, n_samples, rng=1)
        print(f"  {n_units:>4} units: NRMSE {best:.3f} (target <= {target}: {'met' if best <= target else 'NOT met'})")


def compare_precisions(x, y, x_test, y_test, repeats: int) -> None:
    """float32 against float64, the same reservoirs, timed alternately."""
    header = f"{'workload (evornn float64 vs float32)':<44}{'f64 us':>10}{'f32 us':>12}{'speed-up':>10}"
    print("\n" + header + "   (times per step)")
    print("-" * len(header))
    n = x.shape[0]
    for n_units in (100, 1000):
        esn = ESN.random(n_units, spectral_radius=1.25, leak=0.3, connectivity=0.1, rng=0)
        models = {"float64": esn, "float32": esn.astype(np.float32)}
        workloads = {
            "states": lambda m: m.states(x),
            "run + fit": lambda m: m.fit(x, y, washout=WASHOUT, ridge=RIDGE),
        }
        for label, work in workloads.items():
            medians = alternating_medians({name: functools.partial(work, m) for name, m in models.items()}, repeats)
            t64, t32 = medians["float64"], medians["float32"]
            extra = ""
            if label == "states":
                extra = f"   states |diff| {np.abs(work(models['float64']) - work(models['float32'])).max():.1e}"
            else:
                errors = [nrmse(work(m).predict(x_test)[0], y_test)[0] for m in models.values()]
                extra = f"   NRMSE {errors[0]:.3e} vs {errors[1]:.3e}"
            print(f"{f'{label}, {n_units} units, {n} steps':<44}{t64 / n * 1e6:>10.2f}{t32 / n * 1e6:>12.2f}"
                  f"{t64 / t32:>9.2f}x{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    import reservoirpy

    print(environment_header())
    print(f"# reservoirpy {reservoirpy.__version__}")
    series = datasets.mackey_glass(11_001 + 1000)
    x, y, x_test, y_test = datasets.train_test(series, 10_000)
    header = f"{'workload':<44}{'evornn us':>10}{'reservoirpy':>12}{'speed-up':>10}"
    print(header + "   (times per step; per population for the last row)")
    print("-" * len(header))
    compare_run_and_fit(100, x, y, x_test, y_test, args.repeats)
    compare_run_and_fit(1000, x, y, x_test, y_test, max(1, args.repeats // 2))
    compare_generation(x, y, x_test, y_test, args.repeats)
    compare_population(x, y, x_test, y_test, max(1, args.repeats // 2))
    compare_precisions(x, y, x_test, y_test, args.repeats)
    if not args.skip_accuracy:
        accuracy()


if __name__ == "__main__":
    main()
