"""Attractor analysis: evornn against straightforward NumPy/SciPy implementations, timed in
the same run (medians).

1. The Lorenz Lyapunov spectrum (RK4, dt 0.01, 100,000 steps, QR every step): evornn's
   compiled Benettin kernel against a plain loop with NumPy arrays and
   `scipy.linalg.qr`, the way one writes it by hand.
2. A 400 x 400 basin grid of a bistable 2-neuron CTRNN (RK4, dt 0.05, 60 time units):
   evornn's `basin_grid` (simulation plus labelling) against the same integration
   vectorised over the 160,000 initial states in NumPy (no labelling).

    python benchmarks/bench_analysis.py [--repeats 3]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)
from scipy import linalg

import evornn
from evornn import systems
from evornn.analysis import basin_grid, lyapunov_spectrum
from evornn.environment import header as environment_header

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def numpy_lorenz_spectrum(y0, dt, n_steps, n_transient):
    def f(y):
        return np.array([SIGMA * (y[1] - y[0]), y[0] * (RHO - y[2]) - y[1], y[0] * y[1] - BETA * y[2]])

    def jac(y):
        return np.array([[-SIGMA, SIGMA, 0.0], [RHO - y[2], -1.0, -y[0]], [y[1], y[0], -BETA]])

    y, q, sums = np.array(y0, dtype=float), np.eye(3), np.zeros(3)
    for s in range(n_transient + n_steps):
        if s < n_transient:
            k1 = f(y); k2 = f(y + dt / 2 * k1); k3 = f(y + dt / 2 * k2); k4 = f(y + dt * k3)  # noqa: E702
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            continue
        k1, l1 = f(y), jac(y) @ q
        y2, q2 = y + dt / 2 * k1, q + dt / 2 * l1
        k2, l2 = f(y2), jac(y2) @ q2
        y3, q3 = y + dt / 2 * k2, q + dt / 2 * l2
        k3, l3 = f(y3), jac(y3) @ q3
        y4, q4 = y + dt * k3, q + dt * l3
        k4, l4 = f(y4), jac(y4) @ q4
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        q = q + dt / 6 * (l1 + 2 * l2 + 2 * l3 + l4)
        q, r = linalg.qr(q)
        sums += np.log(np.abs(np.diag(r)))
    return np.sort(sums / (n_steps * dt))[::-1]


def numpy_ctrnn_rk4(weights, bias, y, dt, n_steps):
    def f(y):
        return -y + (1 / (1 + np.exp(-(y + bias)))) @ weights.T

    for _ in range(n_steps):
        k1 = f(y); k2 = f(y + dt / 2 * k1); k3 = f(y + dt / 2 * k2); k4 = f(y + dt * k3)  # noqa: E702
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(environment_header())
    print(f"\n{'workload':<58}{'evornn s':>10}{'baseline s':>12}{'ratio':>8}")

    y0, dt, n_steps, n_transient = [1.0, 1.0, 20.0], 0.01, 100_000, 1000
    lorenz = systems.lorenz()
    lyapunov_spectrum(lorenz, y0, dt=dt, n_steps=100, n_transient=10)  # compile (or load from cache)
    t_ours, ours = median_time(lambda: lyapunov_spectrum(lorenz, y0, dt=dt, n_steps=n_steps, n_transient=n_transient)[0],
                               args.repeats)
    t_base, base = median_time(lambda: numpy_lorenz_spectrum(y0, dt, n_steps, n_transient), 1)
    print(f"{'Lorenz spectrum, 100,000 RK4 steps (NumPy + scipy.linalg.qr)':<58}{t_ours:>10.3f}{t_base:>12.3f}"
          f"{t_base / t_ours:>8.0f}")
    print(f"    evornn {np.round(ours, 4).tolist()}, baseline {np.round(base, 4).tolist()}, "
          "published (0.9056, 0, -14.5723)")

    weights, bias = np.array([[10.0, 1.0], [1.0, 10.0]]), np.array([-5.5, -5.5])
    net = evornn.CTRNN(weights, bias=bias)
    n, t_transient, t_measure, step = 400, 50.0, 10.0, 0.05
    grid = ((0, -12.0, 8.0, n), (1, -12.0, 8.0, n))
    basin_grid(net, (0, -1, 1, 4), (1, -1, 1, 4), dt=step, t_transient=1, t_measure=1)  # compile
    t_ours, b = median_time(lambda: basin_grid(net, *grid, dt=step, t_transient=t_transient, t_measure=t_measure),
                            args.repeats)
    gx, gy = np.meshgrid(np.linspace(-12, 8, n), np.linspace(-12, 8, n))
    states = np.stack([gx.ravel(), gy.ravel()], axis=1)
    n_total = round((t_transient + t_measure) / step)
    t_base, _ = median_time(lambda: numpy_ctrnn_rk4(weights, bias, states, step, n_total), 1)
    print(f"{'400 x 400 basin grid, 2-neuron CTRNN, 1200 RK4 steps':<58}{t_ours:>10.3f}{t_base:>12.3f}"
          f"{t_base / t_ours:>8.1f}")
    print(f"    {len(b.kinds)} attractors ({', '.join(b.kinds)}), fractions {np.round(b.fractions, 4).tolist()}; "
          "the baseline integrates only")


if __name__ == "__main__":
    main()
