"""Memristive circuits: evornn's compiled flow against a direct NumPy/SciPy implementation.

The baseline is the Caravelli-Traversa-Di Ventra equation as written, one dense E x E
solve per circuit and step, ``numpy.linalg.solve(I + xi Omega W, Omega S)``, with forward
Euler. evornn solves the same step by nodal analysis (a Cholesky factorisation of the
(V - 1) x (V - 1) grounded Laplacian, in one parallel kernel over the circuits). Both runs
start from the same states and are checked to agree.

It then prints the reservoir accuracies of issue 9: Henon one-step prediction and NARMA-10
with a 60-edge circuit after a small random search (validation data chooses, fresh data
scores), each beside an echo state network with the same number of readout features.

    python benchmarks/bench_memristive.py [--repeats 3] [--skip-accuracy]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import median_time, random_search  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.environment import header as environment_header
from evornn.models.circuits import Circuit
from evornn.models.memristive import MemristiveCircuit

ALPHA, BETA, DT = 0.1, 10.0, 0.01


def numpy_euler(net: MemristiveCircuit, w0: np.ndarray, n_steps: int) -> np.ndarray:
    """The equation as written: a dense solve of (I + xi Omega W) x = Omega S per circuit and step."""
    omega = net.circuit.omega()
    xi = net.params.xi[0]
    sources = net.params.sources
    omega_s = sources @ omega
    w = w0.copy()
    eye = np.eye(w.shape[1])
    for _ in range(n_steps):
        for p in range(w.shape[0]):
            x = np.linalg.solve(eye + xi * omega * w[p][None, :], omega_s[p])
            w[p] += DT * (x / BETA - ALPHA * w[p])
    return w


def accuracy(n_samples: int = 32) -> None:
    """Random search on validation data, then NRMSE on a fresh stretch of the same system."""
    from evornn import ESN
    from evornn.tasks import TimeSeriesTask

    circuit = Circuit.random_regular(30, 4, rng=1)
    print(f"\nreservoirs with {circuit.n_edges} readout features, best of a {n_samples}-sample random search on "
          "validation data, NRMSE on fresh data:")
    for dataset in ("henon", "narma"):
        ridges = [1e-12, 1e-10, 1e-8, 1e-6, 1e-4]
        search = TimeSeriesTask.from_dataset(dataset, n_train=2000, n_validation=500, washout=100, ridges=ridges,
                                             seed=0)
        fresh = TimeSeriesTask.from_dataset(dataset, n_train=2000, n_validation=1000, washout=100, ridges=ridges,
                                            seed=1)
        if dataset == "henon":  # another orbit
            from evornn import datasets

            orbit = datasets.henon(3001, x0=(0.1, 0.05), n_discard=500)[:, :1]
            fresh = TimeSeriesTask(orbit[:-1], orbit[1:], n_train=2000, washout=100, ridges=ridges)
        errors = []
        for codec in (MemristiveCircuit.reservoir_codec(circuit, seed=0),
                      ESN.codec(circuit.n_edges, seed=0, spectral_radius=(0.3, 1.3), leak=(0.2, 1.0),
                                input_scaling=(0.01, 2.0), bias_scaling=(0.0, 1.0), ridge=1e-8)):
            genome, _ = random_search(codec, search, n_samples, rng=1)
            errors.append(fresh.evaluate(codec.decode(genome)).metrics["nrmse"][0])
        circuit_error, esn_error = errors
        print(f"  {dataset:<6} circuit NRMSE {circuit_error:.4f}   ESN ({circuit.n_edges} units) NRMSE {esn_error:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    print(environment_header())
    header = f"{'workload':<46}{'evornn ms/step':>15}{'numpy ms/step':>15}{'ratio':>8}{'max |diff|':>12}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for n_nodes, n_pop, n_steps in ((50, 1, 50), (500, 1, 5), (500, 64, 2)):
        circuit = Circuit.random_regular(n_nodes, 4, rng=1)  # E = 2 V
        sources = rng.normal(0.0, 1.0, (n_pop, circuit.n_edges))
        net = MemristiveCircuit(circuit, sources=sources, alpha=ALPHA, beta=BETA, bounds="none")
        w0 = rng.uniform(0.2, 0.8, (n_pop, circuit.n_edges))

        def ours(net=net, w0=w0, n_steps=n_steps):
            return evornn.simulate(net, w0, dt=DT, n_steps=n_steps, method="euler", record_every=n_steps).y_final

        def theirs(net=net, w0=w0, n_steps=n_steps):
            return numpy_euler(net, w0, n_steps)

        ours()
        t_ours, w_ours = median_time(ours, args.repeats)
        t_theirs, w_theirs = median_time(theirs, args.repeats)
        label = f"{circuit.n_edges} edges, {n_pop} circuit{'s' * (n_pop > 1)}, {circuit.n_nodes} nodes"
        print(f"{label:<46}{t_ours / n_steps * 1e3:>15.3f}{t_theirs / n_steps * 1e3:>15.3f}"
              f"{t_theirs / t_ours:>7.1f}x{np.abs(w_ours - w_theirs).max():>12.1e}")
    if not args.skip_accuracy:
        accuracy()


if __name__ == "__main__":
    main()
