"""Continuation: the cost of a bifurcation picture from curves against a brute-force grid,
and batched branches against a loop over networks.

1. The fold curves of a 2-neuron CTRNN (self weights 5.5, cross weights -1 and 1) in the
   plane of its two biases, (-10, 5) x (-10, 5): `bifurcation_curves` (every fold curve and
   its cusps; each curve point solves F = 0 and det F_y = 0 to Newton's tolerance) against
   the brute-force map of equilibrium counts by `fixed_points` on n x n grids, which
   places a boundary only to within half a cell. Grids of 30, 60 and 120 cells a side are
   timed; the time of a grid as fine as a given accuracy is extrapolated from them (it
   grows as the number of cells, n^2).
2. Equilibrium branches of 1,000 random 3-neuron CTRNNs continued in one input in one
   batched call, against a loop that continues each network alone (timed on 50 networks).

    python benchmarks/bench_continuation.py
"""

from __future__ import annotations

import time

import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.analysis import bifurcation_curves, continue_equilibria, fixed_points
from evornn.environment import header as environment_header

WEIGHTS = np.array([[5.5, -1.0], [1.0, 5.5]])
BOX = ((-10.0, 5.0), (-10.0, 5.0))


def bias_plane() -> None:
    net = evornn.CTRNN(WEIGHTS, bias=[-2.75, -2.75])
    t_curves, curves = median_time(lambda: bifurcation_curves(net, ("bias[0]", "bias[1]"), bounds=BOX, n_lines=3), 3)
    residual = 0.0
    for curve in curves:
        for (a, b), y in zip(curve.values, curve.states, strict=True):
            one = evornn.CTRNN(WEIGHTS, bias=[a, b])
            f = -y + WEIGHTS @ (1 / (1 + np.exp(-(y + np.array([a, b])))))
            residual = max(residual, float(np.abs(f).max()), abs(float(np.linalg.det(one.jacobian(y[None])[0]))))
    n_cusps = sum(len(c.points("CP")) for c in curves)
    print(f"\n1. Fold curves of the 2-neuron CTRNN in the bias plane {BOX}")
    print(f"continuation: {len(curves)} fold curves, {sum(len(c.values) for c in curves)} points, {n_cusps} cusps, "
          f"{t_curves:.2f} s (median of 3); every point solves F = 0 and det F_y = 0 to {residual:.1e}")
    print(f"{'grid':>10}{'networks':>10}{'time (s)':>10}{'boundary to within':>20}")
    times = {}
    for n in (30, 60, 120):
        edges = np.linspace(BOX[0][0], BOX[0][1], n + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        t1, t2 = np.meshgrid(centres, centres, indexing="ij")
        grid = evornn.CTRNN(np.broadcast_to(WEIGHTS, (t1.size, 2, 2)), bias=np.column_stack([t1.ravel(), t2.ravel()]))
        start = time.perf_counter()
        fixed_points(grid).counts()
        times[n] = time.perf_counter() - start
        print(f"{f'{n} x {n}':>10}{n * n:>10,}{times[n]:>10.2f}{(edges[1] - edges[0]) / 2:>20.4f}")
    per_cell = times[120] / 120**2
    for accuracy in (1e-2, 1e-3):
        n = (BOX[0][1] - BOX[0][0]) / (2 * accuracy)
        t_grid = per_cell * n * n
        print(f"a grid placing the boundary to within {accuracy:g}: {n:,.0f} x {n:,.0f} cells, about {t_grid:,.0f} s "
              f"(extrapolated from the 120 x 120 grid): {t_grid / t_curves:,.0f}x the continuation's time")


def batched(n_pop: int = 1000, n_loop: int = 50) -> None:
    rng = np.random.default_rng(0)
    nets = evornn.CTRNN(rng.uniform(-6, 6, (n_pop, 3, 3)), bias=rng.uniform(-3, 3, (n_pop, 3)),
                        tau=rng.uniform(0.5, 2, (n_pop, 3)), input_weights=rng.uniform(-4, 4, (n_pop, 3, 1)))
    y0 = evornn.simulate(nets, dt=0.05, n_steps=400).y_final
    kwargs = {"bounds": (-3.0, 3.0), "max_points": 400}
    continue_equilibria(nets.take(np.arange(2)), "input[0]", y0[:2], **kwargs)  # compile
    t_batch, branches = median_time(lambda: continue_equilibria(nets, "input[0]", y0, **kwargs), 3)

    def loop():
        for p in range(n_loop):
            continue_equilibria(nets.take([p]), "input[0]", y0[[p]], **kwargs)

    t_loop = median_time(loop, 3)[0] / n_loop * n_pop
    print(f"\n2. Equilibrium branches of {n_pop:,} random 3-neuron CTRNNs in one input, (-3, 3)")
    print(f"batched: {t_batch:.2f} s, {n_pop / t_batch:,.0f} branches/s ({int(branches.n_points.sum()):,} points, "
          f"{len(branches.special)} bifurcations located); one network at a time: {t_loop:.1f} s "
          f"(from {n_loop} networks), {n_pop / t_loop:,.0f} branches/s; {t_loop / t_batch:.1f}x")


def main() -> None:
    print(environment_header())
    bias_plane()
    batched()


if __name__ == "__main__":
    main()
