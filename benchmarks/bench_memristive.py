"""Memristive circuits: evornn's compiled flow against a direct NumPy/SciPy implementation.

The baseline is the Caravelli-Traversa-Di Ventra equation as written, one dense E x E
solve per circuit and step, ``numpy.linalg.solve(I + xi Omega W, Omega S)``, with forward
Euler. evornn solves the same step by nodal analysis (a Cholesky factorisation of the
(V - 1) x (V - 1) grounded Laplacian, in one parallel kernel over the circuits). Both runs
start from the same states and are checked to agree.

    python benchmarks/bench_memristive.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform

import numba
import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"evornn {evornn.__version__}, numpy {np.__version__}, numba {numba.__version__}, "
          f"python {platform.python_version()}, {numba.get_num_threads()} threads")
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


if __name__ == "__main__":
    main()
