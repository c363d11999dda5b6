"""CTRNN fixed-step throughput: evornn's compiled kernels against batched NumPy, and in
single precision against double.

Prints network-steps per second (networks x steps / seconds), medians of several repeats
measured in the same run, and the ratio. Both sides integrate the same networks with
forward Euler and the results are checked to agree. The second table runs every workload
with ``net.astype(np.float32)`` beside float64 (alternating, in the same run) and prints
the speed-up and the largest difference of the final states.

    python benchmarks/bench_ctrnn.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import functools

import numpy as np
from _timing import alternating_medians, median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.environment import header as environment_header


def numpy_euler(net: evornn.CTRNN, y: np.ndarray, dt: float, n_steps: int, use_einsum: bool) -> np.ndarray:
    """Batched NumPy baseline: one vectorised step for the whole population."""
    p = net.params
    tau, bias, gain, weights = p.tau, p.bias, p.gain, p.weights
    y = y.copy()
    for _ in range(n_steps):
        rates = 1.0 / (1.0 + np.exp(-gain * (y + bias)))
        if use_einsum:
            drive = np.einsum("pij,pj->pi", weights, rates)
        else:
            drive = np.matmul(weights, rates[:, :, None])[:, :, 0]
        y += dt * (drive - y) / tau
    return y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(environment_header())
    workloads = [(10, 1000, 2000, "euler"), (100, 100, 1000, "euler"), (10, 1000, 2000, "rk4"), (100, 100, 1000, "rk4")]
    header = f"{'workload':<36}{'evornn steps/s':>16}{'numpy steps/s':>16}{'ratio':>8}{'max |diff|':>12}"
    print(header)
    print("-" * len(header))
    dt = 0.01
    for n_neurons, n_pop, n_steps, method in workloads:
        net = evornn.CTRNN.random(n_pop, n_neurons, rng=0, tau_range=(1.0, 10.0))
        y0 = np.random.default_rng(1).uniform(-1, 1, (n_pop, n_neurons))

        def run_evornn(net=net, y0=y0, n_steps=n_steps, method=method):
            return evornn.simulate(net, y0, dt=dt, n_steps=n_steps, method=method, record_every=n_steps).y_final

        run_evornn()  # compile (or load from cache) outside the timing
        t_evornn = median_time(run_evornn, args.repeats)[0]
        label = f"{n_neurons} neurons x {n_pop} nets x {n_steps} {method}"
        steps = n_pop * n_steps
        if method == "euler":
            t_numpy = min(
                median_time(lambda e=e, net=net, y0=y0, n=n_steps: numpy_euler(net, y0, dt, n, e), max(3, args.repeats // 2))[0]
                for e in (False, True)
            )
            diff = np.abs(run_evornn() - numpy_euler(net, y0, dt, n_steps, False)).max()
            print(f"{label:<36}{steps / t_evornn:>16.3e}{steps / t_numpy:>16.3e}{t_numpy / t_evornn:>8.1f}{diff:>12.1e}")
        else:
            print(f"{label:<36}{steps / t_evornn:>16.3e}{'':>16}{'':>8}{'':>12}")
    print()
    compare_precisions(workloads, dt, args.repeats)


def compare_precisions(workloads, dt: float, repeats: int) -> None:
    """float32 against float64 on the same networks, timed alternately in this run."""
    header = f"{'workload':<36}{'float64 steps/s':>16}{'float32 steps/s':>16}{'ratio':>8}{'max |diff|':>12}"
    print(header)
    print("-" * len(header))
    for n_neurons, n_pop, n_steps, method in workloads:
        net = evornn.CTRNN.random(n_pop, n_neurons, rng=0, tau_range=(1.0, 10.0))
        y0 = np.random.default_rng(1).uniform(-1, 1, (n_pop, n_neurons))
        def run(model, y0=y0, n_steps=n_steps, method=method):
            return evornn.simulate(model, y0, dt=dt, n_steps=n_steps, method=method, record_every=n_steps).y_final

        runs = {m.dtype.name: functools.partial(run, m) for m in (net, net.astype(np.float32))}
        medians = alternating_medians(runs, repeats)
        t64, t32 = medians["float64"], medians["float32"]
        diff = np.abs(runs["float64"]() - runs["float32"]()).max()
        steps = n_pop * n_steps
        label = f"{n_neurons} neurons x {n_pop} nets x {n_steps} {method}"
        print(f"{label:<36}{steps / t64:>16.3e}{steps / t32:>16.3e}{t64 / t32:>8.2f}{diff:>12.1e}")


if __name__ == "__main__":
    main()
