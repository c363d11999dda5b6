"""Hopfield and BAM recall: evornn against NumPy vectorised across probes, in the same run.

1. Asynchronous recall, N = 1000 units, Hebbian load 0.1, 10,000 probes with 10% flipped
   bits, a fresh random update order per probe and sweep. The NumPy baseline is vectorised
   across probes and as clever as evornn's kernel: it also keeps every probe's local fields
   and updates them by one column of W per flip (a naive one recomputes a field per update
   and is far slower). Orders come from each probe's own stream in evornn and from one
   ``Generator.permuted`` per sweep in NumPy, so the two runs draw different orders; both
   recall rates are printed.
2. Synchronous recall: one matrix product per step for all probes. evornn runs this with
   BLAS too, so the baseline is the same algorithm in plain NumPy (probes leave at a fixed
   point or a 2-cycle): the ratio shows evornn's bookkeeping costs nothing over BLAS.
3. BAM (500 x 500, 20 pairs, 10,000 probes): deterministic recall (BLAS passes) against the
   same passes in plain NumPy; the stochastic BAM (per-probe streams in the compiled kernel)
   is timed alone.

    python benchmarks/bench_hopfield.py [--repeats 3]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

from evornn.environment import header as environment_header
from evornn.models.bam import BAM
from evornn.models.hopfield import Hopfield, flip_bits, hebbian


def numpy_async(w, start, rng, max_sweeps=100):
    """Asynchronous recall vectorised across probes, with incrementally updated fields."""
    s = start.copy()
    n_probes, n = s.shape
    fields = s @ w.T
    w_t = np.ascontiguousarray(w.T)
    rows = np.arange(n_probes)
    active = np.ones(n_probes, dtype=bool)
    for _ in range(max_sweeps):
        orders = rng.permuted(np.tile(np.arange(n), (n_probes, 1)), axis=1)
        changed = np.zeros(n_probes, dtype=bool)
        for k in range(n):
            i = orders[:, k]
            a = fields[rows, i]
            current = s[rows, i]
            new = np.where(a > 0, 1.0, np.where(a < 0, -1.0, current))
            flip = (new != current) & active
            if flip.any():
                p = rows[flip]
                delta = new[flip] - current[flip]
                fields[p] += delta[:, None] * w_t[i[flip]]
                s[p, i[flip]] = new[flip]
                changed |= flip
        active &= changed
        if not active.any():
            break
    return s


def blas_sync(w, start, max_steps=100):
    """Plain NumPy: one product per step; a probe stops at a fixed point or a 2-cycle."""
    out = start.copy()
    idx = np.arange(start.shape[0])
    s, previous = start.copy(), None
    for _ in range(max_steps):
        a = s @ w.T
        nxt = np.where(a > 0, 1.0, np.where(a < 0, -1.0, s))
        done = np.all(nxt == s, axis=1)
        if previous is not None:
            done |= np.all(nxt == previous, axis=1)
        out[idx[done]] = nxt[done]
        idx, previous, s = idx[~done], s[~done], nxt[~done]
        if idx.size == 0:
            break
    out[idx] = s
    return out


def blas_bam(w, x, max_steps=100):
    """Plain NumPy: a forward and a backward product per step; a probe stops when stable."""
    out_x = x.copy()
    idx = np.arange(x.shape[0])
    y = np.where(x @ w >= 0, 1.0, -1.0)
    x = np.where(y @ w.T > 0, 1.0, np.where(y @ w.T < 0, -1.0, x))
    for _ in range(max_steps):
        b = x @ w
        y_new = np.where(b > 0, 1.0, np.where(b < 0, -1.0, y))
        a = y_new @ w.T
        x_new = np.where(a > 0, 1.0, np.where(a < 0, -1.0, x))
        done = np.all(x_new == x, axis=1) & np.all(y_new == y, axis=1)
        out_x[idx[done]] = x_new[done]
        idx, x, y = idx[~done], x_new[~done], y_new[~done]
        if idx.size == 0:
            break
    out_x[idx] = x
    return out_x, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--probes", type=int, default=10_000)
    args = parser.parse_args()
    print(environment_header())
    rng = np.random.default_rng(0)
    n, k = 1000, args.probes
    patterns = np.where(rng.random((100, n)) < 0.5, -1.0, 1.0)
    w = hebbian(patterns)
    net = Hopfield(w)
    targets = np.repeat(patterns, k // 100, axis=0)
    probes = flip_bits(targets, 0.1, rng)
    header = f"{'workload':<52}{'evornn trials/s':>16}{'baseline trials/s':>19}{'ratio':>8}"
    print(header)
    print("-" * len(header))

    def ours():
        return net.recall(targets, probes=probes, rng=1)

    def theirs():
        return numpy_async(w, probes, np.random.default_rng(1))

    net.recall(targets[:10], probes=probes[:10], rng=1)  # compile outside the timing
    t_ours, result = median_time(ours, args.repeats)
    t_theirs, final = median_time(theirs, args.repeats)
    rate_theirs = np.mean(np.all(final == targets, axis=1))
    print(f"{f'async recall, N {n}, {k} probes (NumPy: incremental fields)':<52}{k / t_ours:>16,.0f}{k / t_theirs:>19,.0f}"
          f"{t_theirs / t_ours:>7.1f}x   recall {result.rate:.3f} vs {rate_theirs:.3f}")

    def ours_sync():
        return net.recall(targets, probes=probes, update="sync")

    def theirs_sync():
        return blas_sync(w, probes)

    t_ours, result = median_time(ours_sync, args.repeats)
    t_theirs, final = median_time(theirs_sync, args.repeats)
    same = np.array_equal(result.states, final)
    print(f"{f'sync recall, N {n}, {k} probes (plain NumPy + BLAS)':<52}{k / t_ours:>16,.0f}"
          f"{k / t_theirs:>19,.0f}{t_theirs / t_ours:>7.1f}x   same final states: {same}")

    xs = np.where(rng.random((20, 500)) < 0.5, -1.0, 1.0)
    ys = np.where(rng.random((20, 500)) < 0.5, -1.0, 1.0)
    bam = BAM.from_pairs(xs, ys)
    tx = xs[np.arange(k) % 20]  # the order recall() uses
    start = flip_bits(tx, 0.1, np.random.default_rng(2))

    def ours_bam():
        return bam.recall(xs, ys, probes=start, rng=2)

    def theirs_bam():
        return blas_bam(bam.params.weights[0], start)

    t_ours, result = median_time(ours_bam, args.repeats)
    t_theirs, (bx, _) = median_time(theirs_bam, args.repeats)
    print(f"{f'BAM recall, 500 x 500, {k} probes (plain NumPy + BLAS)':<52}{k / t_ours:>16,.0f}{k / t_theirs:>19,.0f}"
          f"{t_theirs / t_ours:>7.1f}x   recall {result.rate:.3f}; same x: {np.array_equal(result.x, bx)}")

    def ours_stochastic():
        return bam.recall(xs, ys, n_probes=k, noise=0.1, temperature=0.2, max_steps=10, rng=3)

    ours_stochastic()
    t_ours, result = median_time(ours_stochastic, args.repeats)
    print(f"{f'stochastic BAM, T 0.2, 10 steps, {k} probes':<52}{k / t_ours:>16,.0f}{'-':>19}{'':>8}   "
          f"recall {result.rate:.3f}")


if __name__ == "__main__":
    main()
